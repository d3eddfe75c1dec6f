"""Clinic settings kept in the database (issue 12: "Clinic settings stored in the database,
versioned and audited like the drug library"): the clinic's name on every report, the refill
safety margin (product.md: "a clinic setting, default 7 days") and the installation's decimal
separator.

Each change is a new row; rows are never changed or deleted, so the history stays. The newest
row is the active one; with none stored, :class:`programmer.projection.ClinicSettings`' defaults
apply. A row is used only as its audit entry recorded it (a margin edited behind the console is
never applied). The bounds a setting must keep live here, and the audited change
(:func:`change`: the acting administrator checked against the accounts, the audit entry written)
in the caller's write transaction (:class:`db.database.Database` holds it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database as SqliteDatabase

from db import audit, worklist
from db import users as accounts
from db.errors import DatabaseError, InvalidRecordError
from db.names import hidden_character
from db.users import User
from db.values import moment_from, moment_text
from programmer.projection import ClinicSettings
from programmer.units import DECIMAL_SEPARATORS

# The refill date is the alarm date less the margin: a margin of 0 plans the refill for the day
# the alarm sounds, and one over 60 days turns a 6-month refill interval into a 4-month one.
MIN_MARGIN_DAYS = 1
MAX_MARGIN_DAYS = 60
MAX_CLINIC_NAME = 120
MAX_REASON = 500


class SettingsError(InvalidRecordError):
    """A clinic setting was refused; the message names the setting and why. Nothing changed.
    ``field`` names the setting (for a form to mark), without prefixing the message."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class ClinicSettingsVersion:
    """One stored version of the clinic settings; the newest is the active one."""

    number: int
    settings: ClinicSettings
    changed_at: datetime
    changed_by: str
    reason: str
    active: bool


def checked_settings(
    clinic_name: str, refill_margin_days: int | str, decimal_separator: str
) -> ClinicSettings:
    """The settings, or a :class:`SettingsError` naming the first one that is refused."""
    unchanged = " The clinic settings were not changed."
    if not isinstance(clinic_name, str) or not clinic_name.strip():
        raise SettingsError("Clinic name: type the clinic's name." + unchanged, "clinic_name")
    name = clinic_name.strip()
    if len(name) > MAX_CLINIC_NAME:
        raise SettingsError(
            f"Clinic name: at most {MAX_CLINIC_NAME} characters." + unchanged, "clinic_name"
        )
    hidden = hidden_character(name)
    if hidden is not None:
        raise SettingsError(
            f"Clinic name: contains {hidden}, an invisible or direction-changing character; "
            "the name on the reports holds visible characters only." + unchanged,
            "clinic_name",
        )
    margin = _whole_days(refill_margin_days)
    if margin is None or not MIN_MARGIN_DAYS <= margin <= MAX_MARGIN_DAYS:
        raise SettingsError(
            f"Refill safety margin: a whole number of days from {MIN_MARGIN_DAYS} to "
            f"{MAX_MARGIN_DAYS} (given {str(refill_margin_days)[:20]!r})." + unchanged,
            "refill_margin_days",
        )
    if decimal_separator not in DECIMAL_SEPARATORS:
        raise SettingsError(
            f"Decimal separator: '.' or ',' (given {str(decimal_separator)[:20]!r}); thousands "
            "separators are never used." + unchanged,
            "decimal_separator",
        )
    return ClinicSettings(
        refill_margin_days=margin, clinic_name=name, decimal_separator=decimal_separator
    )


def _whole_days(value: int | str) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if text.isdigit() and text.isascii() else None


def _stored(sdb: SqliteDatabase) -> bool:
    """Whether the database has reached the schema that keeps clinic settings (a database is
    brought up to date when opened; one read before that, by a migration, has the defaults)."""
    return (
        sdb.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'clinic_settings'"
        ).fetchone()
        is not None
    )


def newest(sdb: SqliteDatabase) -> ClinicSettingsVersion | None:
    if not _stored(sdb):
        return None
    row = sdb.execute("SELECT id FROM clinic_settings ORDER BY id DESC LIMIT 1").fetchone()
    return None if row is None else read(sdb, int(row[0]), active=True)


def in_force_at(sdb: SqliteDatabase, moment: datetime) -> ClinicSettingsVersion | None:
    """The version that was active at ``moment`` (a report of an old save, as it was saved)."""
    if not _stored(sdb):
        return None
    row = sdb.execute(
        "SELECT id FROM clinic_settings WHERE changed_at <= ? ORDER BY id DESC LIMIT 1",
        [moment_text(moment, "moment")],
    ).fetchone()
    return None if row is None else read(sdb, int(row[0]), active=False)


