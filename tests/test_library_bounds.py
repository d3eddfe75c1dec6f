"""An administrator's drug library is checked against plausible bounds kept as data
(programmer/data/drug_library_bounds.toml; issue 10): a 3x trap factor of 1e9, a stability of
99,999,999,999 days or the screening concentration as a pump fill are refused with the reason,
on the command line and through the database, and nothing changes."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher

import programmer
from db import users
from db.database import Database, LibraryImportError
from programmer.drug_library import default_drug_library
from programmer.library_bounds import default_library_bounds, library_problems
from tests.db.factories import NOW, later, open_new, programme, save
from ui import cli

ADMIN_PW = "correct horse battery"
PACKAGED = (Path(programmer.__file__).parent / "data" / "drug_library.toml").read_text("utf-8")
pytestmark = pytest.mark.usefixtures("clinic_clock")


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def _library(old: str, new: str) -> str:
    assert old in PACKAGED
    return PACKAGED.replace('version = "2026.11-1"', 'version = "2026.12-9"').replace(old, new)


ATTACKS = [
    (
        "extreme_factor = 3",
        "extreme_factor = 1e9",
        "extreme change factor 1000000000x is outside the plausible 1.5x to 10x",
    ),
    ("stability_days = 180", "stability_days = 99999999999", "stability 99999999999 days"),
    (
        "concentrations_mcg_per_ml = [500, 1000, 2000]",
        "concentrations_mcg_per_ml = [50, 500, 1000, 2000]",
        "50 mcg/mL is a screening concentration",
    ),
    (
        "screening_concentrations_mcg_per_ml = [50]",
        "screening_concentrations_mcg_per_ml = []",
        None,  # dropping the screening list alone is fine...
    ),
    ("hard_max_mcg_per_day = 2000", "hard_max_mcg_per_day = 200000", "hard maximum 200000"),
    ("bolus_max_mcg = 100", "bolus_max_mcg = 5000", "bolus maximum 5000 mcg"),
]


def test_the_packaged_library_is_inside_the_bounds() -> None:
    assert library_problems(default_drug_library()) == []
    assert default_library_bounds().for_drug("baclofen").never_pump_fill == (50,)


@pytest.mark.parametrize(("old", "new", "reason"), [a for a in ATTACKS if a[2]])
def test_an_implausible_library_is_refused_with_the_reason(
    tmp_path: Path, old: str, new: str, reason: str
) -> None:
    with open_new(tmp_path / "c.sqlite") as database:
        admin = database.first_administrator("admin", ADMIN_PW, NOW)
        save(database, programme())
        before = database.audit_entries()
        with pytest.raises(LibraryImportError, match=r"outside the plausible|screening") as caught:
            database.import_drug_library(_library(old, new), by=admin, now=later(1))
        assert reason in str(caught.value) and "not changed" in str(caught.value)
        assert database.library_versions() == [] and database.audit_entries() == before
        save(database, programme(daily="440"), base=1, now=later(2))  # later saves still work


def test_the_screening_concentration_is_never_a_pump_fill_even_when_unlisted() -> None:
    from programmer.drug_library import drug_library_from_text

    text = _library(
        "concentrations_mcg_per_ml = [500, 1000, 2000]", "concentrations_mcg_per_ml = [50, 500]"
    ).replace(
        "screening_concentrations_mcg_per_ml = [50]", "screening_concentrations_mcg_per_ml = []"
    )
    problems = library_problems(drug_library_from_text(text))
    assert any("50 mcg/mL is a screening concentration" in p for p in problems)
    harmless = _library(*ATTACKS[3][:2])
    assert library_problems(drug_library_from_text(harmless)) == []


def test_library_import_on_the_command_line_names_the_bound(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "c.sqlite"
    with open_new(db) as database:
        database.first_administrator("admin", ADMIN_PW, NOW)
    file = tmp_path / "lib.toml"
    file.write_text(_library("extreme_factor = 3", "extreme_factor = 1e9"), "utf-8")
    monkeypatch.setattr(sys, "stdin", io.StringIO(ADMIN_PW + "\n"))
    assert cli.main(["--db", str(db), "library", "import", str(file), "--as", "admin"]) == 2
    err = capsys.readouterr().err
    assert "outside the plausible 1.5x to 10x" in err and err.count("\n") == 1
    with Database.open(db, create=False) as database:
        assert database.library_versions() == []
