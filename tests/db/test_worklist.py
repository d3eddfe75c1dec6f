"""The worklist's stored figures (db/worklist.py): written by every change they come from, in
the same transaction, filled by the migration for an existing database, and read back as the
worklist without re-projecting anyone."""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db import migrations
from db import worklist as stored
from db.database import Database, RefillRecord
from db.programmes import acknowledgement_key
from programmer.finding import Severity
from programmer.programme import Mode, Reservoir
from programmer.simulated_pump import SessionStep
from programmer.telemetry import Link, transmit
from programmer.worklist import Reason, Status, worklist
from tests.db.factories import (
    NOW,
    USER,
    add_later_tables,
    drop_later_tables,
    open_new,
    patient,
    programme,
    pump,
    pump_record,
    save,
)

PID = "MRN-0042"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    with open_new(tmp_path / "clinic.sqlite") as database:
        database.create_patient(patient(), pump_record(), user=USER, now=NOW)
        yield database


def recomputed(database: Database) -> dict[str, stored.PatientFigures]:
    sdb = database._sdb
    ids = [r[0] for r in sdb.execute("SELECT id FROM patient").fetchall()]
    return {
        pid: stored.figures_of(sdb, pid, database._reference, database._settings) for pid in ids
    }


def stored_figures(database: Database) -> dict[str, stored.PatientFigures]:
    return {f.patient_id: f for f in stored.all_figures(database._sdb)}


def test_saving_a_version_stores_the_projected_dates_in_the_same_transaction(
    database: Database,
) -> None:
    save(database, programme())  # 20 mL of 2000 mcg/mL at 400 mcg/day: 0.2 mL/day
    figures = stored_figures(database)[PID]
    assert figures == recomputed(database)[PID]
    assert figures.next_refill_at is not None and figures.low_reservoir_alarm_at is not None
    assert figures.next_refill_at == figures.low_reservoir_alarm_at - timedelta(days=7)
    assert database._sdb.execute("SELECT count(*) FROM worklist_stale").fetchone()[0] == 0


def test_a_pump_left_stopped_by_a_cut_off_session_is_on_the_worklist(database: Database) -> None:
    save(database, programme())
    assert database.worklist(now=NOW, days=28) == []
    pump_state = database.interrogate_pump(PID, user=USER, now=NOW)
    result = transmit(
        pump_state,
        pump_state.programme.with_changes(daily_dose_mcg=Decimal(440)),
        Link(SessionStep.SEND),
    )
    assert not result.completed
    database.store_pump(
        PID, pump_state, action="pump.transmission-interrupted", details={}, user=USER, now=NOW
    )
    [item] = database.worklist(now=NOW, days=28)
    assert Reason.PUMP_STOPPED in item.reasons and item.status is Status.DUE


def test_a_saved_version_not_yet_transmitted_is_on_the_worklist_until_it_is(
    database: Database,
) -> None:
    save(database, programme())
    pump_state = database.interrogate_pump(PID, user=USER, now=NOW)
    new = programme(daily=440)
    number = save(database, new, base=1, now=NOW + timedelta(minutes=5))
    [item] = database.worklist(now=NOW, days=1)
    assert item.reasons == (Reason.NOT_TRANSMITTED,)
    assert item.figures.untransmitted_version == number
    assert transmit(pump_state, new).completed
    database.store_pump(PID, pump_state, action="pump.transmitted", details={}, user=USER, now=NOW)
    assert database.worklist(now=NOW, days=1) == []


def test_refill_overdue_patient_is_listed_as_overdue_and_a_new_fill_takes_them_off(
    database: Database,
) -> None:
    save(database, programme())
    alarm = stored_figures(database)[PID].low_reservoir_alarm_at
    assert alarm is not None
    late = alarm + timedelta(days=1)
    [item] = database.worklist(now=late, days=28)
    assert item.status is Status.OVERDUE and Reason.REFILL_OVERDUE in item.reasons
    database.record_refill(
        PID,
        RefillRecord(
            at=late,
            expected_residual_ml=Decimal("1.8"),
            measured_residual_ml=Decimal("1.8"),
            volume_added_ml=Decimal(18),
            concentration_mcg_per_ml=Decimal(2000),
            drug="baclofen",
        ),
        user=USER,
        now=late,
    )
    refilled = programme(volume="19.8", filled_at=late.replace(second=0, microsecond=0))
    save(database, refilled, base=1, now=late)
    assert database.worklist(now=late, days=28) == []


