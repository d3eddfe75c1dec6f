"""After a name correction the browser lists and finds the patient by its current name: the
patient row keeps the sort key and scan text of the name it was created with, so the order and
the scan of common words read the derived ``patient_order`` (db/migrations.py), written with the
patient and replaced with each correction. Both ways of serving a search (sorting the index
matches; reading patients in name order when a typed word is common) follow the corrected name,
a migrated database takes the corrected names, and verify names an order or search entry out of
step with the records."""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db import migrations, search
from db.database import Database
from programmer.simulated_pump import SessionStep
from programmer.telemetry import Link, transmit
from tests.db.factories import (
    NOW,
    USER,
    later,
    open_new,
    patient,
    programme,
    pump,
    pump_record,
    save,
    undo_opening_order,
)


def _scanned(patients: int) -> dict[str, int]:
    """Every typed word counts as common, and the scan in name order reaches the last of
    ``patients`` (db/search.py: it reads no further than row SCAN_ROWS, and none past the end)."""
    return {"COMMON_MATCHES": 1, "SCAN_ROWS": patients - 1}


# The two ways a search is served, forced: patients read in name order (for the nine of the
# ``clinic`` fixture), or the index matches sorted.
SCANNED = _scanned(9)
INDEXED = {"COMMON_MATCHES": 10**9, "SCAN_ROWS": 0}
PATHS = pytest.mark.parametrize("path", [SCANNED, INDEXED], ids=["scanned", "indexed"])


def _use(monkeypatch: pytest.MonkeyPatch, path: dict[str, int]) -> None:
    for name, value in path.items():
        monkeypatch.setattr(f"db.search.{name}", value)


def _add(database: Database, n: int, name: str) -> str:
    pid = f"MRN-{n:04d}"
    database.create_patient(patient(pid, name), pump_record(f"NGP{n:06d}"), user=USER, now=NOW)
    return pid


def _rename(database: Database, pid: str, name: str, minutes: int = 5) -> None:
    database.revise_patient(
        patient(pid, name), diagnosis="", reason="name misspelt", user=USER, now=later(minutes)
    )


def _ids(database: Database, text: str, limit: int = 50) -> list[str]:
    return [s.id for s in database.search_patients(text, limit=limit)]


@pytest.fixture
def clinic(tmp_path: Path) -> Iterator[Database]:
    """Four Smiths, four Zeds, and MRN-0005 created as "Zed Jones", corrected to "Smith Al":
    first of the Smiths by its current name, first of the Zeds by the name it was created
    with."""
    with open_new(tmp_path / "clinic.sqlite") as database:
        for n, name in enumerate(["Smith Bo", "Smith Cy", "Smith Di", "Smith Ed"], start=1):
            _add(database, n, name)
        _add(database, 5, "Zed Jones")
        for n, name in enumerate(["Zed Ken", "Zed Lou", "Zed Max", "Zed Ned"], start=6):
            _add(database, n, name)
        _rename(database, "MRN-0005", "Smith Al")
        yield database


def _statements(database: Database) -> list[str]:
    """The SQL the connection runs from now on, to tell which way a search was served."""
    ran: list[str] = []
    database._sdb.conn.set_trace_callback(ran.append)
    return ran


def _served_by(ran: list[str], path: dict[str, int]) -> None:
    """The page just searched came from the scan in name order, or from the sorted matches."""
    scanned = any("scan_text LIKE" in sql for sql in ran)
    sorted_matches = any("JOIN patient_order" in sql for sql in ran)
    assert (scanned, sorted_matches) == ((True, False) if path is SCANNED else (False, True))
    ran.clear()


def test_a_corrected_name_moves_the_patient_in_the_browser_list(clinic: Database) -> None:
    listed = [s.id for s in clinic.first_patients(limit=50)]
    assert listed == [f"MRN-{n:04d}" for n in (5, 1, 2, 3, 4, 6, 7, 8, 9)]
    assert [s.id for s in clinic.first_patients(limit=1)] == ["MRN-0005"]
    assert clinic.first_patients(limit=1)[0].name == "Smith Al"


@PATHS
def test_a_patient_corrected_to_a_common_name_is_on_the_first_page(
    clinic: Database, monkeypatch: pytest.MonkeyPatch, path: dict[str, int]
) -> None:
    """Under the name at creation the patient sorted after every Smith, and the scan did not
    see "smith" in it: a page of three Smiths left it out while Smiths after it were shown."""
    _use(monkeypatch, path)
    ran = _statements(clinic)
    assert _ids(clinic, "smith", limit=3) == ["MRN-0005", "MRN-0001", "MRN-0002"]
    _served_by(ran, path)
    assert _ids(clinic, "smi al") == ["MRN-0005"]


