"""The patient's and the pump's record corrected after creation (issue 12): File -> Edit patient
record and Pump -> Edit pump record. The dialogs hold the new-patient form's fields, checked as
there (ui/patient_form.py), and a reason; the database stores the correction as an audited
revision (Database.revise_patient, Database.revise_pump) and its refusal is shown in the dialog,
which stays open. Saved programmes keep the record they were saved with; the pending programme
takes the corrected one when the patient is opened again, here straight after the correction
(db.patients.with_record), so the findings and the next saved version use it, and the programme
the pump runs is projected with it (db.patients.running: the Overview, the worklist, the slip
show a refill-by date limited by a corrected replace-by date). Pump -> Implanted
catheter corrects the catheter of the pump (Database.revise_catheter) and shows it on the
overview."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from db.database import Database
from db.errors import DatabaseError
from db.records import PatientRecord, ProgrammeVersion, PumpRecord
from programmer.programme import Patient, SpasticityOrigin
from programmer.pump_catalogue import PumpCatalogue
from ui.editor.document import ProgrammeDocument
from ui.overview import PatientOverview
from ui.patient_form import (
    CatheterForm,
    DateField,
    checked_alarm,
    checked_birth_date,
    checked_name,
    checked_pump_dates,
)
from ui.pump.prompts import run_dialog
from ui.screen import fit_to_screen
from ui.theme import ERROR_COLOUR
from ui.widgets.entry import EntryError, format_plain


class RecordWindow(Protocol):
    """What these edits use of the main window (ui/main_window.py)."""

    db: Database
    user: str
    record: PatientRecord | None
    current: ProgrammeVersion | None
    document: ProgrammeDocument | None
    overview: PatientOverview
    prompter: Any

    def clock(self) -> datetime: ...

    def open_patient(self, patient_id: str) -> bool: ...

    def statusBar(self) -> QStatusBar: ...


def _reason_field(name: str) -> QLineEdit:
    reason = QLineEdit(placeholderText="why the record was wrong (kept in the audit trail)")
    reason.setObjectName(name)
    reason.setAccessibleName("Reason for the correction")
    return reason


def _reason(edit: QLineEdit) -> str:
    text = edit.text().strip()
    if not text:
        raise EntryError("Reason: required; every correction is recorded with why.")
    return text


class _RecordDialog(QDialog):
    """A form, an error line and Record / Cancel; ``store`` writes the correction (a
    DatabaseError from it is shown here and the dialog stays open)."""

    def __init__(
        self,
        title: str,
        intro: str,
        form: QFormLayout,
        store: Callable[[], None],
        parent: QWidget | None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self.setWindowTitle(title)
        words = QLabel(intro)
        words.setWordWrap(True)
        self.error = QLabel()
        self.error.setObjectName("recordError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {ERROR_COLOUR}")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Record correction")
        self.buttons.accepted.connect(self.try_accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(words)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        for edit in self.findChildren(QLineEdit):  # a message stands until something changes
            edit.textChanged.connect(self.error.clear)

    def try_accept(self) -> None:
        try:
            self._store()
        except EntryError as exc:
            self.error.setText(str(exc))
            return
        except DatabaseError as exc:
            self.error.setText(f"Not recorded: {exc}")
            return
        self.accept()


class PatientRecordForm(_RecordDialog):
    """Correct the name, birth date, spasticity origin and diagnosis of ``record``'s patient.
    ``save(patient, diagnosis, reason)`` stores it."""

    def __init__(
        self,
        record: PatientRecord,
        now: datetime,
        save: Callable[[Patient, str, str], object],
        parent: QWidget | None = None,
    ) -> None:
        was = record.patient
        self.now, self._save, self._id = now, save, was.id
        self.name = QLineEdit(was.name)
        self.name.setObjectName("recordName")
        self.name.setAccessibleName("Name")
        self.birth = DateField("Birth date", was.birth_date)
        self.origin = QComboBox()
        self.origin.setAccessibleName("Spasticity origin")
        for o in SpasticityOrigin:
            self.origin.addItem(o.value, o.value)
        self.origin.setCurrentIndex(self.origin.findData(was.spasticity_origin.value))
        self.diagnosis = QLineEdit(record.diagnosis)
        self.diagnosis.setAccessibleName("Diagnosis")
        self.reason = _reason_field("patientRecordReason")
        form = QFormLayout()
        form.addRow("&Name:", self.name)
        form.addRow("&Birth date:", self.birth)
        form.addRow("Spasticity &origin:", self.origin)
        form.addRow("&Diagnosis:", self.diagnosis)
        form.addRow("Re&ason:", self.reason)
        super().__init__(
            "Edit patient record",
            f"Patient {was.id}. The saved programme versions keep the record they were saved "
            "with; the pending programme takes this one, and the next saved version carries "
            "it. The earlier record is kept.",
            form,
            self.store,
            parent,
        )
        self.setObjectName("patientRecordForm")
        fit_to_screen(self, QSize(620, 320))

    def store(self) -> None:
        name = checked_name(self.name.text())
        birth = checked_birth_date(self.birth.date(), self.now.date())
        reason = _reason(self.reason)
        patient = Patient(
            id=self._id,
            name=name,
            birth_date=birth,
            spasticity_origin=SpasticityOrigin(self.origin.currentData()),
        )
        self._save(patient, self.diagnosis.text().strip(), reason)


class PumpRecordForm(_RecordDialog):
    """Correct the serial, implant and replace-by dates and low-reservoir alarm of the pump in
    place. ``save(serial, implanted_on, replace_by, alarm_ml, reason)`` stores it."""

    def __init__(
        self,
        pump: PumpRecord,
        birth_date: date,
        catalogue: PumpCatalogue,
        save: Callable[[str, date, date, Decimal, str], object],
        parent: QWidget | None = None,
    ) -> None:
        self._model = catalogue.pump(pump.model)
        self._birth, self._save = birth_date, save
        self.serial = QLineEdit(pump.serial)
        self.serial.setObjectName("recordSerial")
        self.serial.setAccessibleName("Pump serial")
        self.implanted = DateField("Implanted on", pump.implanted_on)
        self.replace_by = DateField("Replace by", pump.replace_by)
        self.alarm = QLineEdit(format_plain(pump.low_reservoir_alarm_ml))
        self.alarm.setObjectName("recordAlarm")
        self.alarm.setAccessibleName("Low-reservoir alarm in mL")
        self.reason = _reason_field("pumpRecordReason")
        form = QFormLayout()
        form.addRow("&Serial:", self.serial)
        form.addRow("&Implanted on:", self.implanted)
        form.addRow("Replace &by:", self.replace_by)
        form.addRow("Low-reservoir &alarm (mL):", self.alarm)
        form.addRow("Re&ason:", self.reason)
        super().__init__(
            "Edit pump record",
            f"The {self._model.display_name} in place (a new pump is recorded as a "
            "replacement, not here). A replace-by date later than the battery allows is a hard "
            "finding of the pending programme. The earlier record is kept.",
            form,
            self.store,
            parent,
        )
        self.setObjectName("pumpRecordForm")
        fit_to_screen(self, QSize(620, 320))

    def store(self) -> None:
        serial = self.serial.text().strip()
        if not serial:
            raise EntryError("Pump serial: required.")
        implanted, replace_by = self.implanted.date(), self.replace_by.date()
        checked_pump_dates(self._birth, implanted, replace_by)
        alarm = checked_alarm(self.alarm.text(), self._model)
        self._save(serial, implanted, replace_by, alarm, _reason(self.reason))


def _ready(window: RecordWindow, what: str) -> bool:
    """A patient is open and the programme has no unsaved changes (the corrected record goes
    into the pending programme, which is loaded again)."""
    if window.record is None:
        return False
    if window.document is not None and window.document.is_modified:
        window.prompter.warn(
            what,
            "The programme has unsaved changes. Save or revert them first: the pending "
            "programme is loaded again with the corrected record.",
        )
        return False
    return True


def _reopen(window: RecordWindow, patient_id: str, message: str) -> None:
    """Open the patient again: the pending programme takes the corrected record."""
    window.record = None
    window.open_patient(patient_id)
    window.statusBar().showMessage(message, 10000)


def edit_patient_record(window: RecordWindow) -> bool:
    if not _ready(window, "Edit patient record"):
        return False
    assert window.record is not None
    record = window.record
    dialog = PatientRecordForm(
        record,
        window.clock(),
        lambda patient, diagnosis, reason: window.db.revise_patient(
            patient, diagnosis=diagnosis, reason=reason, user=window.user, now=window.clock()
        ),
        window if isinstance(window, QWidget) else None,
    )
    if not run_dialog(window.prompter, dialog):
        return False
    _reopen(window, record.patient.id, "Patient record corrected; the earlier one is kept.")
    return True


def edit_pump_record(window: RecordWindow) -> bool:
    if not _ready(window, "Edit pump record"):
        return False
    assert window.record is not None
    record = window.record
    if record.pump is None:
        window.prompter.warn("Edit pump record", f"{record.patient.name} has no pump recorded.")
        return False
    pid = record.patient.id
    dialog = PumpRecordForm(
        record.pump,
        record.patient.birth_date,
        window.db.catalogue,
        lambda serial, implanted, replace_by, alarm, reason: window.db.revise_pump(
            pid,
            serial=serial,
            implanted_on=implanted,
            replace_by=replace_by,
            low_reservoir_alarm_ml=alarm,
            reason=reason,
            user=window.user,
            now=window.clock(),
        ),
        window if isinstance(window, QWidget) else None,
    )
    if not run_dialog(window.prompter, dialog):
        return False
    _reopen(window, pid, "Pump record corrected; the earlier one is kept.")
    return True


def edit_catheter(window: RecordWindow) -> bool:
    """Correct the catheter of the open patient's pump (Pump -> Implanted catheter)."""
    if window.record is None or window.record.pump is None:
        return False
    dialog = CatheterForm(
        window.record.pump, window.db.catalogue, window if isinstance(window, QWidget) else None
    )
    if not run_dialog(window.prompter, dialog) or dialog.value is None:
        return False
    model, length = dialog.value
    pid = window.record.patient.id
    try:
        window.db.revise_catheter(pid, model, length, user=window.user, now=window.clock())
    except DatabaseError as exc:
        window.prompter.warn("Catheter not recorded", str(exc))
        return False
    window.record = window.db.patient(pid)
    window.overview.show_patient(
        window.record, window.current, window.clock(), window.db.check_context(pid, window.clock())
    )
    window.statusBar().showMessage("Catheter recorded.", 10000)
    return True
