"""``itb-console --db PATH user add NAME --role ROLE`` and ``user list`` (issue 6): the password
from standard input or a hidden prompt, never from an argument; the first account an
administrator; later ones added by an administrator who logs in; errors one line, exit 2."""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from db import account_errors
from db.database import Database
from ui import cli
from ui.commands import users as user_commands

NOW = "2026-11-22T10:00"
# Writes record the computer's clock (fixed here), never --now on a clinical database.
pytestmark = pytest.mark.usefixtures("clinic_clock")
ADMIN_PW = "correct horse battery"
CLIN_PW = "staple clinic 2026"


@pytest.fixture(autouse=True)
def user_command_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run through the real ``cli.main``; until ui/cli.py registers ``user`` itself, add it to
    the parser here."""
    original = cli.build_parser

    def build() -> argparse.ArgumentParser:
        parser = original()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction) and "user" not in action.choices:
                user_commands.register(action)
        return parser

    monkeypatch.setattr(cli, "build_parser", build)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    db: Path,
    *words: str,
    stdin: str = "",
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(["--db", str(db), "user", *words])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def clinic(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Path:
    db = tmp_path / "clinic.sqlite"
    code, out, err = run(
        capsys, monkeypatch, db, "add", "admin", "--role", "administrator", stdin=ADMIN_PW + "\n"
    )
    assert (code, err) == (0, ""), err
    assert "Added administrator admin" in out
    return db


def _trail(db: Path) -> list[tuple[str, str]]:
    with Database.open(db, create=False) as database:
        return [(e.action, e.user) for e in database.audit_entries()]


def test_first_account_added_from_stdin_is_the_administrator(clinic: Path) -> None:
    assert _trail(clinic)[-1] == ("user.added", "admin")
    with Database.open(clinic, create=False) as database:
        when = datetime.fromisoformat(NOW)
        assert database.authenticate("admin", ADMIN_PW, now=when).is_administrator


def test_first_account_must_be_an_administrator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "new.sqlite"
    code, out, err = run(
        capsys, monkeypatch, db, "add", "dr.lee", "--role", "clinician", stdin=CLIN_PW + "\n"
    )
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "must be an administrator" in err


def test_later_accounts_are_added_by_an_administrator_logging_in(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(
        capsys,
        monkeypatch,
        clinic,
        "add",
        "dr.lee",
        "--role",
        "clinician",
        "--as",
        "admin",
        stdin=f"{CLIN_PW}\n{ADMIN_PW}\n",
    )
    assert (code, err) == (0, "")
    assert out.strip().endswith("(by admin)")
    assert CLIN_PW not in out and ADMIN_PW not in out
    assert _trail(clinic)[-2:] == [("login", "admin"), ("user.added", "admin")]
    with Database.open(clinic, create=False) as database:
        login = database.audit_entries()[-2]
        assert login.details["for"] == "command line"
        assert database.authenticate("dr.lee", CLIN_PW, now=datetime.fromisoformat(NOW))


def test_later_accounts_need_an_administrator(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(
        capsys, monkeypatch, clinic, "add", "dr.lee", "--role", "clinician", stdin=CLIN_PW + "\n"
    )
    assert code == 2 and "--as ADMIN" in err and err.count("\n") == 1


def test_wrong_administrator_password_adds_nobody_and_counts_as_a_failed_login(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(
        capsys,
        monkeypatch,
        clinic,
        "add",
        "dr.lee",
        "--role",
        "clinician",
        "--as",
        "admin",
        stdin=f"{CLIN_PW}\nnot the admin password\n",
    )
    assert code == 2 and out == ""
    assert err == f"itb-console: {account_errors.LOGIN_FAILED}\n"
    assert _trail(clinic)[-1] == ("login.failed", "admin")
    with Database.open(clinic, create=False) as database:
        assert [u.name for u in database.list_users()] == ["admin"]


def test_only_administrators_add_users_from_the_command_line(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    add = ("add", "dr.lee", "--role", "clinician", "--as", "admin")
    assert run(capsys, monkeypatch, clinic, *add, stdin=f"{CLIN_PW}\n{ADMIN_PW}\n")[0] == 0
    code, _, err = run(
        capsys,
        monkeypatch,
        clinic,
        *("add", "dr.new", "--role", "administrator", "--as", "dr.lee"),
        stdin=f"another password\n{CLIN_PW}\n",
    )
    assert code == 2 and "Only an administrator" in err


def test_password_argument_is_refused_and_never_echoed(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for words in (
        ("--password", "s3cret-password!"),
        ("--password=s3cret-password!",),
        ("--password",),
    ):
        code, out, err = run(
            capsys,
            monkeypatch,
            clinic,
            *("add", "dr.lee", "--role", "clinician", "--as", "admin", *words),
            stdin=f"{CLIN_PW}\n{ADMIN_PW}\n",
        )
        assert code == 2 and out == ""
        assert "never given as arguments" in err and err.count("\n") == 1
        assert "s3cret" not in err
    with Database.open(clinic, create=False) as database:
        assert [u.name for u in database.list_users()] == ["admin"]


def test_password_typed_twice_at_a_terminal(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    answers: Iterator[str] = iter([CLIN_PW, CLIN_PW, ADMIN_PW])
    prompts: list[str] = []

    def fake_getpass(prompt: str = "Password: ", stream: object = None) -> str:
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    monkeypatch.setattr(sys, "stdin", Terminal())
    words = ["add", "dr.lee", "--role", "clinician", "--as", "admin"]
    code = cli.main(["--db", str(clinic), "user", *words])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert prompts == [
        "New password for dr.lee: ",
        "Type the same password again: ",
        "Password of admin: ",
    ]
    for secret in (CLIN_PW, ADMIN_PW):
        assert secret not in out


def test_two_different_passwords_at_the_terminal_are_refused(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter([CLIN_PW, CLIN_PW + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="", stream=None: next(answers))
    monkeypatch.setattr(sys, "stdin", Terminal())
    code = cli.main(
        ["--db", str(clinic), "user", "add", "dr.lee", "--role", "clinician", "--as", "admin"]
    )
    _, err = capsys.readouterr()
    assert code == 2 and "differ" in err


@pytest.mark.parametrize(
    ("stdin", "message"),
    [("", "no password for dr.lee on line 1"), (f"{CLIN_PW}\n", "no password of admin on line 2")],
)
def test_missing_password_lines_are_refused(
    clinic: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    stdin: str,
    message: str,
) -> None:
    code, _, err = run(
        capsys,
        monkeypatch,
        clinic,
        *("add", "dr.lee", "--role", "clinician", "--as", "admin"),
        stdin=stdin,
    )
    assert code == 2 and message in err and err.count("\n") == 1


def test_password_rules_and_names_refused_in_one_line(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(
        capsys,
        monkeypatch,
        clinic,
        *("add", "dr.lee", "--role", "clinician", "--as", "admin"),
        stdin=f"short\n{ADMIN_PW}\n",
    )
    assert code == 2 and "password: must be at least 10" in err and "short" not in err
    code, _, err = run(
        capsys, monkeypatch, clinic, "add", "x" * 41, "--role", "clinician", stdin="whatever\n"
    )
    assert code == 2 and "longer than 40" in err


def test_trainer_accounts_are_refused_in_the_clinical_database(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(
        capsys,
        monkeypatch,
        clinic,
        *("add", "kim", "--role", "trainer", "--as", "admin"),
        stdin=f"trainer password\n{ADMIN_PW}\n",
    )
    assert code == 2 and "training database" in err


def test_user_list_shows_name_role_active_and_lock(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    add = ("add", "dr.lee", "--role", "clinician", "--as", "admin")
    assert run(capsys, monkeypatch, clinic, *add, stdin=f"{CLIN_PW}\n{ADMIN_PW}\n")[0] == 0
    with Database.open(clinic, create=False) as database:
        when = datetime.fromisoformat(NOW)
        for _ in range(account_errors.MAX_FAILED_LOGINS):
            with pytest.raises(account_errors.AuthenticationError):
                database.authenticate("dr.lee", "wrong password!", now=when)
    code, out, err = run(capsys, monkeypatch, clinic, "list", "--as", "admin", stdin=ADMIN_PW)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert "(clinical): 2 account(s)" in lines[0]
    assert lines[1].split() == ["Name", "Role", "Active", "Locked", "until"]
    assert lines[2].split() == ["admin", "administrator", "yes", "-"]
    assert lines[3].split() == ["dr.lee", "clinician", "yes", "2026-11-22T10:15"]
    code, out, _ = run(
        capsys, monkeypatch, clinic, "list", "--json", "--as", "admin", stdin=ADMIN_PW
    )
    assert json.loads(out)[1] == {
        "name": "dr.lee",
        "role": "clinician",
        "active": True,
        "locked_until": "2026-11-22T10:15",
    }


def test_user_list_of_a_missing_database_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(capsys, monkeypatch, tmp_path / "absent.sqlite", "list")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert not (tmp_path / "absent.sqlite").exists()


def test_user_list_of_a_database_without_accounts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "c.sqlite"
    Database.open(db, create=True).close()
    code, out, _ = run(capsys, monkeypatch, db, "list")
    assert code == 0 and "no user accounts yet" in out and "--role administrator" in out


def test_user_commands_load_without_qt() -> None:
    """``itb-console user ...`` is a headless tool like ``check``: no Qt behind it."""
    import subprocess

    from tests.test_layering import BLOCKER, ROOT

    result = subprocess.run(
        [sys.executable, "-c", BLOCKER, "ui.commands.users", "db.users", "db.kind"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
