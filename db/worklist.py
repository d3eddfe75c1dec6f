"""The worklist's stored figures (product.md, "Clinic worklist"): one row per patient in
``worklist_figures`` with the projected dates of the programme the pump runs, its replace-by
date, whether it is stopped and whether a saved version has not reached it.

Triggers (migration "worklist figures") put a patient in ``worklist_stale`` whenever a record
the figures come from is written: a patient, a pump record, a programme version, a refill, the
simulated pump's state; a new drug library (its stability limit) marks everyone. The figures
are stamped with the library, catalogue and code they were computed with (:func:`basis`): a
release packaging another one marks everyone too (:func:`out_of_date`). Every write transaction
brings the stale rows up to date before it commits (:func:`refresh`, called by
``Database._write``), so the figures are computed once per change, never on every open, and
opening the worklist reads one indexed table (:func:`candidates`).

Derived data, not a clinical record: neither append-only nor audited; it can always be computed
again from the records (:func:`mark_all_stale`).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlite_utils import Database as SqliteDatabase

from db import patients, programmes
from db.errors import DatabaseError
from db.programmes import Reference
from db.values import date_from, date_text, moment_from, moment_text
from programmer.errors import EngineError
from programmer.findings import stopped_fields
from programmer.projection import ClinicSettings, RefillLimit, project
from programmer.refill import earlier_on_fill
from programmer.worklist import PatientFigures, WorklistItem, horizon
from programmer.worklist import worklist as build_worklist

# Schema 4 (db.migrations): the figures, the stale set, and the triggers that keep it.
SCHEMA = (
    """
CREATE TABLE worklist_figures (
    patient_id TEXT PRIMARY KEY REFERENCES patient (id),
    next_refill_at TEXT,
    refill_limited_by TEXT CHECK (refill_limited_by IN ('alarm', 'stability', 'replacement')),
    low_reservoir_alarm_at TEXT,
    empty_at TEXT,
    replace_by TEXT,
    stopped INTEGER NOT NULL CHECK (stopped IN (0, 1)),
    untransmitted_version INTEGER,
    problem TEXT,
    attention_at TEXT,
    replacement_first INTEGER NOT NULL CHECK (replacement_first IN (0, 1))
) STRICT;
CREATE INDEX worklist_by_attention ON worklist_figures (attention_at);
CREATE INDEX worklist_flagged ON worklist_figures (patient_id)
WHERE stopped = 1 OR untransmitted_version IS NOT NULL OR replacement_first = 1
   OR problem IS NOT NULL;

