"""A simulated implanted pump (issue: programmer workflows): what a real pump holds and does,
driven by a clock the caller passes in, so tests and trainers can move time.

It delivers by its running programme (the engine's :class:`DeliveryModel`), sounds the alarms of
domain.md (low reservoir, empty reservoir, replacement warning, end of service, drug no longer
flowing) and takes new programmes only through a programming session: stop, send, read back and
compare, restart. A session cut off half-way leaves the pump stopped until it is finished.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from fractions import Fraction
from typing import Any

from programmer.drug_library import DrugLibrary
from programmer.errors import EngineError, ProgrammeFileError
from programmer.programme import Mode, Programme
from programmer.programme_file import dumps, loads
from programmer.projection import BridgeGiven, DeliveryModel, RanBefore
from programmer.pump_catalogue import PumpCatalogue, PumpModel, default_pump_catalogue
from programmer.units import exact
from programmer.words import ml

# The stored form of a pump's state (:meth:`SimulatedPump.to_json`).
STATE_FORMAT = "itb-simulated-pump/1"

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


class SessionError(Exception):
    """A programming step out of order (e.g. restarting before the read-back matched)."""


class PumpStateError(EngineError):
    """A stored pump state cannot be read back (damaged, or written by another format)."""


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
    # A bridge bolus running (or run) since the last fill: while it runs the reservoir gives
    # the dead-space volume at the old dose's flow, not the programme's flow.
    bridge: BridgeGiven | None = None

    @classmethod
    def implanted(
        cls,
        model: PumpModel,
        programme: Programme,
        at: datetime,
        earlier: Sequence[RanBefore] = (),
    ) -> SimulatedPump:
        """A pump running ``programme`` from its fill, brought forward to ``at``.

        ``earlier``: programmes that ran on the same fill before ``programme`` took over (changes
        made between refills, oldest first), so the reservoir holds what they really left."""
        fill = programme.reservoir
        runs = [r for r in earlier if r.programme.reservoir == fill and r.until > fill.filled_at]
        first = runs[0].programme if runs else programme
        pump = cls(
            model=model,
            programme=first,
            clock=fill.filled_at,
            reservoir_ml=exact(fill.volume_ml),
        )
        pump._log(pump.clock, "start", f"Running {first.mode.value} programme")
        pump._alarm_if_low(pump.clock)
        for i, run in enumerate(runs):
            pump.advance(max(min(run.until, at), pump.clock))
            following = runs[i + 1].programme if i + 1 < len(runs) else programme
            pump.programme = following
            pump._log(pump.clock, "session", f"Running the new {following.mode.value} programme")
        pump.advance(max(at, pump.clock))
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

    def session_cut_off(self) -> None:
        """A programming session ended with the pump stopped (domain.md): the two-tone "drug not
        flowing" alarm sounds."""
        if self.stopped_by_session:
            self._raise(Alarm.DRUG_NOT_FLOWING, self.clock)

    def _alarm_if_low(self, at: datetime) -> None:
        """A reservoir filled at or below the alarm volume sounds the low-reservoir alarm at
        once (it would otherwise wait for a crossing that never comes, or for "empty")."""
        if self.reservoir_ml <= exact(self.programme.pump.low_reservoir_alarm_ml):
            self._raise(Alarm.LOW_RESERVOIR, at)

    def advance(self, to: datetime) -> list[PumpEvent]:
        """Move the pump's clock to ``to``, delivering while it runs; returns the new events."""
        if to < self.clock:
            raise ValueError("the simulated clock only moves forward")
        first_new = len(self.events)
        t = self.clock
        if self.stopped_by_session and to > t:
            # domain.md: an interrupted session has left real pumps stopped; the pump says so.
            self._raise(Alarm.DRUG_NOT_FLOWING, t)
        # The battery: replacement warning at replace-by, end of service 90 days later.
        eri, eos = self.replace_by, self.replace_by + END_OF_SERVICE_AFTER_ERI
        while t < to:
            stop_at = to
            bridge = () if self.bridge is None else (self.bridge.start, self.bridge.end)
            for boundary in (eri, eos, *bridge):
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
        bridge = self.bridge
        if bridge is not None and bridge.start <= start < bridge.end:
            return self._deliver_bridge(bridge, start, end)
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

    def _deliver_bridge(self, bridge: BridgeGiven, start: datetime, end: datetime) -> datetime:
        """During a bridge bolus: its volume evenly over its duration (``end`` is within it)."""
        factor = self.delivery_factor
        wanted = (bridge.given_by(end) - bridge.given_by(start)) * factor
        span = end - start
        alarm_level = exact(self.programme.pump.low_reservoir_alarm_ml)
        if wanted > 0 and self.reservoir_ml - wanted <= alarm_level < self.reservoir_ml:
            share = (self.reservoir_ml - alarm_level) / wanted
            self._raise(Alarm.LOW_RESERVOIR, start + span * float(share))
        if wanted >= self.reservoir_ml:
            share = self.reservoir_ml / wanted if wanted else Fraction(1)
            self.delivered_ml += self.reservoir_ml
            self.reservoir_ml = Fraction(0)
            self._raise(Alarm.EMPTY_RESERVOIR, start + span * float(share))
            return end
        self.reservoir_ml -= wanted
        self.delivered_ml += wanted
        return end

    def give_bridge_bolus(self, volume_ml: Fraction, duration_min: Fraction, words: str) -> None:
        """A bridge bolus from now (domain.md): for ``duration_min`` the pump pushes the
        ``volume_ml`` of old fluid in pump and catheter at the old dose's flow, in place of the
        programme's own flow. Given on a running pump outside a programming session."""
        if self.session is not None:
            raise SessionError(
                "a programming session is open: finish or undo it before a bridge bolus"
            )
        if volume_ml <= 0 or duration_min <= 0:
            raise ValueError("a bridge bolus needs a volume and a duration above 0")
        self.bridge = BridgeGiven(self.clock, volume_ml, duration_min)
        self._log(self.clock, "bolus", words)

    # ------------------------------------------------------------ telemetry

    @property
    def stopped_by_session(self) -> bool:
        """A programming session is open: the pump is stopped until it is finished or undone."""
        return self.session is not None

    @property
    def drug_flowing(self) -> bool:
        """Whether drug reaches the patient now (running a delivering mode, not empty)."""
        return (
            self.running
            and self.programme.mode is not Mode.STOPPED
            and Alarm.EMPTY_RESERVOIR not in self.alarms
        )

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
        # Stopped on purpose for the session: no alarm while the session goes on; it sounds
        # when the session is cut off (Transmission) or time passes with it still open.
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
            self.bridge = None  # a bridge belongs to the fill it was given on
        self.programme = new
        self._alarm_if_low(self.clock)
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

    def record_event(self, kind: str, text: str) -> None:
        """Note something done to the pump outside a session (e.g. a bridge bolus started) in
        its event log, at its clock."""
        self._log(self.clock, kind, text)

    def give_priming_bolus(self, volume_ml: Fraction, words: str) -> None:
        """A priming bolus (domain.md): ``volume_ml`` leaves the reservoir to fill the pump's
        tubing and the catheter to its tip. Given only on a pump that is running and not in a
        programming session, and never more than the reservoir holds."""
        if self.session is not None:
            raise SessionError(
                "a programming session is open: finish or undo it before a priming bolus"
            )
        if Alarm.END_OF_SERVICE in self.alarms:
            raise SessionError("the pump has reached end of service and cannot give a bolus")
        if volume_ml <= 0:
            raise ValueError("a priming bolus needs a volume above 0 mL")
        if volume_ml > self.reservoir_ml:
            raise SessionError(
                f"the reservoir holds {ml(self.reservoir_ml, 2)}, less than the "
                f"{ml(volume_ml, 4)} priming volume: refill first"
            )
        self.reservoir_ml -= volume_ml
        self.delivered_ml += volume_ml
        self._log(self.clock, "bolus", words)

    # ------------------------------------------------------------ stored form

    def to_json(self) -> str:
        """The whole state as JSON text: exact numbers as strings (fractions ``"n/d"``), the
        programmes in their canonical itb-programme/1 text, so that :meth:`from_json` gives back
        an equal pump, open session and event log included."""
        state: dict[str, Any] = {
            "format": STATE_FORMAT,
            "model": self.model.model,
            "programme": dumps(self.programme),
            "clock": self.clock.isoformat(),
            "reservoir_ml": str(self.reservoir_ml),
            "running": self.running,
            "alarms": sorted(a.value for a in self.alarms),
            "acknowledged": sorted(a.value for a in self.acknowledged),
            "events": [
                {"at": e.at.isoformat(), "kind": e.kind, "text": e.text} for e in self.events
            ],
            "session": None if self.session is None else [step.value for step in self.session],
            "received": None if self.received is None else dumps(self.received),
            "delivered_ml": str(self.delivered_ml),
            "delivery_factor": str(self.delivery_factor),
            "bridge": None
            if self.bridge is None
            else {
                "start": self.bridge.start.isoformat(),
                "volume_ml": str(self.bridge.volume_ml),
                "duration_min": str(self.bridge.duration_min),
            },
        }
        return json.dumps(state, ensure_ascii=False, indent=1)

    @classmethod
    def from_json(
        cls,
        text: str,
        *,
        catalogue: PumpCatalogue | None = None,
        library: DrugLibrary | None = None,
    ) -> SimulatedPump:
        """A pump from :meth:`to_json` text; :class:`PumpStateError` names what is wrong."""
        catalogue = catalogue or default_pump_catalogue()
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise PumpStateError(f"the stored pump state is not JSON ({exc})") from None
        state = _StateReader(data)
        if state.text("format") != STATE_FORMAT:
            raise PumpStateError(f"the stored pump state is not {STATE_FORMAT}")
        model_name = state.text("model")
        try:
            model = catalogue.pump(model_name)
        except KeyError as exc:
            raise PumpStateError(f"the stored pump state: {exc.args[0]}") from None
        session = state.optional_list("session")
        received = state.optional_text("received")
        return cls(
            model=model,
            programme=state.programme("programme", catalogue, library),
            clock=state.moment("clock"),
            reservoir_ml=state.fraction("reservoir_ml"),
            running=state.flag("running"),
            alarms=state.alarms("alarms"),
            acknowledged=state.alarms("acknowledged"),
            events=[_event(e) for e in state.items("events")],
            session=None if session is None else [_step(v) for v in session],
            received=None
            if received is None
            else _programme(received, "received", catalogue, library),
            delivered_ml=state.fraction("delivered_ml"),
            delivery_factor=state.fraction("delivery_factor"),
            bridge=state.bridge("bridge"),
        )


