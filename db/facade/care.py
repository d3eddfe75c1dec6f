"""What is done for a patient at the clinic, as :class:`db.database.Database` offers it.

Refills, boluses given and screening trials (:mod:`db.treatments`), compounded concentrations
(:mod:`db.compounded`), assessments (:mod:`db.assessments`), visits (:mod:`db.visits`), the
simulated pumps (:mod:`db.simulated_pumps`) and the clinic's worklist (:mod:`db.worklist`): each
method takes a transaction of :class:`db.facade.store.Store` and hands it to that module.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from db import (
    assessments,
    audited,
    compounded,
    patients,
    treatments,
    visits,
    worklist,
)
from db import simulated_pumps as pumps
from db.facade.store import Store
from db.patients import MAX_REASON
from db.records import (
    BolusGivenRecord,
    CompoundedConfirmation,
    RefillRecord,
    ScreeningRecord,
)
from db.users import User
from db.values import checked_decimal, moment_text
from db.visits import Visit
from programmer.assessment import Assessment
from programmer.simulated_pump import SimulatedPump
from programmer.worklist import DEFAULT_DAYS as DEFAULT_WORKLIST_DAYS
from programmer.worklist import WorklistItem


class CareMethods(Store):
    """Treatments, assessments, visits, the simulated pumps and the worklist."""

    def record_refill(
        self, patient_id: str, refill: RefillRecord, *, user: str, now: datetime
    ) -> None:
        """Record a refill, checked against the pump and library (:mod:`db.treatments`)."""
        audited.check_user(user, now)
        with self._write() as sdb:
            treatments.record_refill(
                sdb,
                patient_id,
                refill,
                user=user,
                now=now,
                catalogue=self._catalogue,
                library=self.library,
            )

    def refills(self, patient_id: str) -> list[RefillRecord]:
        """Oldest first."""
        with self._read() as sdb:
            patients.patient_num(sdb, patient_id)
            return treatments.refills(sdb, patient_id)

    def record_bolus_given(
        self, patient_id: str, bolus: BolusGivenRecord, *, user: str, now: datetime
    ) -> None:
        """Record a bolus given (:mod:`db.treatments`)."""
        audited.check_user(user, now)
        treatments.check_bolus(bolus)
        with self._write() as sdb:
            treatments.record_bolus_given(sdb, patient_id, bolus, user=user, now=now)

    def boluses_given(self, patient_id: str) -> list[BolusGivenRecord]:
        with self._read() as sdb:
            patients.patient_num(sdb, patient_id)
            return treatments.boluses(sdb, patient_id)

    def record_screening(
        self, patient_id: str, screening: ScreeningRecord, *, user: str, now: datetime
    ) -> None:
        """Record a screening trial (:mod:`db.treatments`)."""
        audited.check_user(user, now)
        treatments.check_screening(screening)
        with self._write() as sdb:
            treatments.record_screening(sdb, patient_id, screening, user=user, now=now)

    def screenings(self, patient_id: str) -> list[ScreeningRecord]:
        with self._read() as sdb:
            patients.patient_num(sdb, patient_id)
            return treatments.screenings(sdb, patient_id)

    def confirm_compounded(
        self,
        patient_id: str,
        drug: str,
        concentration_mcg_per_ml: Decimal,
        *,
        reason: str,
        user: User | str,
        now: datetime,
    ) -> CompoundedConfirmation:
        """Confirm a compounded concentration for the patient (:func:`db.compounded.confirm`)."""
        audited.check_user(user.name if isinstance(user, User) else user, now)
        patients.checked_text(reason, "reason", MAX_REASON)
        conc = checked_decimal(concentration_mcg_per_ml, "concentration_mcg_per_ml", positive=True)
        with self._write() as sdb:
            return compounded.confirm(
                sdb, patient_id, drug, conc, reason=reason, user=user, now=now, library=self.library
            )

    def compounded_confirmations(self, patient_id: str) -> list[CompoundedConfirmation]:
        """The patient's confirmed compounded concentrations, oldest first."""
        with self._read() as sdb:
            patients.patient_num(sdb, patient_id)
            return compounded.confirmations(sdb, patient_id)

    def record_assessment(
        self, patient_id: str, assessment: Assessment, *, user: str, now: datetime
    ) -> None:
        """Store a visit's assessment, refused off its scale (:mod:`db.assessments`)."""
        audited.check_user(user, now)
        assessments.checked(assessment)
        with self._write() as sdb:
            assessments.record(sdb, patient_id, assessment, user=user, now=now)

    def assessments(self, patient_id: str) -> list[Assessment]:
        """The patient's assessments, oldest first."""
        with self._read() as sdb:
            patients.patient_num(sdb, patient_id)
            return assessments.read_all(sdb, patient_id)

    def start_visit(self, patient_id: str, *, user: str, now: datetime) -> tuple[Visit, bool]:
        """Start or resume the patient's visit: (visit, resumed) (:func:`db.visits.start`)."""
        audited.check_user(user, now)
        with self._write() as sdb:
            return visits.start(sdb, patient_id, user=user, now=now)

    def open_visit(self, patient_id: str) -> Visit | None:
        """The patient's visit still open, or None."""
        with self._read() as sdb:
            return visits.open_visit(sdb, patient_id)

    def visits(self, patient_id: str) -> list[Visit]:
        """The patient's visits, oldest first, with their steps."""
        with self._read() as sdb:
            patients.patient_num(sdb, patient_id)
            return visits.read_all(sdb, patient_id)

    def finish_visit(
        self,
        patient_id: str,
        *,
        user: str,
        now: datetime,
        left_unchanged_reason: str | None = None,
    ) -> Visit:
        """Finish the open visit, when the pump allows it (:func:`db.visits.finish`)."""
        audited.check_user(user, now)
        with self._write() as sdb:
            return visits.finish(
                sdb,
                patient_id,
                user=user,
                now=now,
                left_unchanged_reason=left_unchanged_reason,
                reference=self._reference,
            )

    def record_visit_review(
        self, patient_id: str, details: Mapping[str, object], *, user: str, now: datetime
    ) -> Visit:
        """The open visit's review confirmed (:func:`db.visits.record_review`)."""
        audited.check_user(user, now)
        with self._write() as sdb:
            return visits.record_review(sdb, patient_id, details, user=user, now=now)

    def simulated_pump(self, patient_id: str, *, now: datetime) -> SimulatedPump | None:
        """The patient's simulated pump brought forward to ``now`` (nothing stored changes), or
        None before its first interrogation."""
        moment_text(now, "now")
        with self._read() as sdb:
            return pumps.read(sdb, patient_id, now=now, reference=self._reference)

    def interrogate_pump(
        self, patient_id: str, *, user: str, now: datetime, running_version: int | None = None
    ) -> SimulatedPump:
        """Read the patient's pump, audited (:func:`db.simulated_pumps.interrogate`)."""
        audited.check_user(user, now)
        with self._write() as sdb:
            return pumps.interrogate(
                sdb,
                patient_id,
                user=user,
                now=now,
                reference=self._reference,
                running_version=running_version,
            )

    def store_pump(
        self,
        patient_id: str,
        pump: SimulatedPump,
        *,
        action: str,
        details: Mapping[str, object],
        user: str,
        now: datetime,
        boluses: tuple[BolusGivenRecord, ...] = (),
    ) -> None:
        """Store what was done to the pump, audited (:func:`db.simulated_pumps.write`)."""
        audited.check_user(user, now)
        with self._write() as sdb:
            pumps.write(
                sdb,
                patient_id,
                pump,
                action=action,
                details=details,
                user=user,
                now=now,
                boluses=boluses,
            )

    def record_refill_visit(
        self,
        patient_id: str,
        refill: RefillRecord,
        *,
        bridge: BolusGivenRecord | None = None,
        bridge_omitted_reason: str = "",
        user: str,
        now: datetime,
    ) -> None:
        """A refill and its bridge decision in one write (:mod:`db.simulated_pumps`)."""
        audited.check_user(user, now)
        with self._write() as sdb:
            pumps.record_refill_visit(
                sdb,
                patient_id,
                refill,
                bridge=bridge,
                omitted_reason=bridge_omitted_reason,
                user=user,
                now=now,
                reference=self._reference,
            )

    def worklist(self, *, now: datetime, days: int = DEFAULT_WORKLIST_DAYS) -> list[WorklistItem]:
        """The patients due within ``days`` of ``now`` (:func:`db.worklist.due`)."""
        moment_text(now, "now")
        reference = self._reference
        with self._read() as sdb:
            # Stale rows, or figures computed with another library, catalogue or code (a new
            # release): brought up to date first (db.worklist.refresh).
            stale = worklist.has_stale(sdb) or worklist.out_of_date(sdb, reference)
        if stale:
            with self._write():
                pass  # _write brings the stale figures up to date before it commits
        with self._read() as sdb:
            return worklist.due(sdb, now, days)

    def stopped_pumps(self) -> list[pumps.StoppedPump]:
        """Patients whose pump a cut-off programming session left stopped, by name."""
        with self._read() as sdb:
            return pumps.stopped(sdb)
