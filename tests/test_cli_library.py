"""``itb-console --db PATH library show [--json]`` and ``library import FILE --as ADMIN``: the
active drug library with a unit on every figure; a new version imported by an administrator who
logs in as for ``user add --as`` (password from stdin or a prompt); errors one line, exit 2,
nothing changed."""

from __future__ import annotations

import io
import json
import re
import sys
from datetime import datetime
from pathlib import Path

import pytest

import programmer
from db.database import Database
from db.users import Role
from ui import cli

NOW = "2026-11-22T10:00"
# Writes record the computer's clock (fixed here), never --now on a clinical database.
pytestmark = pytest.mark.usefixtures("clinic_clock")
ADMIN_PW = "correct horse battery"
CLIN_PW = "staple clinic 2026"
PACKAGED = (Path(programmer.__file__).parent / "data" / "drug_library.toml").read_text("utf-8")


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    db = tmp_path / "clinic.sqlite"
    now = datetime.fromisoformat(NOW)
    with Database.open(db, now=now) as database:
        admin = database.first_administrator("admin", ADMIN_PW, now)
        database.add_user("dr.lee", Role.CLINICIAN, CLIN_PW, by=admin, now=now)
    return db


def run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    db: Path,
    *words: str,
    stdin: str = "",
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(["--db", str(db), "library", *words])
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, text: str, name: str = "new.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def stricter() -> str:
    return PACKAGED.replace('version = "2026.11-1"', 'version = "2026.12-1"').replace(
        "hard_max_mcg_per_day = 2000", "hard_max_mcg_per_day = 1500"
    )


def trail(db: Path) -> list[tuple[str, str]]:
    with Database.open(db, create=False) as database:
        return [(e.action, e.user) for e in database.audit_entries()]


def test_library_show_gives_every_limit_with_its_unit(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(capsys, monkeypatch, clinic, "show")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert "drug library version 2026.11-1" in lines[0] and "packaged" in lines[0]
    assert "500 mcg/mL, 1000 mcg/mL, 2000 mcg/mL" in out
    assert re.search(r"hard maximum +2000 mcg/day", out)
    assert re.search(r"bolus maximum +100 mcg$", out, re.MULTILINE)
    assert re.search(r"usual range, spinal: +300 to 800 mcg/day", out)
    assert re.search(r"stability +180 days", out)
    for line in lines[1:]:
        # Every figure is followed by its unit (or joins one that has it: "300 to 800 mcg/day");
        # "under 1/3" is a ratio.
        line = line.replace("1/3", "")
        for figure in re.finditer(r"(?<![\w./])\d+(?:\.\d+)?(?![\w.])", line):
            rest = line[figure.end() :]
            assert re.match(r" ?(mcg/mL|mcg/day|mcg|%|x|days|to )", rest), (figure, line)


def test_library_show_json(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(capsys, monkeypatch, clinic, "show", "--json")
    assert code == 0
    data = json.loads(out)
    assert (data["version"], data["source"], data["versions"]) == ("2026.11-1", "packaged", [])
    [baclofen] = data["drugs"]
    assert baclofen["hard_max_mcg_per_day"] == 2000
    assert baclofen["concentrations_mcg_per_ml"] == [500, 1000, 2000]
    assert baclofen["usual_range_mcg_per_day"]["cerebral"] == [90, 703]


def test_library_import_by_an_administrator_makes_it_active_and_audited(
    clinic: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = write(tmp_path, stricter())
    code, out, err = run(
        capsys, monkeypatch, clinic, "import", str(path), "--as", "admin", stdin=ADMIN_PW + "\n"
    )
    assert (code, err) == (0, ""), err
    assert "version 2026.12-1 is now active (was 2026.11-1; by admin)" in out
    assert "baclofen: hard maximum 2000 mcg/day -> 1500 mcg/day" in out
    assert trail(clinic)[-2:] == [("login", "admin"), ("library.changed", "admin")]
    code, out, _ = run(capsys, monkeypatch, clinic, "show", "--json")
    data = json.loads(out)
    assert (data["version"], data["source"], data["imported_by"]) == (
        "2026.12-1",
        "imported",
        "admin",
    )
    assert data["drugs"][0]["hard_max_mcg_per_day"] == 1500
    monkeypatch.setattr(sys, "stdin", io.StringIO(ADMIN_PW + "\n"))
    assert cli.main(["--db", str(clinic), "verify", "--as", "admin"]) == 0


def test_library_import_by_a_clinician_is_refused(
    clinic: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = write(tmp_path, stricter())
    code, out, err = run(
        capsys, monkeypatch, clinic, "import", str(path), "--as", "dr.lee", stdin=CLIN_PW + "\n"
    )
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Only an administrator can manage the drug library" in err
    with Database.open(clinic, create=False) as database:
        assert database.library.version == "2026.11-1"
        assert database.library_versions() == []


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("format = ", "is not valid TOML"),
        (stricter().replace("bolus_max_mcg", "bolus_max_mg"), "missing 'bolus_max_mcg'"),
        (stricter().replace('name = "baclofen"', 'name = "baclofen-x"'), "leaves out baclofen"),
    ],
    ids=["not-toml", "misspelt-limit", "drug-dropped"],
)
def test_an_invalid_library_file_is_refused_in_one_line_and_changes_nothing(
    clinic: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    named: str,
) -> None:
    before = trail(clinic)
    path = write(tmp_path, text)
    code, out, err = run(
        capsys, monkeypatch, clinic, "import", str(path), "--as", "admin", stdin=ADMIN_PW + "\n"
    )
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and named in err and "not changed" in err
    after = trail(clinic)
    # A file that is not a library is refused before anyone logs in: not even a login entry.
    # One that is a library but cannot follow the active one is refused after the login.
    assert after in (before, [*before, ("login", "admin")])
    with Database.open(clinic, create=False) as database:
        assert database.library_versions() == []


def test_a_missing_file_or_password_is_one_line(
    clinic: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, _, err = run(
        capsys, monkeypatch, clinic, "import", str(tmp_path / "none.toml"), "--as", "admin"
    )
    assert code == 2 and err.count("\n") == 1 and "none.toml: no such file" in err
    path = write(tmp_path, stricter())
    code, _, err = run(capsys, monkeypatch, clinic, "import", str(path), "--as", "admin")
    assert code == 2 and err.count("\n") == 1 and "no password of admin" in err
    code, _, err = run(capsys, monkeypatch, clinic, "import", str(path))
    assert code == 2 and "--as" in err
