"""Patients and their pumps: creation, checks, pump replacement kept as history, recent list,
and search as you type (partial, accent-insensitive, by name or id)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.database import (
    Database,
    InvalidRecordError,
    PatientExistsError,
    UnknownPatientError,
)
from programmer.programme import SpasticityOrigin
from tests.db.factories import NOW, USER, later, open_new, patient, programme, pump_record, save


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    with open_new(tmp_path / "clinic.sqlite") as database:
        yield database


def test_create_and_read_back(database: Database) -> None:
    database.create_patient(
        patient(), pump_record(), diagnosis="SCI T6", notes="line 1\nline 2", user=USER, now=NOW
    )
    record = database.patient("MRN-0042")
    assert record.patient == patient()
    assert record.diagnosis == "SCI T6"
    assert record.notes == "line 1\nline 2"
    assert record.pump == pump_record()
    assert record.pumps == (pump_record(),)
    assert record.pump is not None and record.pump.catheter_length_cm == Decimal("50")
    assert database.current_version("MRN-0042") is None
    assert database.versions("MRN-0042") == []
    entry = database.audit_entries(patient_id="MRN-0042")[-1]
    assert (entry.action, entry.user, entry.at) == ("patient.created", USER, NOW)


def test_duplicate_id_is_refused(database: Database) -> None:
    database.create_patient(patient(), pump_record(), user=USER, now=NOW)
    with pytest.raises(PatientExistsError, match="MRN-0042"):
        database.create_patient(patient(name="Other Person"), pump_record(), user=USER, now=NOW)
    assert database.patient("MRN-0042").patient.name == "Jane Doe"


def test_unknown_patient_is_a_key_error(database: Database) -> None:
    with pytest.raises(UnknownPatientError, match="no patient with id 'MRN-9'"):
        database.patient("MRN-9")
    with pytest.raises(KeyError):
        database.versions("MRN-9")
    with pytest.raises(UnknownPatientError):
        database.refills("MRN-9")


@pytest.mark.parametrize(
    ("who", "device", "field"),
    [
        (patient(name="  "), pump_record(), "patient.name"),
        (patient(patient_id=""), pump_record(), "patient.id"),
        (patient(patient_id=" MRN-1"), pump_record(), "patient.id"),
        (patient(name="Jane\x00Doe"), pump_record(), "patient.name"),
        (patient(birth=NOW.date() + timedelta(days=1)), pump_record(), "patient.birth_date"),
        (patient(), pump_record(model="acme-9000"), "pump"),
        (patient(), pump_record(replace_by=date(2024, 5, 2)), "pump.replace_by"),
        (patient(), pump_record(implanted=date(1960, 1, 1)), "pump.implanted_on"),
        (patient(), pump_record(alarm="20"), "pump.low_reservoir_alarm_ml"),
        (patient(), pump_record(catheter="garden-hose"), "pump.catheter_model"),
        (patient(), pump_record(length="0"), "pump.catheter_length_cm"),
    ],
)
def test_bad_values_are_refused_with_the_field(
    database: Database, who: object, device: object, field: str
) -> None:
    with pytest.raises(InvalidRecordError) as info:
        database.create_patient(who, device, user=USER, now=NOW)  # type: ignore[arg-type]
    assert info.value.field == field
    assert database.search_patients("MRN") == []


def test_blank_user_is_refused(database: Database) -> None:
    with pytest.raises(InvalidRecordError, match="user"):
        database.create_patient(patient(), pump_record(), user=" ", now=NOW)


def test_pump_replacement_is_kept_as_history(database: Database) -> None:
    database.create_patient(patient(), pump_record(), user=USER, now=NOW)
    new = pump_record(serial="NGP999", model="synchromed-ii-40", implanted=date(2026, 11, 20))
    database.replace_pump("MRN-0042", new, user=USER, now=later(5))
    record = database.patient("MRN-0042")
    assert record.pump == new
    assert [p.serial for p in record.pumps] == ["NGP123456", "NGP999"]
    assert record.pumps[0].removed_on == date(2026, 11, 20)
    assert record.pumps[1].removed_on is None
    assert database.audit_entries()[-1].action == "pump.replaced"


def test_replacement_needs_another_serial_and_a_later_implant(database: Database) -> None:
    database.create_patient(patient(), pump_record(), user=USER, now=NOW)
    with pytest.raises(InvalidRecordError, match="serial of the pump in place"):
        database.replace_pump("MRN-0042", pump_record(), user=USER, now=NOW)
    with pytest.raises(InvalidRecordError, match="before the current pump"):
        database.replace_pump(
            "MRN-0042", pump_record(serial="X", implanted=date(2020, 1, 1)), user=USER, now=NOW
        )
    assert len(database.patient("MRN-0042").pumps) == 1


def test_recent_patients_newest_first(database: Database) -> None:
    for i in range(4):
        database.create_patient(
            patient(f"MRN-{i}", f"Patient {i}"), pump_record(f"S{i}"), user=USER, now=NOW
        )
    database.mark_opened("MRN-2", later(1))
    database.mark_opened("MRN-0", later(2))
    database.mark_opened("MRN-3", later(3))
    database.mark_opened("MRN-2", later(4))  # opened again: moves to the top
    recent = database.recent_patients(limit=10)
    assert [s.id for s in recent] == ["MRN-2", "MRN-3", "MRN-0"]
    assert recent[0].last_opened_at == later(4)
    assert [s.id for s in database.recent_patients(limit=2)] == ["MRN-2", "MRN-3"]
    with pytest.raises(UnknownPatientError):
        database.mark_opened("MRN-404", NOW)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(opened=st.lists(st.integers(min_value=0, max_value=4), min_size=1, max_size=12))
def test_the_recent_list_follows_each_opening_even_when_the_clock_stands_still(
    tmp_path_factory: pytest.TempPathFactory, opened: list[int]
) -> None:
    """The hazard: a training database's simulated clock stands still until the trainer moves
    it, so every opening has the same time; the recent list (and the row the browser
    highlights) must still put the patient opened last first, never another by its number."""
    with open_new(tmp_path_factory.mktemp("recent") / "clinic.sqlite") as database:
        for i in range(5):
            database.create_patient(
                patient(f"MRN-{i}", f"Patient {i}"), pump_record(f"S{i}"), user=USER, now=NOW
            )
        for i in opened:
            database.mark_opened(f"MRN-{i}", NOW)
        expected = list(dict.fromkeys(f"MRN-{i}" for i in reversed(opened)))
        assert [s.id for s in database.recent_patients(limit=10)] == expected


def test_an_older_database_keeps_its_recent_order_through_the_migration(tmp_path: Path) -> None:
    """The opening numbers (migration ``_order_openings``) are filled from the times already
    stored, so a migrated database lists its recent patients as before."""
    import sqlite3

    from db import migrations
    from tests.db.factories import undo_opening_order

    path = tmp_path / "clinic.sqlite"
    with open_new(path) as database:
        for i in range(4):
            database.create_patient(
                patient(f"MRN-{i}", f"Patient {i}"), pump_record(f"S{i}"), user=USER, now=NOW
            )
        for i, minutes in ((2, 1), (0, 2), (3, 3), (1, 2)):
            database.mark_opened(f"MRN-{i}", later(minutes))
    version = next(
        m.version for m in migrations.MIGRATIONS if m.apply is migrations._order_openings
    )
    # The only ones after it (the worklist figures' stamp, undone with it, and the audit
    # trail's action index, made IF NOT EXISTS) need no undoing of their own.
    assert all(
        m.apply in (migrations._stamp_worklist_figures, migrations._index_audit_actions)
        for m in migrations.MIGRATIONS[version:]
    )
    conn = sqlite3.connect(path, isolation_level=None)
    undo_opening_order(conn)
    conn.execute(f"PRAGMA user_version = {version - 1}")
    conn.close()
    with Database.open(path, now=later(60)) as database:
        # By time, newest first; the two opened at the same minute by patient number, as the
        # list ordered them before the migration.
        assert [s.id for s in database.recent_patients(limit=10)] == [
            "MRN-3",
            "MRN-1",
            "MRN-0",
            "MRN-2",
        ]
        database.mark_opened("MRN-2", later(60))
        assert database.recent_patients(limit=1)[0].id == "MRN-2"


def test_summary_shows_pump_and_current_dose(database: Database) -> None:
    save(database, programme(daily="400"))
    save(database, programme(daily="440"), base=1, now=later(60 * 24))
    (summary,) = database.search_patients("jane")
    assert summary.pump_model == "synchromed-ii-20"
    assert summary.daily_dose_mcg == pytest.approx(440.0)
    assert summary.birth_date == date(1971, 3, 9)
    assert summary.spasticity_origin == "spinal"


# ---------------------------------------------------------------- search


@pytest.fixture
def people(database: Database) -> Database:
    names = [
        ("MRN-0001", "Zoë Lefèvre"),
        ("MRN-0002", "Hans Müller"),
        ("MRN-0003", "Anna Berger"),
        ("MRN-0004", "Annabel Zoller"),
        ("MRN-0042", "Jane Doe"),
        ("X-420", "Søren Kierkegaard"),
        ("MRN-0005", "Jürgen Großmann"),
        ("MRN-0006", "Zoe Adams"),
    ]
    for pid, name in names:
        database.create_patient(
            patient(pid, name, origin=SpasticityOrigin.CEREBRAL),
            pump_record(pid),
            user=USER,
            now=NOW,
        )
    return database


def _ids(database: Database, text: str) -> list[str]:
    return [s.id for s in database.search_patients(text)]


def test_search_is_accent_insensitive(people: Database) -> None:
    assert _ids(people, "Zoe") == ["MRN-0006", "MRN-0001"]  # Adams before Lefèvre, by name
    assert _ids(people, "zoë lef") == ["MRN-0001"]
    assert _ids(people, "LEFEVRE") == ["MRN-0001"]
    assert _ids(people, "soren") == ["X-420"]
    assert _ids(people, "grossmann") == ["MRN-0005"]


def test_search_matches_the_start_of_any_word(people: Database) -> None:
    assert _ids(people, "mull") == ["MRN-0002"]
    assert _ids(people, "Müll") == ["MRN-0002"]
    assert _ids(people, "ann") == ["MRN-0003", "MRN-0004"]
    assert _ids(people, "ann zol") == ["MRN-0004"]
    assert _ids(people, "ber") == ["MRN-0003"]
    assert _ids(people, "xyz") == []


def test_search_by_id(people: Database) -> None:
    assert _ids(people, "MRN-0042") == ["MRN-0042"]
    assert _ids(people, "mrn 004") == ["MRN-0042"]
    assert _ids(people, "mrn0042") == ["MRN-0042"]
    assert _ids(people, "0042") == ["MRN-0042"]
    assert len(_ids(people, "MRN")) == 7


def test_exact_id_comes_first(database: Database) -> None:
    database.create_patient(patient("AB", "Zed Zulu"), pump_record("1"), user=USER, now=NOW)
    database.create_patient(patient("AB-2", "Aaron Abbot"), pump_record("2"), user=USER, now=NOW)
    assert _ids(database, "ab") == ["AB", "AB-2"]
    assert _ids(database, "abbot") == ["AB-2"]


def test_search_syntax_is_taken_literally(people: Database) -> None:
    for text in ['"', "AND", "*", "NEAR(", "ann OR", "zoe -", "' OR 1=1 --", "()", ""]:
        people.search_patients(text)  # never an FTS5 syntax error
    assert _ids(people, "  ") == []
    assert _ids(people, '"anna"') == ["MRN-0003", "MRN-0004"]  # quotes are not syntax


def test_search_limit(people: Database) -> None:
    assert len(people.search_patients("mrn", limit=3)) == 3
    assert people.search_patients("mrn", limit=0) == []


def test_common_prefix_scan_finds_what_the_index_finds(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The two ways of serving a search (sorting index matches, or reading patients in name
    order for very common prefixes) give the same page in the same order."""
    first = ["Anna", "Zoë", "Jürgen", "Åsa", "Noël", "Max", "Mia", "Søren", "Ann-Marie", "Ole"]
    last = ["Müller", "Berger", "Lefèvre", "Møller", "Mann", "Ånström", "Ng", "Ma", "Zoller"]
    n = 0
    for a in first:
        for b in last:
            n += 1
            pid = f"MRN-{n:04d}" if n % 3 else f"ID{n}"
            database.create_patient(patient(pid, f"{a} {b}"), pump_record(pid), user=USER, now=NOW)
    queries = [
        "m",
        "ma",
        "mu",
        "MÜ",
        "a",
        "an",
        "ann m",
        "zo",
        "mrn",
        "mrn 00",
        "id1",
        "0",
        "s",
        "ø",
        "o",
        "ole ng",
        "x",
        "MRN-0004",
        "id3",
        "ng ole",
        "å",
    ]
    results = {}
    for threshold, rows in ((0, 10**9), (0, 7), (10**9, 0)):
        monkeypatch.setattr("db.search.COMMON_MATCHES", threshold)
        monkeypatch.setattr("db.search.SCAN_ROWS", rows)
        results[(threshold, rows)] = {q: _ids(database, q) for q in queries}
    scanned, cut_short, indexed = results.values()
    assert scanned == cut_short == indexed
    assert indexed["MRN-0004"][0] == "MRN-0004"
    assert len(indexed["m"]) == 50


def test_first_patients_lists_by_name(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime

    from db.database import Database
    from db.seed.demo_patients import seed_demo_patients

    with Database.open(
        tmp_path / "p.sqlite", on_create=seed_demo_patients, now=datetime(2026, 11, 22, 10, 0)
    ) as db:
        names = [s.name for s in db.first_patients(limit=50)]
        assert len(names) == 9
        assert names == sorted(names)  # by the name as written, accents folded
        assert [s.name for s in db.first_patients(limit=2)] == names[:2]
