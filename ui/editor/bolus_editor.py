"""The bolus editor of the schedule editor: the planned boluses (table, new bolus, remove),
the patient-activated bolus settings and the worst-case daily total they allow.

Like the editor, it holds no programme state: each action is one :meth:`ProgrammeDocument.edit`;
what the user is told goes up by ``rejected`` and ``accepted`` to the editor's message line.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from programmer import schedule_edit as se
from programmer.finding import Severity
from programmer.programme import Bolus, PatientBolus, Programme
from programmer.units import RateUnit
from ui.editor.bolus_model import BolusTableModel, format_moment, parse_moment
from ui.editor.document import ProgrammeDocument
from ui.theme import severity_style
from ui.widgets.entry import (
    EntryError,
    format_fixed,
    format_plain,
    format_rate,
    parse_decimal,
    parse_whole,
)
from ui.widgets.restyle import labelled, restyle


def _patient_bolus_words(programme: Programme) -> str:
    pb = programme.patient_bolus
    if pb is None:
        return "none"
    return (
        f"{format_fixed(pb.dose_mcg, 2)} mcg over {pb.duration_min} min, lockout "
        f"{pb.lockout_min} min, at most {pb.max_per_day}/day"
    )


class BolusEditor(QGroupBox):
    """The "Boluses" box of one :class:`ProgrammeDocument`.

    ``rejected(str)``: an entry was refused (nothing changed), with why; ``accepted(str)``: what
    an entry changed."""

    rejected = Signal(str)
    accepted = Signal(str)

    def __init__(self, document: ProgrammeDocument, parent: QWidget | None = None) -> None:
        super().__init__("Boluses", parent)
        self.document = document
        self.bolus_model = BolusTableModel(document, self)
        self._build()
        self._lay_out()
        self.bolus_model.entry_rejected.connect(self.rejected)

    def _build(self) -> None:
        self.bolus_table = QTableView()
        self.bolus_table.setModel(self.bolus_model)
        self.bolus_table.setAccessibleName("Planned boluses")
        self.bolus_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.bolus_table.setTabKeyNavigation(False)
        bolus_header = self.bolus_table.horizontalHeader()
        bolus_header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        bolus_header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.bolus_table.verticalHeader().hide()
        self.bolus_table.verticalHeader().setDefaultSectionSize(24)
        self.bolus_table.setMinimumHeight(70)
        self.new_bolus_start = QLineEdit()
        self.new_bolus_start.setAccessibleName("New bolus start")
        self.new_bolus_start.setPlaceholderText("YYYY-MM-DD HH:MM")
        self.new_bolus_dose = QLineEdit()
        self.new_bolus_dose.setAccessibleName("New bolus dose in mcg")
        self.new_bolus_dose.setPlaceholderText("dose")
        self.new_bolus_duration = QLineEdit()
        self.new_bolus_duration.setAccessibleName("New bolus duration in minutes")
        self.new_bolus_duration.setPlaceholderText("duration")
        self.add_bolus_button = QPushButton("Add bolus")
        self.remove_bolus_button = QPushButton("Remove bolus")
        self.add_bolus_button.clicked.connect(self._add_bolus)
        self.remove_bolus_button.clicked.connect(self._remove_bolus)
        for edit in (self.new_bolus_start, self.new_bolus_dose, self.new_bolus_duration):
            edit.returnPressed.connect(self._add_bolus)

        self.pb_enabled = QCheckBox("Patient bolus (PTM)")
        self.pb_enabled.setAccessibleName("Patient-activated bolus enabled")
        self.pb_enabled.clicked.connect(self._on_patient_bolus_toggled)
        self.pb_dose = QLineEdit()
        self.pb_dose.setAccessibleName("Patient bolus dose in mcg")
        self.pb_duration = QLineEdit()
        self.pb_duration.setAccessibleName("Patient bolus duration in minutes")
        self.pb_lockout = QLineEdit()
        self.pb_lockout.setAccessibleName("Patient bolus lockout in minutes")
        self.pb_max = QLineEdit()
        self.pb_max.setAccessibleName("Patient boluses per day at most")
        self.pb_set_button = QPushButton("Set")
        self.pb_set_button.clicked.connect(self._apply_patient_bolus)
        for edit in (self.pb_dose, self.pb_duration, self.pb_lockout, self.pb_max):
            edit.setMaximumWidth(70)
            edit.returnPressed.connect(self._apply_patient_bolus)
        for edit in (self.new_bolus_dose, self.new_bolus_duration):
            edit.setMaximumWidth(70)
        self.worst_case_label = QLabel()
        self.worst_case_label.setWordWrap(True)
        self.worst_case_label.setAccessibleName("Worst-case daily total")

    def _lay_out(self) -> None:
        bolus_layout = QVBoxLayout(self)
        bolus_layout.addWidget(self.bolus_table, 1)
        new_row = QHBoxLayout()
        new_row.addWidget(labelled("Start", self.new_bolus_start))
        new_row.addWidget(self.new_bolus_start, 2)
        new_row.addWidget(self.new_bolus_dose)
        new_row.addWidget(QLabel("mcg"))
        new_row.addWidget(self.new_bolus_duration)
        new_row.addWidget(QLabel("min"))
        bolus_layout.addLayout(new_row)
        bolus_buttons = QHBoxLayout()
        bolus_buttons.addWidget(self.add_bolus_button)
        bolus_buttons.addWidget(self.remove_bolus_button)
        bolus_buttons.addStretch(1)
        bolus_layout.addLayout(bolus_buttons)
        pb_form = QGridLayout()
        pb_form.addWidget(self.pb_enabled, 0, 0, 1, 4)
        for i, (text, edit, unit) in enumerate(
            (
                ("Dose", self.pb_dose, "mcg"),
                ("Duration", self.pb_duration, "min"),
                ("Lockout", self.pb_lockout, "min"),
                ("Max", self.pb_max, "per day"),
            )
        ):
            row, col = 1 + i // 2, (i % 2) * 3
            pb_form.addWidget(labelled(text, edit), row, col)
            pb_form.addWidget(edit, row, col + 1)
            pb_form.addWidget(QLabel(unit), row, col + 2)
        pb_form.addWidget(self.pb_set_button, 3, 0, 1, 2)
        pb_form.setColumnStretch(6, 1)
        bolus_layout.addLayout(pb_form)
        bolus_layout.addWidget(self.worst_case_label)
        self.setMinimumWidth(440)
        self.setMaximumWidth(480)

    def _edit(
        self,
        text: str,
        operation: Callable[[Programme], Programme],
        *,
        value: Callable[[Programme], str] | None = None,
    ) -> bool:
        """One edit through the document; a refusal is told where the user acted."""
        try:
            return self.document.edit(text, operation, value=value)
        except se.EditError as error:
            self.rejected.emit(str(error))
            return False

    def sync(self) -> None:
        """Show the pending programme's boluses, with the findings on each field."""
        pb = self.document.pending.patient_bolus
        self.pb_enabled.setChecked(pb is not None)
        if pb is not None:
            self.pb_dose.setText(format_plain(pb.dose_mcg))
            self.pb_duration.setText(str(pb.duration_min))
            self.pb_lockout.setText(str(pb.lockout_min))
            self.pb_max.setText(str(pb.max_per_day))
        for edit in (self.pb_dose, self.pb_duration, self.pb_lockout, self.pb_max):
            found = [
                f
                for f in self.document.result.findings
                if f.field == f"patient_bolus.{self._pb_attribute(edit)}"
                and f.severity is not Severity.INFO
            ]
            if found:
                background, text = severity_style(found[0].severity)
                restyle(edit, f"background: {background}; color: {text};")
                edit.setToolTip("\n".join(f.message for f in found))
            else:
                restyle(edit, "")
                edit.setToolTip("")
        projection = self.document.result.projection
        if pb is not None:
            self.worst_case_label.setText(
                f"Patient boluses allow up to {pb.max_per_day} × {format_fixed(pb.dose_mcg, 2)} "
                f"mcg a day: worst-case 24-h total "
                f"{format_rate(projection.worst_case_daily_dose_mcg, RateUnit.MCG_PER_DAY)} · "
                f"{format_rate(projection.worst_case_flow_ml_per_day, RateUnit.ML_PER_DAY)}."
            )
        else:
            self.worst_case_label.setText("No patient-activated bolus.")
        if not self.new_bolus_start.text():
            start = (self.document.now + timedelta(hours=1)).replace(minute=0, second=0)
            self.new_bolus_start.setText(format_moment(start))

    def _pb_attribute(self, edit: QLineEdit) -> str:
        return {
            id(self.pb_dose): "dose_mcg",
            id(self.pb_duration): "duration_min",
            id(self.pb_lockout): "lockout_min",
            id(self.pb_max): "max_per_day",
        }[id(edit)]

    def _add_bolus(self) -> None:
        try:
            start = parse_moment(self.new_bolus_start.text(), what="The bolus start")
            dose = parse_decimal(
                self.new_bolus_dose.text().removesuffix("mcg"), what="The bolus dose"
            )
            minutes = parse_whole(
                self.new_bolus_duration.text().removesuffix("min"),
                what="The bolus duration",
                low=1,
                high=1440,
                unit="minutes",
            )
        except EntryError as error:
            self.rejected.emit(str(error))
            return
        bolus = Bolus(start, dose, minutes)
        if self._edit(f"Add bolus {format_moment(start)}", partial(se.add_bolus, bolus=bolus)):
            self.new_bolus_dose.clear()
            self.new_bolus_duration.clear()
            self.accepted.emit(
                f"Bolus planned {format_moment(start)}: {format_fixed(dose, 2)} mcg over "
                f"{minutes} min."
            )

    def _remove_bolus(self) -> None:
        index = self.bolus_table.currentIndex()
        row = index.row() if index.isValid() else len(self.document.pending.boluses) - 1
        if row < 0:
            return
        self._edit(f"Remove bolus {row + 1}", partial(se.remove_bolus, index=row))

    def _read_patient_bolus(self) -> PatientBolus:
        dose = parse_decimal(self.pb_dose.text().removesuffix("mcg"), what="Patient bolus dose")
        duration = parse_whole(
            self.pb_duration.text(),
            what="Patient bolus duration",
            low=1,
            high=1440,
            unit="minutes",
        )
        lockout = parse_whole(
            self.pb_lockout.text(), what="Lockout", low=0, high=1440, unit="minutes"
        )
        most = parse_whole(
            self.pb_max.text(), what="Maximum per day", low=1, high=1440, unit="activations"
        )
        return PatientBolus(dose, duration, lockout, most)

    def _apply_patient_bolus(self) -> None:
        try:
            settings = self._read_patient_bolus()
        except EntryError as error:
            self.rejected.emit(str(error))
            return
        if self._edit(
            "Patient bolus",
            partial(se.set_patient_bolus, settings=settings),
            value=_patient_bolus_words,
        ):
            self.accepted.emit("Patient bolus settings set.")

    def _on_patient_bolus_toggled(self, checked: bool) -> None:
        if checked:
            self._apply_patient_bolus()
        else:
            self._edit(
                "Patient bolus",
                partial(se.set_patient_bolus, settings=None),
                value=_patient_bolus_words,
            )
        self.sync()

    def focus_field(self, ref: se.FieldRef, field: str) -> bool:
        """Select the bolus cell or patient-bolus field ``field`` names; False: not one here."""
        if ref.section == "boluses":
            index = self.bolus_model.index_for_field(field)
            if index.isValid():
                self.bolus_table.setCurrentIndex(index)
            self.bolus_table.setFocus()
            return True
        if ref.section == "patient_bolus":
            target = {
                "dose_mcg": self.pb_dose,
                "duration_min": self.pb_duration,
                "lockout_min": self.pb_lockout,
                "max_per_day": self.pb_max,
            }.get(ref.attribute or "", self.pb_dose)
            target.setFocus()
            target.selectAll()
            return True
        return False
