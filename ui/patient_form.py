"""New patient: identity, pump, catheter, drug and the current fill. Every field checked where
it is typed; the dialog accepts only a complete, consistent patient."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from PySide6.QtCore import QDate, QDateTime, QSize, QTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from db.database import InvalidRecordError, PumpRecord
from db.patients import check_patient_name
from programmer.drug_library import DrugLibrary
from programmer.lookalikes import patient_id_problem
from programmer.programme import DrugFill, Patient, Reservoir, SpasticityOrigin
from programmer.pump_catalogue import PumpCatalogue, PumpModel
from ui.screen import fit_to_screen, scrolling
from ui.theme import ERROR_COLOUR
from ui.widgets.entry import EntryError, check_range, format_plain, parse_decimal


@dataclass(frozen=True)
class NewPatient:
    patient: Patient
    pump: PumpRecord
    drug: DrugFill
    reservoir: Reservoir
    diagnosis: str


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(text: str, *, what: str) -> date:
    """A date typed as YYYY-MM-DD, or an EntryError saying how to type it. Nothing else is
    guessed at: 04/12/1979 could be either April or December."""
    typed = text.strip()
    if not typed:
        raise EntryError(f"{what}: required, as YYYY-MM-DD (e.g. 1979-04-12).")
    if not ISO_DATE.fullmatch(typed):
        raise EntryError(
            f"{what}: '{typed}' is not a date as YYYY-MM-DD (e.g. 1979-04-12). Nothing was "
            "guessed: type the year, month and day with dashes."
        )
    try:
        return date.fromisoformat(typed)
    except ValueError:
        raise EntryError(f"{what}: '{typed}' is not a day of the calendar.") from None


def date_words(d: date) -> str:
    """A date in words, to echo what was read (month by name: no day/month mix-up)."""
    return f"{d.day} {d:%B %Y}"


class DateField(QWidget):
    """A date typed as text and echoed back in words beside it, as read; never a silent
    default or a guess. ``date()`` raises EntryError while the text is not a date."""

    def __init__(self, what: str, initial: date | None = None) -> None:
        super().__init__()
        self.what = what
        self.edit = QLineEdit(initial.isoformat() if initial else "")
        self.edit.setPlaceholderText("YYYY-MM-DD")
        self.edit.setAccessibleName(what)
        self.echo = QLabel()
        self.echo.setObjectName("dateEcho")
        self.echo.setAccessibleName(f"{what} as read")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.echo, 2)
        self.setFocusProxy(self.edit)
        self.edit.textChanged.connect(self._echo)
        self._echo()

    def date(self) -> date:
        return parse_date(self.edit.text(), what=self.what)

    def _echo(self) -> None:
        try:
            self.echo.setText(f"read as {date_words(self.date())}")
            self.echo.setStyleSheet("")
        except EntryError as error:
            self.echo.setText(str(error) if self.edit.text().strip() else "")
            self.echo.setStyleSheet(f"color: {ERROR_COLOUR}")
        self.echo.setWordWrap(True)


def checked_name(text: str) -> str:
    """A patient's name as typed, with the database's own check (db/names.py: no invisible or
    direction-changing character) shown where it was typed."""
    name = text.strip()
    if not name:
        raise EntryError("Name: required.")
    try:
        return check_patient_name(name)
    except InvalidRecordError as exc:
        raise EntryError(f"Name: {str(exc).removeprefix('patient.name: ')}.") from None


def checked_birth_date(birth: date, today: date) -> date:
    if birth > today:
        raise EntryError("Birth date: in the future.")
    return birth


def checked_pump_dates(birth: date, implanted: date, replace_by: date) -> None:
    """A pump's dates as the new-patient form and the pump record's correction check them."""
    if implanted < birth:
        raise EntryError("Implanted on: before the birth date.")
    if replace_by <= implanted:
        raise EntryError("Replace by: must be after the implant date.")


def checked_alarm(text: str, model: PumpModel) -> Decimal:
    """The low-reservoir alarm in mL: positive and under the pump's reservoir."""
    return check_range(
        parse_decimal(text, what="Low-reservoir alarm"),
        what="Low-reservoir alarm",
        unit="mL",
        positive=True,
        high=model.reservoir_ml - Decimal("0.001"),
    )


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


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
        # Typed and echoed: a date edit's sections turned a typed 1979-04-12 into 1979-01-04.
        self.birth = DateField("Birth date")
        self.origin = QComboBox()
        for o in SpasticityOrigin:
            self.origin.addItem(o.value, o.value)
        self.diagnosis = QLineEdit(placeholderText="e.g. multiple sclerosis")
        self.pump_model = QComboBox()
        for model in catalogue.pumps.values():
            self.pump_model.addItem(model.display_name, model.model)
        self.serial = QLineEdit()
        self.implanted = DateField("Implanted on", now.date())
        self.replace_by = DateField("Replace by", date(now.year + 7, now.month, min(now.day, 28)))
        self.alarm = QLineEdit()
        self.catheter = QComboBox()  # filled with the chosen pump's maker's catheters
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
        self.error.setStyleSheet(f"color: {ERROR_COLOUR}")
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
            if not isinstance(widget, DateField):
                widget.setAccessibleName(title)
            form.addRow(f"{title}{f' ({unit})' if unit else ''}:", widget)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create patient")
        buttons.accepted.connect(self._try_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(scrolling(form), 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.pump_model.currentIndexChanged.connect(self._pump_changed)
        self.drug.currentIndexChanged.connect(self._drug_changed)
        self._pump_changed()
        self._drug_changed()
        fit_to_screen(self, QSize(720, 640))

    def _pump_changed(self) -> None:
        catalogue = self._catalogue
        model = catalogue.pump(self.pump_model.currentData())
        kept = self.catheter.currentData()
        self.catheter.clear()
        for cat in catalogue.catheters_for(model.model):
            self.catheter.addItem(cat.display_name, cat.model)
        self.catheter.setCurrentIndex(max(self.catheter.findData(kept), 0))
        self.alarm.setText(format_plain(model.default_low_alarm_ml))
        self.volume.setText(format_plain(model.reservoir_ml))

    def _drug_changed(self) -> None:
        drug = self._library.drug(self.drug.currentData())
        self.concentration.clear()
        for c in drug.concentrations_mcg_per_ml:
            self.concentration.addItem(format_plain(c))

    def _try_accept(self) -> None:
        try:
            self.value = self._collect()
        except EntryError as exc:
            self.error.setText(str(exc))
            return
        self.accept()

    def _collect(self) -> NewPatient:
        pid = self.patient_id.text().strip()
        if not pid:
            raise EntryError("Patient ID: required.")
        problem = patient_id_problem(pid)  # the database's rule for a new id, where it is typed
        if problem is not None:
            raise EntryError(f"Patient ID: {problem}.")
        name = checked_name(self.name.text())
        serial = self.serial.text().strip()
        if not serial:
            raise EntryError("Pump serial: required.")
        model = self._catalogue.pump(self.pump_model.currentData())
        birth, implanted = self.birth.date(), self.implanted.date()
        replace_by = self.replace_by.date()
        checked_birth_date(birth, self.now.date())
        checked_pump_dates(birth, implanted, replace_by)
        alarm = checked_alarm(self.alarm.text(), model)
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


class CatheterForm(QDialog):
    """Correct the implanted catheter of the pump in place: the model (those of the pump's
    maker) and the implanted length in cm, checked where typed. ``value`` after ``accept``:
    (model, length in cm)."""

    def __init__(
        self, pump: PumpRecord, catalogue: PumpCatalogue, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("catheterForm")
        self.setWindowTitle("Implanted catheter")
        model = catalogue.pump(pump.model)
        self.value: tuple[str | None, Decimal | None] | None = None
        intro = QLabel(
            f"The catheter of the {model.display_name}, serial {pump.serial} (implanted "
            f"{pump.implanted_on.isoformat()}). Priming and bridge boluses use it."
        )
        intro.setWordWrap(True)
        self.catheter = QComboBox()
        self.catheter.setObjectName("catheterModel")
        self.catheter.setAccessibleName("Catheter model")
        self.catheter.addItem("— not recorded —", None)
        for cat in catalogue.catheters_for(model.model):
            self.catheter.addItem(cat.display_name, cat.model)
        self.catheter.setCurrentIndex(max(self.catheter.findData(pump.catheter_model), 0))
        self.length = QLineEdit(
            "" if pump.catheter_length_cm is None else format(pump.catheter_length_cm, "f")
        )
        self.length.setObjectName("catheterLength")
        self.length.setAccessibleName("Catheter implanted length in cm")
        self.error = QLabel()
        self.error.setObjectName("catheterError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {ERROR_COLOUR}")
        form = QFormLayout()
        form.addRow("&Catheter:", self.catheter)
        form.addRow("Implanted &length (cm):", self.length)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Record catheter")
        buttons.accepted.connect(self.try_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        fit_to_screen(self, QSize(560, 260))

    def try_accept(self) -> None:
        text = self.length.text().strip()
        try:
            length = (
                check_range(
                    parse_decimal(text, what="Catheter length"),
                    what="Catheter length",
                    unit="cm",
                    positive=True,
                    high=Decimal(300),
                )
                if text
                else None
            )
        except EntryError as exc:
            self.error.setText(str(exc))
            return
        self.value = (self.catheter.currentData(), length)
        self.accept()
