"""Demonstration patients for a new default database (issue 3), from the data files in
``db/seed/demo/``: a manifest (``manifest.toml``) and one itb-programme/1 file per patient.

Dates are rebased on the seeding moment (ages, implant and replace-by dates, fills, visits), so
the patients never go stale. Every version is saved through :meth:`Database.save_programme` at
its own moment, so the engine checks it exactly as a clinician's save; events of all patients are
applied in time order, so the audit trail reads as a plausible clinic history.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from db.database import Database
from db.errors import DatabaseError
from db.programmes import acknowledgement_key
from db.records import (
    BolusGivenRecord,
    BolusKind,
    PumpRecord,
    RefillRecord,
    ScreeningRecord,
    ScreeningResponse,
)
from programmer.errors import ProgrammeFileError
from programmer.finding import Severity
from programmer.programme import (
    Bolus,
    Mode,
    Patient,
    Programme,
    Pump,
    Reservoir,
    Step,
    WeekSchedule,
)
from programmer.programme_file import loads
from programmer.projection import reservoir_at
from programmer.pump_catalogue import PumpCatalogue
from programmer.refill import earlier_on_fill
from programmer.units import exact, round_half_up

FORMAT = "itb-demo-patients/1"
PUMP_LIFE_YEARS = 7  # replace-by of a previous pump: domain.md, battery "shut-off at 7"


class DemoDataError(DatabaseError):
    """The packaged demonstration data are malformed (a bug in the data files, not user data)."""


@dataclass(frozen=True, slots=True)
class DemoRefill:
    volume_ml: Decimal
    discrepancy_ml: Decimal
    reason: str


@dataclass(frozen=True, slots=True)
class DemoVersion:
    days_ago: int
    by: str
    reason: str
    acknowledge: str | None
    fill_ml: Decimal | None
    refill: DemoRefill | None
    mode: Mode | None
    daily_dose_mcg: Decimal | None
    rate_factor: Fraction | None
    patient_bolus: bool
    planned_bolus: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class DemoPatient:
    base: Programme
    diagnosis: str
    notes: str
    age_years: int
    implanted_days_ago: int
    replace_by_in_days: int
    catheter_model: str | None
    catheter_length_cm: Decimal | None
    previous_pump: dict[str, Any] | None
    versions: tuple[DemoVersion, ...]
    screenings: tuple[dict[str, Any], ...] = field(default=())
    boluses_given: tuple[dict[str, Any], ...] = field(default=())
    scenario: Scenario | None = None


@dataclass(frozen=True, slots=True)
class DemoManifest:
    acknowledgement: str
    patients: tuple[DemoPatient, ...]


DEMO_FOLDER = Path(__file__).with_name("demo")
# Training scenarios: patients with a problem built in, in the same format (issue: training).
SCENARIO_FOLDER = Path(__file__).with_name("scenarios")


def _read(folder: Path, name: str) -> str:
    # A path beside this module rather than importlib.resources: the same in a source tree, an
    # editable install and a wheel.
    return (folder / name).read_text("utf-8")


def _where(folder: Path, name: str) -> str:
    return f"db/seed/{folder.name}/{name}"


@dataclass(frozen=True, slots=True)
class Scenario:
    """A training scenario: the problem built into one patient, told to the trainer."""

    patient_id: str
    title: str
    situation: str  # what the class is told
    notice: str  # what the trainee should notice
    # The simulated pump's own state where it differs from the record:
    delivery_factor: Fraction | None  # e.g. 3/5: a partly blocked catheter delivers less
    interrupted_session: bool  # the pump was left stopped by a dropped programming session


class _Entry:
    """Checked access to one TOML table of the manifest; every key must be read (a misspelt
    key is an error, not silently ignored) and errors name the entry."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise DemoDataError(f"{where}: expected a table")
        self._data: dict[str, Any] = data
        self._where = where
        self._used: set[str] = set()

    def has(self, key: str) -> bool:
        return key in self._data

    def _get(self, key: str, kind: type | tuple[type, ...], what: str) -> Any:
        if key not in self._data:
            raise DemoDataError(f"{self._where}: missing '{key}'")
        value = self._data[key]
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise DemoDataError(f"{self._where}: '{key}' must be {what}")
        if not isinstance(value, kind):
            raise DemoDataError(f"{self._where}: '{key}' must be {what}")
        self._used.add(key)
        return value

    def text(self, key: str) -> str:
        value: str = self._get(key, str, "text")
        return value

    def optional_text(self, key: str) -> str | None:
        return self.text(key) if self.has(key) else None

    def days(self, key: str) -> int:
        value: int = self._get(key, int, "a whole number of days")
        if value < 0:
            raise DemoDataError(f"{self._where}: '{key}' must not be negative")
        return value

    def number(self, key: str) -> Decimal:
        """A signed decimal (a discrepancy may be negative)."""
        return Decimal(self._get(key, (int, Decimal), "a number"))

    def optional_number(self, key: str) -> Decimal | None:
        return self.number(key) if self.has(key) else None

    def flag(self, key: str, default: bool) -> bool:
        if not self.has(key):
            return default
        value: bool = self._get(key, bool, "true or false")
        return value

    def table(self, key: str) -> _Entry:
        return _Entry(self._get(key, dict, "a table"), f"{self._where}, {key}")

    def tables(self, key: str) -> list[_Entry]:
        if not self.has(key):
            return []
        value = self._get(key, list, "an array of tables")
        return [_Entry(v, f"{self._where}, {key} #{i + 1}") for i, v in enumerate(value)]

    def done(self) -> None:
        unknown = sorted(set(self._data) - self._used)
        if unknown:
            raise DemoDataError(f"{self._where}: unknown key(s) {', '.join(unknown)}")


