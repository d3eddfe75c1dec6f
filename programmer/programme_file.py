"""The programme file, format ``itb-programme/1`` (product.md): JSON, UTF-8, strict.

Reading refuses unknown keys, wrong types, duplicate keys, NaN, impossible values and anything
that is not UTF-8 JSON, with a :class:`ProgrammeFileError` naming the field. Writing gives one
canonical text, so that a programme round-trips exactly and an export is byte-for-byte stable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

from programmer.drug_library import DrugLibrary, default_drug_library
from programmer.errors import ProgrammeFileError
from programmer.files import FileProblem, read_input, write_bytes
from programmer.programme import (
    EVERY_DAY,
    WEEKDAYS,
    Bolus,
    DrugFill,
    Mode,
    Patient,
    PatientBolus,
    Programme,
    Pump,
    Reservoir,
    SpasticityOrigin,
    Step,
    WeekSchedule,
)
from programmer.pump_catalogue import PumpCatalogue, default_pump_catalogue

FORMAT = "itb-programme/1"
MAX_FILE_BYTES = 1_000_000
MAX_DECIMAL_PLACES = 6
MAX_STEPS_IN_FILE = 96
MAX_BOLUSES_IN_FILE = 200

# ASCII digits only: ``\d`` would also take e.g. fullwidth digits, which int() then accepts.
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", re.ASCII)
_HHMM = re.compile(r"(\d{2}):(\d{2})", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

T = TypeVar("T")


# ---------------------------------------------------------------- reading


def _shown(text: str, limit: int = 40) -> str:
    """Text from the file quoted in a message: one line (unprintable characters escaped), short."""
    escaped = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[: limit + 1])
    return escaped[:limit] + "..." if len(text) > limit else escaped


class _Object(dict[str, Any]):
    """A JSON object as parsed: ``duplicate`` names a key written twice in it, refused with its
    field's path when the object is read (:class:`_Reader`), like every other message."""

    duplicate: str | None = None


class _Constant:
    """NaN, Infinity or -Infinity where the file has one: refused, naming the field, wherever
    it is read (never silently a number)."""

    def __init__(self, name: str) -> None:
        self.name = name


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = _Object()
    for key, value in pairs:
        if key in result and result.duplicate is None:
            result.duplicate = key
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    return _Constant(name)


def _refuse_constant(value: Any, field: str) -> None:
    if isinstance(value, _Constant):
        raise ProgrammeFileError(f"{value.name} is not a number a programme can hold", field)


