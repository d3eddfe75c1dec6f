"""The simulated pump: delivery on a caller's clock, alarms, and the programming session."""

from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from programmer.programme import Mode
from programmer.programme_file import load
from programmer.pump_catalogue import default_pump_catalogue
from programmer.simulated_pump import Alarm, SessionError, SessionStep, SimulatedPump
from programmer.telemetry import Link, TransmissionOutcome, transmit

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


# ---------------------------------------------------------------- stored form


def test_state_round_trips_through_json_exactly() -> None:
    prog = simple_programme(volume="2.5")
    pump = pump_for(prog, prog.reservoir.filled_at + timedelta(days=4, minutes=7))
    pump.delivery_factor = Fraction(97, 100)
    pump.acknowledge(Alarm.LOW_RESERVOIR)
    result = transmit(
        pump, prog.with_changes(daily_dose_mcg=Decimal("440.5")), Link(SessionStep.RESTART)
    )
    assert not result.completed
    again = SimulatedPump.from_json(pump.to_json())
    assert again == pump
    assert again.reservoir_ml == pump.reservoir_ml  # exact, not a float
    assert again.session == [SessionStep.STOP, SessionStep.SEND, SessionStep.READ_BACK]
    assert again.received == prog.with_changes(daily_dose_mcg=Decimal("440.5"))
    # Numbers are stored as exact strings.
    assert '"reservoir_ml": "' in pump.to_json()


def test_a_restored_pump_carries_on_as_the_original() -> None:
    prog = simple_programme(volume="3")
    pump = pump_for(prog, prog.reservoir.filled_at + timedelta(days=1))
    restored = SimulatedPump.from_json(pump.to_json())
    later = prog.reservoir.filled_at + timedelta(days=9)
    pump.advance(later)
    restored.advance(later)
    assert restored == pump


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d.pop("clock"), "missing key 'clock'"),
        (lambda d: d.update(extra=1), "unknown key 'extra'"),
        (lambda d: d.update(reservoir_ml=1.5), "'reservoir_ml' must be text"),
        (lambda d: d.update(reservoir_ml="a lot"), "not an exact number"),
        (lambda d: d.update(alarms=["siren"]), "unknown alarm"),
        (lambda d: d.update(session=["dance"]), "not a programming session step"),
        (lambda d: d.update(model="pump-9000"), "pump-9000"),
        (lambda d: d.update(format="other/1"), "not itb-simulated-pump/1"),
        (lambda d: d.update(programme="{}"), "'programme'"),
    ],
)
def test_a_damaged_state_is_refused_with_the_key_named(change, words: str) -> None:
    import json

    from programmer.simulated_pump import PumpStateError

    prog = simple_programme()
    data = json.loads(pump_for(prog, prog.reservoir.filled_at).to_json())
    change(data)
    with pytest.raises(PumpStateError, match=words):
        SimulatedPump.from_json(json.dumps(data))


def test_not_json_is_refused() -> None:
    from programmer.simulated_pump import PumpStateError

    with pytest.raises(PumpStateError, match="not JSON"):
        SimulatedPump.from_json("{")


# ---------------------------------------------------------------- history, steps, priming


def test_a_change_between_refills_delivers_the_earlier_programme_until_it_took_over() -> None:
    from programmer.projection import RanBefore

    first = simple_programme(dose="400")  # 0.2 mL/day
    second = first.with_changes(daily_dose_mcg=Decimal(800))  # 0.4 mL/day
    model = default_pump_catalogue().pump(first.pump.model)
    change = first.reservoir.filled_at + timedelta(days=5)
    pump = SimulatedPump.implanted(
        model,
        second,
        first.reservoir.filled_at + timedelta(days=10),
        [RanBefore(first, model, change)],
    )
    assert pump.programme == second
    assert pump.reservoir_ml == 20 - Fraction(1) - Fraction(2)


def test_transmission_walks_the_steps_one_at_a_time() -> None:
    from programmer.telemetry import Transmission

    prog = simple_programme()
    pump = pump_for(prog, datetime(2026, 11, 23))
    new = prog.with_changes(daily_dose_mcg=Decimal(440))
    session = Transmission(pump, new)
    assert session.advance() is SessionStep.STOP
    assert not pump.running and pump.stopped_by_session
    assert session.advance() is SessionStep.SEND
    assert session.advance() is SessionStep.READ_BACK
    assert session.read == new
    assert session.advance() is SessionStep.RESTART
    assert session.advance() is None
    assert session.result is not None and session.result.completed
    assert pump.programme == new and not pump.stopped_by_session


