"""Accounts on the command line (product.md; issue 10, "Who did what, and when"): on a database
with accounts every command that reads or writes patient data takes ``--as NAME`` and that
account's password; without it exit 2 and nothing read or written. What is recorded is the
authenticated account and the computer's clock, never $LOGNAME nor --now."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from db import account_errors, users
from db.database import Database
from db.users import Role
from programmer.programme_file import dumps
from tests.db.factories import NOW, open_new, patient, programme, pump, save
from ui import cli

ADMIN_PW = "correct horse battery"
CLIN_PW = "staple clinic 2026"
pytestmark = pytest.mark.usefixtures("clinic_clock")


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def clinic(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "clinic.sqlite"
    with open_new(path) as database:
        admin = database.first_administrator("admin", ADMIN_PW, NOW)
        database.add_user("dr.lee", Role.CLINICIAN, CLIN_PW, by=admin, now=NOW)
        save(database, programme(), user="dr.lee")
    yield path


def run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *words: str,
    stdin: str = "",
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(list(words))
    out, err = capsys.readouterr()
    return code, out, err


def trail(path: Path) -> list[tuple[str, str, datetime]]:
    with Database.open(path, create=False) as database:
        return [(e.action, e.user, e.at) for e in database.audit_entries()]


def _commands(tmp_path: Path) -> dict[str, list[str]]:
    prog = tmp_path / "prog.json"
    prog.write_text(dumps(programme(daily="440")), "utf-8")
    library = tmp_path / "lib.toml"
    packaged = Path(cli.__file__).parents[1] / "programmer" / "data" / "drug_library.toml"
    library.write_text(packaged.read_text("utf-8").replace('"2026.11-1"', '"2026.12-7"'), "utf-8")
    return {
        "import": ["import", str(prog), "--base", "1", "--reason", "titration"],
        "export": ["export", "MRN-0042"],
        "export --out": ["export", "MRN-0042", "--out", str(tmp_path / "out.json")],
        "history": ["history", "MRN-0042"],
        "report": ["report", "MRN-0042", "--out", str(tmp_path / "r.pdf")],
        "verify": ["verify"],
        "backup": ["backup", str(tmp_path / "copy.sqlite")],
        "restore": ["restore", str(tmp_path / "copy.sqlite"), "--force"],
        "user list": ["user", "list"],
        "user add": ["user", "add", "dr.new", "--role", "clinician"],
        "library import": ["library", "import", str(library)],
        "worklist": ["worklist", "--json"],
        "worklist --csv": ["worklist", "--csv", str(tmp_path / "w.csv")],
        "visits": ["visits", "MRN-0042"],
        "export-fhir": ["export-fhir", "MRN-0042", "--out", str(tmp_path / "f.json")],
        "audit-key export": ["audit-key", "export", str(tmp_path / "k.key")],
        "audit-key import": ["audit-key", "import", str(tmp_path / "k.key")],
        "report --visit": ["report", "MRN-0042", "--visit", "1", "--out", str(tmp_path / "v.pdf")],
        "settings set": ["settings", "set", "--refill-margin-days", "10"],
    }


# Commands on files only, or on the drug limits alone: no account needed (product.md).
NO_ACCOUNT = {"check", "project", "library show", "settings show"}


def _subcommands() -> set[str]:
    """Every command the parser knows, nested ones as "library import"."""
    import argparse

    found: set[str] = set()

    def walk(parser: argparse.ArgumentParser, prefix: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    full = f"{prefix} {name}".strip()
                    if any(isinstance(a, argparse._SubParsersAction) for a in child._actions):
                        walk(child, full)
                    else:
                        found.add(full)

    walk(cli.build_parser(), "")
    return found


def test_every_command_but_the_file_ones_is_in_the_account_test(tmp_path: Path) -> None:
    """A command added later is held to --as too: it must be listed here (or be a file one)."""
    listed = {name.split(" --")[0] for name in _commands(tmp_path)}
    assert _subcommands() - NO_ACCOUNT <= listed


@pytest.mark.parametrize(
    "command",
    [
        "import",
        "export",
        "export --out",
        "history",
        "report",
        "verify",
        "backup",
        "restore",
        "user list",
        "user add",
        "library import",
        "worklist",
        "worklist --csv",
        "visits",
        "report --visit",
        "export-fhir",
        "audit-key export",
        "settings set",
    ],
)
def test_every_patient_data_command_without_as_reads_and_writes_nothing(
    clinic: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    words = _commands(tmp_path)[command]
    if command == "restore":
        with Database.open(clinic, create=False) as database:
            database.backup(tmp_path / "copy.sqlite")
    before = clinic.read_bytes(), trail(clinic)
    files = set(tmp_path.iterdir())
    code, out, err = run(
        capsys, monkeypatch, "--db", str(clinic), *words, stdin=f"{CLIN_PW}\n{ADMIN_PW}\n"
    )
    assert code == 2, (out, err)
    assert out == "" and err.count("\n") == 1 and "--as" in err
    assert "Jane" not in err
    assert trail(clinic) == before[1]
    assert set(tmp_path.iterdir()) == files  # no output, no kept copy, no temporary file


def test_import_records_the_authenticated_account_never_the_login_name(
    clinic: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOGNAME", "dr.lee")
    monkeypatch.setenv("USER", "dr.lee")
    words = _commands(tmp_path)["import"]
    code, out, err = run(
        capsys, monkeypatch, "--db", str(clinic), *words, "--as", "admin", stdin=ADMIN_PW + "\n"
    )
    assert (code, err) == (0, ""), err
    assert "stored as version 2" in out
    with Database.open(clinic, create=False) as database:
        assert database.latest_version("MRN-0042").saved_by == "admin"  # type: ignore[union-attr]
    assert trail(clinic)[-2:] == [("login", "admin", NOW), ("programme.saved", "admin", NOW)]


def test_import_as_an_account_with_a_wrong_password_stores_nothing(
    clinic: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    words = _commands(tmp_path)["import"]
    code, _, err = run(
        capsys, monkeypatch, "--db", str(clinic), *words, "--as", "dr.lee", stdin="guess guess x\n"
    )
    assert code == 2 and "not right" in err
    with Database.open(clinic, create=False) as database:
        assert len(database.versions("MRN-0042")) == 1
    assert trail(clinic)[-1][:2] == ("login.failed", "dr.lee")


@pytest.mark.parametrize("command", ["export", "history", "verify", "user list"])
def test_read_commands_run_as_an_account(
    clinic: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    words = _commands(tmp_path)[command]
    code, out, err = run(
        capsys, monkeypatch, "--db", str(clinic), *words, "--as", "admin", stdin=ADMIN_PW + "\n"
    )
    assert code == 0, err
    assert out
    assert trail(clinic)[-1][:2] == ("login", "admin")


def test_as_on_a_database_without_accounts_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "plain.sqlite"
    with open_new(path) as database:
        save(database, programme())
    code, out, err = run(
        capsys, monkeypatch, "--db", str(path), "history", "MRN-0042", "--as", "admin"
    )
    assert code == 2 and out == "" and "no user accounts" in err


def test_without_accounts_the_login_name_is_marked_as_not_authenticated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGNAME", "dr.lee")
    monkeypatch.setenv("USER", "dr.lee")
    prog = tmp_path / "prog.json"
    prog.write_text(dumps(programme()), "utf-8")
    db = tmp_path / "plain.sqlite"
    assert run(capsys, monkeypatch, "--db", str(db), "import", str(prog))[0] == 0
    with Database.open(db, create=False) as database:
        assert database.latest_version("MRN-0042").saved_by == "dr.lee (no accounts)"  # type: ignore[union-attr]


# ---------------------------------------------------------------- --now never changes a record


@pytest.mark.parametrize(
    "words",
    [
        ["import", "PROG", "--base", "1", "--reason", "r"],
        ["user", "add", "dr.new", "--role", "clinician"],
        ["library", "import", "LIB"],
        ["restore", "COPY", "--force"],
    ],
)
def test_now_cannot_backdate_a_record_on_a_clinical_database(
    clinic: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    words: list[str],
) -> None:
    prog = tmp_path / "prog.json"
    prog.write_text(dumps(programme(daily="440")), "utf-8")
    lib = tmp_path / "lib.toml"
    lib.write_text(
        (Path(cli.__file__).parents[1] / "programmer/data/drug_library.toml").read_text()
    )
    with Database.open(clinic, create=False) as database:
        database.backup(tmp_path / "copy.sqlite")
    real = {"PROG": str(prog), "LIB": str(lib), "COPY": str(tmp_path / "copy.sqlite")}
    words = [real.get(w, w) for w in words]
    before = trail(clinic)
    code, out, err = run(
        capsys,
        monkeypatch,
        "--db",
        str(clinic),
        "--now",
        "2020-01-01T08:00",
        *words,
        "--as",
        "admin",
        stdin=f"{CLIN_PW}\n{ADMIN_PW}\n",
    )
    assert code == 2 and "--now" in err and out == ""
    assert trail(clinic) == before


def test_now_does_not_move_the_lock_out_clock(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five wrong passwords lock the account for 15 minutes of the computer's clock; a --now
    far "later" neither unlocks it nor lets the guessing go on, and a --now in the year 9999
    cannot lock the only administrator until then."""
    for _ in range(account_errors.MAX_FAILED_LOGINS):
        run(
            capsys,
            monkeypatch,
            "--db",
            str(clinic),
            "verify",
            "--as",
            "dr.lee",
            stdin="no no no!\n",
        )
    with Database.open(clinic, create=False) as database:
        assert database.account("dr.lee").locked_until == datetime(2026, 11, 22, 10, 15)
    code, _, err = run(
        capsys,
        monkeypatch,
        "--db",
        str(clinic),
        "--now",
        "2026-11-22T10:16",
        "history",
        "MRN-0042",
        "--as",
        "dr.lee",
        stdin=CLIN_PW + "\n",
    )
    assert code == 2 and "locked" in err
    for _ in range(account_errors.MAX_FAILED_LOGINS):
        run(
            capsys,
            monkeypatch,
            "--db",
            str(clinic),
            "--now",
            "9999-12-31T23:00",
            "verify",
            "--as",
            "admin",
            stdin="no no no!\n",
        )
    with Database.open(clinic, create=False) as database:
        locked = database.account("admin").locked_until
        assert locked == datetime(2026, 11, 22, 10, 15)
        assert all(e.at == NOW for e in database.audit_entries()[-12:])


