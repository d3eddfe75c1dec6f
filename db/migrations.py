"""The schema and its migrations. The schema version lives in ``PRAGMA user_version``: version N
means the first N migrations of :data:`MIGRATIONS` have run. A database newer than this program
is refused untouched; an older one is first copied to a backup file beside it, then brought up to
date one migration per transaction, each recorded in the audit trail.

Every table holding clinical records is STRICT and append-only: triggers refuse UPDATE and
DELETE, so a programme version, once saved, is never changed (product.md: "Every saved programme
is an immutable version").
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database as SqliteDatabase

from db import anchor, audit
from db.connection import APPLICATION_ID
from db.errors import DatabaseNewerError, NotADatabaseError

# The tables whose rows are clinical records: each row names the audit entry that wrote it.
RECORD_TABLES: tuple[str, ...] = (
    "patient",
    "pump",
    "programme_version",
    "refill",
    "bolus_given",
    "screening",
    "drug_library",
    "compounded_confirmation",
    "assessment",
    "visit",
    "visit_finish",
    "clinic_settings",
    "patient_revision",
    "pump_serial_correction",
)


def _immutable(table: str, what: str) -> str:
    """Triggers refusing UPDATE and DELETE, and the index on ``audit_seq`` (without it, adding
    an audit entry would scan the table for rows waiting on it: the deferred foreign key)."""
    return f"""
CREATE INDEX {table}_by_audit ON {table} (audit_seq);
CREATE TRIGGER {table}_never_updated BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, '{what} are never changed once saved: save a new one instead'); END;
CREATE TRIGGER {table}_never_deleted BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, '{what} are never deleted'); END;
"""


SCHEMA_1 = f"""
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    patient_id TEXT,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
) STRICT;
CREATE INDEX audit_by_patient ON audit (patient_id, seq);
CREATE INDEX audit_by_user ON audit (user, seq);
CREATE INDEX audit_by_time ON audit (at);

-- Where the trail ends, kept by a trigger: a second witness against entries cut off the end.
CREATE TABLE audit_head (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
) STRICT;
INSERT INTO audit_head (one, seq, hash) VALUES (1, 0, '{audit.GENESIS_HASH}');

CREATE TRIGGER audit_follows_head BEFORE INSERT ON audit
WHEN NEW.seq IS NOT (SELECT seq FROM audit_head) + 1
  OR NEW.prev_hash IS NOT (SELECT hash FROM audit_head)
BEGIN SELECT RAISE(ABORT, 'an audit entry must follow on from the last one'); END;
CREATE TRIGGER audit_moves_head AFTER INSERT ON audit
BEGIN UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash WHERE one = 1; END;
CREATE TRIGGER audit_never_updated BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: entries are never changed'); END;
CREATE TRIGGER audit_never_deleted BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: entries are never deleted'); END;
CREATE TRIGGER audit_head_only_forward BEFORE UPDATE ON audit_head
WHEN NEW.one IS NOT 1 OR NEW.seq IS NOT OLD.seq + 1
  OR NEW.hash IS NOT (SELECT hash FROM audit WHERE seq = NEW.seq)
BEGIN SELECT RAISE(ABORT, 'the audit head only follows new entries'); END;
CREATE TRIGGER audit_head_never_deleted BEFORE DELETE ON audit_head
BEGIN SELECT RAISE(ABORT, 'the audit head is never deleted'); END;
CREATE TRIGGER audit_head_single BEFORE INSERT ON audit_head
BEGIN SELECT RAISE(ABORT, 'there is one audit head'); END;

