"""Drug library versions in the database (product.md: limits "editable by an administrator,
versioned, with the version recorded in each saved programme"; every library change in the audit
trail). Every test passes ``now``; hashing uses cheap argon2 parameters."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

import programmer
from db.account_errors import NotAdministratorError
from db.database import (
    Database,
    DatabaseError,
    HardFindingError,
    LibraryImportError,
    acknowledgement_key,
)
from db.users import Role, User
from programmer.finding import Code, Severity
from programmer.programme import Programme
from tests.db.factories import NOW, later, open_new, programme

ADMIN_PW = "correct horse battery"
CLIN_PW = "staple clinic 2026"
PACKAGED = (Path(programmer.__file__).parent / "data" / "drug_library.toml").read_text("utf-8")


def library_text(version: str = "2026.12-1", **replace: str) -> str:
    """The packaged library under another version, with lines replaced (``hard_max_mcg_per_day
    ="1500"`` replaces that line's value)."""
    text = PACKAGED.replace('version = "2026.11-1"', f'version = "{version}"')
    lines = []
    for line in text.splitlines():
        key = line.split(" = ")[0]
        lines.append(f"{key} = {replace[key]}" if key in replace else line)
    return "\n".join(lines) + "\n"


def clinic(path: Path) -> tuple[Database, User, User]:
    database = open_new(path)
    admin = database.first_administrator("admin", ADMIN_PW, NOW)
    database.add_user("dr.lee", Role.CLINICIAN, CLIN_PW, by=admin, now=NOW)
    return database, admin, User("dr.lee", Role.CLINICIAN)


def save_checked(database: Database, prog: Programme, *, now: datetime, base: int | None) -> int:
    """Save with every soft finding the database's own check reports acknowledged."""
    result = database.check_programme(prog, now=now)
    acks = {acknowledgement_key(f): "ok" for f in result.findings if f.severity is Severity.SOFT}
    return database.save_programme(
        prog, base_version=base, user="dr.lee", reason="test", acknowledgements=acks, now=now
    ).number


def _snapshot(database: Database) -> tuple[object, ...]:
    return (
        database.library,
        database.library_versions(),
        [(e.seq, e.action) for e in database.audit_entries()],
    )


def test_only_an_administrator_can_change_the_drug_library(tmp_path: Path) -> None:
    database, admin, clinician = clinic(tmp_path / "c.sqlite")
    with database:
        before = _snapshot(database)
        with pytest.raises(
            NotAdministratorError, match="Only an administrator can manage the drug"
        ):
            database.import_drug_library(library_text(), by=clinician, now=later(1))
        # A User claiming to be an administrator is checked against the accounts, not believed.
        with pytest.raises(NotAdministratorError):
            database.import_drug_library(
                library_text(), by=User("dr.lee", Role.ADMINISTRATOR), now=later(1)
            )
        assert _snapshot(database) == before
        assert database.library.version == "2026.11-1"  # the packaged library still applies
        change = database.import_drug_library(library_text(), by=admin, now=later(2))
        assert (change.version, change.previous_version, change.imported_by) == (
            "2026.12-1",
            "2026.11-1",
            "admin",
        )
        assert database.library.version == "2026.12-1"


def test_a_tighter_hard_maximum_turns_an_accepted_programme_into_dose_above_hard_limit(
    tmp_path: Path,
) -> None:
    """The hazard: a limit lowered by the administrator must bind at once, on every check and
    save, and each saved version must say which library it was checked against."""
    database, admin, _ = clinic(tmp_path / "c.sqlite")
    with database:
        high = programme(daily="1800")  # over the usual range (soft), under 2000 mcg/day
        result = database.check_programme(high, now=later(1))
        assert Code.DOSE_ABOVE_HARD_LIMIT not in [f.code for f in result.findings]
        assert save_checked(database, high, now=later(1), base=None) == 1
        assert database.version("MRN-0042", 1).library_version == "2026.11-1"

        database.import_drug_library(
            library_text(hard_max_mcg_per_day="1500"), by=admin, now=later(2)
        )

        again = programme(daily="1700")  # a small decrease, yet now over the hard maximum
        result = database.check_programme(again, now=later(3))
        hard = [f for f in result.findings if f.code is Code.DOSE_ABOVE_HARD_LIMIT]
        assert hard and "hard maximum of 1500 mcg/day" in hard[0].message
        with pytest.raises(HardFindingError) as refused:
            save_checked(database, again, now=later(3), base=1)
        assert Code.DOSE_ABOVE_HARD_LIMIT in [f.code for f in refused.value.findings]
        assert [v.number for v in database.versions("MRN-0042")] == [1]

        lower = programme(daily="1400")
        assert save_checked(database, lower, now=later(4), base=1) == 2
        saved = database.version("MRN-0042", 2)
        assert saved.library_version == "2026.12-1"
        entry = database.audit_entries(patient_id="MRN-0042")[-1]
        assert (entry.action, entry.details["library_version"]) == ("programme.saved", "2026.12-1")
        assert database.version("MRN-0042", 1).library_version == "2026.11-1"  # never changed


def test_another_window_checks_against_the_library_imported_meanwhile(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    database, admin, _ = clinic(path)
    with database, Database.open(path, now=NOW) as other:
        assert other.library.version == "2026.11-1"
        database.import_drug_library(
            library_text(hard_max_mcg_per_day="1500"), by=admin, now=later(1)
        )
        assert other.library.version == "2026.12-1"
        result = other.check_programme(programme(daily="1700"), now=later(2))
        assert Code.DOSE_ABOVE_HARD_LIMIT in [f.code for f in result.findings]
    with Database.open(path, now=later(3)) as reopened:
        assert reopened.library.drug("baclofen").hard_max_mcg_per_day == 1500


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('format = "itb-drug-library/1"\nversion = \n', "not valid TOML"),
        (library_text().replace("hard_max_mcg_per_day", "hard_max_mcg_per_dya"), "per_day'"),
        (library_text().replace("bolus_max_mcg = 100", "bolus_max_mcg = -5"), "'bolus_max_mcg'"),
        (library_text().replace("itb-drug-library/1", "itb-drug-library/9"), "format"),
        (library_text().replace("[300, 800]", "[800, 300]"), "usual range 'spinal'"),
        (library_text(version="2026.11-1", hard_max_mcg_per_day="1500"), "new version string"),
        ("", "empty"),
    ],
    ids=[
        "not-toml",
        "misspelt-limit",
        "negative-bolus",
        "wrong-format",
        "range-reversed",
        "reused-version",
        "empty",
    ],
)
def test_an_invalid_library_is_refused_naming_the_problem_and_changes_nothing(
    tmp_path: Path, text: str, named: str
) -> None:
    database, admin, _ = clinic(tmp_path / "c.sqlite")
    with database:
        before = _snapshot(database)
        with pytest.raises(LibraryImportError) as refused:
            database.import_drug_library(text, by=admin, now=later(1), source="new.toml")
        message = str(refused.value)
        assert named in message and "\n" not in message
        assert "not changed" in message
        assert _snapshot(database) == before


