"""Names that cannot pass for another (issue 10, "Who did what, and when"): user and patient
names refuse control, format and bidirectional characters, and no account takes a name the
console records as its own, on every path (the database API, an import, the command line)."""

from __future__ import annotations

import io
import sys
import unicodedata
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from hypothesis import given
from hypothesis import strategies as st

from db import names, users
from db.database import Database, InvalidRecordError
from db.seed.training import SET_UP_BY
from programmer.programme_file import dumps
from tests.db.factories import NOW, open_new, patient, programme, pump, pump_record, save
from ui import cli

ADMIN_PW = "correct horse battery"
SPOOFS = [
    "Jane \u202eeoD",  # right-to-left override: shows as "Jane Doe"
    "Jane\u200bDoe",  # zero-width space
    "Jane Doe\u2066",  # left-to-right isolate
    "Jane\u061cDoe",  # Arabic letter mark
    "Jane\u200dDoe",  # a joiner between Latin letters hides a difference
    "Jane\u2028Doe",  # line separator
    "Jane\U000e0041Doe",  # a tag character
    "Jane\ue000Doe",  # private use
    "Jane\x85Doe",  # a C1 control
]


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.mark.parametrize("name", SPOOFS)
def test_a_patient_name_that_passes_for_another_is_refused_on_import_and_create(
    tmp_path: Path, name: str
) -> None:
    with open_new(tmp_path / "c.sqlite") as database:
        with pytest.raises(InvalidRecordError, match=r"patient\.name: contains U\+"):
            save(database, programme(who=patient(name=name)))
        with pytest.raises(InvalidRecordError, match="invisible or direction-changing"):
            database.create_patient(
                patient("MRN-2", name=name), pump_record(), user="dr.test", now=NOW
            )
        assert database.search_patients("Jane") == []


@pytest.mark.parametrize("name", SPOOFS)
def test_a_user_name_that_passes_for_another_is_refused(tmp_path: Path, name: str) -> None:
    with open_new(tmp_path / "c.sqlite") as database:
        admin = database.first_administrator("admin", ADMIN_PW, NOW)
        with pytest.raises(InvalidRecordError, match="name"):
            database.add_user(name, "clinician", "a fine password", by=admin, now=NOW)
        with pytest.raises(InvalidRecordError, match="name"):
            Database.open(tmp_path / "new.sqlite").first_administrator(name, ADMIN_PW, NOW)


@pytest.mark.parametrize(
    "name", ["itb-console", "ITB-Console", "(unknown)", SET_UP_BY, "root (no accounts)"]
)
def test_the_consoles_own_actor_names_are_reserved(tmp_path: Path, name: str) -> None:
    with open_new(tmp_path / "c.sqlite") as database:
        with pytest.raises(InvalidRecordError, match=r"reserved|parentheses"):
            database.first_administrator(name, ADMIN_PW, NOW)
        assert not database.has_users()


def test_real_names_in_any_script_are_kept(tmp_path: Path) -> None:
    kept = ["Zoë Lefèvre", "Jürgen Müller", "O'Brien-Ní Bhriain", "مهر\u200cناز رضایی", "李小龍"]
    with open_new(tmp_path / "c.sqlite") as database:
        for i, name in enumerate(kept):
            save(database, programme(who=patient(f"MRN-{i}", name=name), device=pump(f"S{i}")))
            assert database.patient(f"MRN-{i}").patient.name == name


@given(
    st.text(min_size=1, max_size=10),
    st.characters(
        categories=["Cc", "Cf", "Co", "Zl", "Zp"],
        # the joiners, allowed between two letters of a script that needs them, have their test
        exclude_characters="\u200c\u200d",
    ),
    st.text(max_size=10),
)
def test_any_hidden_character_anywhere_is_found(before: str, hidden: str, after: str) -> None:
    text = "A" + before + hidden + after
    assert names.hidden_character(text) is not None
    if unicodedata.category(hidden) in ("Cc", "Co", "Zl", "Zp") or hidden not in "\u200c\u200d":
        with pytest.raises(InvalidRecordError):
            names.refuse_hidden_characters(text, "name")


def test_cli_import_of_a_spoofed_name_stores_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    prog = tmp_path / "spoof.json"
    prog.write_text(dumps(programme(who=patient(name="Jane \u202eeoD"))), "utf-8")
    db = tmp_path / "c.sqlite"
    assert cli.main(["--db", str(db), "import", str(prog)]) == 2
    err = capsys.readouterr().err
    assert "RIGHT-TO-LEFT OVERRIDE" in err and err.count("\n") == 1
    with Database.open(db, create=False) as database:
        assert database.search_patients("Jane") == []


def test_cli_user_add_of_a_spoofed_or_reserved_name_adds_nobody(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "c.sqlite"
    for name in ("adm\u202enim", "itb-console"):
        monkeypatch.setattr(sys, "stdin", io.StringIO(ADMIN_PW + "\n"))
        code = cli.main(["--db", str(db), "user", "add", name, "--role", "administrator"])
        assert code == 2
    assert capsys.readouterr().out == ""
    assert not db.exists()  # refused before the database was even created
