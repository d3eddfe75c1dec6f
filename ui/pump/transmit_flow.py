"""The transmit workflows (issue: programmer workflows): transmit the saved programme with
progress and read-back, offered after every save, each session step recorded as it goes (so a
console that dies half-way shows the pump stopped after restart), and undo a session cut off
half-way."""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import partial
from html import escape

from PySide6.QtWidgets import QWidget

from db.database import BolusGivenRecord, BolusKind, DatabaseError, ProgrammeVersion
from db.simulated_pumps import StoredPump
from programmer.compare import summary_line
from programmer.programme import Programme
from programmer.simulated_pump import SessionStep, SimulatedPump
from programmer.telemetry import Link, TransmissionResult
from programmer.words import format_decimal
from ui.pump.controller import PumpController
from ui.pump.prompts import run_dialog
from ui.pump.record import state_words
from ui.session import PatientSession

TransmitGate = Callable[[ProgrammeVersion], bool]
"""Asked before a saved version goes to the pump, by every path that sends one (the Transmit
action, the offer after a save, the banners' buttons): True lets it go on; False sends nothing,
and the gate has said why. The open visit's review installs one (ui/visit.py)."""


class TransmitFlow(PumpController):
    """Transmit, the offer after a save, and resume the previous programme.

    ``next_link``: the telemetry link the next transmission uses (tests and trainers inject
    ``Link(drop_before=...)``); otherwise the transmit dialog's "simulate a dropped link".
    ``gate``: the :data:`TransmitGate` asked before each transmission (None: none is asked)."""

    def __init__(self, session: PatientSession, parent: QWidget) -> None:
        super().__init__(session, parent)
        self.next_link: Link | None = None
        self.gate: TransmitGate | None = None

    def _cleared(self, version: ProgrammeVersion) -> bool:
        """``version`` is still the patient's programme in the database (another window or an
        ``itb-console import`` may have saved a newer one since this window read it: sending
        the older one would undo that change on the pump), and the gate lets it go (True when
        there is no gate). Each refusal says why."""
        session = self.session
        try:
            stored = self._db.current_version(self._patient_id)
        except DatabaseError as exc:
            session.prompter.warn(
                "Not transmitted", f"The patient's programme cannot be read: {exc}"
            )
            return False
        if stored is not None and stored.number != version.number:
            session.prompter.warn(
                "Not transmitted: a newer version was saved",
                f"Version {stored.number} was saved by {stored.saved_by} at "
                f"{stored.saved_at:%Y-%m-%d %H:%M} after this window read version "
                f"{version.number}: the patient's programme is now version {stored.number}, so "
                f"version {version.number} was not sent and the pump is as it was. Close the "
                f"patient and open it again to see version {stored.number}, review it, then "
                "transmit.",
            )
            self.status_message.emit(
                f"Not transmitted: version {stored.number} was saved elsewhere after version "
                f"{version.number}.",
                15000,
            )
            return False
        return self.gate is None or self.gate(version)

    def transmit(
        self, running_version: int | None = None, pump: SimulatedPump | None = None
    ) -> TransmissionResult | None:
        """Transmit the saved current version to the pump through the progress dialog.
        ``running_version``: what a pump never read before is taken to run (the version before
        a save just made); ``pump``: the pump just read for it (else it is read now). Nothing
        is read or sent when the gate refuses the version."""
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
        if not self._cleared(version):
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
            f"{format_decimal(p.drug.concentration_mcg_per_ml)} mcg/mL; reservoir "
            f"{format_decimal(p.reservoir.volume_ml)} mL "
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
            training=session.training,
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
        elif result.outcome.interrupted:
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
        pump's (issue 9). Then the gate (during a visit, the review): refused, no offer is made."""
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
                    self.session.pump = pump
        self.refresh_banner()
        if not self._cleared(saved):
            return
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