def load_manifest(folder: Path = DEMO_FOLDER) -> DemoManifest:
    """The packaged demonstration (or training) data, checked (a mistake names the file and the
    entry)."""
    where = _where(folder, "manifest.toml")
    try:
        data = tomllib.loads(_read(folder, "manifest.toml"), parse_float=Decimal)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DemoDataError(f"{where} cannot be read: {exc}") from None
    top = _Entry(data, where)
    if top.text("format") != FORMAT:
        raise DemoDataError(f"{where}: format is not {FORMAT}")
    acknowledgement = top.text("acknowledgement")
    patients = tuple(_patient(entry, folder) for entry in top.tables("patient"))
    top.done()
    if not patients:
        raise DemoDataError(f"{where}: no patient")
    return DemoManifest(acknowledgement, patients)


def training_scenarios() -> tuple[Scenario, ...]:
    """The training scenarios, in the order of their manifest."""
    return tuple(
        p.scenario for p in load_manifest(SCENARIO_FOLDER).patients if p.scenario is not None
    )


def _scenario(t: _Entry, patient_id: str) -> Scenario:
    factor = t.optional_text("pump_delivery_factor")
    scenario = Scenario(
        patient_id=patient_id,
        title=t.text("title"),
        situation=t.text("situation"),
        notice=t.text("notice"),
        delivery_factor=None if factor is None else Fraction(factor),
        interrupted_session=t.flag("pump_interrupted_session", False),
    )
    t.done()
    return scenario


