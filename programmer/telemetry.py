"""The telemetry link to the implanted pump and the programming session over it: stop, send,
read back and compare, restart, one step at a time (domain.md: an update is complete only when the
pump runs the new programme again; a link lost half-way leaves the pump stopped).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from programmer.programme import Programme
from programmer.simulated_pump import SessionStep, SimulatedPump


class LinkDropped(Exception):
    """The telemetry link was lost in the middle of a programming session."""


class TransmissionOutcome(StrEnum):
    """How a programming session ended: read by the console, never its message's wording."""

    COMPLETED = "completed"  # the pump runs the new programme, read-back matched
    TELEMETRY_LOST = "telemetry-lost"  # the link dropped mid-session (domain.md)
    CONSOLE_STOPPED = "console-stopped"  # the console could not record the next step
    READ_BACK_DIFFERS = "read-back-differs"  # the pump holds something else than was sent

    @property
    def interrupted(self) -> bool:
        """The session was cut off before its end (the pump may be left stopped)."""
        return self in (TransmissionOutcome.TELEMETRY_LOST, TransmissionOutcome.CONSOLE_STOPPED)


@dataclass(frozen=True, slots=True)
class TransmissionResult:
    completed: bool
    steps_done: tuple[SessionStep, ...]
    matched: bool
    message: str
    outcome: TransmissionOutcome


class Transmission:
    """A programming session over ``link``, one step at a time (stop, send, read back and
    compare, restart), so a console can show each step as it happens.

    Call :meth:`advance` until it returns None; :attr:`result` then says how it ended. If the
    link drops, the pump is left as it is (stopped, mid-session): an update is complete only when
    the pump runs the new programme again (domain.md)."""

    STEPS = (SessionStep.STOP, SessionStep.SEND, SessionStep.READ_BACK, SessionStep.RESTART)

    def __init__(self, pump: SimulatedPump, programme: Programme, link: Link | None = None):
        self.pump = pump
        self.programme = programme
        self.link = link or Link()
        self.done: list[SessionStep] = []
        self.read: Programme | None = None  # what the read-back returned
        self.result: TransmissionResult | None = None

    @property
    def next_step(self) -> SessionStep | None:
        """The step :meth:`advance` will take, or None when the session has ended."""
        if self.result is not None:
            return None
        return self.STEPS[len(self.done)]

    def advance(self) -> SessionStep | None:
        """Take the next step; returns it, or None when the session has ended (see
        :attr:`result`)."""
        step = self.next_step
        if step is None:
            return None
        try:
            self.link.step(step)
        except LinkDropped:
            last = self.done[-1].value if self.done else "start"
            self._end(
                TransmissionOutcome.TELEMETRY_LOST,
                f"Telemetry lost after '{last}': THE PUMP IS STOPPED. Re-establish the link "
                "and finish or undo the session.",
            )
            return None
        pump = self.pump
        if step is SessionStep.STOP:
            pump.stop()
        elif step is SessionStep.SEND:
            pump.send(self.programme)
        elif step is SessionStep.READ_BACK:
            self.read = pump.read_back()
        else:
            pump.restart()
        self.done.append(step)
        if step is SessionStep.READ_BACK and self.read != self.programme:
            self._end(
                TransmissionOutcome.READ_BACK_DIFFERS,
                "The read-back differs from what was sent: the pump is stopped. Send again.",
            )
        elif step is SessionStep.RESTART:
            self._end(
                TransmissionOutcome.COMPLETED,
                "Pump running the new programme; read-back matched what was sent.",
            )
        return step

    def run(self) -> TransmissionResult:
        """Every remaining step."""
        while self.advance() is not None:
            pass
        assert self.result is not None
        return self.result

    def _end(self, outcome: TransmissionOutcome, message: str) -> None:
        done = outcome is TransmissionOutcome.COMPLETED
        self.result = TransmissionResult(done, tuple(self.done), done, message, outcome)
        self.pump.session_cut_off()


def transmit(
    pump: SimulatedPump, programme: Programme, link: Link | None = None
) -> TransmissionResult:
    """A whole programming session over ``link``: stop, send, read back and compare, restart.

    If the link drops, the pump is left as it is (stopped, mid-session) and the result says so:
    an update is complete only when the pump runs the new programme again (domain.md).
    """
    return Transmission(pump, programme, link).run()


@dataclass
class Link:
    """The telemetry link; ``drop_before`` simulates losing it before a given step."""

    drop_before: SessionStep | None = None

    def step(self, step: SessionStep) -> None:
        if self.drop_before is step:
            self.drop_before = None
            raise LinkDropped(step.value)
