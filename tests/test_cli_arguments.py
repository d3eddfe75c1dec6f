"""Adversary: hostile arguments on the command line.

product.md, "Quality bars": "Bad input gets a clear message where it was typed and changes
nothing; never a traceback"; "Command line": exit 2 for what cannot be done. An undecodable byte
typed in a shell (``itb-console history $'x\\xff' --as dr.lee``) reaches the program as a lone
surrogate (Python's surrogateescape), and a NUL can reach a path in-process (the window, a
script calling ``ui.cli.main``): each must be refused with exit 2 naming the argument, not end
in the "internal error" exit 3 that is kept for bugs.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from db.users import Role
from tests.db.factories import NOW, open_new, patient, programme, pump_record, save
from ui import cli

pytestmark = pytest.mark.usefixtures("clinic_clock")
ADMIN_PW, CLIN_PW = "admin password 1", "clinician pw 12"
UNDECODABLE = "x\udcff"  # what Python makes of the byte 0xFF in argv


@pytest.fixture
def clinic(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "clinic.sqlite"
    with open_new(path) as database:
        admin = database.first_administrator("admin", ADMIN_PW, NOW)
        database.add_user("dr.lee", Role.CLINICIAN, CLIN_PW, by=admin, now=NOW)
        database.create_patient(patient(), pump_record(), user="dr.lee", now=NOW)
        save(database, programme(), user="dr.lee")
    yield path


def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *words: str) -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{CLIN_PW}\n"))
    code = cli.main(list(words))
    err = capsys.readouterr().err
    assert "internal error" not in err, err
    return code


@pytest.mark.parametrize(
    "words",
    [
        ["history", UNDECODABLE, "--as", "dr.lee"],
        ["export", UNDECODABLE, "--as", "dr.lee"],
        ["visits", UNDECODABLE, "--as", "dr.lee"],
        ["verify", "--as", f"dr.lee{UNDECODABLE}"],
        ["verify", "--expect-head", UNDECODABLE, "--as", "dr.lee"],
    ],
    ids=["history-id", "export-id", "visits-id", "as-name", "expect-head"],
)
def test_an_undecodable_byte_in_an_argument_is_refused_with_exit_2(
    clinic: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    words: list[str],
) -> None:
    assert run(monkeypatch, capsys, "--db", str(clinic), *words) == 2


@pytest.mark.parametrize("command", ["report", "backup", "check"])
def test_a_nul_in_a_path_argument_is_refused_with_exit_2(
    clinic: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
) -> None:
    bad = str(clinic.parent / "out\x00.pdf")
    words = {
        "report": ["report", "MRN-0042", "--out", bad, "--as", "dr.lee"],
        "backup": ["backup", bad, "--as", "dr.lee"],
        "check": ["check", bad],
    }[command]
    assert run(monkeypatch, capsys, "--db", str(clinic), *words) == 2


def test_the_refusal_names_the_argument_and_never_repeats_its_value(
    clinic: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{CLIN_PW}\n"))
    assert cli.main(["--db", str(clinic), "verify", "--as", f"secret{UNDECODABLE}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("itb-console: --as holds a byte that is not text")
    assert "0xFF" in err and "secret" not in err
    assert len(err.strip().splitlines()) == 1


def test_a_nul_in_the_database_path_is_refused_with_exit_2_before_anything_is_opened(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--db", str(tmp_path / "clinic\x00.sqlite"), "visits", "MRN-0042"]) == 2
    assert "--db holds a NUL character" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_unicode_argument_that_is_valid_text_is_still_accepted(
    clinic: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only undecodable bytes and NUL are refused: a name typed with accents reaches the command
    (which answers that there is no such patient, exit 2, not a refusal of the argument)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{CLIN_PW}\n"))
    assert cli.main(["--db", str(clinic), "history", "Zoë", "--as", "dr.lee"]) == 2
    err = capsys.readouterr().err
    assert "Zoë" in err and "not text" not in err and "internal error" not in err
