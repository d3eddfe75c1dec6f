"""What the pump controllers share (the interrogate, refill, bolus and transmit workflows of
:mod:`ui.pump.workflows`): the patient session they work on, the widget their dialogs open over,
reading the open patient's pump and storing it with its audit entry, and the signals they report
upward by. Calls go down, signals go up: no controller knows the window.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from db.database import BolusGivenRecord, DatabaseError
from programmer.pump_catalogue import CatheterModel
from programmer.simulated_pump import SimulatedPump
from programmer.units import decimal_if_exact, round_half_up
from ui.pump.record import RecordView, record_view
from ui.session import PatientSession

if TYPE_CHECKING:
    from db.database import Database


def minute(moment: datetime) -> datetime:
    """A moment to the whole minute: programme files hold times to the minute."""
    return moment.replace(second=0, microsecond=0)


def mcg(value: Fraction) -> Decimal:
    """A computed dose (or volume) as a record's Decimal: exact when it has at most 6 decimals,
    else to 3 decimals (a computed figure, never a typed one)."""
    return decimal_if_exact(value, 6) or round_half_up(value, 3)


class PumpController(QObject):
    """One workflow on the open patient's pump.

    ``pump_changed(pump)``: show this pump as just read or changed; ``banner_stale()``: the
    banners are to be redrawn from the state on record; ``status_message(text, ms)``: a
    status-bar message; ``editor_field_requested(field)``: show the programme editor there."""

    pump_changed = Signal(object)
    banner_stale = Signal()
    status_message = Signal(str, int)
    editor_field_requested = Signal(str)

    def __init__(self, session: PatientSession, parent: QWidget) -> None:
        """``parent``: the widget the actions belong to and the dialogs open over."""
        super().__init__(parent)
        self.session = session
        self._parent = parent

    @property
    def _db(self) -> Database:
        return self.session.db

    @property
    def _patient_id(self) -> str:
        return self.session.patient_id

    def _patient_words(self) -> str:
        return self.session.patient_words()

    def _show(self, pump: SimulatedPump) -> None:
        """Show ``pump`` as just read or changed, with the record beside it."""
        self.pump_changed.emit(pump)

    def refresh_banner(self) -> None:
        """The banners, the Pump tab's name and the window title follow the pumps' state."""
        self.banner_stale.emit()

    def _record(self, now: datetime) -> RecordView | None:
        pid = self._patient_id
        return record_view(
            self._db.versions(pid), self._db.boluses_given(pid), self._db.catalogue, now
        )

    def _catheter(self) -> tuple[CatheterModel | None, Decimal | None]:
        record = self.session.record
        assert record is not None
        pump = record.pump
        if pump is None or pump.catheter_model is None:
            return None, None
        return self._db.catalogue.catheters.get(pump.catheter_model), pump.catheter_length_cm

    def _ready(self) -> bool:
        """A patient with a pump and a programme document is open."""
        session = self.session
        if session.record is None or session.document is None:
            session.prompter.warn("No patient", "Open a patient first.")
            return False
        if session.record.pump is None:
            session.prompter.warn("No pump", f"{self._patient_words()} has no pump recorded.")
            return False
        return True

    def _pump_now(self, running_version: int | None = None) -> SimulatedPump | None:
        """The patient's pump read now (started on the record when never read before)."""
        try:
            return self._db.interrogate_pump(
                self._patient_id,
                user=self.session.user,
                now=self.session.clock(),
                running_version=running_version,
            )
        except DatabaseError as exc:
            self.session.prompter.warn("The pump cannot be read", str(exc))
            return None

    def _store(
        self,
        pump: SimulatedPump,
        action: str,
        details: dict[str, object],
        boluses: tuple[BolusGivenRecord, ...] = (),
    ) -> bool:
        try:
            self._db.store_pump(
                self._patient_id,
                pump,
                action=action,
                details=details,
                user=self.session.user,
                now=self.session.clock(),
                boluses=boluses,
            )
        except DatabaseError as exc:
            self.session.prompter.warn("Not recorded", f"The database refused it: {exc}")
            return False
        return True
