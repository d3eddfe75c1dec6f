"""The visit's review before transmitting (product.md, "The visit": "review (pump and pending
side by side; every changed value; the new alarm, refill and empty dates; each dose change's
delta and % against its limit)").

:func:`visit_review` gathers what the dialog shows, with no Qt: the pump as last interrogated
beside the programme to transmit (every changed value marked, ui/comparison.py), how the pump
differs from the record (ui/pump/record.py), the engine's projection and findings for the
programme (Database.check_context + check_programme, the save path's own check) and each
weekday's dose change against its limit (programmer/dose_change.py). :class:`VisitReviewDialog`
shows it; confirming it is stored as a visit step (``visit.reviewed``) by ui/visit.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from programmer.check_context import CheckContext
from programmer.compare import Row, compare
from programmer.dose_change import DoseChange, change_words, day_change
from programmer.finding import Finding, Severity
from programmer.findings import CheckResult, check_programme
from programmer.programme import Programme
from programmer.projection import RefillLimit
from programmer.simulated_pump import SimulatedPump
from programmer.words import WEEKDAY_NAMES
from ui.comparison import ComparisonModel, comparison_view
from ui.pump.record import (
    RecordView,
    differs_words,
    expected_state_words,
    programme_differences,
    state_words,
)
from ui.screen import fit_to_screen
from ui.theme import PUMP_DIFFERS_STYLE, SEVERITY_COLOURS, SEVERITY_NAMES, severity_style

LIMIT_WORDS = {
    RefillLimit.ALARM: "the low-reservoir alarm",
    RefillLimit.STABILITY: "the drug's stability",
    RefillLimit.REPLACEMENT: "the pump's replace-by date",
}


@dataclass(frozen=True, slots=True)
class DayChange:
    """One weekday's 24-h change from the pump to the programme to transmit (``days``: the
    weekdays it applies to, all seven when every day changes alike)."""

    days: tuple[int, ...]
    change: DoseChange

    @property
    def label(self) -> str:
        if len(self.days) == 7:
            return "Every day"
        return ", ".join(WEEKDAY_NAMES[d] for d in self.days)

    @property
    def words(self) -> str:
        return change_words(self.change)


@dataclass(frozen=True, slots=True)
class VisitReview:
    """What the review shows: ``rows`` pump (as read at ``pump_read_at``) against ``programme``
    (``programme_title``: the saved version or the unsaved edits), ``record_differs`` the words
    for a pump that does not run the record's version (None when it does), the engine's
    ``result`` for the programme, each dose change."""

    programme_title: str
    pump_read_at: datetime
    rows: tuple[Row, ...]
    record_differs: str | None
    record_is_reviewed: bool  # the programme reviewed is the record's version (not sent yet)
    result: CheckResult
    dose_changes: tuple[DayChange, ...]

    @property
    def changed(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if r.changed)

    @property
    def over_limit(self) -> tuple[DayChange, ...]:
        return tuple(c for c in self.dose_changes if not c.change.within_limit)

    def dates(self) -> list[tuple[str, datetime | None]]:
        p = self.result.projection
        return [
            ("New low-reservoir alarm", p.low_reservoir_alarm_at),
            (f"Next refill (set by {LIMIT_WORDS[p.refill_limited_by]})", p.next_refill_at),
            ("Reservoir empty", p.empty_at),
        ]

    def details(self, saved_version: int | None) -> dict[str, object]:
        """The figures stored with the ``visit.reviewed`` step (and printed in the report)."""

        def moment(m: datetime | None) -> str:
            return "never reached" if m is None else f"{m:%Y-%m-%d %H:%M}"

        p = self.result.projection
        return {
            "version": saved_version,
            "pump_read_at": f"{self.pump_read_at:%Y-%m-%d %H:%M}",
            "changed": [f"{r.label}: {r.before} → {r.after}" for r in self.changed] or "none",
            "record_and_pump_differ": self.record_differs or "no",
            "dose_changes": [f"{c.label}: {c.words}" for c in self.dose_changes] or "none",
            "low_reservoir_alarm_at": moment(p.low_reservoir_alarm_at),
            "next_refill_at": moment(p.next_refill_at),
            "empty_at": moment(p.empty_at),
            "findings": [f"{f.code.value} ({f.severity.value})" for f in self.result.findings]
            or "none",
        }


def dose_changes(
    pump: Programme, programme: Programme, context: CheckContext, now: datetime
) -> tuple[DayChange, ...]:
    """Each weekday's change from what the pump delivers to ``programme``, weekdays with the
    same change taken together; none when neither side is a therapy mode or nothing changes."""
    by_day: dict[DoseChange, list[int]] = {}
    for weekday in range(7):
        change = day_change(
            programme,
            pump,
            weekday,
            library=context.library,
            catalogue=context.catalogue,
            today=now.date(),
        )
        if change is not None and change.changed:
            by_day.setdefault(change, []).append(weekday)
    return tuple(DayChange(tuple(days), change) for change, days in by_day.items())


def visit_review(
    pump: SimulatedPump,
    programme: Programme,
    *,
    programme_title: str,
    record: RecordView | None,
    context: CheckContext,
    now: datetime,
) -> VisitReview:
    """The review of ``programme`` (to be transmitted) against ``pump`` as last read, checked
    at ``now`` with the patient's ``context`` (Database.check_context)."""
    state = Row("Pump state", "state", state_words(pump), expected_state_words(programme))
    compared = [state, *compare(pump.programme, programme)]
    # The changed values first (all highlighted), then the rest for reference.
    rows = tuple([r for r in compared if r.changed] + [r for r in compared if not r.changed])
    differs_rows = programme_differences(record, pump)
    differs = None
    if record is not None and differs_rows:
        differs = differs_words(record, differs_rows)
    return VisitReview(
        programme_title=programme_title,
        pump_read_at=pump.clock,
        rows=rows,
        record_differs=differs,
        record_is_reviewed=record is not None and record.programme == programme,
        result=check_programme(programme, context, now=now),
        dose_changes=dose_changes(pump.programme, programme, context, now),
    )


