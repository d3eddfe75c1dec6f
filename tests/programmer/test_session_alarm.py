"""A programming session stops the pump on purpose: a normal transmission logs no alarm; one
cut off with the pump stopped sounds "drug not flowing" (domain.md, "Alarms")."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from programmer.simulated_pump import Alarm, SessionStep
from programmer.telemetry import Link, transmit

from .test_simulated_pump import pump_for, simple_programme

START = datetime(2026, 11, 23)


def test_a_normal_transmission_logs_no_alarm() -> None:
    prog = simple_programme()
    pump = pump_for(prog, START)
    before = len(pump.events)
    assert transmit(pump, prog.with_changes(daily_dose_mcg=Decimal(440))).completed
    kinds = [e.kind for e in pump.events[before:]]
    assert "alarm" not in kinds and kinds.count("session") == 3
    assert not pump.alarms


@pytest.mark.parametrize("drop", [SessionStep.SEND, SessionStep.READ_BACK, SessionStep.RESTART])
def test_a_session_cut_off_with_the_pump_stopped_sounds_the_alarm(drop: SessionStep) -> None:
    prog = simple_programme()
    pump = pump_for(prog, START)
    transmit(pump, prog.with_changes(daily_dose_mcg=Decimal(440)), Link(drop_before=drop))
    assert Alarm.DRUG_NOT_FLOWING in pump.sounding
    assert pump.events[-1].kind == "alarm"


def test_a_session_left_open_alarms_once_time_passes() -> None:
    prog = simple_programme()
    pump = pump_for(prog, START)
    pump.stop()  # the console stopped it, then was cut off before saying anything
    assert not pump.alarms
    pump.advance(START + timedelta(minutes=5))
    assert Alarm.DRUG_NOT_FLOWING in pump.sounding