def test_stored_figures_always_agree_with_the_records(database: Database) -> None:
    """Every kind of change: two patients, a stopped programme, a replaced pump, a draft."""
    save(database, programme())
    other = patient("MRN-0099", "Zoë Lefèvre")
    save(database, programme(who=other, device=pump("NGP999"), mode=Mode.STOPPED))
    save(database, programme(daily=420), base=1, confirmed=False, now=NOW + timedelta(hours=1))
    database.replace_pump(
        PID,
        pump_record("NGP777", implanted=date(2026, 11, 1), replace_by=date(2027, 2, 1)),
        user=USER,
        now=NOW + timedelta(hours=2),
    )
    assert stored_figures(database) == recomputed(database)
    assert stored_figures(database)[PID].replace_by == date(2027, 2, 1)
    items = database.worklist(now=NOW, days=28)
    assert [i.figures.patient_id for i in items] == ["MRN-0042", "MRN-0099"]
    assert Reason.BATTERY_WARNING in items[0].reasons
    assert items[1].reasons == (Reason.PUMP_STOPPED,)


def test_the_database_query_lists_exactly_what_the_pure_worklist_lists(
    database: Database,
) -> None:
    """The SQL pre-selection is a superset of the list: nobody is lost by the index."""
    save(database, programme())
    for n in range(6):
        who = patient(f"MRN-1{n:03d}", f"Patient {n}")
        fill = NOW - timedelta(days=40 * n)
        save(
            database,
            programme(who=who, device=pump(f"NGP1{n:03d}"), filled_at=fill, daily=300 + 50 * n),
        )
    everyone = stored.all_figures(database._sdb)
    for days in (0, 7, 28, 90, 365):
        for now in (NOW, NOW + timedelta(days=100)):
            expected = [i.figures.patient_id for i in worklist(everyone, now, days)]
            assert [i.figures.patient_id for i in database.worklist(now=now, days=days)] == (
                expected
            )


def test_migration_fills_the_figures_of_an_existing_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "clinic.sqlite"
    with monkeypatch.context() as patch:  # a database as the console wrote it at schema 3
        patch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:3])
        patch.setattr(stored, "refresh_stale", lambda *args: None)
        patch.setattr(stored, "refresh", lambda *args: 0)  # no worklist tables yet
        with open_new(path) as database:
            add_later_tables(database)
            database.create_patient(patient(), pump_record(), user=USER, now=NOW)
            save(database, programme())
        drop_later_tables(path)
    with Database.open(path, now=NOW + timedelta(days=1)) as database:
        assert migrations.user_version(database._sdb) == migrations.schema_version()
        assert stored_figures(database) == recomputed(database)
        assert list(stored_figures(database)) == [PID]
        assert database.verify().ok


def test_a_new_drug_library_restales_everyone(database: Database) -> None:
    save(database, programme())
    sdb = database._sdb
    sdb.execute("BEGIN")
    sdb.execute(
        "INSERT INTO drug_library (version, toml, imported_at, imported_by, audit_seq) "
        "VALUES ('x', '', '2026-01-01T00:00:00', 'a', 1)"
    )
    assert [r[0] for r in sdb.execute("SELECT patient_id FROM worklist_stale")] == [PID]
    sdb.execute("ROLLBACK")


def test_reservoir_change_moves_the_stored_refill_date(database: Database) -> None:
    save(database, programme(volume="10"))
    short = stored_figures(database)[PID].next_refill_at
    bigger = programme(volume="20").with_changes(reservoir=Reservoir(Decimal(20), NOW))
    save(database, bigger, base=1, now=NOW + timedelta(minutes=1))
    longer = stored_figures(database)[PID].next_refill_at
    assert short is not None and longer is not None and longer > short


