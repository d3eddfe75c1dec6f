"""The demonstration patients of a new default database: every mode, a refill history, a pump
near replacement, a stopped pump, a cerebral-origin patient, a child; never a hard finding and
never stale, whatever day the database is created."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from db.database import Database, ProgrammeVersion
from db.seed.demo_patients import load_manifest, seed_demo_patients
from programmer.check_context import CheckContext
from programmer.finding import Code, Severity
from programmer.findings import check_programme
from programmer.programme import Mode, SpasticityOrigin

SEED_MOMENTS = [
    datetime(2026, 11, 22, 9, 30),
    datetime(2028, 2, 29, 23, 59),  # a leap day, just before midnight
    datetime(2031, 1, 1, 0, 0),
    datetime(2045, 7, 14, 13, 7),
]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path = tmp_path_factory.mktemp("demo") / "itb-console.sqlite"
    with Database.open(path, on_create=seed_demo_patients, now=SEED_MOMENTS[0]) as database:
        yield database


def _current(database: Database) -> dict[str, ProgrammeVersion]:
    out: dict[str, ProgrammeVersion] = {}
    for summary in database.search_patients("demo", limit=100):
        version = database.current_version(summary.id)
        assert version is not None, summary.id
        out[summary.id] = version
    return out


def test_demo_patients_exercise_every_mode(seeded: Database) -> None:
    current = _current(seeded)
    assert len(current) == len(load_manifest().patients) >= 9
    modes = {v.programme.mode for v in current.values()}
    assert modes == set(Mode)
    programmes = [v.programme for v in current.values()]
    flexible = [p for p in programmes if p.mode is Mode.FLEXIBLE]
    weeks = [p.week for p in flexible if p.week is not None]
    assert any(w.same_every_day and len(w.days["every_day"]) > 2 for w in weeks)
    assert any(not w.same_every_day for w in weeks)  # a weekday pattern
    assert any(p.patient_bolus is not None for p in programmes)
    assert any(p.boluses for p in programmes)  # a planned bolus
    assert any(p.patient.spasticity_origin is SpasticityOrigin.CEREBRAL for p in programmes)
    assert any(p.patient.age_on(SEED_MOMENTS[0].date()) < 12 for p in programmes)


def test_demo_patients_have_histories(seeded: Database) -> None:
    summaries = seeded.search_patients("demo", limit=100)
    counts = {s.id: len(seeded.versions(s.id)) for s in summaries}
    assert all(n >= 2 for n in counts.values())  # the dose-history plot has data
    assert max(len(seeded.refills(s.id)) for s in summaries) >= 2  # a refill history
    assert any(seeded.screenings(s.id) for s in summaries)
    assert any(seeded.boluses_given(s.id) for s in summaries)
    assert any(len(seeded.patient(s.id).pumps) == 2 for s in summaries)  # a replaced pump
    acknowledged = [
        r
        for s in summaries
        for r in seeded.refills(s.id)
        if r.reason  # a discrepancy accepted
    ]
    assert acknowledged and abs(acknowledged[0].discrepancy_ml) > 2
    assert seeded.verify().ok


def test_near_replacement_and_stopped_are_flagged(seeded: Database) -> None:
    codes = {f.code for v in _current(seeded).values() for f in v.findings}
    assert Code.REPLACEMENT_BEFORE_REFILL in codes
    assert Code.MODE_STOPPED in codes


@pytest.mark.parametrize("now", SEED_MOMENTS, ids=lambda m: m.date().isoformat())
def test_demo_never_has_a_hard_finding(tmp_path: Path, now: datetime) -> None:
    """Whatever day the database is created, every current programme passes the engine's check
    on that day, and every soft finding carries its typed reason."""
    with Database.open(tmp_path / "demo.sqlite", on_create=seed_demo_patients, now=now) as database:
        for summary in database.search_patients("demo", limit=100):
            versions = database.versions(summary.id)
            current = database.current_version(summary.id)
            assert current is not None
            previous = versions[-2].programme if len(versions) > 1 else None
            result = check_programme(
                current.programme, CheckContext.packaged(current=previous), now=now
            )
            assert not result.hard, (summary.id, result.findings)
            for version in versions:
                for finding in version.findings:
                    assert finding.severity is not Severity.HARD
                    if finding.severity is Severity.SOFT:
                        key = f"{finding.code.value}@{finding.field}"
                        assert version.acknowledgements[key].strip()
            refill_at = current.programme.reservoir.filled_at
            assert refill_at <= now and now - refill_at < timedelta(days=180)
        assert database.verify().ok


def test_demo_is_seeded_only_when_the_database_is_created(tmp_path: Path) -> None:
    path = tmp_path / "itb-console.sqlite"
    with Database.open(path, on_create=seed_demo_patients, now=SEED_MOMENTS[0]) as database:
        count = len(database.search_patients("demo", limit=100))
        entries = len(database.audit_entries())
    with Database.open(path, on_create=seed_demo_patients, now=SEED_MOMENTS[1]) as database:
        assert len(database.search_patients("demo", limit=100)) == count
        assert len(database.audit_entries()) == entries


def test_no_demo_unless_asked(tmp_path: Path) -> None:
    with Database.open(tmp_path / "clinic.sqlite", now=SEED_MOMENTS[0]) as database:
        assert database.search_patients("demo") == []


def test_demo_audit_trail_reads_forward_in_time(seeded: Database) -> None:
    moments = [e.at for e in seeded.audit_entries()][1:]
    assert moments == sorted(moments)
