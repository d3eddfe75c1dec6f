"""The programmer workflows on the window (issue: programmer workflows): interrogate the
simulated pump, refill, boluses, transmit the saved programme with progress and read-back, and
undo a session cut off half-way. The one place that joins the pump, the database record, the
pending programme (through the document, so every change is one undoable edit) and the patient
session (:mod:`ui.session`); it reports upward to the window by signals and never imports it.

Every dialog goes through the window's prompter (:func:`ui.pump.prompts.run_dialog`), every
write to the pump's state through the database with its audit entry in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from db.database import DatabaseError, ProgrammeVersion, RefillRecord
from programmer.programme import Mode
from programmer.simulated_pump import Alarm, SessionStep, SimulatedPump
from programmer.telemetry import Link, TransmissionResult
from ui.pump.banner import RecordDiffersBanner, StoppedPumpBanner
from ui.pump.bolus_dialog import BolusChoice, BolusTab
from ui.pump.bolus_flow import BolusFlow
from ui.pump.controller import PumpController
from ui.pump.panel import PumpPanel
from ui.pump.record import (
    RecordView,
    differs_words,
    programme_differences,
    pump_alerts,
    refill_not_on_pump,
    state_words,
)
from ui.pump.refill_flow import RefillFlow
from ui.pump.transmit_flow import TransmitFlow, TransmitGate
from ui.session import PatientSession
from ui.theme import STOPPED_STYLE
from ui.widgets.actions import named_action


class PumpWorkflows(PumpController):
    """The Pump tab, the Pump menu's actions and the stopped-pump banner of one window.

    The refill, bolus and transmit workflows are their own controllers on the same session
    (:mod:`ui.pump.refill_flow`, :mod:`ui.pump.bolus_flow`, :mod:`ui.pump.transmit_flow`); this
    one reads the pump, shows it and holds the actions, the Pump tab and the banners."""

    # Upward, to whoever shows them (the window): calls go down, signals go up. Besides
    # PumpController's status_message(text, ms) and editor_field_requested(field):
    open_patient_requested = Signal(str)  # the stopped-pump banner's "open" of another patient
    panel_requested = Signal()  # show the Pump tab
    state_changed = Signal()  # the pump's state changed (the title and the tab name follow)
    pump_alerts_changed = Signal(list)  # the Overview's pump alerts (list of strings)

    def __init__(self, session: PatientSession, parent: QWidget) -> None:
        """``parent``: the widget the actions belong to and the dialogs open over."""
        super().__init__(session, parent)
        self.refilling = RefillFlow(session, parent)
        self.bolusing = BolusFlow(session, parent)
        self.transmitting = TransmitFlow(session, parent)
        for flow in (self.refilling, self.bolusing, self.transmitting):
            flow.pump_changed.connect(self._show)
            flow.banner_stale.connect(self.refresh_banner)
            flow.status_message.connect(self.status_message)
            flow.editor_field_requested.connect(self.editor_field_requested)
        self.interrogate_action = self._action(
            "&Interrogate pump", self.interrogate, "interrogatePump", "Ctrl+I"
        )
        self.refill_action = self._action("&Refill…", self.refill, "refill")
        self.single_action = self._action(
            "&Single bolus…", lambda: self.boluses(BolusTab.SINGLE), "singleBolus"
        )
        self.priming_action = self._action(
            "&Priming bolus…", lambda: self.boluses(BolusTab.PRIMING), "primingBolus"
        )
        self.bridge_action = self._action(
            "&Bridge bolus…", lambda: self.boluses(BolusTab.BRIDGE), "bridgeBolus"
        )
        self.patient_bolus_action = self._action(
            "Patient b&olus settings…", lambda: self.boluses(BolusTab.PATIENT), "patientBolus"
        )
        self.transmit_action = self._action("&Transmit to pump…", self.transmit, "transmit")
        self.resume_action = self._action(
            "Resume the previous programme (&undo session)…",
            self.resume_previous,
            "resumePrevious",
        )
        # Short names for the Pump tab's buttons (the menu keeps the full ones).
        for action, short in (
            (self.interrogate_action, "Interrogate"),
            (self.single_action, "Single bolus…"),
            (self.priming_action, "Priming…"),
            (self.bridge_action, "Bridge…"),
            (self.transmit_action, "Transmit…"),
            (self.resume_action, "Undo session…"),
        ):
            action.setIconText(short)
        self.actions = [
            self.interrogate_action,
            self.refill_action,
            self.single_action,
            self.priming_action,
            self.bridge_action,
            self.patient_bolus_action,
            self.transmit_action,
            self.resume_action,
        ]
        self.panel = PumpPanel(
            [
                self.interrogate_action,
                self.refill_action,
                self.single_action,
                self.priming_action,
                self.bridge_action,
                self.transmit_action,
                self.resume_action,
            ]
        )
        self.panel.acknowledge_requested.connect(self.acknowledge)
        self.banner = StoppedPumpBanner()
        self.banner.finish_requested.connect(self.transmit)
        self.banner.undo_requested.connect(self.resume_previous)
        self.banner.open_requested.connect(self.open_patient_requested)
        self.differs_banner = RecordDiffersBanner()
        self.differs_banner.transmit_requested.connect(self.transmit)
        self.differs_banner.show_requested.connect(self.panel_requested)
        self.set_enabled(False)

    def _action(
        self, text: str, slot: Callable[[], object], name: str, shortcut: str | None = None
    ) -> QAction:
        return named_action(self._parent, text, slot, name, shortcut)

    def set_enabled(self, patient_open: bool) -> None:
        for action in self.actions:
            action.setEnabled(patient_open)
        self._update_resume()

    def _update_resume(self) -> None:
        self.resume_action.setEnabled(self.session.record is not None and self.stopped_here())

    # ------------------------------------------------------------ what the window asks

    @property
    def state(self) -> SimulatedPump | None:
        """The open patient's pump, as last read or stored (None: not read, or no patient)."""
        return self.session.pump

    @state.setter
    def state(self, pump: SimulatedPump | None) -> None:
        self.session.pump = pump

    def stopped_here(self) -> bool:
        """The open patient's pump is stopped by an unfinished programming session."""
        return self.state is not None and self.state.stopped_by_session

    def title_prefix(self) -> str:
        """What the window title starts with while a pump is left stopped."""
        if self.session.record is not None:
            return "PUMP STOPPED — " if self.stopped_here() else ""
        try:
            stopped = self._db.stopped_pumps()
        except DatabaseError:
            return ""
        return f"PUMP STOPPED ({len(stopped)}) — " if stopped else ""

    def patient_opened(self) -> None:
        """Read the stored pump (nothing is written) for the banner, title and Pump tab."""
        self.panel.clear()
        try:
            self.state = self._db.simulated_pump(self._patient_id, now=self.session.clock())
        except DatabaseError as exc:
            self.state = None
            self.session.prompter.warn("The pump's stored state cannot be read", str(exc))
        if self.state is not None and self.state.stopped_by_session:
            self.panel.clear(
                "⚠ Pump STOPPED by an unfinished programming session (as last stored). "
                "Interrogate to read it now."
            )
            self.panel.state_label.setStyleSheet(STOPPED_STYLE)
        self.refresh_banner()

    def patient_closed(self) -> None:
        self.state = None
        self.panel.clear()
        self.refresh_banner()

    def refresh_banner(self) -> None:
        """The banner, the Pump tab's name and the window title follow the pumps' state."""
        try:
            stopped = self._db.stopped_pumps()
        except DatabaseError:
            stopped = []
        record = self.session.record
        here: str | None = None
        state = self.state
        if record is not None and state is not None:
            drug = state.programme.drug.name
            if state.session is not None:
                last = state.session[-1].value
                here = (
                    f"<b>⚠ PUMP STOPPED — {escape(self._patient_words())}</b>: the programming "
                    f"session was cut off after '{last}'. The pump delivers <b>NO {drug}</b> "
                    "(withdrawal risk). Finish the session (transmit again) or undo it (resume "
                    "the previous programme)."
                )
            elif not state.drug_flowing and state.programme.mode is not Mode.STOPPED:
                here = (
                    f"<b>⚠ DRUG NOT FLOWING — {escape(self._patient_words())}</b>: "
                    f"{escape(state_words(state))}. See the Pump tab."
                )
        others = [s for s in stopped if record is None or s.patient_id != record.patient.id]
        # The differ banner first: hidden before the stopped one shows, never both at once.
        self._show_record_against_pump()
        self.banner.show_state(here, self.stopped_here(), others)
        self._update_resume()
        self.state_changed.emit()

    def _show_record_against_pump(self) -> None:
        """The record-and-pump-differ banner and the Overview's pump alerts, from the pump as
        last read (or stored) against the record's current version."""
        record = self.session.record
        state = self.state
        if record is None or record.pump is None:
            self.differs_banner.show_state(None)
            self.pump_alerts_changed.emit([])
            return
        view: RecordView | None = None
        refill: RefillRecord | None = None
        if state is not None:
            try:
                view = self._record(max(self.session.clock(), state.clock))
                refills = self._db.refills(self._patient_id)
                refill = refills[-1] if refills else None
            except DatabaseError:
                view = None
        self.pump_alerts_changed.emit(pump_alerts(view, state, refill))
        rows = programme_differences(view, state) if state is not None else []
        refill_words = refill_not_on_pump(refill, state) if state is not None else None
        # While a session is open the stopped-pump banner says it, with the way out (finishing
        # the session transmits the version on record); one loud banner, not two.
        if view is None or not (rows or refill_words) or self.stopped_here():
            self.differs_banner.show_state(None)
            return
        words = differs_words(view, rows, most=1) if rows else ""
        if refill_words is not None:
            words = f"{words}; {refill_words}" if words else refill_words
        self.differs_banner.show_state(
            f"<b>⚠ RECORD AND PUMP DIFFER — {escape(self._patient_words())}</b>: "
            f"{escape(words)}. The pump delivers what it holds: save and transmit, or find "
            "out why."
        )

    def _show(self, pump: SimulatedPump) -> None:
        """Show ``pump`` as just read or changed, with the record beside it."""
        now = self.session.clock()
        self.state = pump
        # The record is compared at the pump's own moment: after a training clock is moved
        # back the pump's clock stays where it was (it only moves forward).
        self.panel.show_pump(pump, self._record(max(now, pump.clock)), now)
        self.refresh_banner()

    # ------------------------------------------------------------ interrogate, alarms

    def interrogate(self) -> SimulatedPump | None:
        """Read the pump into the console (issue: "Interrogate") and show the Pump tab."""
        if not self._ready():
            return None
        pump = self._pump_now()
        if pump is None:
            return None
        self._show(pump)
        self.panel_requested.emit()
        return pump

    def clock_moved(self) -> tuple[Alarm, ...]:
        """The (training) clock moved on: read the open patient's pump at the new moment (the
        pump delivers meanwhile, alarms fire) and show it; the alarms that began sounding are
        returned, for the window to announce."""
        if self.session.record is None:
            return ()
        before = set(self.state.sounding) if self.state is not None else set()
        pump = self._pump_now()
        if pump is None:
            return ()
        self._show(pump)
        return tuple(a for a in pump.sounding if a not in before)

    def acknowledge(self, alarm: Alarm) -> None:
        """Silence a sounding alarm (it stays listed while its cause remains); recorded."""
        if not self._ready():
            return
        pump = self._pump_now()
        if pump is None or alarm not in pump.alarms:
            return
        pump.acknowledge(alarm)
        if self._store(
            pump, "pump.alarm-acknowledged", {"alarm": alarm.value, "words": alarm.words}
        ):
            self._show(pump)

    # ------------------------------------------------------------ refill, boluses, transmit

    def refill(self) -> bool:
        """The refill dialog (:class:`~ui.pump.refill_flow.RefillFlow`); True when recorded."""
        return self.refilling.refill()

    def boluses(self, tab: BolusTab = BolusTab.SINGLE) -> BolusChoice | None:
        """The bolus dialog on ``tab``; returns what was done (None: nothing)."""
        return self.bolusing.boluses(tab)

    def transmit(
        self, running_version: int | None = None, pump: SimulatedPump | None = None
    ) -> TransmissionResult | None:
        """Transmit the saved current version (:class:`~ui.pump.transmit_flow.TransmitFlow`)."""
        return self.transmitting.transmit(running_version, pump)

    def offer_transmit(self, saved: ProgrammeVersion, previous: ProgrammeVersion | None) -> None:
        """After a save: the update is complete only when the pump runs it (domain.md)."""
        self.transmitting.offer_transmit(saved, previous)

    def resume_previous(self) -> bool:
        """Undo a session cut off half-way: the pump restarts the programme it had."""
        return self.transmitting.resume_previous()

    @property
    def next_link(self) -> Link | None:
        """The telemetry link the next transmission uses (tests and trainers inject one)."""
        return self.transmitting.next_link

    @next_link.setter
    def next_link(self, link: Link | None) -> None:
        self.transmitting.next_link = link

    @property
    def transmit_gate(self) -> TransmitGate | None:
        """Asked before every transmission (:data:`~ui.pump.transmit_flow.TransmitGate`): the
        visit workflow installs its review rule here; the pump workflows know only the callable,
        never the visit."""
        return self.transmitting.gate

    @transmit_gate.setter
    def transmit_gate(self, gate: TransmitGate | None) -> None:
        self.transmitting.gate = gate

    def _session_step_coming(
        self, pump: SimulatedPump, version: ProgrammeVersion, step: SessionStep
    ) -> bool:
        """Kept for the tests that interrupt a session there."""
        return self.transmitting._session_step_coming(pump, version, step)
