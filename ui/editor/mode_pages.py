"""The schedule editor's pages for the modes without a step table: the daily dose of the
simple continuous mode (typed and shown per day, with its per-hour and mL/day equivalents), and
what the stopped and minimum-rate modes deliver.

Like the editor, they hold no programme state: setting the dose is one
:meth:`ProgrammeDocument.edit`; what the user is told goes up by ``rejected`` and ``accepted``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from programmer import schedule_edit as se
from programmer.programme import Mode, Programme
from programmer.units import RateUnit, exact
from programmer.words import MODE_NAMES
from ui.editor.document import ProgrammeDocument
from ui.prompter import Prompter
from ui.widgets.entry import (
    EntryError,
    format_fixed,
    format_plain,
    format_rate,
    parse_decimal,
    split_unit,
)
from ui.widgets.restyle import labelled


def _daily_dose_words(programme: Programme) -> str:
    dose = programme.daily_dose_mcg
    if programme.mode is not Mode.SIMPLE_CONTINUOUS or dose is None:
        return MODE_NAMES[programme.mode]
    return format_rate(dose, RateUnit.MCG_PER_DAY)


class DailyDosePage(QWidget):
    """The daily dose of ``document``'s pending programme, in simple continuous mode.

    ``rejected(str)``: an entry was refused (nothing changed), with why; ``accepted(str)``: what
    an entry changed."""

    rejected = Signal(str)
    accepted = Signal(str)

    def __init__(
        self,
        document: ProgrammeDocument,
        prompter: Prompter,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.prompter = prompter
        self.dose_edit = QLineEdit()
        self.dose_edit.setAccessibleName("Daily dose")
        self.dose_edit.setMaximumWidth(160)
        self.dose_unit_label = QLabel(RateUnit.MCG_PER_DAY.value)
        self.dose_equivalents = QLabel()
        self.dose_equivalents.setAccessibleName("Daily dose in other units")
        self.dose_set_button = QPushButton("Set dose")
        self.dose_edit.returnPressed.connect(self.apply)
        self.dose_set_button.clicked.connect(self.apply)
        simple_row = QHBoxLayout()
        simple_row.addWidget(labelled("Daily dose", self.dose_edit))
        simple_row.addWidget(self.dose_edit)
        simple_row.addWidget(self.dose_unit_label)
        simple_row.addWidget(self.dose_set_button)
        simple_row.addWidget(self.dose_equivalents)
        simple_row.addStretch(1)
        simple_layout = QVBoxLayout(self)
        simple_layout.addLayout(simple_row)
        simple_layout.addStretch(1)

    def _edit(
        self,
        text: str,
        operation: Callable[[Programme], Programme],
        merge_key: Hashable | None = None,
        *,
        value: Callable[[Programme], str] | None = None,
    ) -> bool:
        """One edit through the document; a refusal is told where the user acted."""
        try:
            return self.document.edit(text, operation, merge_key=merge_key, value=value)
        except se.EditError as error:
            self.rejected.emit(str(error))
            return False

    def sync(self) -> None:
        """Show the pending programme's daily dose (simple continuous mode), in three units."""
        pending = self.document.pending
        conc = pending.drug.concentration_mcg_per_ml
        # A daily dose is typed and shown per day, whatever the step-rate unit: a field called
        # "daily dose" holding a per-hour figure is the 24x trap itself (domain.md).
        self.dose_unit_label.setText(RateUnit.MCG_PER_DAY.value)
        if pending.mode is Mode.SIMPLE_CONTINUOUS and pending.daily_dose_mcg is not None:
            daily = exact(pending.daily_dose_mcg)
            self.dose_edit.setText(format_plain(daily))
            self.dose_equivalents.setText(
                f"= {format_rate(daily / 24, RateUnit.MCG_PER_H)} "
                f"= {format_rate(daily / exact(conc), RateUnit.ML_PER_DAY)}"
            )
        else:
            self.dose_equivalents.clear()

    def apply(self) -> None:
        """Set the typed daily dose (read in the unit typed with it, else mcg/day)."""
        pending = self.document.pending
        conc = pending.drug.concentration_mcg_per_ml
        try:
            number, typed_unit = split_unit(self.dose_edit.text(), [u.value for u in RateUnit])
            unit = RateUnit(typed_unit) if typed_unit else RateUnit.MCG_PER_DAY
            typed = parse_decimal(number, what="The daily dose")
        except EntryError as error:
            self.rejected.emit(str(error))
            return
        entry = se.convert_rate(typed, unit, conc, RateUnit.MCG_PER_DAY)
        if not entry.exact and not self.prompter.confirm(
            "Dose is not exact",
            f"{format_plain(typed)} {unit.value} is {entry.shown}, which the pump cannot hold "
            f"exactly.\n\nSet {entry.nearest_text} instead?",
        ):
            self.rejected.emit(f"{entry.shown} cannot be held exactly.")
            return
        if self._edit(
            "Daily dose",
            partial(se.set_daily_dose, dose_mcg_per_day=entry.nearest),
            merge_key=("daily_dose",),
            value=_daily_dose_words,
        ):
            self.accepted.emit(
                f"Daily dose set to {format_rate(entry.nearest, RateUnit.MCG_PER_DAY)} = "
                f"{format_rate(exact(entry.nearest) / 24, RateUnit.MCG_PER_H)} = "
                f"{format_rate(exact(entry.nearest) / exact(conc), RateUnit.ML_PER_DAY)}."
            )


class OtherModePage(QWidget):
    """What the stopped and the minimum-rate modes of ``document``'s pending programme deliver."""

    def __init__(self, document: ProgrammeDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.other_mode_label = QLabel()
        self.other_mode_label.setWordWrap(True)
        self.other_mode_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        other_layout = QVBoxLayout(self)
        other_layout.addWidget(self.other_mode_label)
        other_layout.addStretch(1)

    def sync(self) -> None:
        """Say what the stopped and the minimum-rate modes deliver."""
        pending = self.document.pending
        conc = pending.drug.concentration_mcg_per_ml
        pump = self.document.pump
        if pending.mode is Mode.MINIMUM_RATE:
            per_day = exact(pump.min_flow_ml_per_day) * exact(conc)
            self.other_mode_label.setText(
                f"Minimum rate: the {pump.display_name}'s lowest flow, "
                f"{format_rate(pump.min_flow_ml_per_day, RateUnit.ML_PER_DAY)} "
                f"({format_rate(per_day, RateUnit.MCG_PER_DAY)} at "
                f"{format_fixed(conc, 0)} mcg/mL). It keeps the catheter open; it is no therapy."
            )
        elif pending.mode is Mode.STOPPED:
            self.other_mode_label.setText(
                "Stopped: the pump delivers nothing. Stopping baclofen abruptly risks "
                "withdrawal; plan monitoring and a restart."
            )
