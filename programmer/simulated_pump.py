"""A simulated implanted pump (issue: programmer workflows): what a real pump holds and does,
driven by a clock the caller passes in, so tests and trainers can move time.

It delivers by its running programme (the engine's :class:`DeliveryModel`), sounds the alarms of
domain.md (low reservoir, empty reservoir, replacement warning, end of service, drug no longer
flowing) and takes new programmes only through a programming session: stop, send, read back and
compare, restart. A session cut off half-way leaves the pump stopped until it is finished.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from programmer.programme import Mode, Programme, Reservoir
from programmer.projection import DeliveryModel
from programmer.pump_catalogue import PumpModel
from programmer.units import exact

# domain.md: "after the replacement warning (ERI) the pump stops within 90 days".
END_OF_SERVICE_AFTER_ERI = timedelta(days=90)


class Alarm(StrEnum):
    LOW_RESERVOIR = "low-reservoir"  # single tone about hourly
    EMPTY_RESERVOIR = "empty-reservoir"  # two-tone: drug no longer flowing
    REPLACEMENT_WARNING = "replacement-warning"  # ERI, single tone
    END_OF_SERVICE = "end-of-service"  # two-tone: the pump has stopped for good
    DRUG_NOT_FLOWING = "drug-not-flowing"  # two-tone: stopped by a session or a fault

    @property
    def two_tone(self) -> bool:
        """domain.md: drug no longer flowing (empty, stopped, battery, motor) is two-tone."""
        return self in (Alarm.EMPTY_RESERVOIR, Alarm.END_OF_SERVICE, Alarm.DRUG_NOT_FLOWING)

    @property
    def words(self) -> str:
        return {
            Alarm.LOW_RESERVOIR: "Low reservoir: refill soon",
            Alarm.EMPTY_RESERVOIR: "Reservoir empty: drug no longer flowing",
            Alarm.REPLACEMENT_WARNING: "Replacement warning (ERI): the pump stops within 90 days",
            Alarm.END_OF_SERVICE: "End of service: the pump has stopped; replace it",
            Alarm.DRUG_NOT_FLOWING: "Pump stopped: drug no longer flowing",
        }[self]


@dataclass(frozen=True, slots=True)
class PumpEvent:
    at: datetime
    kind: str
    text: str


class LinkDropped(Exception):
    """The telemetry link was lost in the middle of a programming session."""


class SessionError(Exception):
    """A programming step out of order (e.g. restarting before the read-back matched)."""


class SessionStep(StrEnum):
    STOP = "stop"
    SEND = "send"
    READ_BACK = "read-back"
    RESTART = "restart"


@dataclass(frozen=True, slots=True)
class Reading:
    """What an interrogation shows: a snapshot of the pump."""

    at: datetime
    model: str
    serial: str
    running: bool
    programme: Programme
    reservoir_ml: Fraction
    replace_by: datetime
    alarms: tuple[Alarm, ...]
    session_open: bool
    events: tuple[PumpEvent, ...]


@dataclass
class SimulatedPump:
    """The pump's state. ``programme`` carries drug, concentration, schedule and alarm volume;
    ``reservoir_ml`` is what is really left (it can differ from the record, as in real life)."""

    model: PumpModel
    programme: Programme
    clock: datetime
    reservoir_ml: Fraction
    running: bool = True
    alarms: set[Alarm] = field(default_factory=set)
    acknowledged: set[Alarm] = field(default_factory=set)
    events: list[PumpEvent] = field(default_factory=list)
    session: list[SessionStep] | None = None  # steps done in an open programming session
    received: Programme | None = None  # what the pump holds after SEND (before RESTART)
    delivered_ml: Fraction = Fraction(0)
    # Fraction of programmed delivery actually given (domain.md accuracy; 1 = exact). Trainers
    # may set e.g. Fraction(1, 2) to simulate a partly blocked catheter.
    delivery_factor: Fraction = Fraction(1)

    @classmethod
    def implanted(cls, model: PumpModel, programme: Programme, at: datetime) -> SimulatedPump:
        """A pump running ``programme`` from its fill, brought forward to ``at``."""
        pump = cls(
            model=model,
            programme=programme,
            clock=programme.reservoir.filled_at,
            reservoir_ml=exact(programme.reservoir.volume_ml),
        )
        pump._log(pump.clock, "start", f"Running {programme.mode.value} programme")
        pump.advance(at)
        return pump

    # ------------------------------------------------------------ time

    @property
    def replace_by(self) -> datetime:
        return datetime.combine(self.programme.pump.replace_by, datetime.min.time())

    def _log(self, at: datetime, kind: str, text: str) -> None:
        self.events.append(PumpEvent(at, kind, text))

    def _raise(self, alarm: Alarm, at: datetime) -> None:
        if alarm not in self.alarms:
            self.alarms.add(alarm)
            self.acknowledged.discard(alarm)
            self._log(at, "alarm", alarm.words)

    def advance(self, to: datetime) -> list[PumpEvent]:
        """Move the pump's clock to ``to``, delivering while it runs; returns the new events."""
        if to < self.clock:
            raise ValueError("the simulated clock only moves forward")
        first_new = len(self.events)
        t = self.clock
        # The battery: replacement warning at replace-by, end of service 90 days later.
        eri, eos = self.replace_by, self.replace_by + END_OF_SERVICE_AFTER_ERI
        while t < to:
            stop_at = to
            for boundary in (eri, eos):
                if t < boundary < stop_at:
                    stop_at = boundary
            t = self._deliver(t, stop_at) if self.running else stop_at
            if t >= eri:
                self._raise(Alarm.REPLACEMENT_WARNING, eri)
            if t >= eos and self.running:
                self.running = False
                self._raise(Alarm.END_OF_SERVICE, eos)
        self.clock = to
        return self.events[first_new:]

    def _model(self) -> DeliveryModel:
        return DeliveryModel(self.programme, self.model, worst_case=False)

    def _deliver(self, start: datetime, end: datetime) -> datetime:
        """Deliver from ``start`` to ``end`` (or until empty); returns where it got to."""
        if self.programme.mode is Mode.STOPPED:
            return end
        model = self._model()
        factor = self.delivery_factor
        wanted = model.delivered_between(start, end) * factor
        alarm_level = exact(self.programme.pump.low_reservoir_alarm_ml)
        base = model.delivered_between(self.programme.reservoir.filled_at, start)
        if self.reservoir_ml - wanted <= alarm_level < self.reservoir_ml:
            crossing = model.when_delivered(base + (self.reservoir_ml - alarm_level) / factor)
            self._raise(Alarm.LOW_RESERVOIR, crossing or end)
        if wanted >= self.reservoir_ml:
            empty = model.when_delivered(base + self.reservoir_ml / factor) or end
            self.delivered_ml += self.reservoir_ml
            self.reservoir_ml = Fraction(0)
            self._raise(Alarm.EMPTY_RESERVOIR, empty)
            return end
        self.reservoir_ml -= wanted
        self.delivered_ml += wanted
        return end

    # ------------------------------------------------------------ telemetry

    def interrogate(self) -> Reading:
        """Read the pump: programme, reservoir, alarms, battery and log, as it is now."""
        return Reading(
            at=self.clock,
            model=self.model.model,
            serial=self.programme.pump.serial,
            running=self.running,
            programme=self.programme,
            reservoir_ml=self.reservoir_ml,
            replace_by=self.replace_by,
            alarms=tuple(sorted(self.alarms)),
            session_open=self.session is not None,
            events=tuple(self.events),
        )

    def acknowledge(self, alarm: Alarm) -> None:
        """Silence an alarm; it stays in ``alarms`` while its cause remains."""
        if alarm in self.alarms:
            self.acknowledged.add(alarm)
            self._log(self.clock, "acknowledged", alarm.words)

    @property
    def sounding(self) -> tuple[Alarm, ...]:
        return tuple(sorted(self.alarms - self.acknowledged))

    # ------------------------------------------------------------ programming session

    def stop(self) -> None:
        """Session step 1: the pump stops delivering."""
        if self.alarms & {Alarm.END_OF_SERVICE}:
            raise SessionError("the pump has reached end of service and cannot be programmed")
        self.session = [SessionStep.STOP]
        self.running = False
        self._raise(Alarm.DRUG_NOT_FLOWING, self.clock)
        self._log(self.clock, "session", "Programming session: pump stopped")

    def send(self, programme: Programme) -> None:
        """Session step 2: the pump takes the new programme (not yet running)."""
        self._require(SessionStep.STOP)
        if programme.pump.serial != self.programme.pump.serial:
            raise SessionError(
                f"this programme is for pump {programme.pump.serial}, not "
                f"{self.programme.pump.serial}"
            )
        self.received = programme
        assert self.session is not None
        self.session.append(SessionStep.SEND)
        self._log(self.clock, "session", "Programme received")

    def read_back(self) -> Programme:
        """Session step 3: what the pump now holds, for comparison with what was sent."""
        self._require(SessionStep.SEND)
        assert self.session is not None and self.received is not None
        self.session.append(SessionStep.READ_BACK)
        return self.received

    def restart(self) -> None:
        """Session step 4: the pump runs the new programme; the session is complete."""
        self._require(SessionStep.READ_BACK)
        assert self.received is not None
        new = self.received
        if new.reservoir.filled_at > self.programme.reservoir.filled_at:
            # A refill in this session: the reservoir now holds the new fill.
            self.reservoir_ml = exact(new.reservoir.volume_ml)
            self.alarms -= {Alarm.LOW_RESERVOIR, Alarm.EMPTY_RESERVOIR}
        self.programme = new
        self.received = None
        self.session = None
        self.running = True
        self.alarms.discard(Alarm.DRUG_NOT_FLOWING)
        self._log(self.clock, "session", f"Running the new {new.mode.value} programme")

    def resume_without_change(self) -> None:
        """Undo an unfinished session: restart the programme the pump had."""
        if self.session is None:
            return
        self.session = None
        self.received = None
        self.running = True
        self.alarms.discard(Alarm.DRUG_NOT_FLOWING)
        self._log(self.clock, "session", "Session undone: previous programme restarted")

    def _require(self, step: SessionStep) -> None:
        if self.session is None or self.session[-1] is not step:
            raise SessionError(f"programming step out of order (expected after {step.value})")

    def refill_reservoir(self, volume_ml: Decimal) -> Fraction:
        """Withdraw the residual (returned) and put ``volume_ml`` in; use within a session."""
        residual = self.reservoir_ml
        self.reservoir_ml = exact(volume_ml)
        self._log(
            self.clock,
            "refill",
            f"Residual {float(residual):.2f} mL withdrawn, {volume_ml} mL filled",
        )
        return residual

    def with_fill(self, volume_ml: Decimal) -> Reservoir:
        return Reservoir(volume_ml=volume_ml, filled_at=self.clock)