def test_a_record_that_cannot_be_projected_never_blocks_a_write_nor_leaves_the_worklist(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    save(database, programme())

    def broken(*_args: object) -> None:
        raise KeyError("pump model 'synchromed-iii' is not in the catalogue")

    monkeypatch.setattr(stored, "figures_of", broken)
    save(database, programme(daily=420), base=1, now=NOW + timedelta(minutes=1))  # still saved
    assert [v.number for v in database.versions(PID)] == [1, 2]
    [item] = database.worklist(now=NOW, days=0)
    assert item.reasons == (Reason.RECORD_UNREADABLE,) and item.status is Status.DUE
    assert "synchromed-iii" in (item.figures.problem or "")


operations = st.lists(
    st.one_of(
        st.tuples(st.just("save"), st.integers(300, 520), st.booleans()),
        st.tuples(st.just("interrogate"), st.just(0), st.just(False)),
        st.tuples(st.just("transmit"), st.just(0), st.booleans()),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations)
def test_stored_figures_equal_the_records_after_any_sequence_of_changes(
    ops: list[tuple[str, int, bool]],
) -> None:
    """Whatever is done in whatever order (saves with or without a new fill, interrogations,
    transmissions complete or cut off), the stored row is what projecting the records gives."""
    with tempfile.TemporaryDirectory() as folder, open_new(Path(folder) / "c.sqlite") as db:
        db.create_patient(patient(), pump_record(), user=USER, now=NOW)
        save(db, programme())
        pump_state = None
        for minute, (op, dose, flag) in enumerate(ops, start=1):
            now = NOW + timedelta(minutes=minute)
            latest = db.latest_version(PID)
            assert latest is not None
            if op == "save":
                fill = Reservoir(Decimal(20), now) if flag else latest.programme.reservoir
                new = latest.programme.with_changes(daily_dose_mcg=Decimal(dose), reservoir=fill)
                acks = {
                    acknowledgement_key(f): "ok"
                    for f in db.check_programme(new, now=now).findings
                    if f.severity is Severity.SOFT
                }
                if not any(
                    f.severity is Severity.HARD for f in db.check_programme(new, now=now).findings
                ):
                    db.save_programme(
                        new,
                        base_version=latest.number,
                        user=USER,
                        reason="t",
                        acknowledgements=acks,
                        now=now,
                    )
            elif op == "interrogate":
                pump_state = db.interrogate_pump(PID, user=USER, now=now)
            elif pump_state is not None and not pump_state.stopped_by_session:
                current = db.current_version(PID)
                assert current is not None
                link = Link(SessionStep.SEND) if flag else None
                transmit(pump_state, current.programme, link)
                db.store_pump(PID, pump_state, action="pump.t", details={}, user=USER, now=now)
            assert stored_figures(db) == recomputed(db)


def test_a_new_catalogue_reprojects_a_prometra_refill_date_to_its_3_ml(tmp_path: Path) -> None:
    """A Prometra II with a 2.0 mL alarm stored before the catalogue (2026.12-1) computed its
    refill date to 3.0 mL (domain.md, "Pumps") had a refill date days late. Its figures were
    stamped with the older catalogue (db/worklist.py, ``worklist_basis``), so the next worklist
    read computes them again and shows the 3.0 mL date."""
    path = tmp_path / "clinic.sqlite"
    device = pump_record(model="prometra-ii-20", alarm="2.0", catheter=None, length=None)
    with open_new(path) as database:
        database.create_patient(patient(), device, user=USER, now=NOW)
        save(database, programme(device=pump(model="prometra-ii-20", alarm="2.0")))
        right = stored_figures(database)[PID].next_refill_at
        assert right is not None
    conn = sqlite3.connect(path, isolation_level=None)
    late = (right + timedelta(days=5)).isoformat()  # as the 2.0 mL computation had it
    conn.execute("UPDATE worklist_figures SET next_refill_at = ?", [late])
    # As stamped by the program before the catalogue knew the 3.0 mL computation.
    conn.execute("UPDATE worklist_basis SET basis = 'catalogue 2026.11-1 (before 3.0 mL)'")
    conn.close()
    with Database.open(path, now=NOW + timedelta(days=1)) as database:
        assert migrations.user_version(database._sdb) == migrations.schema_version()
        (item,) = [i for i in database.worklist(now=right, days=28) if i.figures.patient_id == PID]
        assert item.figures.next_refill_at == right
        assert stored_figures(database) == recomputed(database)
        assert database.verify().ok
