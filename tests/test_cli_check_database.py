"""`check` and `project` with --db check against that database as its save path does (product.md,
"Command line": the subcommands "use the same engine"; "Findings": limits come from the drug
library, editable by an administrator; "Accounts on the command line": a patient's data takes
--as NAME). Without --db they stay on the packaged data and the files given (tests/test_cli.py)."""

from __future__ import annotations

import io
import json
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from db import users
from db.users import Role
from programmer.programme_file import dumps
from tests.db.factories import NOW, open_new, programme, save
from ui.cli import main

ADMIN_PW = "correct horse battery"
CLIN_PW = "staple clinic 2026"
pytestmark = pytest.mark.usefixtures("clinic_clock")


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *words: str,
    stdin: str = "",
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(words))
    out, err = capsys.readouterr()
    return code, out, err


def _clinic(path: Path, *, patient_on_record: bool) -> None:
    with open_new(path) as database:
        admin = database.first_administrator("admin", ADMIN_PW, NOW)
        database.add_user("dr.lee", Role.CLINICIAN, CLIN_PW, by=admin, now=NOW)
        database.change_clinic_settings(
            clinic_name="North clinic",
            refill_margin_days=14,
            decimal_separator=".",
            reason="longer planning",
            by=admin,
            now=NOW,
        )
        if patient_on_record:
            # Saved three days ago, on a fill made before it (a fill after the save's moment
            # is FILL_TIME_AFTER_NOW).
            earlier = NOW - timedelta(days=3)
            filled = earlier - timedelta(hours=1)
            save(database, programme(daily="400", filled_at=filled), user="dr.lee", now=earlier)


def test_project_with_db_plans_the_refill_by_the_clinics_margin_not_the_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clinic planning refills 14 days before the alarm: with --db the next refill date is
    the one the window and the worklist give, a week earlier than the packaged 7 days."""
    path = tmp_path / "clinic.sqlite"
    _clinic(path, patient_on_record=False)
    file = tmp_path / "p.json"
    file.write_text(dumps(programme(daily="400")), "utf-8")
    _, packaged, _ = run(
        capsys, monkeypatch, "--now", "2026-11-22T10:00", "project", str(file), "--json"
    )
    code, stored, err = run(
        capsys,
        monkeypatch,
        "--db",
        str(path),
        "--now",
        "2026-11-22T10:00",
        "project",
        str(file),
        "--json",
    )
    assert code == 0, err
    default, clinic = json.loads(packaged), json.loads(stored)
    assert default["refill_limited_by"] == clinic["refill_limited_by"] == "alarm"
    planned = datetime.fromisoformat(clinic["next_refill_at"])
    assert datetime.fromisoformat(default["next_refill_at"]) - planned == timedelta(days=7)


def test_check_with_db_of_a_patient_on_record_needs_the_account(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The patient's history is patient data: without --as, exit 2 and nothing is checked."""
    path = tmp_path / "clinic.sqlite"
    _clinic(path, patient_on_record=True)
    file = tmp_path / "p.json"
    file.write_text(dumps(programme(daily="440")), "utf-8")
    code, out, err = run(capsys, monkeypatch, "--db", str(path), "check", str(file))
    assert code == 2 and out == ""
    assert "--as NAME" in err and "\n" not in err.strip()


def test_check_with_db_and_account_meets_the_change_limits_import_would(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """400 mcg/day on record, a file at 1300: the stored programme is the current one, so
    `check` gives the change findings the save gives (the hazard: a file that `check` passes
    and `import` refuses); the file alone, without --db, knows no current programme."""
    path = tmp_path / "clinic.sqlite"
    _clinic(path, patient_on_record=True)
    raised = programme(daily="1300")
    file = tmp_path / "p.json"
    file.write_text(dumps(raised), "utf-8")
    with open_new(path) as database:
        saved_by = sorted(f.code.value for f in database.check_programme(raised, now=NOW).findings)
    code, out, err = run(
        capsys,
        monkeypatch,
        "--db",
        str(path),
        "check",
        str(file),
        "--json",
        "--as",
        "dr.lee",
        stdin=CLIN_PW + "\n",
    )
    codes = sorted(f["code"] for f in json.loads(out)["findings"])
    assert codes == saved_by, err
    assert "CHANGE_EXTREME" in codes and code == 1
    _, alone, _ = run(capsys, monkeypatch, "check", str(file), "--json")
    assert "CHANGE_EXTREME" not in {f["code"] for f in json.loads(alone)["findings"]}


def test_check_with_db_refuses_current_files_for_a_patient_on_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stored history is the current programme: a --current file beside it would check
    against another one than import does; refused, exit 2."""
    path = tmp_path / "clinic.sqlite"
    _clinic(path, patient_on_record=True)
    file = tmp_path / "p.json"
    file.write_text(dumps(programme(daily="440")), "utf-8")
    other = tmp_path / "c.json"
    other.write_text(dumps(programme(daily="430")), "utf-8")
    code, out, err = run(
        capsys,
        monkeypatch,
        "--db",
        str(path),
        "check",
        str(file),
        "--current",
        str(other),
        "--as",
        "dr.lee",
        stdin=CLIN_PW + "\n",
    )
    assert code == 2 and out == "" and "--current" in err


def test_check_with_db_of_a_patient_not_on_record_uses_the_current_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A patient the database does not know: its library and settings, the history the files
    say, and no account needed (no patient data is read)."""
    path = tmp_path / "clinic.sqlite"
    _clinic(path, patient_on_record=False)
    file = tmp_path / "p.json"
    file.write_text(dumps(programme(daily="1300")), "utf-8")
    current = tmp_path / "c.json"
    current.write_text(dumps(programme(daily="400")), "utf-8")
    code, out, err = run(
        capsys,
        monkeypatch,
        "--db",
        str(path),
        "check",
        str(file),
        "--current",
        str(current),
        "--json",
    )
    assert code == 1, err
    assert "CHANGE_EXTREME" in {f["code"] for f in json.loads(out)["findings"]}


def test_check_with_a_missing_db_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "p.json"
    file.write_text(dumps(programme()), "utf-8")
    code, out, err = run(
        capsys, monkeypatch, "--db", str(tmp_path / "none.sqlite"), "check", str(file)
    )
    assert code == 2 and out == "" and err.startswith("itb-console: ") and err.count("\n") == 1


def test_check_with_db_and_a_wrong_password_is_refused_before_anything_is_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "clinic.sqlite"
    _clinic(path, patient_on_record=True)
    file = tmp_path / "p.json"
    file.write_text(dumps(programme(daily="440")), "utf-8")
    code, out, err = run(
        capsys,
        monkeypatch,
        "--db",
        str(path),
        "check",
        str(file),
        "--as",
        "dr.lee",
        stdin="not the password\n",
    )
    assert code == 2 and out == "" and err.startswith("itb-console: ") and err.count("\n") == 1


def test_check_as_an_account_without_a_database_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--as names an account of a database: without --db it would be silently ignored."""
    file = tmp_path / "p.json"
    file.write_text(dumps(programme()), "utf-8")
    code, out, err = run(capsys, monkeypatch, "check", str(file), "--as", "dr.lee")
    assert code == 2 and out == "" and "--db" in err