@PATHS
def test_the_name_a_patient_was_corrected_from_no_longer_finds_it(
    clinic: Database, monkeypatch: pytest.MonkeyPatch, path: dict[str, int]
) -> None:
    """The Zeds: under its old name MRN-0005 would head the page; its record says "Smith Al"."""
    _use(monkeypatch, path)
    ran = _statements(clinic)
    assert _ids(clinic, "zed", limit=3) == ["MRN-0006", "MRN-0007", "MRN-0008"]
    _served_by(ran, path)
    assert _ids(clinic, "jones") == []
    assert "MRN-0005" not in _ids(clinic, "zed")


@PATHS
def test_a_name_corrected_twice_sorts_and_matches_by_the_newest(
    clinic: Database, monkeypatch: pytest.MonkeyPatch, path: dict[str, int]
) -> None:
    """Back to a Zed, but now after every other one (it was first of them when created)."""
    _use(monkeypatch, path)
    _rename(clinic, "MRN-0005", "Zed Zack", minutes=6)
    assert _ids(clinic, "zed", limit=3) == ["MRN-0006", "MRN-0007", "MRN-0008"]
    assert _ids(clinic, "zed", limit=5)[-1] == "MRN-0005"
    assert "MRN-0005" not in _ids(clinic, "smith")
    assert [s.id for s in clinic.first_patients(limit=50)][-1] == "MRN-0005"


def test_a_migrated_database_sorts_a_corrected_patient_by_the_corrected_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database from before the browser's order, with a corrected patient: the migration
    fills the order from each patient's current name, after a backup copy."""
    path = tmp_path / "clinic.sqlite"
    with open_new(path) as database:
        _add(database, 1, "Anna Berger")
        _add(database, 2, "Carl Doe")
        _add(database, 3, "Zoe Quinn")
        _rename(database, "MRN-0003", "Aaron Quinn")
    version = next(
        m.version for m in migrations.MIGRATIONS if m.apply is migrations._create_patient_order
    )
    conn = sqlite3.connect(path, isolation_level=None)  # back to the schema before it
    conn.execute("DROP TABLE patient_order")
    undo_opening_order(conn)
    conn.execute(f"PRAGMA user_version = {version - 1}")
    conn.close()
    with Database.open(path, now=later(60)) as database:
        assert migrations.user_version(database._sdb) == migrations.schema_version()
        entry = next(e for e in database.audit_entries() if e.details.get("schema") == version)
        assert entry.action == "database.migrated"
        assert entry.details["backup"] is not None and Path(entry.details["backup"]).exists()
        assert [s.id for s in database.first_patients()] == ["MRN-0003", "MRN-0001", "MRN-0002"]
        for path_used in (_scanned(3), INDEXED):
            _use(monkeypatch, path_used)
            assert _ids(database, "a", limit=1) == ["MRN-0003"]
            assert _ids(database, "aaron") == ["MRN-0003"]
            assert _ids(database, "zoe") == []
        assert database.verify().ok


def test_stopped_pumps_are_listed_by_the_corrected_name(tmp_path: Path) -> None:
    """The other list ordered by name (pumps with an unfinished session) follows it too."""
    with open_new(tmp_path / "clinic.sqlite") as database:
        for n, name in ((1, "Anna Berger"), (2, "Zoe Quinn")):
            who = patient(f"MRN-{n:04d}", name)
            save(database, programme(who=who, device=pump(f"NGP{n:06d}")))
        _rename(database, "MRN-0002", "Aaron Quinn")
        for pid in ("MRN-0001", "MRN-0002"):
            simulated = database.interrogate_pump(pid, user=USER, now=later(10))
            changed = simulated.programme.with_changes(daily_dose_mcg=Decimal(440))
            result = transmit(simulated, changed, Link(SessionStep.SEND))
            assert not result.completed
            database.store_pump(
                pid,
                simulated,
                action="pump.transmission-interrupted",
                details={"message": result.message},
                user=USER,
                now=later(11),
            )
        assert [(p.patient_id, p.name) for p in database.stopped_pumps()] == [
            ("MRN-0002", "Aaron Quinn"),
            ("MRN-0001", "Anna Berger"),
        ]


# ---------------------------------------------------------------- verify


