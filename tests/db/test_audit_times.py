"""``verify`` flags audit times that go backwards on a clinical database (issue 10): a record
backdated after later ones, or a clock set back, is named; the demonstration patients' history,
written when the database is created, and a training database's simulated clock are not."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from db.database import Database
from db.seed.demo_patients import seed_demo_patients
from db.seed.training import open_training
from tests.db.factories import NOW, later, open_new, patient, programme, pump, save
from ui import cli


def test_a_backdated_record_fails_verify_and_is_named(tmp_path: Path) -> None:
    with open_new(tmp_path / "c.sqlite") as database:
        save(database, programme(), now=later(60))
        assert database.verify().ok
        # Filled before the backdated save: a fill after ``now`` is refused (FILL_TIME_AFTER_NOW).
        backdated = NOW - timedelta(days=30)
        save(
            database,
            programme(daily="440", filled_at=backdated - timedelta(days=1)),
            base=1,
            now=backdated,
        )
        report = database.verify()
    assert not report.ok and not report.audit_ok
    assert any("earlier than entry" in p and "backdated" in p for p in report.problems)


def test_verify_on_the_command_line_exits_1_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.sqlite"
    with open_new(path) as database:
        save(database, programme(), now=later(60))
        save(database, programme(daily="440"), base=1, now=later(5))
    assert cli.main(["--db", str(path), "verify"]) == 1
    out = capsys.readouterr().out
    assert "PROBLEM: audit entry" in out and "earlier than entry" in out


def test_times_in_order_and_the_demo_history_pass(tmp_path: Path) -> None:
    with Database.open(tmp_path / "demo.sqlite", on_create=seed_demo_patients, now=NOW) as database:
        assert database.verify().ok
        save(database, programme(), now=later(1))
        save(database, programme(daily="440"), base=1, now=later(1))  # the same minute
        assert database.verify().ok


def test_a_training_databases_simulated_clock_may_go_back(tmp_path: Path) -> None:
    with open_training(tmp_path / "t.sqlite", now=NOW) as database:
        prog = programme(who=patient("MRN-T9"), device=pump("NGP-T9"))
        save(database, prog, now=later(600))
        save(
            database,
            programme(who=patient("MRN-T9"), device=pump("NGP-T9"), daily="440"),
            base=1,
            now=later(5),
        )
        assert database.verify().ok