def test_a_library_version_is_imported_once_and_keeps_every_drug(tmp_path: Path) -> None:
    database, admin, _ = clinic(tmp_path / "c.sqlite")
    with database:
        database.import_drug_library(library_text(), by=admin, now=later(1))
        with pytest.raises(LibraryImportError, match="was imported before"):
            database.import_drug_library(library_text(), by=admin, now=later(2))
        renamed = library_text("2027.1").replace('name = "baclofen"', 'name = "baclofen-b"')
        with pytest.raises(LibraryImportError, match="leaves out baclofen"):
            database.import_drug_library(renamed, by=admin, now=later(3))
        assert [v.version for v in database.library_versions()] == ["2026.12-1"]


def test_the_library_change_is_in_the_audit_trail_and_verify_passes(tmp_path: Path) -> None:
    database, admin, _ = clinic(tmp_path / "c.sqlite")
    with database:
        text = library_text(hard_max_mcg_per_day="1500", bolus_max_mcg="80")
        database.import_drug_library(text, by=admin, now=later(5), source="new.toml")
        entry = database.audit_entries()[-1]
        assert (entry.action, entry.user, entry.at) == ("library.changed", "admin", later(5))
        assert entry.details["version"] == "2026.12-1"
        assert entry.details["previous_version"] == "2026.11-1"
        assert entry.details["changes"] == [
            "baclofen: hard maximum 2000 mcg/day -> 1500 mcg/day",
            "baclofen: bolus maximum 100 mcg -> 80 mcg",
        ]
        assert entry.details["source"] == "new.toml"
        database.import_drug_library(library_text("2027.1"), by=admin, now=later(6))
        assert database.audit_entries()[-1].details["changes"][0] == (
            "baclofen: hard maximum 1500 mcg/day -> 2000 mcg/day"
        )
        versions = database.library_versions()
        assert [(v.version, v.imported_by, v.active) for v in versions] == [
            ("2026.12-1", "admin", False),
            ("2027.1", "admin", True),
        ]
        assert versions[0].toml_text == text
        report = database.verify()
        assert report.ok, report.problems