def _tamper(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    for sql in statements:
        conn.execute(sql)
    conn.close()


def test_verify_names_a_tampered_order_that_hides_a_patient_from_the_first_page(
    clinic: Database,
) -> None:
    assert clinic.verify().ok
    path = clinic.path
    clinic.close()
    _tamper(path, "UPDATE patient_order SET sort_key = 'zzz' WHERE patient_num = 5")
    with Database.open(path, now=later(30)) as database:
        assert "MRN-0005" not in [s.id for s in database.first_patients(limit=4)]
        report = database.verify()
        assert not report.ok and not report.integrity_ok
        assert report.problems == [
            "patient MRN-0005's place in the browser's order (patient_order) is not that of its "
            "current name: it is listed out of place, and a search of a common word may miss it "
            "or find it by words its record does not have"
        ]


def test_verify_names_a_patient_missing_from_the_order(clinic: Database) -> None:
    path = clinic.path
    clinic.close()
    _tamper(path, "DELETE FROM patient_order WHERE patient_num = 2")
    with Database.open(path, now=later(30)) as database:
        assert "MRN-0002" not in [s.id for s in database.first_patients()]
        report = database.verify()
        assert not report.ok
        assert report.problems == [
            "patient MRN-0002 has no place in the browser's order (patient_order): it is missing "
            "from the patient list and from every search"
        ]


def test_verify_names_a_search_entry_that_still_holds_the_old_name(clinic: Database) -> None:
    """The search index is derived from the records in the same way, and checked the same way:
    an entry put back to the name at creation finds the patient by words it no longer has."""
    path = clinic.path
    clinic.close()
    _tamper(
        path,
        "INSERT INTO patient_search (patient_search, rowid, name, ident) "
        "VALUES ('delete', 5, 'smith al', 'mrn 0005 mrn0005')",
        "INSERT INTO patient_search (rowid, name, ident) "
        "VALUES (5, 'zed jones', 'mrn 0005 mrn0005')",
        "INSERT INTO patient_search (rowid, name, ident) VALUES (99, 'ghost', 'x')",
    )
    with Database.open(path, now=later(30)) as database:
        assert _ids(database, "jones") == ["MRN-0005"]
        report = database.verify()
        assert not report.ok
        assert report.problems == [
            "patient MRN-0005's search entry (patient_search) is not that of its current name "
            "and id: a search may miss it or find it by words its record does not have",
            "the search index (patient_search) holds an entry 99 for no patient",
        ]


def test_verify_takes_no_name_the_index_tokenizes_its_own_way_for_damage(tmp_path: Path) -> None:
    """SQLite's tokenizer folds a few letters otherwise than db/search.py does (the upsilon
    with hook, the lunate sigma): such a search entry is what the index itself makes of the
    record, not damage."""
    with open_new(tmp_path / "clinic.sqlite") as database:
        _add(database, 1, "Mϒra Ϲosta")
        _add(database, 2, "Anna Berger")
        _rename(database, "MRN-0002", "Anna Ϲosta")
        # The words of db/search.py; the index holds "mυra σosta".
        assert search.name_terms("Mϒra Ϲosta") == "mΥra ςosta"
        assert database.verify().ok


def test_verify_names_a_search_index_it_cannot_read_back(clinic: Database) -> None:
    path = clinic.path
    clinic.close()
    _tamper(path, "DROP TABLE patient_search", "CREATE TABLE patient_search (name TEXT)")
    with Database.open(path, now=later(30)) as database:
        report = database.verify()
        assert not report.ok
        assert report.problems == [
            "the search index (patient_search) could not be read back (no such fts5 table: "
            "main.patient_search): it was damaged or replaced, and searches may miss patients"
        ]


# ---------------------------------------------------------------- property

_LETTERS = "abeoäöé"
_names = st.lists(st.text(_LETTERS, min_size=1, max_size=3), min_size=1, max_size=2).map(" ".join)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    names=st.lists(_names, min_size=1, max_size=7),
    corrections=st.lists(st.tuples(st.integers(0, 6), _names), max_size=6),
    typed=st.text(_LETTERS, min_size=1, max_size=2),
    limit=st.integers(1, 4),
)
def test_the_browser_order_is_always_by_the_current_name(
    names: list[str], corrections: list[tuple[int, str]], typed: str, limit: int
) -> None:
    """For any patients and any corrections of their names: the list with nothing typed is
    sorted by (sort key of the current name, patient number), and a page of search results,
    served either way, holds the first of the patients whose current name has a word starting
    with the typed word, in that order."""
    with tempfile.TemporaryDirectory() as folder, open_new(Path(folder) / "c.sqlite") as database:
        current = {}
        for n, name in enumerate(names, start=1):
            current[n] = name
            _add(database, n, name)
        for minutes, (index, name) in enumerate(corrections, start=1):
            n = index % len(names) + 1
            if name == current[n]:
                continue  # not a correction: refused as such
            current[n] = name
            _rename(database, f"MRN-{n:04d}", name, minutes=minutes)
        by_name = sorted(current, key=lambda n: (search.sort_key(current[n]), n))
        assert [s.id for s in database.first_patients(limit=50)] == [
            f"MRN-{n:04d}" for n in by_name
        ]
        term = search.words(typed)[0]
        found = [
            f"MRN-{n:04d}"
            for n in by_name
            if any(word.startswith(term) for word in search.words(current[n]))
        ]
        with pytest.MonkeyPatch.context() as monkeypatch:
            for path in (_scanned(len(names)), INDEXED):
                _use(monkeypatch, path)
                assert _ids(database, typed, limit=limit) == found[:limit]