_STATE_KEYS = (
    "format",
    "model",
    "programme",
    "clock",
    "reservoir_ml",
    "running",
    "alarms",
    "acknowledged",
    "events",
    "session",
    "received",
    "delivered_ml",
    "delivery_factor",
)
# Keys a state written before they existed may lack (read as null).
_OPTIONAL_STATE_KEYS = ("bridge",)


class _StateReader:
    """Checked access to a stored pump state; every error names the key at fault."""

    def __init__(self, data: Any) -> None:
        if not isinstance(data, dict):
            raise PumpStateError("the stored pump state is not a JSON object")
        missing = [k for k in _STATE_KEYS if k not in data]
        unknown = [k for k in data if k not in _STATE_KEYS and k not in _OPTIONAL_STATE_KEYS]
        if missing or unknown:
            raise PumpStateError(
                f"the stored pump state has {'missing' if missing else 'unknown'} key "
                f"'{(missing or unknown)[0]}'"
            )
        self.data: dict[str, Any] = data

    def _fail(self, key: str, what: str) -> PumpStateError:
        return PumpStateError(f"the stored pump state: '{key}' {what}")

    def text(self, key: str) -> str:
        value = self.data[key]
        if not isinstance(value, str):
            raise self._fail(key, "must be text")
        return value

    def optional_text(self, key: str) -> str | None:
        return None if self.data[key] is None else self.text(key)

    def flag(self, key: str) -> bool:
        value = self.data[key]
        if not isinstance(value, bool):
            raise self._fail(key, "must be true or false")
        return value

    def items(self, key: str) -> list[Any]:
        value = self.data[key]
        if not isinstance(value, list):
            raise self._fail(key, "must be a list")
        return value

    def optional_list(self, key: str) -> list[Any] | None:
        return None if self.data[key] is None else self.items(key)

    def moment(self, key: str) -> datetime:
        return _moment(self.text(key), key)

    def fraction(self, key: str) -> Fraction:
        text = self.text(key)
        try:
            return Fraction(text)
        except (ValueError, ZeroDivisionError):
            raise self._fail(key, f"'{text[:40]}' is not an exact number") from None

    def bridge(self, key: str) -> BridgeGiven | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict) or set(value) != {"start", "volume_ml", "duration_min"}:
            raise self._fail(key, "is not {start, volume_ml, duration_min}")
        inner = _StateReader.__new__(_StateReader)
        inner.data = value
        return BridgeGiven(
            inner.moment("start"), inner.fraction("volume_ml"), inner.fraction("duration_min")
        )

    def alarms(self, key: str) -> set[Alarm]:
        try:
            return {Alarm(v) for v in self.items(key)}
        except (ValueError, TypeError):
            raise self._fail(key, "names an unknown alarm") from None

    def programme(
        self, key: str, catalogue: PumpCatalogue, library: DrugLibrary | None
    ) -> Programme:
        return _programme(self.text(key), key, catalogue, library)


def _moment(text: str, key: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise PumpStateError(f"the stored pump state: '{key}' is not a date and time") from None


def _programme(
    text: str, key: str, catalogue: PumpCatalogue, library: DrugLibrary | None
) -> Programme:
    try:
        return loads(text, catalogue=catalogue, library=library)
    except ProgrammeFileError as exc:
        raise PumpStateError(f"the stored pump state: '{key}': {exc}") from None


def _event(value: Any) -> PumpEvent:
    if (
        not isinstance(value, dict)
        or set(value) != {"at", "kind", "text"}
        or not all(isinstance(v, str) for v in value.values())
    ):
        raise PumpStateError("the stored pump state: an event is not {at, kind, text}")
    return PumpEvent(_moment(value["at"], "events"), value["kind"], value["text"])


def _step(value: Any) -> SessionStep:
    try:
        return SessionStep(value)
    except ValueError:
        raise PumpStateError(
            f"the stored pump state: '{value}' is not a programming session step"
        ) from None