def test_a_stored_library_altered_behind_the_console_is_caught_and_never_applied(
    tmp_path: Path,
) -> None:
    """Raising a limit by editing the stored text must not pass unnoticed, nor take effect."""
    path = tmp_path / "c.sqlite"
    database, admin, _ = clinic(path)
    with database:
        database.import_drug_library(
            library_text(hard_max_mcg_per_day="1500"), by=admin, now=later(1)
        )
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TRIGGER drug_library_never_updated")
    conn.execute("UPDATE drug_library SET toml = replace(toml, '= 1500', '= 5000')")
    conn.close()
    with Database.open(path, now=later(2)) as database:
        report = database.verify()
        assert not report.ok
        assert any("drug library version 2026.12-1 does not match" in p for p in report.problems), (
            report.problems
        )
        assert any("drug_library_never_updated" in p for p in report.problems)
        # ... and the altered limits are never applied: nothing is checked against them.
        with pytest.raises(DatabaseError, match="altered behind the console"):
            database.check_programme(programme(daily="4000"), now=later(3))


def test_cli_import_accepts_a_drug_only_the_database_library_knows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database's active library, not the packaged one, decides which drugs a programme
    file may name."""
    import io
    import json
    import sys

    from ui.cli import main
    from ui.commands import invocation

    monkeypatch.setattr(invocation, "clock", lambda: datetime(2026, 11, 22, 12, 0))
    monkeypatch.setattr(sys, "stdin", io.StringIO(CLIN_PW + "\n"))

    database, admin, _ = clinic(tmp_path / "c.sqlite")
    second = PACKAGED[PACKAGED.index("[[drug]]") :].replace(
        'name = "baclofen"', 'name = "baclofen-b"'
    )
    database.import_drug_library(library_text("2026.12-2") + "\n" + second, by=admin, now=later(1))
    database.close()
    data = json.loads(
        (Path(__file__).parents[2] / "examples" / "simple-continuous.json").read_text("utf-8")
    )
    data["drug"]["name"] = "baclofen-b"
    data["patient"]["id"] = "MRN-B"
    data["pump"]["serial"] = "NGP-B"
    file = tmp_path / "b.json"
    file.write_text(json.dumps(data), "utf-8")
    code = main(
        [
            "--db",
            str(tmp_path / "c.sqlite"),
            "import",
            str(file),
            "--as",
            "dr.lee",
            "--reason",
            "trial of the second product",
        ]
    )
    assert code == 0