def _patient(t: _Entry, folder: Path) -> DemoPatient:
    file_name = t.text("file")
    try:
        base = loads(_read(folder, file_name))
    except (ProgrammeFileError, OSError) as exc:
        raise DemoDataError(f"{_where(folder, file_name)}: {exc}") from None
    versions = tuple(_version(v) for v in t.tables("version"))
    previous = None
    if t.has("previous_pump"):
        p = t.table("previous_pump")
        previous = {
            "model": p.text("model"),
            "serial": p.text("serial"),
            "implanted_days_ago": p.days("implanted_days_ago"),
        }
        p.done()
    screenings: list[dict[str, Any]] = []
    for s in t.tables("screening"):
        screenings.append(
            {
                "days_ago": s.days("days_ago"),
                "dose_mcg": s.number("dose_mcg"),
                "response": ScreeningResponse(s.text("response")),
                "effect_hours": s.optional_number("effect_hours"),
                "notes": s.text("notes"),
            }
        )
        s.done()
    boluses: list[dict[str, Any]] = []
    for b in t.tables("bolus_given"):
        boluses.append(
            {
                "days_ago": b.days("days_ago"),
                "kind": BolusKind(b.text("kind")),
                "dose_mcg": b.number("dose_mcg"),
                "duration_min": b.days("duration_min"),
                "reason": b.text("reason"),
            }
        )
        b.done()
    patient = DemoPatient(
        base=base,
        diagnosis=t.text("diagnosis"),
        notes=t.text("notes"),
        age_years=t.days("age_years"),
        implanted_days_ago=t.days("implanted_days_ago"),
        replace_by_in_days=t.days("replace_by_in_days"),
        catheter_model=t.optional_text("catheter_model"),
        catheter_length_cm=t.optional_number("catheter_length_cm"),
        previous_pump=previous,
        versions=versions,
        screenings=tuple(screenings),
        boluses_given=tuple(boluses),
        scenario=_scenario(t.table("scenario"), base.patient.id) if t.has("scenario") else None,
    )
    t.done()
    days = [v.days_ago for v in versions]
    if not versions or days != sorted(days, reverse=True) or len(set(days)) != len(days):
        raise DemoDataError(f"{_where(folder, file_name)}: versions must go forward in time")
    if versions[0].fill_ml is None:
        raise DemoDataError(
            f"{_where(folder, file_name)}: the first version must fill the reservoir"
        )
    return patient


def _version(t: _Entry) -> DemoVersion:
    refill = None
    if t.has("refill"):
        r = t.table("refill")
        refill = DemoRefill(
            volume_ml=r.number("volume_ml"),
            discrepancy_ml=r.number("discrepancy_ml"),
            reason=r.optional_text("reason") or "",
        )
        r.done()
    planned = None
    if t.has("planned_bolus"):
        p = t.table("planned_bolus")
        planned = {
            "days_from_now": p.days("days_from_now"),
            "time": time.fromisoformat(p.text("time")),
            "dose_mcg": p.number("dose_mcg"),
            "duration_min": p.days("duration_min"),
        }
        p.done()
    factor = t.optional_text("rate_factor")
    version = DemoVersion(
        days_ago=t.days("days_ago"),
        by=t.text("by"),
        reason=t.text("reason"),
        acknowledge=t.optional_text("acknowledge"),
        fill_ml=t.optional_number("fill_ml"),
        refill=refill,
        mode=Mode(t.text("mode")) if t.has("mode") else None,
        daily_dose_mcg=t.optional_number("daily_dose_mcg"),
        rate_factor=None if factor is None else Fraction(factor),
        patient_bolus=t.flag("patient_bolus", True),
        planned_bolus=planned,
    )
    t.done()
    return version


# ---------------------------------------------------------------- building the patients


def years_before(day: date, years: int) -> date:
    """The birth date of someone exactly ``years`` old on ``day`` (29 February -> 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _birth_date(base: date, today: date, age: int) -> date:
    """Keep the file's birthday (month, day) and choose the year that makes ``age`` today."""
    month, day = base.month, base.day
    year = today.year - age - (1 if (month, day) > (today.month, today.day) else 0)
    try:
        return date(year, month, day)
    except ValueError:
        return date(year, month, 28)


def _scaled_week(week: WeekSchedule, factor: Fraction) -> WeekSchedule:
    days: dict[str, tuple[Step, ...]] = {}
    for name, steps in week.days.items():
        scaled = []
        for s in steps:
            rate = exact(s.rate_mcg_per_h) * factor
            as_decimal = Decimal(rate.numerator) / Decimal(rate.denominator)
            if exact(as_decimal) != rate:
                raise DemoDataError(f"rate_factor {factor} does not give exact rates")
            scaled.append(Step(s.start_min, as_decimal))
        days[name] = tuple(scaled)
    return WeekSchedule(days)


