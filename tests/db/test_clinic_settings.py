"""Clinic settings in the database (issue 12): the clinic name, the refill safety margin
(product.md: "a clinic setting, default 7 days") and the decimal separator, versioned and
audited like the drug library, changed by administrators only, and used by every check through
``Database.check_context``."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from db.account_errors import NotAdministratorError
from db.database import Database, DatabaseError, SettingsError
from db.users import Role, User
from programmer import units
from programmer.projection import ClinicSettings
from tests.db.factories import NOW, USER, later, open_new, patient, programme, pump_record, save

ADMIN_PW = "correct horse battery"
PID = "MRN-0042"


def clinic(path: Path) -> tuple[Database, User]:
    database = open_new(path)
    admin = database.first_administrator("admin", ADMIN_PW, NOW)
    database.add_user(USER, Role.CLINICIAN, "staple clinic 2026", by=admin, now=NOW)
    return database, admin


def change(database: Database, by: User, minutes: int = 1, **values: object) -> None:
    settings = {"clinic_name": "St Elsewhere", "refill_margin_days": 7, "decimal_separator": "."}
    settings.update(values)
    database.change_clinic_settings(
        **settings,  # type: ignore[arg-type]
        reason="clinic policy",
        by=by,
        now=later(minutes),
    )


def test_defaults_apply_until_an_administrator_stores_settings(tmp_path: Path) -> None:
    database, _ = clinic(tmp_path / "c.sqlite")
    with database:
        assert database.clinic_settings == ClinicSettings()
        assert database.clinic_settings_history() == []


def test_each_change_is_a_new_version_and_the_history_is_kept(tmp_path: Path) -> None:
    database, admin = clinic(tmp_path / "c.sqlite")
    with database:
        change(database, admin, 1, refill_margin_days=10)
        change(database, admin, 2, refill_margin_days=14, clinic_name="Clinique du Lac")
        history = database.clinic_settings_history()
        assert [(v.settings.refill_margin_days, v.active) for v in history] == [
            (10, False),
            (14, True),
        ]
        assert history[0].settings.clinic_name == "St Elsewhere"
        assert history[1].changed_by == "admin" and history[1].changed_at == later(2)
        assert database.clinic_settings.clinic_name == "Clinique du Lac"
        # Rows are records: never changed, never deleted.
        with pytest.raises(sqlite3.IntegrityError, match="never changed"):
            database._sdb.execute("UPDATE clinic_settings SET refill_margin_days = 30")
        with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
            database._sdb.execute("DELETE FROM clinic_settings")


def test_every_change_is_audited_with_what_differs(tmp_path: Path) -> None:
    database, admin = clinic(tmp_path / "c.sqlite")
    with database:
        change(database, admin, 1, refill_margin_days=10, decimal_separator=",")
        entry = database.audit_entries()[-1]
        assert entry.action == "settings.changed" and entry.user == "admin"
        assert entry.details["changes"] == [
            "clinic name: 'ITB clinic' -> 'St Elsewhere'",
            "refill margin: 7 -> 10 days",
            "decimal separator: '.' -> ','",
        ]
        assert entry.details["reason"] == "clinic policy"
        assert database.verify().ok


def test_a_settings_row_altered_behind_the_console_is_never_used(tmp_path: Path) -> None:
    database, admin = clinic(tmp_path / "c.sqlite")
    with database:
        change(database, admin, 1, refill_margin_days=10)
        database._sdb.execute("DROP TRIGGER clinic_settings_never_updated")
        database._sdb.execute("UPDATE clinic_settings SET refill_margin_days = 1")
        with pytest.raises(DatabaseError, match="altered behind the console"):
            database.clinic_settings  # noqa: B018
        assert not database.verify().ok
    # The database still opens (verify can name the row); no check is made with the altered
    # margin; an administrator stores a new version, which applies.
    with Database.open(tmp_path / "c.sqlite", create=False, now=later(5)) as database:
        database.create_patient(patient(), pump_record(), user=USER, now=later(5))
        with pytest.raises(DatabaseError, match="altered behind the console"):
            database.check_context(PID, later(6))
        change(database, admin, 7, refill_margin_days=10)
        assert database.check_context(PID, later(8)).settings.refill_margin_days == 10
        entry = database.audit_entries()[-1]
        assert entry.details["changes"][0] == "replaces a version altered behind the console"


def test_a_non_administrator_cannot_change_the_clinic_settings(tmp_path: Path) -> None:
    database, _ = clinic(tmp_path / "c.sqlite")
    with database:
        before = len(database.audit_entries())
        for who in (User(USER, Role.CLINICIAN), User(USER, Role.ADMINISTRATOR)):
            with pytest.raises(NotAdministratorError, match="the clinic settings"):
                change(database, who, refill_margin_days=10)
        assert database.clinic_settings == ClinicSettings()
        assert len(database.audit_entries()) == before


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"refill_margin_days": -3}, "from 1 to 60"),
        ({"refill_margin_days": 10_000}, "from 1 to 60"),
        ({"refill_margin_days": 0}, "from 1 to 60"),
        ({"refill_margin_days": "7.5"}, "whole number of days"),
        ({"refill_margin_days": True}, "whole number of days"),
        ({"decimal_separator": ";"}, "'.' or ','"),
        ({"decimal_separator": " "}, "'.' or ','"),
        ({"clinic_name": "  "}, "type the clinic's name"),
        ({"clinic_name": "St \u202eElsewhere"}, "RIGHT-TO-LEFT OVERRIDE"),
        ({"clinic_name": "St\nElsewhere"}, "invisible"),
        ({"clinic_name": "x" * 121}, "at most 120"),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(
    tmp_path: Path, values: dict[str, object], words: str
) -> None:
    database, admin = clinic(tmp_path / "c.sqlite")
    with database:
        before = len(database.audit_entries())
        with pytest.raises(SettingsError, match=words) as refused:
            change(database, admin, **values)
        assert "were not changed" in str(refused.value)
        assert database.clinic_settings == ClinicSettings()
        assert len(database.audit_entries()) == before


def test_the_same_settings_again_are_not_a_new_version(tmp_path: Path) -> None:
    database, admin = clinic(tmp_path / "c.sqlite")
    with database:
        change(database, admin, 1)
        with pytest.raises(SettingsError, match="in force already"):
            change(database, admin, 2)
        assert len(database.clinic_settings_history()) == 1


def test_the_stored_margin_moves_the_refill_date_of_every_check(tmp_path: Path) -> None:
    """The check context carries the stored margin: the refill date set by the alarm moves
    three days earlier when the margin goes from 7 to 10 days."""
    database, admin = clinic(tmp_path / "c.sqlite")
    with database:
        database.create_patient(patient(), pump_record(), user=USER, now=NOW)
        save(database, programme(daily="400"))
        prog = programme(daily="400")
        before = database.check_programme(prog, now=later(60)).projection
        change(database, admin, 61, refill_margin_days=10)
        context = database.check_context(PID, later(120))
        assert context.settings.refill_margin_days == 10
        after = database.check_programme(prog, now=later(60)).projection
        assert before is not None and after is not None
        assert before.next_refill_at - after.next_refill_at == timedelta(days=3)


def test_a_report_context_uses_the_settings_in_force_at_the_save(tmp_path: Path) -> None:
    database, admin = clinic(tmp_path / "c.sqlite")
    with database:
        database.create_patient(patient(), pump_record(), user=USER, now=NOW)
        save(database, programme(daily="400"), now=later(5))
        change(database, admin, 10, refill_margin_days=21)
        as_saved = database.check_context(PID, later(5), before_version=1)
        assert as_saved.settings.refill_margin_days == 7
        assert database.check_context(PID, later(20)).settings.refill_margin_days == 21


def test_opening_a_database_sets_its_decimal_separator(tmp_path: Path) -> None:
    database, admin = clinic(tmp_path / "c.sqlite")
    with database:
        change(database, admin, decimal_separator=",")
        assert units.decimal_separator() == ","
    units.set_decimal_separator(".")
    with Database.open(tmp_path / "c.sqlite", create=False, now=later(5)):
        assert units.decimal_separator() == ","
