"""The scale dialog's preview of a programme with every rate changed by the same percentage
("Change all rates by %"): its 24-h total and the change in %, the change against the saved
programme with its limit, and its findings."""

from __future__ import annotations

from programmer.dose_change import change_words, day_change
from programmer.programme import EVERY_DAY, WEEKDAYS, Programme
from programmer.units import RateUnit
from programmer.words import day_label
from ui.dialogs import ScaleAssessment
from ui.editor.document import ProgrammeDocument
from ui.widgets.entry import format_fixed, format_rate


def assess_scaled(document: ProgrammeDocument, day: str, programme: Programme) -> ScaleAssessment:
    """The scale dialog's preview of ``programme``: its 24-h total, the change in %, the
    change against the saved programme with its limit, and its findings."""
    result = document.check(programme)
    now = document.result.projection.daily_doses
    new = result.projection.daily_doses
    if new.varies:
        total = (
            f"New 24-h totals: {format_rate(new.lowest, RateUnit.MCG_PER_DAY)} to "
            f"{format_rate(new.highest, RateUnit.MCG_PER_DAY)} by weekday (mean "
            f"{format_rate(new.mean, RateUnit.MCG_PER_DAY)})"
        )
    else:
        total = f"New 24-h total: {format_rate(new.mean, RateUnit.MCG_PER_DAY)}"
    if now.mean:
        step = (new.mean - now.mean) * 100 / now.mean
        sign = "+" if step > 0 else "-" if step < 0 else "±"
        mean = " mean" if now.varies else ""
        total += (
            f" (now {format_rate(now.mean, RateUnit.MCG_PER_DAY)}{mean}: "
            f"{sign}{format_fixed(abs(step), 1)} %)"
        )
    weekday = WEEKDAYS.index(day) if day in WEEKDAYS else 0
    change = day_change(
        programme,
        document.current,
        weekday,
        library=document.library,
        catalogue=document.catalogue,
        today=document.now.date(),
    )
    if document.current is None:
        against = "New programme: no saved programme to compare with."
    elif change is None:
        against = "Against the saved programme: no titration figure (stopped or minimum rate)."
    else:
        which = "" if day == EVERY_DAY else f" ({day_label(day)})"
        against = f"Against the saved programme{which}: {change_words(change)}"
    return ScaleAssessment(total, against, result.findings)