def _programme(
    demo: DemoPatient,
    version: DemoVersion,
    patient: Patient,
    pump: Pump,
    reservoir: Reservoir,
    now: datetime,
) -> Programme:
    base = demo.base
    mode = version.mode or base.mode
    week = None
    daily = None
    if mode is Mode.FLEXIBLE:
        if base.week is None:
            raise DemoDataError(f"{patient.id}: a flexible version needs a flexible base file")
        week = (
            base.week
            if version.rate_factor is None
            else _scaled_week(base.week, version.rate_factor)
        )
    elif mode is Mode.SIMPLE_CONTINUOUS:
        daily = (
            version.daily_dose_mcg if version.daily_dose_mcg is not None else base.daily_dose_mcg
        )
        if daily is None:
            raise DemoDataError(f"{patient.id}: a simple-continuous version needs a daily dose")
    boluses: tuple[Bolus, ...] = ()
    if version.planned_bolus is not None:
        p = version.planned_bolus
        day = now.date() + timedelta(days=p["days_from_now"])
        boluses = (Bolus(datetime.combine(day, p["time"]), p["dose_mcg"], p["duration_min"]),)
    return base.with_changes(
        patient=patient,
        pump=pump,
        reservoir=reservoir,
        mode=mode,
        week=week,
        daily_dose_mcg=daily,
        boluses=boluses,
        patient_bolus=base.patient_bolus if version.patient_bolus else None,
    )


def _expected_residual(
    fill: Reservoir,
    running: list[tuple[datetime, Programme]],
    at: datetime,
    catalogue: PumpCatalogue,
) -> Decimal:
    """What the programmes in effect since the last fill leave in the reservoir at ``at``
    (domain.md: "expected residual = volume at last refill - delivery since"), to 0.01 mL: the
    reservoir as every screen estimates it (projection.reservoir_at)."""
    if not running or running[-1][1].reservoir != fill:
        return round_half_up(exact(fill.volume_ml), 2)
    current = running[-1][1]
    left = reservoir_at(
        current,
        catalogue.pump(current.pump.model),
        at,
        earlier=earlier_on_fill(running, catalogue),
    )
    return round_half_up(max(left, Fraction(0)), 2)


Event = tuple[datetime, int, int, Callable[[], None]]


def _events(
    database: Database, demo: DemoPatient, index: int, now: datetime, acknowledgement: str
) -> list[Event]:
    """The patient's writes, each with its moment, for merging with the other patients'."""
    catalogue = database.catalogue
    today = now.date()
    base = demo.base
    patient = Patient(
        id=base.patient.id,
        name=base.patient.name,
        birth_date=_birth_date(base.patient.birth_date, today, demo.age_years),
        spasticity_origin=base.patient.spasticity_origin,
    )
    implanted = today - timedelta(days=demo.implanted_days_ago)
    pump = Pump(
        model=base.pump.model,
        serial=base.pump.serial,
        implanted_on=implanted,
        replace_by=today + timedelta(days=demo.replace_by_in_days),
        low_reservoir_alarm_ml=base.pump.low_reservoir_alarm_ml,
    )
    pump_record = PumpRecord.from_pump(
        pump, catheter_model=demo.catheter_model, catheter_length_cm=demo.catheter_length_cm
    )
    events: list[Event] = []
    order = 0

    def add(moment: datetime, action: Callable[[], None]) -> None:
        nonlocal order
        events.append((moment, index, order, action))
        order += 1

    def at(days_ago: int) -> datetime:
        return now - timedelta(days=days_ago)

    first = min(
        [at(v.days_ago) for v in demo.versions]
        + [at(s["days_ago"]) for s in demo.screenings]
        + [at(b["days_ago"]) for b in demo.boluses_given]
    ) - timedelta(minutes=30)
    if demo.previous_pump is not None:
        old_implanted = today - timedelta(days=demo.previous_pump["implanted_days_ago"])
        old = PumpRecord(
            model=demo.previous_pump["model"],
            serial=demo.previous_pump["serial"],
            implanted_on=old_implanted,
            replace_by=years_before(old_implanted, -PUMP_LIFE_YEARS),
            catheter_model=demo.catheter_model,
            catheter_length_cm=demo.catheter_length_cm,
            low_reservoir_alarm_ml=Decimal("2.0"),
        )
        add(first, lambda: _create(database, patient, old, demo, first))
        add(
            first,
            lambda: database.replace_pump(
                patient.id, pump_record, user=demo.versions[0].by, now=first
            ),
        )
    else:
        add(first, lambda: _create(database, patient, pump_record, demo, first))
    for s in demo.screenings:
        record = ScreeningRecord(
            at=at(s["days_ago"]),
            dose_mcg=s["dose_mcg"],
            response=s["response"],
            effect_hours=s["effect_hours"],
            notes=s["notes"],
        )
        add(record.at, _bind_screening(database, patient.id, record, demo.versions[0].by))
    for b in demo.boluses_given:
        bolus = BolusGivenRecord(
            at=at(b["days_ago"]),
            kind=b["kind"],
            dose_mcg=b["dose_mcg"],
            duration_min=b["duration_min"],
            reason=b["reason"],
        )
        add(bolus.at, _bind_bolus(database, patient.id, bolus, demo.versions[0].by))

    running: list[tuple[datetime, Programme]] = []
    reservoir: Reservoir | None = None
    for number, version in enumerate(demo.versions, start=1):
        moment = at(version.days_ago)
        if version.fill_ml is not None:
            reservoir = Reservoir(version.fill_ml, moment)
        if version.refill is not None:
            assert reservoir is not None
            expected = _expected_residual(reservoir, running, moment, catalogue)
            measured = max(expected + version.refill.discrepancy_ml, Decimal(0))
            refill = RefillRecord(
                at=moment,
                expected_residual_ml=expected,
                measured_residual_ml=measured,
                volume_added_ml=version.refill.volume_ml,
                concentration_mcg_per_ml=base.drug.concentration_mcg_per_ml,
                drug=base.drug.name,
                reason=version.refill.reason,
            )
            add(moment, _bind_refill(database, patient.id, refill, version.by))
            reservoir = Reservoir(version.refill.volume_ml, moment)
        if reservoir is None:
            raise DemoDataError(f"{patient.id}: the first version must fill the reservoir")
        programme = _programme(demo, version, patient, pump, reservoir, now)
        running.append((moment, programme))
        add(
            moment,
            _bind_save(
                database,
                programme,
                number,
                version,
                version.acknowledge or acknowledgement,
                moment,
            ),
        )
    return events


