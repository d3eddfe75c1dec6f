"""The database from the command line: import, export (byte for byte), history, verify, backup
and restore; errors are one line on stderr and exit 2, never a traceback."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from db.database import Database
from programmer.programme_file import dumps
from tests.db.factories import NOW, programme
from ui.cli import main
from ui.commands import invocation

ROOT = Path(__file__).resolve().parents[2]
NOW_ARG: list[str] = []  # a clinical database records the computer's clock (fixed below)
pytestmark = pytest.mark.usefixtures("clinic_clock")


def _file(tmp_path: Path, name: str = "prog.json", **changes: object) -> Path:
    path = tmp_path / name
    path.write_text(dumps(programme(**changes)), encoding="utf-8")  # type: ignore[arg-type]
    return path


def _run(db: Path, *args: str) -> list[str]:
    return ["--db", str(db), *NOW_ARG, *args]


def test_import_then_export_round_trips_byte_for_byte(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    db = tmp_path / "clinic.sqlite"
    source = _file(tmp_path)
    assert main(_run(db, "import", str(source))) == 0
    out = capsysbinary.readouterr().out.decode()
    assert "stored as version 1 of MRN-0042 (Jane Doe)" in out
    assert main(_run(db, "export", "MRN-0042")) == 0
    assert capsysbinary.readouterr().out == source.read_bytes()
    assert main(_run(db, "export", "MRN-0042", "--version", "1")) == 0
    assert capsysbinary.readouterr().out == source.read_bytes()


def test_export_in_a_subprocess_writes_the_stored_bytes(tmp_path: Path) -> None:
    """Through a real pipe, whatever the locale: the UTF-8 text as stored."""
    db = tmp_path / "clinic.sqlite"
    source = tmp_path / "zoe.json"
    source.write_text(dumps(programme()).replace("Jane Doe", "Zoë Lefèvre"), encoding="utf-8")
    env = {**os.environ, "LC_ALL": "C", "PYTHONIOENCODING": "ascii"}
    command = [sys.executable, "-m", "ui.cli", *_run(db, "import", str(source))]
    subprocess.run(command, check=True, cwd=ROOT, env=env, capture_output=True)
    exported = subprocess.run(
        [sys.executable, "-m", "ui.cli", *_run(db, "export", "MRN-0042")],
        check=True,
        cwd=ROOT,
        env=env,
        capture_output=True,
    )
    assert exported.stdout == source.read_bytes()


def test_import_of_a_non_canonical_file_exports_canonical_text(
    tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    db = tmp_path / "clinic.sqlite"
    compact = tmp_path / "compact.json"
    compact.write_text(json.dumps(json.loads(dumps(programme()))), encoding="utf-8")
    assert main(_run(db, "import", str(compact))) == 0
    capsysbinary.readouterr()
    assert main(_run(db, "export", "MRN-0042")) == 0
    exported = capsysbinary.readouterr().out
    assert exported == dumps(programme()).encode()
    again = tmp_path / "again.json"
    again.write_bytes(exported)
    assert main(_run(db, "import", "--reason", "re-import", "--base", "1", str(again))) == 0
    capsysbinary.readouterr()
    assert main(_run(db, "export", "MRN-0042", "--version", "2")) == 0
    assert capsysbinary.readouterr().out == exported


def test_import_with_a_hard_finding_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "clinic.sqlite"
    assert main(_run(db, "import", str(_file(tmp_path, daily="2400")))) == 1
    out = capsys.readouterr().out
    assert "refused" in out and "DOSE_ABOVE_HARD_LIMIT" in out
    with Database.open(db, now=NOW) as database:
        assert database.search_patients("MRN") == []


def test_import_with_soft_findings_needs_a_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "clinic.sqlite"
    low = _file(tmp_path, daily="150")  # under the usual spinal range: soft
    assert main(_run(db, "import", str(low))) == 1
    out = capsys.readouterr().out
    assert "--reason" in out and "DOSE_OUTSIDE_USUAL_RANGE" in out
    assert main(_run(db, "import", "--reason", "Starting low after screening", str(low))) == 0
    assert "1 soft finding(s) accepted" in capsys.readouterr().out
    with Database.open(db, now=NOW) as database:
        version = database.version("MRN-0042", 1)
    assert version.reason == "Starting low after screening"
    assert version.acknowledgements == {
        "DOSE_OUTSIDE_USUAL_RANGE@daily_dose_mcg": "Starting low after screening"
    }
    assert version.saved_at == NOW


def test_import_of_an_unreadable_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "clinic.sqlite"
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "itb-programme/1"', encoding="utf-8")
    for path in (bad, tmp_path / "missing.json"):
        assert main(_run(db, "import", str(path))) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and str(path) in err and "Traceback" not in err


def test_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "clinic.sqlite"
    main(_run(db, "import", "--reason", "first", str(_file(tmp_path, daily="400"))))
    monkeypatch.setattr(invocation, "clock", lambda: datetime(2026, 11, 23, 10, 0))
    main(
        _run(
            db,
            "import",
            "--reason",
            "more",
            "--base",
            "1",
            str(_file(tmp_path, "b.json", daily="440")),
        )
    )
    capsys.readouterr()
    assert main(_run(db, "history", "MRN-0042")) == 0
    text = capsys.readouterr().out
    assert "Jane Doe (MRN-0042): 2 programme version(s)" in text
    assert "400.00 mcg/day" in text and "440.00 mcg/day" in text and "more" in text
    assert main(_run(db, "history", "MRN-0042", "--json")) == 0
    data = json.loads(capsys.readouterr().out)
    assert [v["number"] for v in data["versions"]] == [1, 2]
    assert [v["current"] for v in data["versions"]] == [False, True]
    assert data["versions"][1]["daily_dose_mcg"] == 440.0
    assert data["versions"][1]["saved_at"] == "2026-11-23T10:00"


def test_unknown_patient_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "clinic.sqlite"
    main(_run(db, "import", str(_file(tmp_path))))
    capsys.readouterr()
    for command in (
        ["export", "NOPE"],
        ["history", "NOPE"],
        ["export", "MRN-0042", "--version", "9"],
    ):
        assert main(_run(db, *command)) == 2
        err = capsys.readouterr().err
        assert err.startswith("itb-console: ") and err.count("\n") == 1


def test_verify_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "clinic.sqlite"
    main(_run(db, "import", str(_file(tmp_path))))
    assert main(_run(db, "verify")) == 0
    assert "Audit trail: ok (3 entries" in capsys.readouterr().out
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DROP TRIGGER audit_never_updated")
    conn.execute("UPDATE audit SET user = 'x' WHERE seq = 2")
    conn.close()
    assert main(_run(db, "verify")) == 1
    out = capsys.readouterr().out
    assert "Audit trail: FAILED" in out and "audit entry 2" in out


def test_commands_on_a_database_that_is_not_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_text("not a database")
    for command in (["verify"], ["history", "X"], ["import", str(_file(tmp_path))]):
        assert main(_run(junk, *command)) == 2
        err = capsys.readouterr().err
        assert "not an SQLite file" in err and err.count("\n") == 1
    assert junk.read_text() == "not a database"
    missing = tmp_path / "missing.sqlite"
    assert main(_run(missing, "verify")) == 2
    assert "no database there" in capsys.readouterr().err
    assert not missing.exists()


def test_backup_and_restore(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "clinic.sqlite"
    copy = tmp_path / "copy.sqlite"
    main(_run(db, "import", str(_file(tmp_path))))
    assert main(_run(db, "backup", str(copy))) == 0
    assert "Backed up" in capsys.readouterr().out
    assert main(_run(db, "backup", str(copy))) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(_run(db, "backup", "--force", str(copy))) == 0
    target = tmp_path / "restored.sqlite"
    assert main(_run(target, "restore", str(copy))) == 0
    capsys.readouterr()
    assert main(_run(target, "export", "MRN-0042")) == 0
    assert main(_run(db, "restore", str(copy))) == 2  # exists: needs --force
    assert main(_run(db, "restore", "--force", str(copy))) == 0
    assert "kept as" in capsys.readouterr().out


def test_default_database_is_created_with_demo_patients(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")}
    result = subprocess.run(
        [sys.executable, "-m", "ui.cli", *NOW_ARG, "history", "DEMO-0001"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Anna Berger (DEMO-0001)" in result.stdout
    assert (tmp_path / "data" / "itb-console" / "itb-console.sqlite").exists()
