"""Visits (db/visits.py, programmer/visit.py): every step stored as it happens and audited, an
open visit resumed, and a finish only with the pump running the final programme or an explicit
reasoned "left unchanged"; never with the pump left stopped by a session."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from db.database import Database, InvalidRecordError
from programmer.assessment import Assessment
from programmer.simulated_pump import SessionStep
from programmer.telemetry import Link, transmit
from programmer.visit import VisitRefused
from tests.db.factories import NOW, USER, later, open_new, patient, programme, pump_record, save

PID = "MRN-0042"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    with open_new(tmp_path / "clinic.sqlite") as database:
        database.create_patient(patient(), pump_record(), user=USER, now=NOW)
        save(database, programme())
        yield database


def test_every_write_during_the_visit_is_one_of_its_steps_as_it_happens(
    database: Database,
) -> None:
    visit, resumed = database.start_visit(PID, user=USER, now=later(1))
    assert not resumed and visit.number == 1 and visit.open
    database.interrogate_pump(PID, user=USER, now=later(2))
    database.record_assessment(PID, Assessment(at=later(3), pain=4), user=USER, now=later(3))
    steps = database.open_visit(PID).steps  # type: ignore[union-attr]
    assert [s.action for s in steps] == [
        "visit.started",
        "pump.interrogated",
        "assessment.recorded",
    ]
    assert steps[-1].details["pain"] == 4


def test_a_visit_left_open_resumes_on_the_next_start(database: Database, tmp_path: Path) -> None:
    database.start_visit(PID, user=USER, now=later(1))
    database.interrogate_pump(PID, user=USER, now=later(2))
    database.close()  # the window closed, or the workstation crashed
    with Database.open(tmp_path / "clinic.sqlite", now=later(30)) as reopened:
        visit, resumed = reopened.start_visit(PID, user=USER, now=later(31))
        assert resumed and visit.number == 1
        assert [s.action for s in visit.steps] == ["visit.started", "pump.interrogated"]
        assert len(reopened.visits(PID)) == 1


def test_finish_needs_the_pump_running_the_final_programme(database: Database) -> None:
    database.start_visit(PID, user=USER, now=later(1))
    pump = database.interrogate_pump(PID, user=USER, now=later(2))
    new = programme(daily=440)
    save(database, new, base=1, now=later(3))
    with pytest.raises(VisitRefused, match="does not run the visit's final programme"):
        database.finish_visit(PID, user=USER, now=later(4))
    assert database.open_visit(PID) is not None  # nothing stored
    assert transmit(pump, new).completed
    database.store_pump(PID, pump, action="pump.transmitted", details={}, user=USER, now=later(5))
    visit = database.finish_visit(PID, user=USER, now=later(6))
    assert (visit.outcome, visit.final_version, visit.open) == ("running-final", 2, False)
    assert database.open_visit(PID) is None
    assert database.audit_entries(patient_id=PID)[-1].action == "visit.finished"
    assert database.verify().ok
    # after the finish, writes are no longer steps of it
    database.record_assessment(PID, Assessment(at=later(7), pain=1), user=USER, now=later(7))
    assert "assessment.recorded" not in [s.action for s in database.visits(PID)[0].steps]


def test_left_unchanged_needs_a_typed_reason(database: Database) -> None:
    database.start_visit(PID, user=USER, now=later(1))
    with pytest.raises(VisitRefused, match="not interrogated"):
        database.finish_visit(PID, user=USER, now=later(2), left_unchanged_reason="   ")
    visit = database.finish_visit(
        PID, user=USER, now=later(2), left_unchanged_reason="Patient declined the change"
    )
    assert (visit.outcome, visit.reason) == ("left-unchanged", "Patient declined the change")


def test_a_pump_stopped_by_a_cut_off_session_never_finishes_a_visit(database: Database) -> None:
    database.start_visit(PID, user=USER, now=later(1))
    pump = database.interrogate_pump(PID, user=USER, now=later(2))
    cut = transmit(pump, programme(daily=440), Link(SessionStep.SEND))
    assert not cut.completed
    database.store_pump(
        PID, pump, action="pump.transmission-interrupted", details={}, user=USER, now=later(3)
    )
    with pytest.raises(VisitRefused, match="unfinished programming session"):
        database.finish_visit(
            PID, user=USER, now=later(4), left_unchanged_reason="It is fine, really"
        )
    assert database.open_visit(PID) is not None


def test_finishing_without_an_open_visit_is_refused(database: Database) -> None:
    with pytest.raises(InvalidRecordError, match="no open visit"):
        database.finish_visit(PID, user=USER, now=later(1), left_unchanged_reason="x")


def test_second_visit_is_numbered_after_the_first(database: Database) -> None:
    database.start_visit(PID, user=USER, now=later(1))
    database.finish_visit(PID, user=USER, now=later(2), left_unchanged_reason="Check only")
    visit, resumed = database.start_visit(PID, user=USER, now=NOW + timedelta(days=30))
    assert (visit.number, resumed) == (2, False)


def test_a_review_is_a_step_of_the_open_visit_and_refused_without_one(database: Database) -> None:
    with pytest.raises(InvalidRecordError, match="no open visit"):
        database.record_visit_review(PID, {"version": 1}, user=USER, now=later(1))
    assert database.visits(PID) == []
    database.start_visit(PID, user=USER, now=later(2))
    visit = database.record_visit_review(
        PID, {"version": 1, "dose_changes": "none"}, user=USER, now=later(3)
    )
    assert [s.action for s in visit.steps] == ["visit.started", "visit.reviewed"]
    assert visit.steps[-1].details == {"version": 1, "dose_changes": "none", "visit": 1}
    assert database.verify().ok