def test_now_on_a_training_database_is_the_simulated_clock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    prog = tmp_path / "prog.json"
    prog.write_text(dumps(programme(who=patient("MRN-T1"), device=pump(serial="NGP-T1"))), "utf-8")
    db = tmp_path / "training.sqlite"
    from db.seed.training import open_training

    open_training(db, now=NOW).close()
    code, _, err = run(
        capsys,
        monkeypatch,
        "--training",
        "--db",
        str(db),
        "--now",
        "2026-11-22T11:30",
        "import",
        str(prog),
    )
    assert code == 0, err
    with Database.open(db, create=False) as database:
        version = database.latest_version("MRN-T1")
        assert version is not None and version.saved_at == datetime(2026, 11, 22, 11, 30)


# ---------------------------------------------------------------- no internal errors


@pytest.mark.parametrize(
    "words, said",
    [
        (["--now", "2026-11-22T10:00+02:00", "check", "PROG"], "time zone"),
        (["--now", "2026-11-22T10:00Z", "history", "MRN-0042"], "time zone"),
        (["export", "MRN-0042", "--version", "9" * 30], "not a version number"),
        (["export", "MRN-0042", "--version", "9" * 5000], "not a version number"),
    ],
)
def test_odd_arguments_are_a_clear_exit_2_not_an_internal_error(
    clinic: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    words: list[str],
    said: str,
) -> None:
    prog = tmp_path / "prog.json"
    prog.write_text(dumps(programme()), "utf-8")
    words = [str(prog) if w == "PROG" else w for w in words]
    code, _, err = run(
        capsys, monkeypatch, "--db", str(clinic), *words, "--as", "admin", stdin=ADMIN_PW + "\n"
    )
    assert code == 2 and said in err and "internal error" not in err
    assert len(err) < 400


