"""Adversarial clinical review: `itb-console --db CLINIC check FILE` and the clinic's limits.

Rule (product.md, "Findings": "Limits come from the drug library (data: baclofen hard maximum
2000 mcg/day ...), editable by an administrator, versioned"; "Command line": the subcommands
"use the same engine"; domain.md, "Dose error reduction": hard limits "cannot be saved").
An administrator imports a library lowering the baclofen hard maximum to 1500 mcg/day; the save
path (Database.check_programme, used by `import` and the window) enforces 1500. `check`, given
the same database with --db, checks with the packaged library (ui/commands/programme.py
_evaluate: ``CheckContext.packaged(...)``): a 1700 mcg/day file "can be saved", exit 0, then
`import` of that file is refused by DOSE_ABOVE_HARD_LIMIT. A dose limit enforced with one
number in one path and another in the next. Paths compared: `check` with --db against the
database's own check. Where it should live once: the check context of the database named by
--db (Database.check_context without a patient: active library, catalogue, clinic settings),
the packaged data only when no database is named.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from argon2 import PasswordHasher

import programmer
from db import users
from programmer.finding import Code
from programmer.programme_file import dumps
from tests.db.factories import NOW, open_new, programme
from ui.cli import main

PACKAGED = (Path(programmer.__file__).parent / "data" / "drug_library.toml").read_text("utf-8")


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def test_check_with_db_uses_the_clinics_lower_hard_maximum(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ITB_CONSOLE_STATE_DIR", str(tmp_path / "state"))
    path = tmp_path / "clinic.sqlite"
    database = open_new(path)
    admin = database.first_administrator("admin", "correct horse battery", NOW)
    lower = PACKAGED.replace('version = "2026.11-1"', 'version = "2026.12-1"').replace(
        "hard_max_mcg_per_day = 2000", "hard_max_mcg_per_day = 1500"
    )
    database.import_drug_library(lower, by=admin, now=NOW)
    prog = programme(daily="1700")
    saved_by = {f.code for f in database.check_programme(prog, now=NOW).findings}
    database.close()
    assert Code.DOSE_ABOVE_HARD_LIMIT in saved_by  # what import and the window enforce
    file = tmp_path / "1700.json"
    file.write_text(dumps(prog), "utf-8")
    code = main(["--db", str(path), "--now", "2026-11-22T10:00", "check", str(file), "--json"])
    out = capsys.readouterr().out
    codes = {f["code"] for f in json.loads(out)["findings"]}
    assert "DOSE_ABOVE_HARD_LIMIT" in codes and code == 1, (code, sorted(codes))
