"""The simulated pump: delivery on a caller's clock, alarms, and the programming session."""

from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from programmer.programme import Mode
from programmer.programme_file import load
from programmer.pump_catalogue import default_pump_catalogue
from programmer.simulated_pump import (
    Alarm,
    Link,
    SessionError,
    SessionStep,
    SimulatedPump,
    transmit,
)

EXAMPLES = __import__("pathlib").Path(__file__).resolve().parents[2] / "examples"


def simple_programme(volume: str = "20", dose: str = "400", conc: str = "2000"):
    base = load(EXAMPLES / "flexible.json")
    return base.with_changes(
        mode=Mode.SIMPLE_CONTINUOUS,
        week=None,
        daily_dose_mcg=Decimal(dose),
        boluses=(),
        patient_bolus=None,
        drug=base.drug.__class__("baclofen", Decimal(conc)),
        reservoir=base.reservoir.__class__(Decimal(volume), datetime(2026, 11, 22, 9, 30)),
    )


def pump_for(programme, at):
    return SimulatedPump.implanted(
        default_pump_catalogue().pump(programme.pump.model), programme, at
    )


def test_delivers_the_programmed_volume_over_time() -> None:
    prog = simple_programme()  # 400 mcg/day at 2000 mcg/mL = 0.2 mL/day
    pump = pump_for(prog, datetime(2026, 11, 22, 9, 30))
    pump.advance(datetime(2026, 12, 2, 9, 30))
    assert pump.reservoir_ml == Fraction(20) - Fraction(2)  # 10 days x 0.2 mL
    assert pump.running


def test_low_reservoir_alarm_sounds_when_volume_reaches_alarm_level() -> None:
    prog = simple_programme(volume="3")  # alarm at 2 mL: 1 mL / 0.2 mL/day = 5 days
    pump = pump_for(prog, prog.reservoir.filled_at)
    pump.advance(prog.reservoir.filled_at + timedelta(days=4, hours=23))
    assert Alarm.LOW_RESERVOIR not in pump.alarms
    events = pump.advance(prog.reservoir.filled_at + timedelta(days=5, hours=1))
    assert Alarm.LOW_RESERVOIR in pump.alarms
    alarm_event = next(e for e in events if e.kind == "alarm")
    assert alarm_event.at == prog.reservoir.filled_at + timedelta(days=5)


def test_empty_reservoir_stops_the_flow_and_sounds_two_tone() -> None:
    prog = simple_programme(volume="1")
    pump = pump_for(prog, prog.reservoir.filled_at + timedelta(days=30))
    assert pump.reservoir_ml == 0
    assert Alarm.EMPTY_RESERVOIR in pump.alarms
    assert Alarm.EMPTY_RESERVOIR.two_tone
    assert pump.delivered_ml == 1


def test_replacement_warning_then_end_of_service_stops_the_pump() -> None:
    prog = simple_programme(volume="40")
    prog = prog.with_changes(
        pump=prog.pump.__class__(
            "synchromed-ii-40",
            "S1",
            prog.pump.implanted_on,
            datetime(2026, 12, 1).date(),
            Decimal(2),
        ),
    )
    pump = pump_for(prog, datetime(2026, 12, 2))
    assert Alarm.REPLACEMENT_WARNING in pump.alarms
    assert pump.running
    pump.advance(datetime(2027, 3, 2))  # 91 days after replace-by
    assert Alarm.END_OF_SERVICE in pump.alarms
    assert not pump.running


def test_transmission_stops_sends_reads_back_and_restarts() -> None:
    prog = simple_programme()
    pump = pump_for(prog, datetime(2026, 11, 23))
    new = prog.with_changes(daily_dose_mcg=Decimal(440))
    result = transmit(pump, new)
    assert result.completed and result.matched
    assert result.steps_done == tuple(SessionStep)
    assert pump.running and pump.programme == new and pump.session is None
    assert Alarm.DRUG_NOT_FLOWING not in pump.alarms


@pytest.mark.parametrize("drop", [SessionStep.SEND, SessionStep.READ_BACK, SessionStep.RESTART])
def test_interrupted_transmission_leaves_pump_stopped(drop: SessionStep) -> None:
    prog = simple_programme()
    pump = pump_for(prog, datetime(2026, 11, 23))
    result = transmit(pump, prog.with_changes(daily_dose_mcg=Decimal(440)), Link(drop_before=drop))
    assert not result.completed
    assert "STOPPED" in result.message
    assert not pump.running
    assert pump.interrogate().session_open
    assert Alarm.DRUG_NOT_FLOWING in pump.sounding
    # While stopped nothing is delivered.
    before = pump.reservoir_ml
    pump.advance(datetime(2026, 11, 24))
    assert pump.reservoir_ml == before
    pump.resume_without_change()
    assert pump.running and pump.programme == prog


def test_session_steps_cannot_be_skipped() -> None:
    prog = simple_programme()
    pump = pump_for(prog, datetime(2026, 11, 23))
    with pytest.raises(SessionError):
        pump.restart()
    pump.stop()
    with pytest.raises(SessionError):
        pump.read_back()


def test_programme_for_another_pump_is_refused() -> None:
    prog = simple_programme()
    pump = pump_for(prog, datetime(2026, 11, 23))
    pump.stop()
    other = prog.with_changes(
        pump=prog.pump.__class__(
            prog.pump.model,
            "OTHER",
            prog.pump.implanted_on,
            prog.pump.replace_by,
            prog.pump.low_reservoir_alarm_ml,
        )
    )
    with pytest.raises(SessionError):
        pump.send(other)


def test_acknowledged_alarm_stops_sounding_but_stays_active() -> None:
    prog = simple_programme(volume="2.5")
    pump = pump_for(prog, prog.reservoir.filled_at + timedelta(days=4))
    assert Alarm.LOW_RESERVOIR in pump.sounding
    pump.acknowledge(Alarm.LOW_RESERVOIR)
    assert Alarm.LOW_RESERVOIR not in pump.sounding
    assert Alarm.LOW_RESERVOIR in pump.alarms


def test_partly_blocked_catheter_delivers_less() -> None:
    prog = simple_programme()
    pump = pump_for(prog, prog.reservoir.filled_at)
    pump.delivery_factor = Fraction(1, 2)
    pump.advance(prog.reservoir.filled_at + timedelta(days=10))
    assert pump.reservoir_ml == 19