def read(sdb: SqliteDatabase, row_id: int, *, active: bool) -> ClinicSettingsVersion:
    """A stored version, checked against what its audit entry recorded."""
    row = audit.stored_row(sdb, "clinic_settings", row_id)
    entry = sdb.execute("SELECT details FROM audit WHERE seq = ?", [row["audit_seq"]]).fetchone()
    listed = [] if entry is None else json.loads(entry[0]).get("records", [])
    if ["clinic_settings", row_id, audit.row_hash(row)] not in listed:
        raise DatabaseError(
            f"stored clinic settings version {row_id} do not match what their audit entry "
            "recorded: they were altered behind the console and are not used. Run verify; "
            "nothing can be checked until an administrator sets the clinic settings again."
        )
    return ClinicSettingsVersion(
        number=row_id,
        settings=ClinicSettings(
            refill_margin_days=int(row["refill_margin_days"]),
            clinic_name=str(row["clinic_name"]),
            decimal_separator=str(row["decimal_separator"]),
        ),
        changed_at=moment_from(row["changed_at"]),
        changed_by=str(row["changed_by"]),
        reason=str(row["reason"]),
        active=active,
    )


def history(sdb: SqliteDatabase) -> list[ClinicSettingsVersion]:
    """Every stored version, oldest first; the newest is marked active."""
    ids = [int(r[0]) for r in sdb.execute("SELECT id FROM clinic_settings ORDER BY id")]
    return [read(sdb, i, active=n == len(ids) - 1) for n, i in enumerate(ids)]


def insert(
    sdb: SqliteDatabase,
    settings: ClinicSettings,
    *,
    reason: str,
    by: str,
    now: datetime,
    audit_seq: int,
) -> int:
    cursor = sdb.execute(
        "INSERT INTO clinic_settings (clinic_name, refill_margin_days, decimal_separator, "
        "reason, changed_at, changed_by, audit_seq) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            settings.clinic_name,
            settings.refill_margin_days,
            settings.decimal_separator,
            reason,
            moment_text(now, "now"),
            by,
            audit_seq,
        ],
    )
    return int(cursor.lastrowid or 0)


def changes(old: ClinicSettings, new: ClinicSettings) -> list[str]:
    """What differs, for the audit entry: ``"refill margin: 7 -> 10 days"``."""
    found = []
    if old.clinic_name != new.clinic_name:
        found.append(f"clinic name: {old.clinic_name!r} -> {new.clinic_name!r}")
    if old.refill_margin_days != new.refill_margin_days:
        found.append(f"refill margin: {old.refill_margin_days} -> {new.refill_margin_days} days")
    if old.decimal_separator != new.decimal_separator:
        found.append(f"decimal separator: '{old.decimal_separator}' -> '{new.decimal_separator}'")
    return found


def in_force(sdb: SqliteDatabase, at: datetime | None, defaults: ClinicSettings) -> ClinicSettings:
    """The active settings, or with ``at`` the ones in force at that moment; ``defaults`` while
    none is stored."""
    stored = newest(sdb) if at is None else in_force_at(sdb, at)
    return defaults if stored is None else stored.settings


def change(
    sdb: SqliteDatabase,
    new: ClinicSettings,
    *,
    reason: str,
    by: User,
    now: datetime,
    defaults: ClinicSettings,
) -> ClinicSettingsVersion:
    """Store ``new`` (as :func:`checked_settings` made it) as the next version: administrators
    only, checked against the accounts now; a version identical to the active one is refused
    (:class:`SettingsError`) and nothing changes. Audited as ``settings.changed`` with what
    differs; every patient's worklist figures are projected anew before the write commits."""
    acting = accounts.require_administrator(sdb, by, manages="the clinic settings")
    try:
        old, altered = in_force(sdb, None, defaults), False
    except DatabaseError:  # the active row was altered behind the console: replaced
        old, altered = defaults, True
    changed = changes(old, new)
    if altered:
        changed.insert(0, "replaces a version altered behind the console")
    if not changed:
        raise SettingsError(
            "These are the clinic settings in force already. Nothing was changed.", "settings"
        )
    why = reason.strip()
    seq = audit.next_seq(sdb)
    rowid = insert(sdb, new, reason=why, by=acting, now=now, audit_seq=seq)
    audit.append(
        sdb,
        seq=seq,
        at=now,
        user=acting,
        action="settings.changed",
        patient_id=None,
        details={
            "clinic_name": new.clinic_name,
            "refill_margin_days": new.refill_margin_days,
            "decimal_separator": new.decimal_separator,
            "changes": changed,
            "reason": why,
        },
        records=[("clinic_settings", rowid)],
    )
    # A new margin moves every patient's refill date: the worklist is projected anew before
    # this write commits.
    worklist.mark_all_stale(sdb)
    return read(sdb, rowid, active=True)