CREATE TABLE worklist_stale (patient_id TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;
"""
    + "".join(
        f"""
CREATE TRIGGER worklist_after_{table} AFTER INSERT ON {table}
BEGIN INSERT OR IGNORE INTO worklist_stale (patient_id) VALUES (NEW.{column}); END;
"""
        for table, column in (
            ("patient", "id"),
            ("pump", "patient_id"),
            ("programme_version", "patient_id"),
            ("refill", "patient_id"),
            ("simulated_pump", "patient_id"),
        )
    )
    + """
CREATE TRIGGER worklist_after_simulated_pump_update AFTER UPDATE ON simulated_pump
BEGIN INSERT OR IGNORE INTO worklist_stale (patient_id) VALUES (NEW.patient_id); END;
CREATE TRIGGER worklist_after_drug_library AFTER INSERT ON drug_library
BEGIN INSERT OR IGNORE INTO worklist_stale (patient_id) SELECT id FROM patient; END;
"""
)


# Schema 12 (db.migrations, "worklist figures stamped with what they were computed from"): the
# reference data and code the stored figures were last computed with (:func:`basis`), one row.
BASIS_SCHEMA = """
CREATE TABLE worklist_basis (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    basis TEXT NOT NULL
) STRICT;
"""

# The version of the code the figures are computed by: this module's figures_of, the engine's
# projection (programmer.projection) and stop predicate (programmer.findings.stopped_fields).
# Raise it with any change to them that can change a stored figure: every patient's figures
# are then computed again on the first write or worklist read (:func:`out_of_date`).
# 2: the projection takes the corrected pump record; a weekday delivering nothing is stopped.
FIGURES_CODE_VERSION = 2


def basis(reference: Reference) -> str:
    """What the figures computed with ``reference`` depend on besides the records: the drug
    library's version (its stability limits: domain.md, the refill date is limited by "fill +
    stability"), the pump catalogue's (reservoir sizes, rate limits) and the code's. A new
    release packaging another library or catalogue, or another projection, gives another."""
    return (
        f"library {reference.library.version}; catalogue {reference.catalogue.version}; "
        f"figures {FIGURES_CODE_VERSION}"
    )


def out_of_date(sdb: SqliteDatabase, reference: Reference) -> bool:
    """Whether the stored figures were computed with other reference data or code than
    ``reference`` and this program's (or never stamped: a database from before schema 12)."""
    row = sdb.execute("SELECT basis FROM worklist_basis WHERE id = 1").fetchone()
    return row is None or row[0] != basis(reference)


def refresh(sdb: SqliteDatabase, reference: Reference, settings: ClinicSettings) -> int:
    """Bring the stored figures up to date in the caller's write transaction: every patient's
    when they were computed with another basis (:func:`out_of_date`: a release whose library
    shortens a stability period moves refill dates of patients whose records did not change),
    else the stale ones' (:func:`refresh_stale`); returns how many were computed."""
    if out_of_date(sdb, reference):
        mark_all_stale(sdb)
        sdb.execute(
            "INSERT OR REPLACE INTO worklist_basis (id, basis) VALUES (1, ?)", [basis(reference)]
        )
    return refresh_stale(sdb, reference, settings)


def mark_all_stale(sdb: SqliteDatabase) -> None:
    sdb.execute("INSERT OR IGNORE INTO worklist_stale (patient_id) SELECT id FROM patient")


def has_stale(sdb: SqliteDatabase) -> bool:
    return sdb.execute("SELECT 1 FROM worklist_stale LIMIT 1").fetchone() is not None


def figures_of(
    sdb: SqliteDatabase, patient_id: str, reference: Reference, settings: ClinicSettings
) -> PatientFigures:
    """The patient's figures from the records: the newest confirmed programme projected as the
    Overview projects it (with the programmes that ran before it on the same fill), the pump in
    place, and the simulated pump's state."""
    record = patients.read_patient(sdb, patient_id)
    confirmed = [v for v in programmes.read_all(sdb, patient_id, reference) if v.confirmed]
    replace_by: date | None = None if record.pump is None else record.pump.replace_by
    next_refill = alarm = empty = None
    limited: RefillLimit | None = None
    stopped = False
    untransmitted: int | None = None
    if confirmed:
        current = confirmed[-1]
        # The programme as the pump runs it now, with the pump record as corrected since the
        # save (db.patients.running): the replace-by date shown beside it limits its refill date.
        programme = patients.with_record(current.programme, record)
        catalogue = reference.catalogue
        ran = [(v.saved_at, v.programme) for v in confirmed[:-1]]
        projection = project(
            programme,
            catalogue.pump(programme.pump.model),
            reference.library.drug(programme.drug.name),
            settings,
            earlier=earlier_on_fill([*ran, (current.saved_at, programme)], catalogue),
        )
        next_refill = projection.next_refill_at
        limited = projection.refill_limited_by
        alarm = projection.low_reservoir_alarm_at
        empty = projection.empty_at
        # The engine's MODE_STOPPED predicate: the stopped mode, or any day delivering nothing
        # (product.md, "Findings": a weekday off baclofen is a withdrawal risk too).
        stopped = bool(stopped_fields(programme, projection.daily_doses))
        if replace_by is None:
            replace_by = programme.pump.replace_by
    row = sdb.execute(
        "SELECT serial, json_extract(state, '$.running'), "
        "json_extract(state, '$.session') IS NOT NULL, json_extract(state, '$.programme') "
        "FROM simulated_pump WHERE patient_id = ?",
        [patient_id],
    ).fetchone()
    if row is not None and record.pump is not None and row[0] == record.pump.serial:
        running, in_session, pump_text = bool(row[1]), bool(row[2]), row[3]
        stopped = stopped or in_session or not running
        # Both texts are the canonical programme file (programme_file.dumps).
        if confirmed and not in_session and pump_text != confirmed[-1].programme_json:
            untransmitted = confirmed[-1].number
    return PatientFigures(
        patient_id=patient_id,
        name=record.patient.name,
        next_refill_at=next_refill,
        refill_limited_by=limited,
        low_reservoir_alarm_at=alarm,
        empty_at=empty,
        replace_by=replace_by,
        stopped=stopped,
        untransmitted_version=untransmitted,
    )


def _figures_or_problem(
    sdb: SqliteDatabase, patient_id: str, reference: Reference, settings: ClinicSettings
) -> PatientFigures:
    """The figures; when the record cannot be projected (a pump model or drug this program's
    catalogue or library does not know, an unreadable stored programme), the patient is kept
    with the problem in words, so a derived figure never blocks a clinical write and never
    drops a patient from the worklist."""
    try:
        return figures_of(sdb, patient_id, reference, settings)
    except (EngineError, DatabaseError, KeyError, ValueError) as exc:
        name = sdb.execute("SELECT name FROM patient WHERE id = ?", [patient_id]).fetchone()
        return PatientFigures(
            patient_id=patient_id,
            name=str(name[0]),
            next_refill_at=None,
            refill_limited_by=None,
            low_reservoir_alarm_at=None,
            empty_at=None,
            replace_by=None,
            stopped=False,
            untransmitted_version=None,
            problem=str(exc) or type(exc).__name__,
        )


def _text(moment: datetime | None) -> str | None:
    return None if moment is None else moment_text(moment)


_COLUMNS = (
    "patient_id, next_refill_at, refill_limited_by, low_reservoir_alarm_at, empty_at, "
    "replace_by, stopped, untransmitted_version, problem, attention_at, replacement_first"
)


def store(sdb: SqliteDatabase, figures: PatientFigures) -> None:
    sdb.execute(
        f"INSERT OR REPLACE INTO worklist_figures ({_COLUMNS}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        _row(figures),
    )


def _row(figures: PatientFigures) -> list[object]:
    """The stored row of ``figures``, as :func:`store` writes it."""
    f = figures
    return [
        f.patient_id,
        _text(f.next_refill_at),
        None if f.refill_limited_by is None else f.refill_limited_by.value,
        _text(f.low_reservoir_alarm_at),
        _text(f.empty_at),
        None if f.replace_by is None else date_text(f.replace_by),
        int(f.stopped),
        f.untransmitted_version,
        f.problem,
        _text(f.attention_at),
        int(f.replacement_first),
    ]


def out_of_step(
    sdb: SqliteDatabase, reference: Reference, settings: ClinicSettings
) -> tuple[list[str], list[str]]:
    """The patients whose stored figures are not what their records give now (computed as
    :func:`refresh_stale` computes them, with the same library and settings) or are missing,
    and the rows stored for no patient: one edited in the file can hide a patient due or
    overdue from the worklist (product.md, "Clinic worklist": "every overdue one"). Patients
    still waiting in the stale set are left out: the next write computes them; so are all,
    while the figures are stamped with another basis (:func:`out_of_date`, a new release): the
    next write or worklist read computes every patient's again before any is shown."""
    if out_of_date(sdb, reference):
        return [], []
    stale = {str(r[0]) for r in sdb.execute("SELECT patient_id FROM worklist_stale")}
    stored = {
        str(row[0]): list(row) for row in sdb.execute(f"SELECT {_COLUMNS} FROM worklist_figures")
    }
    ids = [str(r[0]) for r in sdb.execute("SELECT id FROM patient ORDER BY num")]
    differing = [
        pid
        for pid in ids
        if pid not in stale
        and stored.pop(pid, None) != _row(_figures_or_problem(sdb, pid, reference, settings))
    ]
    return differing, sorted(stored.keys() - stale)


def refresh_stale(sdb: SqliteDatabase, reference: Reference, settings: ClinicSettings) -> int:
    """Compute and store the figures of every stale patient, in the caller's transaction;
    returns how many."""
    stale = [r[0] for r in sdb.execute("SELECT patient_id FROM worklist_stale").fetchall()]
    for patient_id in stale:
        if patients.exists(sdb, patient_id):
            store(sdb, _figures_or_problem(sdb, patient_id, reference, settings))
    sdb.execute("DELETE FROM worklist_stale")
    return len(stale)


_SELECT = (
    f"SELECT w.patient_id, {patients.CURRENT_NAME}, w.next_refill_at, w.refill_limited_by, "
    "w.low_reservoir_alarm_at, w.empty_at, w.replace_by, w.stopped, w.untransmitted_version, "
    "w.problem "
    "FROM worklist_figures w JOIN patient p ON p.id = w.patient_id"
)


def _figures(row: tuple[object, ...]) -> PatientFigures:
    pid, name, refill, limited, alarm, empty, replace, stopped, untransmitted, problem = row

    def moment(value: object) -> datetime | None:
        return None if value is None else moment_from(str(value))

    return PatientFigures(
        patient_id=str(pid),
        name=str(name),
        next_refill_at=moment(refill),
        refill_limited_by=None if limited is None else RefillLimit(str(limited)),
        low_reservoir_alarm_at=moment(alarm),
        empty_at=moment(empty),
        replace_by=None if replace is None else date_from(str(replace)),
        stopped=bool(stopped),
        untransmitted_version=None if untransmitted is None else int(str(untransmitted)),
        problem=None if problem is None else str(problem),
    )


def candidates(sdb: SqliteDatabase, until: datetime) -> list[PatientFigures]:
    """The stored figures of every patient who may be on the worklist with a window ending at
    ``until``: a date at or before it, or a flag set. A superset of the list, which
    :func:`programmer.worklist.worklist` then decides exactly."""
    rows = sdb.execute(
        f"{_SELECT} WHERE w.attention_at <= ? "
        "UNION "
        f"{_SELECT} WHERE w.stopped = 1 OR w.untransmitted_version IS NOT NULL "
        "OR w.replacement_first = 1 OR w.problem IS NOT NULL",
        [moment_text(until)],
    ).fetchall()
    return [_figures(row) for row in rows]


def all_figures(sdb: SqliteDatabase) -> list[PatientFigures]:
    """Every patient's stored figures (tests, and the check that the stored rows agree)."""
    return [_figures(row) for row in sdb.execute(_SELECT).fetchall()]


def due(sdb: SqliteDatabase, now: datetime, days: int) -> list[WorklistItem]:
    """Every patient due within ``days`` days of ``now``, overdue, stopped or with a version
    not yet transmitted, sorted by next refill, from the stored figures (brought up to date
    first: :func:`has_stale`, :func:`out_of_date`, :func:`refresh`)."""
    return build_worklist(candidates(sdb, horizon(now, days)), now, days)
