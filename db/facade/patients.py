"""The patients and their programme versions, as :class:`db.database.Database` offers them.

Each method takes a transaction of :class:`db.facade.store.Store` and hands it to the module
whose rules it is: :mod:`db.patients` (rows and search), :mod:`db.patient_changes` (the audited
changes to a record), :mod:`db.check_contexts` (what a check is made against) and
:mod:`db.programmes` (versions and the save).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

from sqlite_utils import Database as SqliteDatabase

from db import (
    audited,
    check_contexts,
    patient_changes,
    patients,
    programmes,
)
from db.facade.store import Store
from db.records import (
    PatientRecord,
    PatientSummary,
    ProgrammeVersion,
    PumpRecord,
)
from db.values import moment_text
from programmer.check_context import CheckContext
from programmer.drug_library import DrugLibrary
from programmer.findings import CheckResult, check_programme
from programmer.programme import Patient, Programme


class PatientMethods(Store):
    """Patients, their pumps, and their programme versions."""

    def search_patients(self, text: str, limit: int = 50) -> list[PatientSummary]:
        """Search as you type: every typed word must start a word of the name or id, accents
        and case ignored; an exact id comes first, then by name."""
        with self._read() as sdb:
            return patients.search_patients(sdb, text, limit)

    def recent_patients(self, limit: int = 10) -> list[PatientSummary]:
        """The patients opened most recently (see :meth:`mark_opened`), newest first."""
        with self._read() as sdb:
            return patients.recent_patients(sdb, limit)

    def first_patients(self, limit: int = 50) -> list[PatientSummary]:
        """The first patients by name, for a browser with nothing typed and nothing recent."""
        with self._read() as sdb:
            return patients.first_patients(sdb, limit)

    def mark_opened(self, patient_id: str, now: datetime) -> None:
        """Remember that the patient was opened now, for the recent list (screen state, not
        part of the clinical record: not audited)."""
        moment_text(now, "now")
        with self._write() as sdb:
            patients.mark_opened(sdb, patient_id, now)

    def has_patient(self, patient_id: str) -> bool:
        """Whether a patient with this id is on record (nothing of the record is read)."""
        with self._read() as sdb:
            return patients.exists(sdb, patient_id)

    def patient(self, patient_id: str) -> PatientRecord:
        with self._read() as sdb:
            return patients.read_patient(sdb, patient_id)

    def create_patient(
        self,
        patient: Patient,
        pump: PumpRecord,
        *,
        diagnosis: str = "",
        notes: str = "",
        user: str,
        now: datetime,
    ) -> None:
        """A new patient with the pump in place; refused if the id is taken
        (:func:`db.patient_changes.create`)."""
        patient_changes.check_new(
            patient,
            pump,
            diagnosis=diagnosis,
            notes=notes,
            user=user,
            now=now,
            catalogue=self._catalogue,
        )
        with self._write() as sdb:
            patient_changes.create(
                sdb, patient, pump, diagnosis=diagnosis, notes=notes, user=user, now=now
            )

    def replace_pump(self, patient_id: str, pump: PumpRecord, *, user: str, now: datetime) -> None:
        """A new pump in place of the current one, kept in the history
        (:func:`db.patient_changes.replace_pump`)."""
        audited.check_user(user, now)
        with self._write() as sdb:
            patient_changes.replace_pump(
                sdb, patient_id, pump, user=user, now=now, catalogue=self._catalogue
            )

    def revise_catheter(
        self,
        patient_id: str,
        catheter_model: str | None,
        catheter_length_cm: Decimal | None,
        *,
        user: str,
        now: datetime,
    ) -> PumpRecord:
        """Correct the catheter of the pump in place
        (:func:`db.patient_changes.revise_catheter`)."""
        audited.check_user(user, now)
        with self._write() as sdb:
            return patient_changes.revise_catheter(
                sdb,
                patient_id,
                catheter_model,
                catheter_length_cm,
                user=user,
                now=now,
                catalogue=self._catalogue,
            )

    def revise_patient(
        self,
        patient: Patient,
        *,
        diagnosis: str,
        reason: str,
        user: str,
        now: datetime,
    ) -> PatientRecord:
        """Correct the record of patient ``patient.id``, audited with ``reason``
        (:func:`db.patient_changes.revise_patient`)."""
        patient_changes.check_revision(
            patient, diagnosis=diagnosis, reason=reason, user=user, now=now
        )
        with self._write() as sdb:
            return patient_changes.revise_patient(
                sdb, patient, diagnosis=diagnosis, reason=reason, user=user, now=now
            )

    def revise_pump(
        self,
        patient_id: str,
        *,
        serial: str,
        implanted_on: date,
        replace_by: date,
        low_reservoir_alarm_ml: Decimal,
        reason: str,
        user: str,
        now: datetime,
    ) -> PumpRecord:
        """Correct the record of the pump in place, audited with ``reason``
        (:func:`db.patient_changes.revise_pump`)."""
        patient_changes.check_pump_revision(reason=reason, user=user, now=now)
        with self._write() as sdb:
            return patient_changes.revise_pump(
                sdb,
                patient_id,
                serial=serial,
                implanted_on=implanted_on,
                replace_by=replace_by,
                low_reservoir_alarm_ml=low_reservoir_alarm_ml,
                reason=reason,
                user=user,
                now=now,
                catalogue=self._catalogue,
            )

    def current_version(self, patient_id: str) -> ProgrammeVersion | None:
        """The newest confirmed version: the programme the pump runs (None before the first)."""
        with self._read() as sdb:
            patients.patient_num(sdb, patient_id)
            return programmes.read_current(sdb, patient_id, self._reference)

    def latest_version(self, patient_id: str) -> ProgrammeVersion | None:
        """The newest version, confirmed or not: pass its number as ``base_version``."""
        with self._read() as sdb:
            patients.patient_num(sdb, patient_id)
            return programmes.read_latest(sdb, patient_id, self._reference)

    def versions(self, patient_id: str) -> list[ProgrammeVersion]:
        """Every version, oldest first."""
        with self._read() as sdb:
            patients.patient_num(sdb, patient_id)
            return programmes.read_all(sdb, patient_id, self._reference)

    def version(self, patient_id: str, number: int) -> ProgrammeVersion:
        with self._read() as sdb:
            patients.patient_num(sdb, patient_id)
            return programmes.read(sdb, patient_id, number, self._reference)

    def check_context(
        self, patient_id: str, now: datetime, *, before_version: int | None = None
    ) -> CheckContext:
        """What a check at ``now`` is made against (:func:`db.check_contexts.build`)."""
        moment_text(now, "now")
        with self._read() as sdb:
            return self._context(sdb, patient_id, now, self.library, before_version)

    def _context(
        self,
        sdb: SqliteDatabase,
        patient_id: str,
        now: datetime,
        library: DrugLibrary,
        before_version: int | None = None,
    ) -> CheckContext:
        return check_contexts.build(
            sdb,
            patient_id,
            now,
            reference=programmes.Reference(self._catalogue, library),
            default_settings=self._settings,
            before_version=before_version,
        )

    def check_programme(self, programme: Programme, *, now: datetime) -> CheckResult:
        """The findings :meth:`save_programme` would meet now: the engine's one check, with the
        patient's :meth:`check_context`. The programme the pump runs (the current version's,
        unchanged) is checked as it runs now: with the patient and pump as recorded
        (:func:`db.patients.running`), so a replace-by date, alarm volume or spasticity origin
        corrected since it was saved is in its projection and findings (REPLACEMENT_BEFORE_REFILL)
        as in the worklist's; any other programme (an edit, an import) is checked as given."""
        moment_text(now, "now")
        patient_id = programme.patient.id
        with self._read() as sdb:
            context = self._context(sdb, patient_id, now, self.library)
            current = programmes.read_current(sdb, patient_id, self._reference)
            if current is not None and programme == current.programme:
                programme = patients.running(sdb, current)
        return check_programme(programme, context, now=now)

    def save_programme(
        self,
        programme: Programme,
        *,
        base_version: int | None,
        user: str,
        reason: str,
        acknowledgements: Mapping[str, str],
        now: datetime,
        confirmed: bool = True,
    ) -> ProgrammeVersion:
        """Store ``programme`` as the patient's next version (:func:`db.programmes.save`)."""
        text, pump_record = programmes.checked_for_save(
            programme, user=user, reason=reason, now=now, reference=self._reference
        )
        with self._write() as sdb:
            return programmes.save(
                sdb,
                programme,
                text=text,
                pump_record=pump_record,
                base_version=base_version,
                user=user,
                reason=reason,
                acknowledgements=acknowledgements,
                now=now,
                confirmed=confirmed,
                reference=self._reference,  # the library read in this transaction: checked, kept
                context=lambda library: self._context(sdb, programme.patient.id, now, library),
                insert_patient=lambda pump: patient_changes.create(
                    sdb, programme.patient, pump, diagnosis="", notes="", user=user, now=now
                ),
            )
