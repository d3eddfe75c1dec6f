"""New patient: identity, pump, catheter, drug and the current fill. Every field checked where
it is typed; the dialog accepts only a complete, consistent patient."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from db.database import InvalidRecordError, PumpRecord
from db.patients import check_patient_name
from programmer.drug_library import DrugLibrary
from programmer.programme import DrugFill, Patient, Reservoir, SpasticityOrigin
from programmer.pump_catalogue import PumpCatalogue
from ui.theme import ERROR_STYLE
from ui.widgets.entry import EntryError, check_range, parse_decimal


@dataclass(frozen=True)
class NewPatient:
    patient: Patient
    pump: PumpRecord
    drug: DrugFill
    reservoir: Reservoir
    diagnosis: str


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class PatientForm(QDialog):
    """Asks for a new patient; ``value`` holds the result after ``accept``."""

    def __init__(
        self,
        now: datetime,
        parent: QWidget | None = None,
        *,
        library: DrugLibrary,
        catalogue: PumpCatalogue,
    ) -> None:
        """``library``, ``catalogue``: the database's (the active library an administrator
        imported), never the packaged ones."""
        super().__init__(parent)
        self.setWindowTitle("New patient")
        self.now = now
        self.value: NewPatient | None = None
        self._library, self._catalogue = library, catalogue
        self.patient_id = QLineEdit(placeholderText="e.g. MRN-0042")
        self.name = QLineEdit(placeholderText="Family name, given name")
        self.birth = QDateEdit(_qdate(date(now.year - 40, 1, 1)))
        self.birth.setDisplayFormat("yyyy-MM-dd")
        self.birth.setCalendarPopup(True)
        self.origin = QComboBox()
        for o in SpasticityOrigin:
            self.origin.addItem(o.value, o.value)
        self.diagnosis = QLineEdit(placeholderText="e.g. multiple sclerosis")
        self.pump_model = QComboBox()
        for model in catalogue.pumps.values():
            self.pump_model.addItem(model.display_name, model.model)
        self.serial = QLineEdit()
        self.implanted = QDateEdit(_qdate(now.date()))
        self.implanted.setDisplayFormat("yyyy-MM-dd")
        self.replace_by = QDateEdit(_qdate(date(now.year + 7, now.month, min(now.day, 28))))
        self.replace_by.setDisplayFormat("yyyy-MM-dd")
        self.alarm = QLineEdit()
        self.catheter = QComboBox()
        for cat in catalogue.catheters.values():
            self.catheter.addItem(cat.display_name, cat.model)
        self.catheter_length = QLineEdit(placeholderText="implanted length")
        self.drug = QComboBox()
        for drug in library.drugs.values():
            self.drug.addItem(drug.display_name, drug.name)
        self.concentration = QComboBox()
        self.concentration.setEditable(True)
        self.volume = QLineEdit()
        self.filled = QDateTimeEdit(QDateTime(_qdate(now.date()), QTime(now.hour, now.minute)))
        self.filled.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.error = QLabel()
        self.error.setObjectName("patientFormError")
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        form = QFormLayout()
        rows: list[tuple[str, QWidget, str]] = [
            ("Patient ID", self.patient_id, ""),
            ("Name", self.name, ""),
            ("Birth date", self.birth, ""),
            ("Spasticity origin", self.origin, ""),
            ("Diagnosis", self.diagnosis, ""),
            ("Pump model", self.pump_model, ""),
            ("Pump serial", self.serial, ""),
            ("Implanted on", self.implanted, ""),
            ("Replace by", self.replace_by, ""),
            ("Low-reservoir alarm", self.alarm, "mL"),
            ("Catheter", self.catheter, ""),
            ("Catheter implanted length", self.catheter_length, "cm"),
            ("Drug", self.drug, ""),
            ("Concentration", self.concentration, "mcg/mL"),
            ("Reservoir volume", self.volume, "mL"),
            ("Filled at", self.filled, ""),
        ]
        for title, widget, unit in rows:
            widget.setAccessibleName(title)
            form.addRow(f"{title}{f' ({unit})' if unit else ''}:", widget)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create patient")
        buttons.accepted.connect(self._try_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.pump_model.currentIndexChanged.connect(self._pump_changed)
        self.drug.currentIndexChanged.connect(self._drug_changed)
        self._pump_changed()
        self._drug_changed()

    def _pump_changed(self) -> None:
        model = self._catalogue.pump(self.pump_model.currentData())
        self.alarm.setText(format(model.default_low_alarm_ml, "f"))
        self.volume.setText(format(model.reservoir_ml, "f"))

    def _drug_changed(self) -> None:
        drug = self._library.drug(self.drug.currentData())
        self.concentration.clear()
        for c in drug.concentrations_mcg_per_ml:
            self.concentration.addItem(format(c, "f"))

    def _try_accept(self) -> None:
        try:
            self.value = self._collect()
        except EntryError as exc:
            self.error.setText(str(exc))
            return
        self.accept()

    def _collect(self) -> NewPatient:
        pid, name = self.patient_id.text().strip(), self.name.text().strip()
        if not pid:
            raise EntryError("Patient ID: required.")
        if not name:
            raise EntryError("Name: required.")
        try:
            check_patient_name(name)  # the database's own check, shown where it was typed
        except InvalidRecordError as exc:
            raise EntryError(f"Name: {str(exc).removeprefix('patient.name: ')}.") from None
        serial = self.serial.text().strip()
        if not serial:
            raise EntryError("Pump serial: required.")
        model = self._catalogue.pump(self.pump_model.currentData())
        birth, implanted = _pydate(self.birth.date()), _pydate(self.implanted.date())
        replace_by = _pydate(self.replace_by.date())
        if birth > self.now.date():
            raise EntryError("Birth date: in the future.")
        if implanted < birth:
            raise EntryError("Implanted on: before the birth date.")
        if replace_by <= implanted:
            raise EntryError("Replace by: must be after the implant date.")
        alarm = check_range(
            parse_decimal(self.alarm.text(), what="Low-reservoir alarm"),
            what="Low-reservoir alarm",
            unit="mL",
            positive=True,
            high=model.reservoir_ml - Decimal("0.001"),
        )
        length_text = self.catheter_length.text().strip()
        length = (
            check_range(
                parse_decimal(length_text, what="Catheter length"),
                what="Catheter length",
                unit="cm",
                positive=True,
                high=Decimal(300),
            )
            if length_text
            else None
        )
        conc = check_range(
            parse_decimal(self.concentration.currentText(), what="Concentration"),
            what="Concentration",
            unit="mcg/mL",
            positive=True,
            high=Decimal(100_000),
        )
        volume = check_range(
            parse_decimal(self.volume.text(), what="Reservoir volume"),
            what="Reservoir volume",
            unit="mL",
            high=Decimal(1000),
        )
        filled_q = self.filled.dateTime()
        filled = datetime(
            filled_q.date().year(),
            filled_q.date().month(),
            filled_q.date().day(),
            filled_q.time().hour(),
            filled_q.time().minute(),
        )
        return NewPatient(
            patient=Patient(
                id=pid,
                name=name,
                birth_date=birth,
                spasticity_origin=SpasticityOrigin(self.origin.currentData()),
            ),
            pump=PumpRecord(
                model=model.model,
                serial=serial,
                implanted_on=implanted,
                replace_by=replace_by,
                catheter_model=self.catheter.currentData(),
                catheter_length_cm=length,
                low_reservoir_alarm_ml=alarm,
                removed_on=None,
            ),
            drug=DrugFill(name=self.drug.currentData(), concentration_mcg_per_ml=conc),
            reservoir=Reservoir(volume_ml=volume, filled_at=filled),
            diagnosis=self.diagnosis.text().strip(),
        )