def test_a_password_that_is_not_utf8_is_a_clear_exit_2(clinic: Path, tmp_path: Path) -> None:
    result = _subprocess(
        ["--db", str(clinic), "history", "MRN-0042", "--as", "admin"], stdin=b"\xff\xfe bad\n"
    )
    assert result.returncode == 2, result.stderr
    assert b"not valid text" in result.stderr and b"internal error" not in result.stderr


def test_an_ascii_only_terminal_gets_escapes_not_an_internal_error(
    clinic: Path, tmp_path: Path
) -> None:
    prog = tmp_path / "zoe.json"
    prog.write_text(dumps(programme()).replace("Jane Doe", "Zoë Lefèvre"), "utf-8")
    result = _subprocess(["check", str(prog)], env={"PYTHONIOENCODING": "ascii", "LC_ALL": "C"})
    assert result.returncode == 0, result.stderr
    result = _subprocess(
        ["--db", str(clinic), "history", "MRN-0042", "--as", "admin"],
        stdin=(ADMIN_PW + "\n").encode(),
        env={"PYTHONIOENCODING": "ascii", "LC_ALL": "C"},
    )
    assert result.returncode == 0, result.stderr


def test_a_closed_output_pipe_is_a_clear_exit_2(tmp_path: Path) -> None:
    """`itb-console project FILE --days 3000 | head -1`: the reader goes away."""

    prog = tmp_path / "prog.json"
    prog.write_text(dumps(programme()), "utf-8")
    root = Path(__file__).resolve().parents[1]
    reader, writer = os.pipe()
    os.close(reader)  # nobody will ever read
    try:
        result = subprocess.run(
            [sys.executable, "-m", "ui.cli", "project", str(prog), "--days", "3000"],
            stdout=writer,
            stderr=subprocess.PIPE,
            cwd=root,
            check=False,
            timeout=60,
        )
    finally:
        os.close(writer)
    assert result.returncode == 2, result.stderr
    assert b"output was closed" in result.stderr
    assert b"Traceback" not in result.stderr and b"Exception ignored" not in result.stderr