def _finding_line(finding: Finding) -> str:
    colour = SEVERITY_COLOURS[finding.severity].name()
    return (
        f'<span style="color:{colour}"><b>{SEVERITY_NAMES[finding.severity]}</b> '
        f"{escape(finding.code.value)}</span>: {escape(finding.message)}"
    )


class VisitReviewDialog(QDialog):
    """The review: pump and programme side by side, the record's difference, the new dates,
    the dose changes against their limits, the findings; "Confirm review" or Cancel."""

    def __init__(self, review: VisitReview, heading: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.review = review
        self.setObjectName("visitReviewDialog")
        self.setWindowTitle("Review the visit before transmitting")
        layout = QVBoxLayout(self)
        top = QLabel(heading)
        top.setWordWrap(True)
        layout.addWidget(top)
        self.differs_label = QLabel()
        self.differs_label.setObjectName("reviewRecordDiffers")
        self.differs_label.setWordWrap(True)
        if review.record_differs is not None and review.record_is_reviewed:
            # Saved, not sent yet: the differences are the change this transmission makes.
            self.differs_label.setText(
                f"Not transmitted yet: {review.record_differs}. Transmitting it brings pump "
                "and record together; every highlighted value below changes on the pump."
            )
            background, colour = severity_style(Severity.SOFT)
            self.differs_label.setStyleSheet(
                f"QLabel {{ background: {background}; color: {colour}; padding: 6px 10px; }}"
            )
            layout.addWidget(self.differs_label)
        elif review.record_differs is not None:
            self.differs_label.setText(
                f"⚠ RECORD AND PUMP DIFFER: {review.record_differs}. The pump does not deliver "
                "what the record says: find out why before transmitting."
            )
            self.differs_label.setStyleSheet(f"QLabel {{ {PUMP_DIFFERS_STYLE} }}")
            layout.addWidget(self.differs_label)
        else:
            self.differs_label.setVisible(False)
        self.model = ComparisonModel(
            f"Pump (read {review.pump_read_at:%Y-%m-%d %H:%M})", review.programme_title, self
        )
        self.model.set_rows(review.rows)
        self.table = comparison_view(self.model, "Pump against the programme to transmit")
        self.table.setObjectName("visitReviewTable")
        changed = len(review.changed)
        caption = QLabel(
            f"&Pump and programme side by side: {changed} changed value(s), highlighted, first"
        )
        caption.setBuddy(self.table)
        layout.addWidget(caption)
        layout.addWidget(self.table, 3)

        self.summary = QLabel(self._summary_html())
        self.summary.setObjectName("visitReviewSummary")
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Dates, dose changes and findings")
        box = QGroupBox("Dates, dose changes, findings")
        QVBoxLayout(box).addWidget(self.summary)
        # The Tab stop after the table: arrows and Page keys scroll the dates and findings.
        self.summary_scroll = QScrollArea()
        self.summary_scroll.setObjectName("visitReviewSummaryScroll")
        self.summary_scroll.setAccessibleName("Dates, dose changes and findings")
        self.summary_scroll.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.summary_scroll.setWidgetResizable(True)
        self.summary_scroll.setWidget(box)
        layout.addWidget(self.summary_scroll, 2)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.confirm = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.confirm.setText("&Confirm review")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        fit_to_screen(self, QSize(900, 700))
        self.table.setFocus()

    def _summary_html(self) -> str:
        r = self.review
        parts = ["<b>After the transmission</b><ul>"]
        for label, moment in r.dates():
            when = (
                "never reached at this delivery" if moment is None else f"{moment:%Y-%m-%d %H:%M}"
            )
            parts.append(f"<li>{escape(label)}: <b>{when}</b></li>")
        parts.append("</ul><b>Daily dose change (pump → programme)</b><ul>")
        hard = SEVERITY_COLOURS[Severity.HARD].name()
        for c in r.dose_changes:
            words = escape(c.words)
            if not c.change.within_limit:
                words = f'<span style="color:{hard}"><b>OVER THE LIMIT: {words}</b></span>'
            parts.append(f"<li>{escape(c.label)}: {words}</li>")
        if not r.dose_changes:
            parts.append("<li>No change of the daily dose.</li>")
        parts.append("</ul><b>Findings</b><ul>")
        parts += [f"<li>{_finding_line(f)}</li>" for f in r.result.findings]
        if not r.result.findings:
            parts.append("<li>No findings.</li>")
        parts.append("</ul>")
        return "".join(parts)