@dataclass(frozen=True, slots=True)
class TransmissionResult:
    completed: bool
    steps_done: tuple[SessionStep, ...]
    matched: bool
    message: str


def transmit(
    pump: SimulatedPump, programme: Programme, link: Link | None = None
) -> TransmissionResult:
    """A whole programming session over ``link``: stop, send, read back and compare, restart.

    If the link drops, the pump is left as it is (stopped, mid-session) and the result says so:
    an update is complete only when the pump runs the new programme again (domain.md).
    """
    link = link or Link()
    done: list[SessionStep] = []
    try:
        link.step(SessionStep.STOP)
        pump.stop()
        done.append(SessionStep.STOP)
        link.step(SessionStep.SEND)
        pump.send(programme)
        done.append(SessionStep.SEND)
        link.step(SessionStep.READ_BACK)
        read = pump.read_back()
        done.append(SessionStep.READ_BACK)
        if read != programme:
            return TransmissionResult(
                False,
                tuple(done),
                False,
                "The read-back differs from what was sent: the pump is stopped. Send again.",
            )
        link.step(SessionStep.RESTART)
        pump.restart()
        done.append(SessionStep.RESTART)
    except LinkDropped:
        return TransmissionResult(
            False,
            tuple(done),
            False,
            f"Telemetry lost after '{done[-1].value if done else 'start'}': "
            "THE PUMP IS STOPPED. Re-establish the link and finish or undo "
            "the session.",
        )
    return TransmissionResult(
        True, tuple(done), True, "Pump running the new programme; read-back matched what was sent."
    )


@dataclass
class Link:
    """The telemetry link; ``drop_before`` simulates losing it before a given step."""

    drop_before: SessionStep | None = None

    def step(self, step: SessionStep) -> None:
        if self.drop_before is step:
            self.drop_before = None
            raise LinkDropped(step.value)
