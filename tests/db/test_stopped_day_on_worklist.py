"""Adversarial clinical review: a programme that stops baclofen one day a week, on the worklist.

Rule (product.md, "Findings (stable codes)"): MODE_STOPPED "programme stops delivery of baclofen
on any day (withdrawal risk): the stopped mode, or any day whose schedule delivers nothing";
"Clinic worklist": every patient ... "plus every overdue one, stopped pumps" (reason
pump-stopped, "pump stopped: withdrawal risk"). The engine (programmer/findings.py::
_check_stopped) gives MODE_STOPPED for a weekday pattern whose Sunday delivers nothing (saveable
on a Prometra II, whose catalogue entry allows zero-rate steps, with the soft finding
acknowledged); the worklist (db/worklist.py::figures_of) calls a pump stopped only when the mode
is ``stopped``, so this patient, off baclofen every Sunday, is never listed as a withdrawal risk.
Paths compared: the engine's MODE_STOPPED against the worklist's pump-stopped. Where it should
live once: one "stops delivery on some day" predicate (the engine's), read by the worklist.
"""

from __future__ import annotations

from pathlib import Path

from programmer.finding import Code
from programmer.programme import Mode, WeekSchedule
from programmer.worklist import Reason
from tests.db.factories import NOW, USER, open_new, patient, programme, pump, pump_record, save
from tests.programmer.factories import steps

DAY = steps(("00:00", "16"), ("08:00", "20"))
WEEK = WeekSchedule.by_weekday(
    {"mon": DAY, "tue": DAY, "wed": DAY, "thu": DAY, "fri": DAY, "sat": DAY}
    | {"sun": steps(("00:00", "0"))}
)


def test_a_weekly_stopped_day_is_on_the_worklist_as_a_withdrawal_risk(tmp_path: Path) -> None:
    database = open_new(tmp_path / "clinic.sqlite")
    database.create_patient(
        patient(), pump_record(model="prometra-ii-20", alarm="3.0"), user=USER, now=NOW
    )
    prog = programme(
        device=pump(model="prometra-ii-20", alarm="3.0"), mode=Mode.FLEXIBLE, week=WEEK
    )
    assert Code.MODE_STOPPED in {f.code for f in database.check_programme(prog, now=NOW).findings}
    save(database, prog)
    items = database.worklist(now=NOW, days=28)
    reasons = [r for item in items for r in item.reasons]
    assert Reason.PUMP_STOPPED in reasons, reasons
    database.close()