def test_a_dropped_link_ends_the_session_with_the_pump_stopped() -> None:
    from programmer.telemetry import Transmission

    prog = simple_programme()
    pump = pump_for(prog, datetime(2026, 11, 23))
    session = Transmission(
        pump, prog.with_changes(daily_dose_mcg=Decimal(440)), Link(SessionStep.READ_BACK)
    )
    assert session.advance() is SessionStep.STOP
    assert session.advance() is SessionStep.SEND
    assert session.advance() is None
    assert session.result is not None and not session.result.completed
    assert session.result.steps_done == (SessionStep.STOP, SessionStep.SEND)
    assert "after 'send'" in session.result.message
    assert not pump.drug_flowing


def test_transmitting_a_refilled_programme_fills_the_pump() -> None:
    from programmer.refill import after_refill

    prog = simple_programme(volume="20")
    at = prog.reservoir.filled_at + timedelta(days=60)
    pump = pump_for(prog, at)
    assert pump.reservoir_ml == 8
    refilled = after_refill(prog, at, Decimal(18))
    assert transmit(pump, refilled).completed
    assert pump.reservoir_ml == 18


def test_priming_bolus_takes_its_volume_from_the_reservoir() -> None:
    prog = simple_programme()
    pump = pump_for(prog, prog.reservoir.filled_at)
    pump.give_priming_bolus(Fraction("0.3244"), "Priming bolus")
    assert pump.reservoir_ml == 20 - Fraction("0.3244")
    assert pump.events[-1].kind == "bolus"
    with pytest.raises(SessionError, match="refill first"):
        pump.give_priming_bolus(Fraction(30), "too much")
    pump.stop()
    with pytest.raises(SessionError, match="session is open"):
        pump.give_priming_bolus(Fraction("0.1"), "during a session")


@settings(max_examples=40)
@given(
    hours=st.lists(st.integers(min_value=0, max_value=24 * 60), min_size=1, max_size=4),
    factor=st.fractions(min_value=Fraction(1, 4), max_value=Fraction(5, 4), max_denominator=100),
    drop=st.sampled_from([None, SessionStep.SEND, SessionStep.READ_BACK, SessionStep.RESTART]),
)
def test_any_state_round_trips_through_json(
    hours: list[int], factor: Fraction, drop: SessionStep | None
) -> None:
    prog = simple_programme(volume="5")
    pump = pump_for(prog, prog.reservoir.filled_at)
    pump.delivery_factor = factor
    moment = prog.reservoir.filled_at
    for h in hours:
        moment += timedelta(hours=h)
        pump.advance(moment)
        assert SimulatedPump.from_json(pump.to_json()) == pump
    transmit(pump, prog.with_changes(daily_dose_mcg=Decimal(300)), Link(drop))
    assert SimulatedPump.from_json(pump.to_json()) == pump


@pytest.mark.parametrize("drop", [None, *SessionStep])
def test_a_lost_link_is_told_by_the_outcome_not_by_the_message_wording(
    drop: SessionStep | None,
) -> None:
    """The console marks the failed step and records an interruption from the outcome enum: a
    reworded message must not turn a lost link (pump stopped) into a read-back mismatch."""
    prog = simple_programme()
    pump = pump_for(prog, datetime(2026, 11, 23))
    result = transmit(pump, prog.with_changes(daily_dose_mcg=Decimal(440)), Link(drop))
    if drop is None:
        assert result.outcome is TransmissionOutcome.COMPLETED and result.completed
        assert not result.outcome.interrupted
    else:
        assert result.outcome is TransmissionOutcome.TELEMETRY_LOST and not result.completed
        assert result.outcome.interrupted and not result.matched


def test_a_read_back_that_differs_is_its_own_outcome_and_not_an_interruption() -> None:
    prog = simple_programme()
    pump = pump_for(prog, datetime(2026, 11, 23))
    sent = prog.with_changes(daily_dose_mcg=Decimal(440))
    pump.read_back = lambda: prog  # type: ignore[method-assign]  # a pump that kept the old one
    result = transmit(pump, sent)
    assert result.outcome is TransmissionOutcome.READ_BACK_DIFFERS
    assert not result.outcome.interrupted and not result.completed and not result.matched
