"""``itb-console --db PATH settings show [--json]`` and ``settings set ... --as ADMIN`` (issue
12): the clinic settings shown, and changed only by an administrator who logs in as for
``library import``; a bad value is refused in one line, exit 2, nothing changed. The stored
clinic name is on every report."""

from __future__ import annotations

import io
import json
import sys
from datetime import datetime
from pathlib import Path

import pytest

from db.database import Database
from db.users import Role
from programmer import units
from tests.db.factories import USER, patient, programme, pump_record, save
from ui import cli
from ui.report.content import report_from_database

NOW = "2026-11-22T10:00"
pytestmark = pytest.mark.usefixtures("clinic_clock")
ADMIN_PW = "correct horse battery"
CLIN_PW = "staple clinic 2026"


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    db = tmp_path / "clinic.sqlite"
    now = datetime.fromisoformat(NOW)
    with Database.open(db, now=now) as database:
        admin = database.first_administrator("admin", ADMIN_PW, now)
        database.add_user(USER, Role.CLINICIAN, CLIN_PW, by=admin, now=now)
    return db


def run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    db: Path,
    *words: str,
    stdin: str = "",
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(["--db", str(db), "settings", *words])
    out, err = capsys.readouterr()
    return code, out, err


def trail(db: Path) -> list[tuple[str, str]]:
    with Database.open(db, create=False) as database:
        return [(e.action, e.user) for e in database.audit_entries()]


def test_settings_show_gives_the_defaults_until_some_are_stored(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(capsys, monkeypatch, clinic, "show")
    assert (code, err) == (0, "")
    assert "the program's defaults" in out
    assert "ITB clinic" in out and "7 days before the low-reservoir alarm" in out
    code, out, _ = run(capsys, monkeypatch, clinic, "show", "--json")
    data = json.loads(out)
    assert data == {
        "clinic_name": "ITB clinic",
        "refill_margin_days": 7,
        "decimal_separator": ".",
        "source": "defaults",
        "versions": [],
    }


def test_settings_set_by_an_administrator_is_stored_audited_and_shown(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(
        capsys,
        monkeypatch,
        clinic,
        "set",
        "--clinic-name",
        "Clinique du Lac",
        "--refill-margin-days",
        "10",
        "--decimal-separator",
        ",",
        "--reason",
        "new policy",
        "--as",
        "admin",
        stdin=ADMIN_PW + "\n",
    )
    assert (code, err) == (0, ""), err
    assert "clinic settings version 1 is now active (by admin)" in out
    assert trail(clinic)[-2:] == [("login", "admin"), ("settings.changed", "admin")]
    # A setting left out keeps its active value.
    code, _, err = run(
        capsys,
        monkeypatch,
        clinic,
        "set",
        "--refill-margin-days",
        "14",
        "--as",
        "admin",
        stdin=ADMIN_PW + "\n",
    )
    assert (code, err) == (0, "")
    code, out, _ = run(capsys, monkeypatch, clinic, "show", "--json")
    data = json.loads(out)
    assert (data["clinic_name"], data["refill_margin_days"], data["decimal_separator"]) == (
        "Clinique du Lac",
        14,
        ",",
    )
    assert [(v["number"], v["refill_margin_days"], v["active"]) for v in data["versions"]] == [
        (1, 10, False),
        (2, 14, True),
    ]
    assert data["versions"][0]["reason"] == "new policy"


def test_settings_set_by_a_clinician_is_refused(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = trail(clinic)
    code, out, err = run(
        capsys,
        monkeypatch,
        clinic,
        "set",
        "--refill-margin-days",
        "10",
        "--as",
        USER,
        stdin=CLIN_PW + "\n",
    )
    assert code == 2 and out == ""
    assert "Only an administrator can manage the clinic settings" in err
    assert [a for a in trail(clinic) if a[0] == "settings.changed"] == []
    assert len(trail(clinic)) == len(before) + 1  # the login only


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["--refill-margin-days", "-3"], "from 1 to 60"),
        (["--refill-margin-days", "10000"], "from 1 to 60"),
        (["--refill-margin-days", "seven"], "whole number of days"),
        (["--decimal-separator", "'"], "'.' or ','"),
        (["--clinic-name", "St \u202eElsewhere"], "RIGHT-TO-LEFT OVERRIDE"),
        ([], "give at least one of"),
    ],
)
def test_bad_settings_are_refused_before_any_login(
    clinic: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    words: list[str],
    message: str,
) -> None:
    before = clinic.read_bytes(), trail(clinic)
    code, out, err = run(
        capsys, monkeypatch, clinic, "set", *words, "--as", "admin", stdin=ADMIN_PW + "\n"
    )
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert (clinic.read_bytes(), trail(clinic)) == before


def test_every_report_carries_the_stored_clinic_name(clinic: Path) -> None:
    now = datetime.fromisoformat(NOW)
    with Database.open(clinic, create=False, now=now) as database:
        database.create_patient(patient(), pump_record(), user=USER, now=now)
        save(database, programme(daily="400"), now=now)
        admin = database.authenticate("admin", ADMIN_PW, now=now)
        database.change_clinic_settings(
            clinic_name="Clinique du Lac",
            refill_margin_days=7,
            decimal_separator=",",
            reason="",
            by=admin,
            now=now,
        )
        report = report_from_database(database, "MRN-0042", now=now, printed_by="admin")
        assert report.clinic == "Clinique du Lac"
        # The report's figures use the stored separator too.
        assert any(",00 mcg/day" in item.value for item in report.projection)
        asked = report_from_database(
            database, "MRN-0042", now=now, printed_by="admin", clinic="Other"
        )
        assert asked.clinic == "Other"
    units.set_decimal_separator(".")