def parse_json(data: bytes | str) -> Any:
    """Strict JSON: UTF-8, no duplicate keys, no NaN/Infinity, numbers kept exact."""
    if isinstance(data, bytes):
        if len(data) > MAX_FILE_BYTES:
            raise ProgrammeFileError("the file is over 1 MB; a programme is far smaller")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProgrammeFileError(f"not UTF-8 text (byte {exc.start})") from None
    else:
        text = data
        if len(text) > MAX_FILE_BYTES:
            raise ProgrammeFileError("the file is over 1 MB; a programme is far smaller")
    text = text.removeprefix("\ufeff")
    try:
        return json.loads(
            text, parse_float=Decimal, parse_constant=_no_constant, object_pairs_hook=_no_duplicates
        )
    except ProgrammeFileError:
        raise
    except json.JSONDecodeError as exc:
        raise ProgrammeFileError(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except RecursionError:
        raise ProgrammeFileError("not a programme: the JSON is nested too deeply") from None
    except (ValueError, InvalidOperation) as exc:
        if "digits" in str(exc):  # Python's limit on the digits of an integer (4300)
            raise ProgrammeFileError("not valid JSON: a number has too many digits") from None
        raise ProgrammeFileError(f"not valid JSON: {exc}") from None


class _Reader:
    """Checked access to one JSON object of the file; errors name the field's path."""

    def __init__(
        self, value: Any, path: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> None:
        if not isinstance(value, dict):
            _refuse_constant(value, path)
            raise ProgrammeFileError(f"must be an object, not {_kind(value)}", path or None)
        duplicate = getattr(value, "duplicate", None)
        if duplicate is not None:
            key = _shown(duplicate)
            raise ProgrammeFileError(
                f"the key '{key}' appears twice in one object", _join(path, key)
            )
        for key, item in value.items():
            _refuse_constant(item, _join(path, _shown(key)))
        unknown = [k for k in value if k not in required and k not in optional]
        if unknown:
            key = _shown(unknown[0])
            raise ProgrammeFileError(f"unknown key '{key}'", _join(path, key))
        missing = [k for k in required if k not in value]
        if missing:
            raise ProgrammeFileError("is missing", _join(path, missing[0]))
        self.value: dict[str, Any] = value
        self.path = path

    def field(self, key: str) -> str:
        return _join(self.path, key)

    def get(self, key: str, convert: Callable[[Any, str], T]) -> T:
        return convert(self.value.get(key), self.field(key))

    def optional(self, key: str, convert: Callable[[Any, str], T]) -> T | None:
        raw = self.value.get(key)
        return None if raw is None else convert(raw, self.field(key))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | Decimal):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _text(max_len: int) -> Callable[[Any, str], str]:
    def convert(value: Any, field: str) -> str:
        if not isinstance(value, str):
            raise ProgrammeFileError(f"must be text, not {_kind(value)}", field)
        if not value.strip():
            raise ProgrammeFileError("must not be empty", field)
        if len(value) > max_len:
            raise ProgrammeFileError(f"is longer than {max_len} characters", field)
        if _CONTROL.search(value):
            raise ProgrammeFileError("contains control characters", field)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate (\ud800) parses but can never be written
            raise ProgrammeFileError("contains a character that is not valid text", field) from None
        return value

    return convert


def _choice(options: tuple[str, ...]) -> Callable[[Any, str], str]:
    def convert(value: Any, field: str) -> str:
        if not isinstance(value, str) or value not in options:
            shown = _shown(value) if isinstance(value, str) else _kind(value)
            raise ProgrammeFileError(f"'{shown}' is not one of {', '.join(options)}", field)
        return value

    return convert


def _date(value: Any, field: str) -> date:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise ProgrammeFileError("must be a date written YYYY-MM-DD", field)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ProgrammeFileError(f"'{value}' is not a real date", field) from None


def _datetime(value: Any, field: str) -> datetime:
    if not isinstance(value, str) or not _DATETIME.fullmatch(value):
        raise ProgrammeFileError("must be a local date and time written YYYY-MM-DDTHH:MM", field)
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ProgrammeFileError(f"'{value}' is not a real date and time", field) from None


def _hhmm(value: Any, field: str) -> int:
    match = _HHMM.fullmatch(value) if isinstance(value, str) else None
    if not match:
        raise ProgrammeFileError("must be a time of day written HH:MM", field)
    hours, minutes = int(match[1]), int(match[2])
    if hours > 23 or minutes > 59:
        raise ProgrammeFileError(f"'{value}' is not a time of day (00:00 to 23:59)", field)
    return hours * 60 + minutes


def _number(
    low: Decimal, high: Decimal, *, positive: bool = False, unit: str = ""
) -> Callable[[Any, str], Decimal]:
    """A non-negative (or positive) number up to ``high``, at most 6 decimals, kept exact."""

    def convert(value: Any, field: str) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise ProgrammeFileError(f"must be a number, not {_kind(value)}", field)
        number = Decimal(value) if isinstance(value, int) else value
        if not number.is_finite():
            raise ProgrammeFileError("must be a finite number", field)
        if number < 0 or (positive and number == 0):
            raise ProgrammeFileError(
                f"must be {'greater than' if positive else 'at least'} 0", field
            )
        if number < low:
            raise ProgrammeFileError(f"must be at least {low} {unit}".rstrip(), field)
        if number > high:
            raise ProgrammeFileError(
                f"{_plain(number)} is beyond any possible value (at most {high} {unit})".rstrip(),
                field,
            )
        exponent = number.as_tuple().exponent
        assert isinstance(exponent, int)
        if -exponent > MAX_DECIMAL_PLACES and number != number.quantize(
            Decimal(1).scaleb(-MAX_DECIMAL_PLACES)
        ):
            raise ProgrammeFileError(f"has more than {MAX_DECIMAL_PLACES} decimal places", field)
        return number

    return convert


def _plain(number: Decimal) -> str:
    text = format(number, "f") if abs(number.adjusted()) < 30 else format(number, "E")
    # A number of a million digits is quoted short: the message is one line a person reads.
    return text if len(text) <= 30 else format(number, ".6E")


def _integer(low: int, high: int, unit: str) -> Callable[[Any, str], int]:
    def convert(value: Any, field: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ProgrammeFileError(f"must be a whole number of {unit}, not {_kind(value)}", field)
        if not low <= value <= high:
            raise ProgrammeFileError(f"must be from {low} to {high} {unit}", field)
        return value

    return convert


def _list(value: Any, field: str, max_len: int) -> list[Any]:
    if not isinstance(value, list):
        raise ProgrammeFileError(f"must be a list, not {_kind(value)}", field)
    if len(value) > max_len:
        raise ProgrammeFileError(f"has {len(value)} entries; at most {max_len}", field)
    return value


_RATE = _number(Decimal(0), Decimal(1_000_000), unit="mcg/h")
_DOSE_DAY = _number(Decimal(0), Decimal(10_000_000), unit="mcg/day")
_DOSE = _number(Decimal(0), Decimal(1_000_000), positive=True, unit="mcg")
_VOLUME = _number(Decimal(0), Decimal(1000), unit="mL")
_CONCENTRATION = _number(Decimal(0), Decimal(100_000), positive=True, unit="mcg/mL")


def _steps(value: Any, field: str) -> tuple[Step, ...]:
    steps = []
    for i, raw in enumerate(_list(value, field, MAX_STEPS_IN_FILE)):
        r = _Reader(raw, f"{field}[{i}]", ("start", "rate_mcg_per_h"))
        steps.append(
            Step(start_min=r.get("start", _hhmm), rate_mcg_per_h=r.get("rate_mcg_per_h", _RATE))
        )
    return tuple(steps)


def _week(value: Any, field: str) -> WeekSchedule:
    if isinstance(value, dict) and EVERY_DAY in value:
        r = _Reader(value, field, (EVERY_DAY,))
        return WeekSchedule.every_day(r.get(EVERY_DAY, _steps))
    if isinstance(value, dict) and not set(value) - set(WEEKDAYS) and value:
        r = _Reader(value, field, WEEKDAYS)
        return WeekSchedule.by_weekday({d: r.get(d, _steps) for d in WEEKDAYS})
    if isinstance(value, dict):
        raise ProgrammeFileError("must hold either 'every_day' or all seven of mon ... sun", field)
    raise ProgrammeFileError(f"must be an object, not {_kind(value)}", field)


def _bolus(value: Any, field: str) -> Bolus:
    r = _Reader(value, field, ("start", "dose_mcg", "duration_min"))
    return Bolus(
        start=r.get("start", _datetime),
        dose_mcg=r.get("dose_mcg", _DOSE),
        duration_min=r.get("duration_min", _integer(1, 1440, "minutes")),
    )


def _patient_bolus(value: Any, field: str) -> PatientBolus:
    r = _Reader(value, field, ("dose_mcg", "duration_min", "lockout_min", "max_per_day"))
    return PatientBolus(
        dose_mcg=r.get("dose_mcg", _DOSE),
        duration_min=r.get("duration_min", _integer(1, 1440, "minutes")),
        lockout_min=r.get("lockout_min", _integer(0, 1440, "minutes")),
        max_per_day=r.get("max_per_day", _integer(1, 1440, "activations")),
    )


def programme_from_json(
    data: Any, *, catalogue: PumpCatalogue | None = None, library: DrugLibrary | None = None
) -> Programme:
    """A programme from parsed JSON (see :func:`parse_json`)."""
    catalogue = catalogue or default_pump_catalogue()
    library = library or default_drug_library()
    top = _Reader(
        data,
        "",
        (
            "format",
            "patient",
            "pump",
            "drug",
            "reservoir",
            "mode",
            "daily_dose_mcg",
            "week",
            "boluses",
            "patient_bolus",
        ),
    )
    if top.value["format"] != FORMAT:
        raise ProgrammeFileError(f"must be '{FORMAT}'", "format")
    p = _Reader(top.value["patient"], "patient", ("id", "name", "birth_date", "spasticity_origin"))
    patient = Patient(
        id=p.get("id", _text(64)),
        name=p.get("name", _text(200)),
        birth_date=p.get("birth_date", _date),
        spasticity_origin=SpasticityOrigin(
            p.get("spasticity_origin", _choice(tuple(o.value for o in SpasticityOrigin)))
        ),
    )
    u = _Reader(
        top.value["pump"],
        "pump",
        ("model", "serial", "implanted_on", "replace_by", "low_reservoir_alarm_ml"),
    )
    model = u.get("model", _choice(tuple(sorted(catalogue.pumps))))
    pump = Pump(
        model=model,
        serial=u.get("serial", _text(64)),
        implanted_on=u.get("implanted_on", _date),
        replace_by=u.get("replace_by", _date),
        low_reservoir_alarm_ml=u.get(
            "low_reservoir_alarm_ml", _number(Decimal(0), Decimal(1000), positive=True, unit="mL")
        ),
    )
    if pump.replace_by <= pump.implanted_on:
        raise ProgrammeFileError("must be after the implant date", "pump.replace_by")
    if pump.implanted_on < patient.birth_date:
        raise ProgrammeFileError("is before the patient's birth date", "pump.implanted_on")
    reservoir_size = catalogue.pump(model).reservoir_ml
    if pump.low_reservoir_alarm_ml >= reservoir_size:
        raise ProgrammeFileError(
            f"must be under the {reservoir_size} mL reservoir", "pump.low_reservoir_alarm_ml"
        )
    d = _Reader(top.value["drug"], "drug", ("name", "concentration_mcg_per_ml"))
    drug = DrugFill(
        name=d.get("name", _choice(tuple(sorted(library.drugs)))),
        concentration_mcg_per_ml=d.get("concentration_mcg_per_ml", _CONCENTRATION),
    )
    r = _Reader(top.value["reservoir"], "reservoir", ("volume_ml", "filled_at"))
    reservoir = Reservoir(
        volume_ml=r.get("volume_ml", _VOLUME), filled_at=r.get("filled_at", _datetime)
    )
    mode = Mode(top.get("mode", _choice(tuple(m.value for m in Mode))))
    daily = top.optional("daily_dose_mcg", _DOSE_DAY)
    week = top.optional("week", _week)
    if mode is Mode.SIMPLE_CONTINUOUS and daily is None:
        raise ProgrammeFileError("is needed for the simple-continuous mode", "daily_dose_mcg")
    if mode is not Mode.SIMPLE_CONTINUOUS and daily is not None:
        raise ProgrammeFileError(f"must be null in the {mode.value} mode", "daily_dose_mcg")
    if mode is Mode.FLEXIBLE and week is None:
        raise ProgrammeFileError("is needed for the flexible mode", "week")
    if mode is not Mode.FLEXIBLE and week is not None:
        raise ProgrammeFileError(f"must be null in the {mode.value} mode", "week")
    boluses_raw = top.value["boluses"]
    boluses = (
        ()
        if boluses_raw is None
        else tuple(
            _bolus(b, f"boluses[{i}]")
            for i, b in enumerate(_list(boluses_raw, "boluses", MAX_BOLUSES_IN_FILE))
        )
    )
    return Programme(
        patient=patient,
        pump=pump,
        drug=drug,
        reservoir=reservoir,
        mode=mode,
        daily_dose_mcg=daily,
        week=week,
        boluses=boluses,
        patient_bolus=top.optional("patient_bolus", _patient_bolus),
    )


def loads(
    data: bytes | str, *, catalogue: PumpCatalogue | None = None, library: DrugLibrary | None = None
) -> Programme:
    """A programme from the text of an ``itb-programme/1`` file."""
    return programme_from_json(parse_json(data), catalogue=catalogue, library=library)


def load(
    path: str | Path, *, catalogue: PumpCatalogue | None = None, library: DrugLibrary | None = None
) -> Programme:
    """A programme from a file; a file that cannot be opened, is not a regular file (a FIFO,
    a device) or is too large is a ProgrammeFileError too (programmer/files.py)."""
    try:
        data = read_input(path, limit=MAX_FILE_BYTES, what="programme file")
    except FileProblem as exc:
        raise ProgrammeFileError(exc.reason) from None
    return loads(data, catalogue=catalogue, library=library)


# ---------------------------------------------------------------- writing


def _time_text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _datetime_text(moment: datetime) -> str:
    # isoformat, not strftime: strftime("%Y") writes year 1 as "1", which cannot be read back.
    return moment.isoformat(timespec="minutes")


def programme_to_json(programme: Programme) -> dict[str, Any]:
    """The file's JSON structure for ``programme``, keys in the documented order."""
    pr = programme
    week: dict[str, Any] | None = None
    if pr.week is not None:
        week = {
            name: [
                {"start": _time_text(s.start_min), "rate_mcg_per_h": s.rate_mcg_per_h}
                for s in pr.week.days[name]
            ]
            for name in pr.week.day_names()
        }
    pb = pr.patient_bolus
    return {
        "format": FORMAT,
        "patient": {
            "id": pr.patient.id,
            "name": pr.patient.name,
            "birth_date": pr.patient.birth_date.isoformat(),
            "spasticity_origin": pr.patient.spasticity_origin.value,
        },
        "pump": {
            "model": pr.pump.model,
            "serial": pr.pump.serial,
            "implanted_on": pr.pump.implanted_on.isoformat(),
            "replace_by": pr.pump.replace_by.isoformat(),
            "low_reservoir_alarm_ml": pr.pump.low_reservoir_alarm_ml,
        },
        "drug": {
            "name": pr.drug.name,
            "concentration_mcg_per_ml": pr.drug.concentration_mcg_per_ml,
        },
        "reservoir": {
            "volume_ml": pr.reservoir.volume_ml,
            "filled_at": _datetime_text(pr.reservoir.filled_at),
        },
        "mode": pr.mode.value,
        "daily_dose_mcg": pr.daily_dose_mcg,
        "week": week,
        "boluses": [
            {
                "start": _datetime_text(b.start),
                "dose_mcg": b.dose_mcg,
                "duration_min": b.duration_min,
            }
            for b in pr.boluses
        ],
        "patient_bolus": None
        if pb is None
        else {
            "dose_mcg": pb.dose_mcg,
            "duration_min": pb.duration_min,
            "lockout_min": pb.lockout_min,
            "max_per_day": pb.max_per_day,
        },
    }


def exact_json(value: Any, indent: str = "") -> str:
    """JSON text with every Decimal written exactly as stored (``0.0480`` stays ``0.0480``; the
    json module has no Decimal), two-space indented: the programme file and the FHIR export."""
    return _encode(value, indent)


def _encode(value: Any, indent: str) -> str:
    if isinstance(value, Decimal):
        # -0 reads back as the integer 0: write every zero unsigned so the text is canonical.
        return format(value.copy_abs() if value.is_zero() else value, "f")
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = indent + "  "
        items = [f"{inner}{json.dumps(k)}: {_encode(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        inner = indent + "  "
        return "[\n" + ",\n".join(inner + _encode(v, inner) for v in value) + "\n" + indent + "]"
    return json.dumps(value, ensure_ascii=False)


def dumps(programme: Programme) -> str:
    """The canonical ``itb-programme/1`` text of ``programme`` (UTF-8, ends with a newline)."""
    return _encode(programme_to_json(programme), "") + "\n"


def save(programme: Programme, path: str | Path, *, force: bool = False) -> None:
    """Write the programme file through programmer/files.py: whole or not at all, never onto a
    device or folder, an existing file replaced only with ``force``."""
    write_bytes(path, dumps(programme).encode("utf-8"), force=force)