def _subprocess(
    words: list[str], *, stdin: bytes = b"", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:

    root = Path(__file__).resolve().parents[1]
    return subprocess.run(
        [sys.executable, "-m", "ui.cli", *words],
        input=stdin,
        capture_output=True,
        cwd=root,
        env={**os.environ, **(env or {})},
        check=False,
        timeout=120,
    )


# ---------------------------------------------------------------- import states its base


def test_import_without_a_base_for_a_patient_with_versions_is_refused(
    clinic: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prog = tmp_path / "prog.json"
    prog.write_text(dumps(programme(daily="440")), "utf-8")
    words = ["--db", str(clinic), "import", str(prog), "--reason", "r", "--as", "admin"]
    code, out, err = run(capsys, monkeypatch, *words, stdin=ADMIN_PW + "\n")
    assert code == 2 and "--base N" in err and out == ""
    with Database.open(clinic, create=False) as database:
        assert len(database.versions("MRN-0042")) == 1


def test_a_stale_import_is_refused_as_a_conflict(
    clinic: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Exported at version 1; version 2 saved meanwhile; the edited file names base 1."""
    code, _, err = run(
        capsys,
        monkeypatch,
        "--db",
        str(clinic),
        "export",
        "MRN-0042",
        "--as",
        "admin",
        stdin=ADMIN_PW + "\n",
    )
    assert code == 0 and "--base 1" in err
    with Database.open(clinic, create=False) as database:
        save(database, programme(daily="420"), base=1, user="dr.lee")
    prog = tmp_path / "edited.json"
    prog.write_text(dumps(programme(daily="440")), "utf-8")
    words = ["--db", str(clinic), "import", str(prog), "--base", "1", "--reason", "r"]
    code, out, err = run(capsys, monkeypatch, *words, "--as", "admin", stdin=ADMIN_PW + "\n")
    assert code == 2 and "conflict" in err and "Version 2" in err and out == ""
    with Database.open(clinic, create=False) as database:
        assert [v.number for v in database.versions("MRN-0042")] == [1, 2]


def test_two_imports_racing_for_one_patient_store_exactly_one(tmp_path: Path) -> None:
    """Today both were stored in 23 of 30 runs. Two processes at once, both stating base N:
    one is stored as N+1, the other is refused as a conflict, round after round."""
    db = tmp_path / "clinic.sqlite"
    fill = datetime.now().replace(second=0, microsecond=0) - timedelta(days=1)
    with open_new(db) as database:
        admin = database.first_administrator("admin", ADMIN_PW, NOW)
        database.add_user("dr.lee", Role.CLINICIAN, CLIN_PW, by=admin, now=NOW)
    root = Path(__file__).resolve().parents[1]
    rounds = 4
    for n in range(rounds):
        files = []
        for who, dose in (("a", "400"), ("b", "420")):
            path = tmp_path / f"{who}{n}.json"
            path.write_text(dumps(programme(daily=dose, filled_at=fill)), "utf-8")
            files.append(path)
        base = "new" if n == 0 else str(n)
        racers = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "ui.cli",
                    "--db",
                    str(db),
                    "import",
                    str(f),
                    "--base",
                    base,
                    "--reason",
                    "race",
                    "--as",
                    name,
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=root,
            )
            for f, name in zip(files, ("admin", "dr.lee"), strict=True)
        ]
        for racer, password in zip(racers, (ADMIN_PW, CLIN_PW), strict=True):
            assert racer.stdin is not None
            racer.stdin.write((password + "\n").encode())
            racer.stdin.flush()
        results = []
        for racer in racers:
            out, err = racer.communicate(timeout=120)
            results.append((racer.returncode, out, err))
        codes = sorted(code for code, _, _ in results)
        assert codes == [0, 2], results
        loser = next(err for code, _, err in results if code == 2)
        assert b"conflict" in loser or b"Version" in loser, loser
    with Database.open(db, create=False) as database:
        versions = database.versions("MRN-0042")
        assert [v.number for v in versions] == list(range(1, rounds + 1))
        assert [v.based_on for v in versions] == [None, *range(1, rounds)]
        assert {v.saved_by for v in versions} <= {"admin", "dr.lee"}


def test_the_window_on_a_clinical_database_refuses_now(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window records every save at its clock: with --now it would backdate them all."""
    before = trail(clinic)
    code, out, err = run(capsys, monkeypatch, "--db", str(clinic), "--now", "2020-01-01T08:00")
    assert code == 2 and "--now" in err and out == ""
    assert trail(clinic) == before


def test_an_endless_password_line_is_refused_without_filling_the_memory(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cat /dev/zero | itb-console history X --as admin`: the line never ends."""

    class Endless(io.StringIO):
        def readline(self, size: int | None = -1) -> str:
            assert size is not None and 0 < size < 10_000  # never unbounded
            return "\0" * size

    monkeypatch.setattr(sys, "stdin", Endless())
    code = cli.main(["--db", str(clinic), "history", "MRN-0042", "--as", "admin"])
    err = capsys.readouterr().err
    assert code == 2 and "not a password" in err
    assert trail(clinic)[-1][0] != "login"


def test_restore_is_an_administrators_act(
    clinic: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    copy = tmp_path / "copy.sqlite"
    with Database.open(clinic, create=False) as database:
        database.backup(copy)
    words = ["--db", str(clinic), "restore", str(copy), "--force"]
    code, _, err = run(capsys, monkeypatch, *words, "--as", "dr.lee", stdin=CLIN_PW + "\n")
    assert code == 2 and "not an administrator" in err
    assert not list(tmp_path.glob("*.before-restore-*"))
    code, out, err = run(capsys, monkeypatch, *words, "--as", "admin", stdin=ADMIN_PW + "\n")
    assert code == 0, err
    assert "is kept as" in out
    assert len(list(tmp_path.glob("*.before-restore-*"))) == 1
    with Database.open(clinic, create=False) as database:
        restored = [e for e in database.audit_entries() if e.action == "database.restored"]
    assert [e.user for e in restored] == ["admin"]  # the restore names who did it
    assert (
        restored[0]
        .details["replaced_kept_as"]
        .endswith(next(tmp_path.glob("*.before-restore-*")).name)
    )


def test_a_hard_link_to_the_database_is_no_output(
    clinic: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    link = tmp_path / "other-name.json"
    os.link(clinic, link)
    before = trail(clinic), clinic.read_bytes()
    words = ["--db", str(clinic), "export", "MRN-0042", "--out", str(link), "--force"]
    code, _, err = run(capsys, monkeypatch, *words, "--as", "admin", stdin=ADMIN_PW + "\n")
    assert code == 2 and "is the database" in err
    assert (trail(clinic), clinic.read_bytes()) == before  # refused before even logging in