CREATE TABLE patient (
    num INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    spasticity_origin TEXT NOT NULL CHECK (spasticity_origin IN ('spinal', 'cerebral')),
    diagnosis TEXT NOT NULL,
    notes TEXT NOT NULL,
    sort_key TEXT NOT NULL,
    scan_text TEXT NOT NULL,
    created_at TEXT NOT NULL,
    audit_seq INTEGER NOT NULL REFERENCES audit (seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;
CREATE INDEX patient_by_name ON patient (sort_key);
CREATE INDEX patient_by_id_any_case ON patient (id COLLATE NOCASE);
{_immutable("patient", "patient records")}

-- The search index: folded name and id words (db/search.py); rowid = patient.num.
CREATE VIRTUAL TABLE patient_search USING fts5 (
    name, ident, content = '', tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3'
);

-- When each patient was last opened, for the browser's recent list: screen state, not part of
-- the clinical record, so neither immutable nor audited.
CREATE TABLE patient_opened (
    patient_num INTEGER PRIMARY KEY REFERENCES patient (num),
    opened_at TEXT NOT NULL
) STRICT;
CREATE INDEX patient_opened_by_time ON patient_opened (opened_at);

-- Pumps per patient, oldest first. A row with the serial of the row before is a revision of that
-- pump's record (e.g. a new low-reservoir alarm); a new serial is a replacement.
CREATE TABLE pump (
    id INTEGER PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patient (id),
    model TEXT NOT NULL,
    serial TEXT NOT NULL,
    implanted_on TEXT NOT NULL,
    replace_by TEXT NOT NULL,
    catheter_model TEXT,
    catheter_length_cm TEXT,
    low_reservoir_alarm_ml TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    audit_seq INTEGER NOT NULL REFERENCES audit (seq) DEFERRABLE INITIALLY DEFERRED,
    CHECK (replace_by > implanted_on)
) STRICT;
CREATE INDEX pump_by_patient ON pump (patient_id, id);
{_immutable("pump", "pump records")}

CREATE TABLE programme_version (
    id INTEGER PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patient (id),
    number INTEGER NOT NULL CHECK (number >= 1),
    based_on INTEGER CHECK (based_on IS NULL OR (based_on >= 1 AND based_on < number)),
    programme_json TEXT NOT NULL,
    mode TEXT NOT NULL,
    daily_dose_mcg TEXT NOT NULL,
    flow_ml_per_day TEXT NOT NULL,
    library_version TEXT NOT NULL,
    catalogue_version TEXT NOT NULL,
    findings TEXT NOT NULL,
    acknowledgements TEXT NOT NULL,
    saved_by TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    confirmed INTEGER NOT NULL CHECK (confirmed IN (0, 1)),
    audit_seq INTEGER NOT NULL REFERENCES audit (seq) DEFERRABLE INITIALLY DEFERRED,
    -- Backs the conflict check even between processes: two saves of version N+1 cannot both
    -- commit (product.md: "never silently overwrite each other's changes").
    UNIQUE (patient_id, number)
) STRICT;
CREATE INDEX programme_version_confirmed ON programme_version (patient_id, number)
WHERE confirmed = 1;
CREATE TRIGGER programme_version_numbers_follow BEFORE INSERT ON programme_version
WHEN NEW.number IS NOT coalesce(
    (SELECT max(number) FROM programme_version WHERE patient_id = NEW.patient_id), 0) + 1
BEGIN SELECT RAISE(ABORT, 'programme version numbers follow on without gaps'); END;
{_immutable("programme_version", "programme versions")}

CREATE TABLE refill (
    id INTEGER PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patient (id),
    at TEXT NOT NULL,
    expected_residual_ml TEXT NOT NULL,
    measured_residual_ml TEXT NOT NULL,
    volume_added_ml TEXT NOT NULL,
    concentration_mcg_per_ml TEXT NOT NULL,
    drug TEXT NOT NULL,
    reason TEXT NOT NULL,
    by_user TEXT NOT NULL,
    audit_seq INTEGER NOT NULL REFERENCES audit (seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;
CREATE INDEX refill_by_patient ON refill (patient_id, at);
{_immutable("refill", "refill records")}

CREATE TABLE bolus_given (
    id INTEGER PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patient (id),
    at TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('single', 'priming', 'bridge', 'patient')),
    dose_mcg TEXT NOT NULL,
    duration_min INTEGER NOT NULL CHECK (duration_min >= 1),
    reason TEXT NOT NULL,
    by_user TEXT NOT NULL,
    audit_seq INTEGER NOT NULL REFERENCES audit (seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;
CREATE INDEX bolus_given_by_patient ON bolus_given (patient_id, at);
{_immutable("bolus_given", "records of boluses given")}

CREATE TABLE screening (
    id INTEGER PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patient (id),
    at TEXT NOT NULL,
    dose_mcg TEXT NOT NULL,
    response TEXT NOT NULL CHECK (response IN ('response', 'partial', 'no-response')),
    effect_hours TEXT,
    notes TEXT NOT NULL,
    by_user TEXT NOT NULL,
    audit_seq INTEGER NOT NULL REFERENCES audit (seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;
CREATE INDEX screening_by_patient ON screening (patient_id, at);
{_immutable("screening", "screening results")}
"""


# Schema 2: the console's own state beside the clinical record (issues: training mode and user
# accounts; programmer workflows on a simulated pump). These rows change over time, so they are
# not immutable; every change to them is written to the audit trail by the code that makes it.
SCHEMA_2 = """
-- What kind of database this is: 'clinical' or 'training'. A training database is never
-- opened as the clinical one, nor the other way round.
CREATE TABLE console_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
INSERT INTO console_meta (key, value) VALUES ('kind', 'clinical');

-- Local accounts. The password only as a slow salted hash (never in clear, never in the audit
-- trail); failed logins counted for the lock-out.
CREATE TABLE user_account (
    name TEXT PRIMARY KEY COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('clinician', 'trainer', 'administrator')),
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
) STRICT;

-- The simulated pump implanted in each patient (programmer.simulated_pump), as JSON: what it
-- runs, its reservoir, alarms, event log and any unfinished programming session, so a session
-- cut off half-way still shows the pump stopped after a restart.
CREATE TABLE simulated_pump (
    patient_id TEXT PRIMARY KEY REFERENCES patient (id),
    serial TEXT NOT NULL,
    state TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
"""


# Schema 3: the drug library versions an administrator imported, and the compounded
# concentrations confirmed for a patient (product.md: limits "editable by an administrator,
# versioned"; CONCENTRATION_UNKNOWN's "separate, logged override"). Both are records: immutable,
# each row hashed into the audit entry that wrote it.
SCHEMA_3 = f"""
-- Every imported library, as the TOML text the administrator gave (checked again when read).
-- The newest row is the active library; with none, the program's packaged library applies.
CREATE TABLE drug_library (
    id INTEGER PRIMARY KEY,
    version TEXT NOT NULL UNIQUE,
    toml TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    audit_seq INTEGER NOT NULL REFERENCES audit (seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;
{_immutable("drug_library", "drug library versions")}

-- A concentration outside the library confirmed as a known compounded product for one patient.
CREATE TABLE compounded_confirmation (
    id INTEGER PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patient (id),
    drug TEXT NOT NULL,
    concentration_mcg_per_ml TEXT NOT NULL,
    reason TEXT NOT NULL,
    confirmed_by TEXT NOT NULL,
    confirmed_at TEXT NOT NULL,
    audit_seq INTEGER NOT NULL REFERENCES audit (seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;
CREATE INDEX compounded_confirmation_by_patient ON compounded_confirmation (patient_id, id);
{_immutable("compounded_confirmation", "compounded concentration confirmations")}
"""


# Clinic settings (issue 12): the clinic name, refill safety margin and decimal separator an
# administrator set, one row per change (db/clinic_settings.py). Records: immutable, each row
# hashed into the audit entry that wrote it. With no row, the program's defaults apply.
SCHEMA_CLINIC_SETTINGS = f"""
CREATE TABLE clinic_settings (
    id INTEGER PRIMARY KEY,
    clinic_name TEXT NOT NULL,
    refill_margin_days INTEGER NOT NULL CHECK (refill_margin_days BETWEEN 1 AND 60),
    decimal_separator TEXT NOT NULL CHECK (decimal_separator IN ('.', ',')),
    reason TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    audit_seq INTEGER NOT NULL REFERENCES audit (seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;
{_immutable("clinic_settings", "clinic settings versions")}
"""


# Schema 7: the audit trail anchored outside its file (issue 10; product.md, "Records and
# files"). The database gets an identity (what the workstation records the last head it saw
# under) and names the workstation's audit key; from the entry recording this migration on,
# every entry is keyed and lists the tracked rows it changed (db/audit.py). ``audit_state`` is
# the cache of the last listed state of each tracked row, which nothing trusts.
SCHEMA_4 = """
CREATE TABLE audit_state (
    tbl TEXT NOT NULL,
    key TEXT NOT NULL,
    seq INTEGER NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (tbl, key)
) STRICT;
"""


# Record corrections (issue 12: "Edit a patient's record, pump and catheter after creation").
# A patient row never changes, so a corrected name, birth date, spasticity origin or diagnosis is
# a new revision row, the newest being the record (db/patients.py); the reason is kept with it.
# A pump's record is revised by a new pump row (as before); a row with a corrected serial is
# named here as a revision of the pump with the old serial, not a replacement pump.
SCHEMA_RECORD_CORRECTIONS = f"""
CREATE TABLE patient_revision (
    id INTEGER PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patient (id),
    name TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    spasticity_origin TEXT NOT NULL CHECK (spasticity_origin IN ('spinal', 'cerebral')),
    diagnosis TEXT NOT NULL,
    notes TEXT NOT NULL,
    reason TEXT NOT NULL,
    revised_at TEXT NOT NULL,
    revised_by TEXT NOT NULL,
    audit_seq INTEGER NOT NULL REFERENCES audit (seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;
CREATE INDEX patient_revision_by_patient ON patient_revision (patient_id, id);
{_immutable("patient_revision", "patient record revisions")}

CREATE TABLE pump_serial_correction (
    id INTEGER PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patient (id),
    pump_row INTEGER NOT NULL UNIQUE REFERENCES pump (id),
    corrects_serial TEXT NOT NULL,
    audit_seq INTEGER NOT NULL REFERENCES audit (seq) DEFERRABLE INITIALLY DEFERRED
) STRICT;
CREATE INDEX pump_serial_correction_by_patient ON pump_serial_correction (patient_id);
{_immutable("pump_serial_correction", "pump serial corrections")}
"""


# The browser's order of each patient's current name. The patient row is immutable and keeps
# the sort key and scan text (db/search.py) of the name it was created with; a corrected name is
# a revision row. So the list with nothing typed, the order of search results and the scan that
# serves common words read this table instead (db/patients.py), written with the patient and
# replaced with each correction in the same transaction. Derived from the records like the
# search index: neither immutable nor audited; verify checks it against them (db/integrity.py).
SCHEMA_PATIENT_ORDER = """
CREATE TABLE patient_order (
    patient_num INTEGER PRIMARY KEY REFERENCES patient (num),
    sort_key TEXT NOT NULL,
    scan_text TEXT NOT NULL
) STRICT;
-- In name order, with the scan text: the scan of common words reads the index alone.
CREATE INDEX patient_order_by_name ON patient_order (sort_key, patient_num, scan_text);
"""


@dataclass(frozen=True, slots=True)
class Migration:
    """Step ``version - 1`` -> ``version``; ``apply`` runs inside the migration's transaction."""

    version: int
    summary: str
    apply: Callable[[SqliteDatabase], None]


def _create_schema_1(sdb: SqliteDatabase) -> None:
    sdb.executescript(SCHEMA_1)


def _create_schema_2(sdb: SqliteDatabase) -> None:
    sdb.executescript(SCHEMA_2)


def _create_schema_3(sdb: SqliteDatabase) -> None:
    sdb.executescript(SCHEMA_3)


def _create_worklist_figures(sdb: SqliteDatabase) -> None:
    """The worklist's stored figures (db/worklist.py), filled for the patients already there."""
    from db import drug_libraries, worklist
    from db.programmes import Reference
    from programmer.drug_library import default_drug_library
    from programmer.projection import ClinicSettings
    from programmer.pump_catalogue import default_pump_catalogue

    sdb.executescript(worklist.SCHEMA)
    worklist.mark_all_stale(sdb)
    stored = drug_libraries.newest(sdb)
    library = (
        default_drug_library() if stored is None else drug_libraries.read_library(sdb, stored[0])
    )
    worklist.refresh_stale(sdb, Reference(default_pump_catalogue(), library), ClinicSettings())


def _create_assessments(sdb: SqliteDatabase) -> None:
    """Assessments per visit (db/assessments.py): an append-only, audited record table."""
    from db import assessments

    sdb.executescript(assessments.SCHEMA)


def _create_visits(sdb: SqliteDatabase) -> None:
    """Visits (db/visits.py): start and finish records, and the audit entries filed under the
    open visit as they are written."""
    from db import visits

    sdb.executescript(visits.SCHEMA)


def _anchor_audit_trail(sdb: SqliteDatabase) -> None:
    sdb.executescript(SCHEMA_4)
    sdb.execute(
        "INSERT INTO console_meta (key, value) VALUES ('database_id', ?), ('audit_key', ?)",
        [str(uuid.uuid4()), anchor.keyring().own],
    )


def _create_clinic_settings(sdb: SqliteDatabase) -> None:
    sdb.executescript(SCHEMA_CLINIC_SETTINGS)


def _create_record_corrections(sdb: SqliteDatabase) -> None:
    sdb.executescript(SCHEMA_RECORD_CORRECTIONS)


def _create_patient_order(sdb: SqliteDatabase) -> None:
    """The browser's order, filled for the patients already there from their current names
    (the newest revision, else the name at creation)."""
    from db import patients, search

    sdb.executescript(SCHEMA_PATIENT_ORDER)
    rows = sdb.execute(f"SELECT p.num, p.id, {patients.CURRENT_NAME} FROM patient p").fetchall()
    sdb.conn.executemany(
        "INSERT INTO patient_order (patient_num, sort_key, scan_text) VALUES (?, ?, ?)",
        [(num, search.sort_key(name), search.scan_text(name, pid)) for num, pid, name in rows],
    )


# The recent list's order: the moment a patient was opened cannot order it alone (a training
# database's simulated clock stands still until the trainer moves it, so every opening has the
# same time): each opening also takes the next number. Existing rows keep their order.
SCHEMA_OPENED_ORDER = """
ALTER TABLE patient_opened ADD COLUMN opened_seq INTEGER NOT NULL DEFAULT 0;
UPDATE patient_opened SET opened_seq = (
    SELECT count(*) FROM patient_opened o
    WHERE (o.opened_at, o.patient_num) <= (patient_opened.opened_at, patient_opened.patient_num)
);
CREATE INDEX patient_opened_by_order ON patient_opened (opened_seq);
"""


def _order_openings(sdb: SqliteDatabase) -> None:
    sdb.executescript(SCHEMA_OPENED_ORDER)


def _reproject_worklist(sdb: SqliteDatabase) -> None:
    """The worklist's stored figures projected anew: the pump catalogue 2026.12-1 computes a
    Prometra II's refill date to 3.0 mL whatever alarm is programmed (domain.md, "Pumps"), so
    the refill dates stored before it may be days late. Marked stale, they are re-projected
    with the clinic's own settings before the worklist is next read (db/worklist.py)."""
    from db import worklist

    worklist.mark_all_stale(sdb)


MIGRATIONS: list[Migration] = [
    Migration(1, "patients, pumps, programme versions, refills, audit trail", _create_schema_1),
    Migration(2, "database kind, user accounts, simulated pumps", _create_schema_2),
    Migration(3, "drug library versions, compounded concentration confirmations", _create_schema_3),
    Migration(4, "worklist figures", _create_worklist_figures),
    Migration(5, "assessments per visit", _create_assessments),
    Migration(6, "visits", _create_visits),
    Migration(7, "audit trail keyed and anchored outside the file", _anchor_audit_trail),
    Migration(8, "clinic settings versions", _create_clinic_settings),
    Migration(9, "patient record revisions, pump serial corrections", _create_record_corrections),
    Migration(10, "the browser's order follows corrected names", _create_patient_order),
    Migration(11, "the recent list ordered by each opening, whatever the clock", _order_openings),
    Migration(12, "worklist re-projected: Prometra refill dates to 3.0 mL", _reproject_worklist),
]

# The first schema whose audit entries are keyed (the number moves if migrations are renumbered).
KEYED_SCHEMA = next(m.version for m in MIGRATIONS if m.apply is _anchor_audit_trail)


def schema_version() -> int:
    """The schema version this program writes."""
    return len(MIGRATIONS)


def user_version(sdb: SqliteDatabase) -> int:
    return int(sdb.execute("PRAGMA user_version").fetchone()[0])


def check_not_newer(version: int, path: Path) -> None:
    if version > schema_version():
        raise DatabaseNewerError(
            f"{path} was written by a newer version of the console (database schema {version}; "
            f"this program knows up to {schema_version()}). It was not opened or changed: "
            "use the newer console, or open another database."
        )


def backup_path_for(path: Path, version: int, now: datetime) -> Path:
    """Where the copy made before migrating from ``version`` goes: beside the database."""
    stamp = now.strftime("%Y%m%dT%H%M%S")
    candidate = path.with_name(f"{path.stem}.schema{version}-{stamp}.backup{path.suffix}")
    n = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}.schema{version}-{stamp}-{n}.backup{path.suffix}")
        n += 1
    return candidate


def migrate(
    sdb: SqliteDatabase,
    path: Path,
    *,
    now: datetime,
    backup_copy: Callable[[int], Path],
    on_create: Callable[[], None] | None = None,
) -> bool:
    """Bring the database at ``path`` up to :func:`schema_version`. An existing database is
    first copied with ``backup_copy(version)``, which returns where the copy went. True when the
    database was created (version 0 to 1), in which case ``on_create`` ran in the creating
    transaction (so demo patients exist either completely or not at all)."""
    version = user_version(sdb)
    check_not_newer(version, path)
    if version == schema_version():
        return False
    backup = backup_copy(version) if version > 0 else None
    created = False
    # A new database is created at the latest schema in one transaction with one audit entry
    # (its demonstration patients then see every table); an old one steps up one at a time.
    steps: list[list[Migration]] = (
        [MIGRATIONS] if version == 0 else [[m] for m in MIGRATIONS[version:]]
    )
    for step in steps:
        target = step[-1].version
        sdb.execute("BEGIN IMMEDIATE")
        try:
            current = user_version(sdb)  # another process may have migrated meanwhile
            check_not_newer(current, path)
            if current >= target:
                sdb.execute("COMMIT")
                continue
            if current == 0:
                _check_blank(sdb, path)
            for migration in step:
                if migration.version > current:
                    migration.apply(sdb)
            sdb.execute(f"PRAGMA user_version = {target}")
            if current == 0:
                sdb.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            details: dict[str, object] = {
                "schema": target,
                "summary": "; ".join(m.summary for m in step if m.version > current),
                "backup": None if backup is None else str(backup),
            }
            key_name = audit.chain_key_id(sdb)
            if key_name is not None and current < KEYED_SCHEMA:
                details["audit_key"] = key_name  # the first keyed entry names its key
            seq = audit.next_seq(sdb)
            audit.append(
                sdb,
                seq=seq,
                at=now,
                user=audit.SYSTEM_USER,
                action="database.created" if current == 0 else "database.migrated",
                patient_id=None,
                details=details,
            )
            if current == 0:
                created = True
                if on_create is not None:
                    on_create()
            sdb.execute("COMMIT")
        except BaseException:
            if sdb.conn.in_transaction:
                sdb.execute("ROLLBACK")
            raise
    return created


def _check_blank(sdb: SqliteDatabase, path: Path) -> None:
    """Version 0 may only be initialised when SQLite holds nothing yet (a new or 0-byte file):
    an SQLite file with tables of its own belongs to some other program."""
    row = sdb.execute("SELECT count(*) FROM sqlite_master").fetchone()
    if int(row[0]) > 0:
        raise NotADatabaseError(
            f"{path} is an SQLite database of another program, not a console database; it was "
            "left as it is. Choose another file."
        )