def _create(
    database: Database, patient: Patient, pump: PumpRecord, demo: DemoPatient, now: datetime
) -> None:
    database.create_patient(
        patient,
        pump,
        diagnosis=demo.diagnosis,
        notes=demo.notes,
        user=demo.versions[0].by,
        now=now,
    )


def _bind_refill(
    database: Database, patient_id: str, refill: RefillRecord, user: str
) -> Callable[[], None]:
    return lambda: database.record_refill(patient_id, refill, user=user, now=refill.at)


def _bind_bolus(
    database: Database, patient_id: str, bolus: BolusGivenRecord, user: str
) -> Callable[[], None]:
    return lambda: database.record_bolus_given(patient_id, bolus, user=user, now=bolus.at)


def _bind_screening(
    database: Database, patient_id: str, screening: ScreeningRecord, user: str
) -> Callable[[], None]:
    return lambda: database.record_screening(patient_id, screening, user=user, now=screening.at)


def _bind_save(
    database: Database,
    programme: Programme,
    number: int,
    version: DemoVersion,
    acknowledgement: str,
    moment: datetime,
) -> Callable[[], None]:
    def save() -> None:
        result = database.check_programme(programme, now=moment)
        acks = {
            acknowledgement_key(f): acknowledgement
            for f in result.findings
            if f.severity is Severity.SOFT
        }
        database.save_programme(
            programme,
            base_version=number - 1 if number > 1 else None,
            user=version.by,
            reason=version.reason,
            acknowledgements=acks,
            now=moment,
        )

    return save


def seed_demo_patients(database: Database, now: datetime, folder: Path = DEMO_FOLDER) -> None:
    """Add every demonstration patient (or, from SCENARIO_FOLDER, every training scenario's
    patient), as of ``now`` (whole minutes), in the caller's transaction: given to
    ``Database.open(..., on_create=seed_demo_patients)``, the creating one."""
    now = now.replace(second=0, microsecond=0)
    manifest = load_manifest(folder)
    events: list[Event] = []
    for index, demo in enumerate(manifest.patients):
        events += _events(database, demo, index, now, manifest.acknowledgement)
    for _, _, _, action in sorted(events, key=lambda e: (e[0], e[1], e[2])):
        action()
