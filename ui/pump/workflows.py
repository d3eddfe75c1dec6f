"""The programmer workflows on the window (issue: programmer workflows): interrogate the
simulated pump, refill, boluses, transmit the saved programme with progress and read-back, and
undo a session cut off half-way. The one place that joins the pump, the database record, the
pending programme (through the document, so every change is one undoable edit) and the patient
session (:mod:`ui.session`); it reports upward to the window by signals and never imports it.

Every dialog goes through the window's prompter (:func:`ui.pump.prompts.run_dialog`), every
write to the pump's state through the database with its audit entry in the same transaction.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from functools import partial
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from db.database import (
    BolusGivenRecord,
    BolusKind,
    CompoundedConfirmation,
    DatabaseError,
    ProgrammeVersion,
    RefillRecord,
)
from db.simulated_pumps import StoredPump
from programmer import schedule_edit as se
from programmer.boluses import bridge_minutes
from programmer.compare import summary_line
from programmer.programme import Mode, Programme
from programmer.pump_catalogue import CatheterModel
from programmer.refill import after_refill
from programmer.simulated_pump import (
    Alarm,
    Link,
    SessionError,
    SessionStep,
    SimulatedPump,
    TransmissionResult,
)
from programmer.units import decimal_if_exact, format_number, round_half_up
from ui.pump.banner import RecordDiffersBanner, StoppedPumpBanner
from ui.pump.bolus_dialog import BolusChoice, BolusContext, BolusDialog, BolusTab
from ui.pump.panel import PumpPanel
from ui.pump.prompts import run_dialog
from ui.pump.record import (
    RecordView,
    differs_words,
    programme_differences,
    pump_alerts,
    record_view,
    refill_not_on_pump,
    state_words,
)
from ui.session import PatientSession
from ui.theme import STOPPED_STYLE

if TYPE_CHECKING:
    from db.database import Database


def _fill_words(programme: Programme) -> str:
    """The fill a programme is computed from, for the undo and redo menu entries."""
    fill, drug = programme.reservoir, programme.drug
    return (
        f"{fill.volume_ml} mL of {drug.concentration_mcg_per_ml} mcg/mL filled "
        f"{fill.filled_at:%Y-%m-%d %H:%M}"
    )


def compounded_pairs(confirmed: list[CompoundedConfirmation]) -> frozenset[tuple[str, Decimal]]:
    """(drug, concentration) of the patient's confirmed compounded products, as the programme
    document takes them."""
    return frozenset((c.drug, c.concentration_mcg_per_ml) for c in confirmed)


def minute(moment: datetime) -> datetime:
    """A moment to the whole minute: programme files hold times to the minute."""
    return moment.replace(second=0, microsecond=0)


def mcg(value: Fraction) -> Decimal:
    """A computed dose (or volume) as a record's Decimal: exact when it has at most 6 decimals,
    else to 3 decimals (a computed figure, never a typed one)."""
    return decimal_if_exact(value, 6) or round_half_up(value, 3)


class PumpWorkflows(QObject):
    """The Pump tab, the Pump menu's actions and the stopped-pump banner of one window.

    ``next_link``: the telemetry link the next transmission uses (tests and trainers inject
    ``Link(drop_before=...)``); otherwise the transmit dialog's "simulate a dropped link"."""

    # Upward, to whoever shows them (the window): calls go down, signals go up.
    open_patient_requested = Signal(str)  # the stopped-pump banner's "open" of another patient
    panel_requested = Signal()  # show the Pump tab
    editor_field_requested = Signal(str)  # show the programme editor on this field
    state_changed = Signal()  # the pump's state changed (the title and the tab name follow)
    pump_alerts_changed = Signal(list)  # the Overview's pump alerts (list of strings)
    status_message = Signal(str, int)  # a status-bar message and its timeout in ms

    def __init__(self, session: PatientSession, parent: QWidget) -> None:
        """``parent``: the widget the actions belong to and the dialogs open over."""
        super().__init__(parent)
        self.session = session
        self._parent = parent
        self.next_link: Link | None = None
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
            "Patient bolus &settings…", lambda: self.boluses(BolusTab.PATIENT), "patientBolus"
        )
        self.transmit_action = self._action("&Transmit to pump…", self.transmit, "transmit")
        self.resume_action = self._action(
            "Resume the previous &programme (undo session)…",
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
        action = QAction(text, self._parent)
        action.setObjectName(name)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def set_enabled(self, patient_open: bool) -> None:
        for action in self.actions:
            action.setEnabled(patient_open)
        self._update_resume()

    def _update_resume(self) -> None:
        self.resume_action.setEnabled(self.session.record is not None and self.stopped_here())

    # ------------------------------------------------------------ what the window asks

    @property
    def _db(self) -> Database:
        return self.session.db

    @property
    def _patient_id(self) -> str:
        return self.session.patient_id

    def _patient_words(self) -> str:
        return self.session.patient_words()

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

    # ------------------------------------------------------------ refill

    def refill(self) -> bool:
        """The refill dialog; on confirmation the refill (and bridge-bolus decision) is
        recorded and the pending programme becomes the refilled one, as one undoable edit, for
        the normal review, save and transmit. True when recorded."""
        if not self._ready():
            return False
        session = self.session
        document = session.document
        assert document is not None and session.record is not None
        now = minute(session.clock())
        record = self._record(now)
        if record is None or session.current is None:
            session.prompter.warn(
                "No programme on record",
                "A refill is checked against the programme on record: save one first.",
            )
            return False
        catheter, length = self._catheter()
        try:
            compounded = tuple(self._db.compounded_confirmations(self._patient_id))
        except DatabaseError as exc:
            session.prompter.warn("Refill not possible", str(exc))
            return False
        from ui.pump.refill_dialog import RefillContext, RefillDialog

        context = RefillContext(
            patient=self._patient_words(),
            at=now,
            pump=self._db.catalogue.pump(record.programme.pump.model),
            record=record,
            pending=document.pending,
            current=document.current,
            catheter=catheter,
            catheter_length_cm=length,
            check=document.context,
            compounded=compounded,
        )
        dialog = RefillDialog(context, self._parent)
        if not run_dialog(session.prompter, dialog):
            return False
        outcome = dialog.outcome()
        refill = outcome.refill
        if outcome.compounded_reason:
            # The explicit confirmation in the dialog is the logged override that lets the
            # refill and the refilled programme take a concentration outside the library.
            try:
                self._db.confirm_compounded(
                    self._patient_id,
                    refill.drug,
                    refill.concentration_mcg_per_ml,
                    reason=outcome.compounded_reason,
                    user=session.account or session.user,
                    now=now,
                )
                confirmed = self._db.compounded_confirmations(self._patient_id)
            except DatabaseError as exc:
                session.prompter.warn("Compounded concentration not confirmed", str(exc))
                return False
            document.set_compounded(compounded_pairs(confirmed))
        bridge_record = None
        if outcome.bridge is not None:
            b = outcome.bridge
            old = record.programme.drug.concentration_mcg_per_ml
            bridge_record = BolusGivenRecord(
                at=now,
                kind=BolusKind.BRIDGE,
                dose_mcg=mcg(b.delivered_mcg),
                duration_min=bridge_minutes(b),
                reason=(
                    f"Bridge bolus with the refill, {old} → {refill.concentration_mcg_per_ml} "
                    f"mcg/mL: {format_number(b.volume_ml, 4)} mL of old fluid at "
                    f"{format_number(b.flow_ml_per_day, 4)} mL/day; pump programmed for "
                    f"{format_number(b.programmed_dose_mcg, 2)} mcg"
                ),
            )
        try:
            self._db.record_refill_visit(
                self._patient_id,
                refill,
                bridge=bridge_record,
                bridge_omitted_reason=outcome.bridge_omitted_reason,
                user=session.user,
                now=now,
            )
        except DatabaseError as exc:
            session.prompter.warn("Refill not recorded", str(exc))
            return False
        document.edit(
            "Reservoir",
            partial(
                after_refill,
                at=now,
                volume_added_ml=refill.volume_added_ml,
                concentration_mcg_per_ml=refill.concentration_mcg_per_ml,
                drug_name=refill.drug,
            ),
            value=_fill_words,
        )
        self.refresh_banner()  # the pump holds the new fill only once it is transmitted
        self.status_message.emit(
            f"Refill recorded: {refill.volume_added_ml} mL of {refill.concentration_mcg_per_ml} "
            "mcg/mL. Review and save the refilled programme, then transmit it to the pump.",
            15000,
        )
        return True

    # ------------------------------------------------------------ boluses

    def boluses(self, tab: BolusTab = BolusTab.SINGLE) -> BolusChoice | None:
        """The bolus dialog on ``tab``; returns what was done (None: nothing)."""
        if not self._ready():
            return None
        session = self.session
        document = session.document
        assert document is not None
        now = minute(session.clock())
        catheter, length = self._catheter()
        record = session.current.programme if session.current is not None else None
        context = BolusContext(
            patient=self._patient_words(),
            now=now,
            pump=document.pump,
            pending=document.pending,
            result=document.result,
            current=document.current,
            record=record,
            catheter=catheter,
            catheter_length_cm=length,
            check=document.context,
            bridge_given_at=self._bridge_given_since(),
        )
        dialog = BolusDialog(context, tab, self._parent)
        if not run_dialog(session.prompter, dialog) or dialog.choice is None:
            return None
        choice = dialog.choice
        if choice is BolusChoice.SINGLE:
            assert dialog.single is not None
            bolus = dialog.single
            document.edit(
                f"Add bolus {bolus.start:%Y-%m-%d %H:%M}", partial(se.add_bolus, bolus=bolus)
            )
            self.status_message.emit(
                f"Bolus planned: {bolus.dose_mcg} mcg over {bolus.duration_min} min from "
                f"{bolus.start:%Y-%m-%d %H:%M}. Review, save and transmit to give it.",
                15000,
            )
        elif choice is BolusChoice.PRIMING:
            if not self._give_priming(dialog):
                return None
        elif choice is BolusChoice.BRIDGE:
            if not self._give_bridge(dialog):
                return None
        else:
            self.editor_field_requested.emit("patient_bolus.dose_mcg")
        return choice

    def _bridge_given_since(self) -> datetime | None:
        """When a bridge bolus was recorded since the last refill on record (None: not)."""
        refills = self._db.refills(self._patient_id)
        if not refills:
            return None
        last = refills[-1].at
        given = [
            b.at
            for b in self._db.boluses_given(self._patient_id)
            if b.kind is BolusKind.BRIDGE and b.at >= last
        ]
        return given[-1] if given else None

    def _give_priming(self, dialog: BolusDialog) -> bool:
        session = self.session
        priming = dialog.priming
        chosen = dialog.catheter_choice()
        assert priming is not None and chosen is not None
        catheter, length = chosen
        conc = dialog.context.pending.drug.concentration_mcg_per_ml
        volume = format_number(priming.volume_ml, 4)
        dose = format_number(priming.dose_mcg, 2)
        if not session.prompter.confirm(
            "Priming bolus: only under supervision",
            f"Give a priming bolus to {self._patient_words()}'s pump now?\n\n"
            f"{volume} mL (pump {format_number(priming.pump_volume_ml, 4)} mL + catheter "
            f"{format_number(priming.catheter_volume_ml, 4)} mL), {dose} mcg at {conc} mcg/mL, "
            f"over {priming.duration_min} min.\n\nOnly after implant or replacement of the pump "
            "or catheter, under supervision, with the patient monitored.",
        ):
            return False
        pump = self._pump_now()
        if pump is None:
            return False
        words = (
            f"Priming bolus {volume} mL ({dose} mcg at {conc} mcg/mL): pump "
            f"{format_number(priming.pump_volume_ml, 4)} mL + {catheter.display_name} {length} "
            f"cm"
        )
        try:
            pump.give_priming_bolus(priming.volume_ml, words)
        except (SessionError, ValueError) as exc:
            session.prompter.warn("Priming bolus not given", str(exc))
            return False
        given = BolusGivenRecord(
            at=minute(session.clock()),
            kind=BolusKind.PRIMING,
            dose_mcg=mcg(priming.dose_mcg),
            duration_min=priming.duration_min,
            reason=f"{words}; given under supervision",
        )
        if not self._store(
            pump,
            "bolus.given",
            {
                "kind": "priming",
                "volume_ml": str(mcg(priming.volume_ml)),
                "catheter_cm": str(length),
            },
            (given,),
        ):
            return False
        self._show(pump)
        self.status_message.emit(f"Priming bolus given: {volume} mL, {dose} mcg.", 15000)
        return True

    def _give_bridge(self, dialog: BolusDialog) -> bool:
        session = self.session
        bridge = dialog.bridge
        record = dialog.context.record
        assert bridge is not None and record is not None
        old = record.drug.concentration_mcg_per_ml
        new = dialog.context.pending.drug.concentration_mcg_per_ml
        pump = self._pump_now()
        if pump is None:
            return False
        words = (
            f"Bridge bolus {old} → {new} mcg/mL: {format_number(bridge.volume_ml, 4)} mL of old "
            f"fluid at {format_number(bridge.flow_ml_per_day, 4)} mL/day; pump programmed for "
            f"{format_number(bridge.programmed_dose_mcg, 2)} mcg"
        )
        try:  # the pump gives the old fluid at the old dose's flow, not the programme's
            pump.give_bridge_bolus(bridge.volume_ml, bridge.duration_min, words)
        except (SessionError, ValueError) as exc:
            session.prompter.warn("Bridge bolus not given", str(exc))
            return False
        given = BolusGivenRecord(
            at=minute(session.clock()),
            kind=BolusKind.BRIDGE,
            dose_mcg=mcg(bridge.delivered_mcg),
            duration_min=bridge_minutes(bridge),
            reason=words,
        )
        if not self._store(pump, "bolus.given", {"kind": "bridge"}, (given,)):
            return False
        self._show(pump)
        return True

    # ------------------------------------------------------------ transmit

    def transmit(
        self, running_version: int | None = None, pump: SimulatedPump | None = None
    ) -> TransmissionResult | None:
        """Transmit the saved current version to the pump through the progress dialog.
        ``running_version``: what a pump never read before is taken to run (the version before
        a save just made); ``pump``: the pump just read for it (else it is read now)."""
        if not self._ready():
            return None
        session = self.session
        if session.is_modified():
            session.prompter.warn(
                "Save first",
                "The programme has unsaved changes: review and save them, then transmit the "
                "saved version.",
            )
            return None
        version = session.current
        if version is None:
            session.prompter.warn("Nothing to transmit", "No programme has been saved yet.")
            return None
        if pump is None:
            pump = self._pump_now(running_version)
        if pump is None:
            return None
        before = pump.programme
        link, self.next_link = self.next_link, None
        p = version.programme
        heading = (
            f"Transmit <b>version {version.number}</b> to the pump of "
            f"<b>{escape(self._patient_words())}</b> (serial {escape(p.pump.serial)}):<br>"
            f"{escape(summary_line(p))}; {escape(p.drug.name)} "
            f"{p.drug.concentration_mcg_per_ml} mcg/mL; reservoir {p.reservoir.volume_ml} mL "
            f"filled {p.reservoir.filled_at:%Y-%m-%d %H:%M}.<br>The pump now runs: "
            f"{escape(summary_line(before))} ({escape(state_words(pump))})."
        )
        from ui.pump.transmit_dialog import TransmitDialog  # loaded when first used

        dialog = TransmitDialog(
            pump,
            p,
            heading=heading,
            link=link,
            before_step=partial(self._session_step_coming, pump, version),
            after_step=partial(self._session_step_taken, pump, version),
            parent=self._parent,
        )
        dialog.transmission_ended.connect(partial(self._transmitted, pump, before, version))
        run_dialog(session.prompter, dialog)
        return dialog.outcome

    def _session_step_coming(
        self, pump: SimulatedPump, version: ProgrammeVersion, step: SessionStep
    ) -> bool:
        """Before the stop goes out, the pump is recorded as stopped by an open session: if the
        console dies from here on, it shows the pump stopped after restart (issue 9), never
        running a programme it may no longer run. False (nothing is sent) when the record
        cannot be written."""
        if step is not SessionStep.STOP:
            return True
        expected = copy.deepcopy(pump)
        expected.stop()
        stored = self._store(
            expected,
            "pump.session-started",
            {
                "version": version.number,
                "steps": ["stop"],
                "note": "recorded before the stop is sent: until the session ends the pump is "
                "taken as stopped",
            },
        )
        if stored and isinstance(pump, StoredPump) and isinstance(expected, StoredPump):
            pump.revision = expected.revision  # the state on record is now this session's
        return stored

    def _session_step_taken(
        self, pump: SimulatedPump, version: ProgrammeVersion, step: SessionStep
    ) -> bool:
        """After each step that leaves the session open: the pump as that step left it."""
        assert pump.session is not None
        return self._store(
            pump,
            "pump.session-step",
            {
                "version": version.number,
                "step": step.value,
                "steps": [s.value for s in pump.session],
            },
        )

    def _transmitted(
        self,
        pump: SimulatedPump,
        before: Programme,
        version: ProgrammeVersion,
        result: TransmissionResult,
    ) -> None:
        """Store the pump as the session left it (running the new programme, or STOPPED), with
        the planned boluses it now holds as given, and say so."""
        boluses: tuple[BolusGivenRecord, ...] = ()
        previous = before.boluses
        if result.completed:
            boluses = tuple(
                BolusGivenRecord(
                    at=b.start,
                    kind=BolusKind.SINGLE,
                    dose_mcg=b.dose_mcg,
                    duration_min=b.duration_min,
                    reason=f"Planned in version {version.number}; taken by the pump",
                )
                for b in version.programme.boluses
                if b not in previous
            )
            action = "pump.transmitted"
        elif result.message.startswith(("Telemetry lost", "Stopped after")):
            action = "pump.transmission-interrupted"
        else:
            action = "pump.read-back-mismatch"
        self._store(
            pump,
            action,
            {
                "version": version.number,
                "steps": [s.value for s in result.steps_done],
                "matched": result.matched,
                "message": result.message,
            },
            boluses,
        )
        self._show(pump)
        if not result.completed:
            self.session.prompter.warn(
                "PUMP STOPPED",
                f"{self._patient_words()}: {result.message}\n\nThe pump delivers no drug until "
                "the session is finished (transmit again) or undone (resume the previous "
                "programme).",
            )

    def offer_transmit(self, saved: ProgrammeVersion, previous: ProgrammeVersion | None) -> None:
        """After a save: the update is complete only when the pump runs it (domain.md).

        A pump never read on this console is read now, before the question, on the version
        before the save: it runs that one, whatever is answered (or if the console dies before
        an answer), and a later first interrogation must not take the unsent version for the
        pump's (issue 9)."""
        session = self.session
        pump: SimulatedPump | None = None
        if previous is not None:
            try:
                never_read = self._db.simulated_pump(self._patient_id, now=session.clock()) is None
            except DatabaseError:
                never_read = False
            if never_read:
                pump = self._pump_now(running_version=previous.number)
                if pump is not None:
                    self.state = pump
        self.refresh_banner()
        if not session.prompter.confirm(
            "Transmit to the pump",
            f"Version {saved.number} is saved. Transmit it to {self._patient_words()}'s pump "
            "now?\n\nThe pump stops, takes the programme, is read back and compared, and "
            "restarts. Until then it runs what it ran before.",
        ):
            self.status_message.emit(
                f"Saved version {saved.number}; not transmitted: the pump still runs its "
                "previous programme.",
                15000,
            )
            return
        self.transmit(running_version=previous.number if previous is not None else None, pump=pump)

    def resume_previous(self) -> bool:
        """Undo a session cut off half-way: the pump restarts the programme it had."""
        if not self._ready():
            return False
        session = self.session
        pump = self._pump_now()
        if pump is None:
            return False
        if pump.session is None:
            session.prompter.inform("No open session", "The pump has no unfinished session.")
            self._show(pump)
            return False
        saved = f"version {session.current.number}" if session.current else "the saved programme"
        if not session.prompter.confirm(
            "Undo the programming session",
            f"Restart the programme {self._patient_words()}'s pump ran before the session "
            f"({summary_line(pump.programme)})?\n\n{saved.capitalize()} will NOT be running on "
            "the pump; the Pump tab lists the differences.",
        ):
            return False
        pump.resume_without_change()
        if not self._store(
            pump, "pump.session-undone", {"programme": summary_line(pump.programme)}
        ):
            return False
        self._show(pump)
        return True
