"""The programme file, format itb-programme/1 (product.md): strict reading that names the field,
canonical writing, exact round trips, and nothing but ProgrammeFileError for any junk."""

from __future__ import annotations

import copy
import json
import os
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from programmer import programme_file as pf
from programmer.errors import ProgrammeFileError
from programmer.programme import Mode, Programme, Step
from tests.programmer.factories import every_day, programme
from tests.programmer.strategies import file_programmes

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
EXAMPLE = ROOT / "examples" / "flexible.json"


def example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text("utf-8"))
    return data


def set_path(document: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``document`` with ``path`` (``week.every_day[1].start``) set; DELETE removes."""
    doc = copy.deepcopy(document)
    parts: list[str | int] = []
    for part in path.split("."):
        name, _, rest = part.partition("[")
        parts.append(name)
        parts += [int(i) for i in rest.rstrip("]").split("][") if i]
    target: Any = doc
    for key in parts[:-1]:
        target = target[key]
    if value is DELETE:
        del target[parts[-1]]
    else:
        target[parts[-1]] = value
    return doc


DELETE = object()


def load_error(document: Any) -> ProgrammeFileError:
    with pytest.raises(ProgrammeFileError) as info:
        pf.loads(json.dumps(document))
    return info.value


# ---------------------------------------------------------------- reading what is right


def test_example_file_reads_as_documented() -> None:
    p = pf.load(EXAMPLE)
    assert p.mode is Mode.FLEXIBLE
    assert p.patient.birth_date == date(1971, 3, 9)
    assert p.reservoir.filled_at == datetime(2026, 11, 22, 9, 30)
    assert p.week is not None
    assert p.week.days["every_day"][1] == Step(420, Decimal("60.0"))
    assert p.boluses[0].dose_mcg == Decimal("50.0")
    assert p.patient_bolus is not None and p.patient_bolus.max_per_day == 4


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_files_are_in_canonical_form(path: Path) -> None:
    """What the engine writes is byte for byte what the examples hold."""
    text = path.read_text("utf-8")
    assert pf.dumps(pf.loads(text)) == text


def test_numbers_are_kept_exactly_as_typed() -> None:
    doc = set_path(example(), "week.every_day[0].rate_mcg_per_h", Decimal("10.50"))
    text = json.dumps(doc, default=str).replace('"10.50"', "10.50")
    p = pf.loads(text)
    assert p.week is not None
    rate = p.week.days["every_day"][0].rate_mcg_per_h
    assert isinstance(rate, Decimal) and str(rate) == "10.50"
    assert '"rate_mcg_per_h": 10.50' in pf.dumps(p)


def test_utf8_byte_order_mark_is_accepted() -> None:
    data = "\ufeff" + EXAMPLE.read_text("utf-8")
    assert pf.loads(data.encode("utf-8")) == pf.load(EXAMPLE)


def test_weekday_pattern_reads_all_seven_days() -> None:
    day = [{"start": "00:00", "rate_mcg_per_h": 12}]
    doc = set_path(
        example(), "week", {d: day for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    )
    p = pf.loads(json.dumps(doc))
    assert p.week is not None and not p.week.same_every_day


def test_boluses_and_patient_bolus_may_be_empty_or_null() -> None:
    doc = set_path(set_path(example(), "boluses", None), "patient_bolus", None)
    p = pf.loads(json.dumps(doc))
    assert p.boluses == () and p.patient_bolus is None
    assert pf.loads(json.dumps(set_path(example(), "boluses", []))).boluses == ()


# ---------------------------------------------------------------- errors name the field


@pytest.mark.parametrize(
    ("path", "value", "field", "words"),
    [
        ("format", "itb-programme/2", "format", "itb-programme/1"),
        ("patient.id", "", "patient.id", "empty"),
        ("patient.id", "x" * 65, "patient.id", "longer than 64"),
        ("patient.name", "Jane\x00Doe", "patient.name", "control characters"),
        ("patient.name", 42, "patient.name", "must be text, not a number"),
        ("patient.birth_date", "1971-02-30", "patient.birth_date", "not a real date"),
        ("patient.birth_date", "09/03/1971", "patient.birth_date", "YYYY-MM-DD"),
        ("patient.birth_date", "１９７１-03-09", "patient.birth_date", "YYYY-MM-DD"),
        ("patient.spasticity_origin", "spine", "patient.spasticity_origin", "spinal, cerebral"),
        ("pump.model", "synchromed-iii", "pump.model", "not one of"),
        ("pump.replace_by", "2024-05-02", "pump.replace_by", "after the implant date"),
        ("pump.implanted_on", "1960-01-01", "pump.implanted_on", "birth date"),
        ("pump.low_reservoir_alarm_ml", 20, "pump.low_reservoir_alarm_ml", "20 mL reservoir"),
        ("pump.low_reservoir_alarm_ml", 0, "pump.low_reservoir_alarm_ml", "greater than 0"),
        ("pump.low_reservoir_alarm_ml", True, "pump.low_reservoir_alarm_ml", "true/false"),
        ("drug.name", "morphine", "drug.name", "not one of"),
        ("drug.concentration_mcg_per_ml", 0, "drug.concentration_mcg_per_ml", "greater than 0"),
        ("drug.concentration_mcg_per_ml", "500", "drug.concentration_mcg_per_ml", "not text"),
        ("reservoir.volume_ml", -1, "reservoir.volume_ml", "at least 0"),
        ("reservoir.volume_ml", 1001, "reservoir.volume_ml", "at most 1000 mL"),
        ("reservoir.filled_at", "2026-11-22 09:30", "reservoir.filled_at", "YYYY-MM-DDTHH:MM"),
        ("reservoir.filled_at", "2026-11-22T09:30:15", "reservoir.filled_at", "YYYY-MM-DDTHH:MM"),
        ("reservoir.filled_at", "2026-11-22T25:30", "reservoir.filled_at", "not a real date"),
        ("mode", "bolus", "mode", "stopped, minimum-rate, simple-continuous, flexible"),
        ("mode", "simple-continuous", "daily_dose_mcg", "needed"),
        ("daily_dose_mcg", 400, "daily_dose_mcg", "must be null in the flexible mode"),
        ("week", None, "week", "needed for the flexible mode"),
        ("week", [], "week", "must be an object, not a list"),
        ("week", {"mon": []}, "week.tue", "is missing"),
        ("week", {"mon": [], "every_day": []}, "week.mon", "unknown key"),
        ("week", {}, "week", "every_day"),
        ("week.every_day", {}, "week.every_day", "must be a list"),
        (
            "week.every_day",
            [{"start": "00:00", "rate_mcg_per_h": 1}] * 97,
            "week.every_day",
            "at most 96",
        ),
        ("week.every_day[0].start", "24:00", "week.every_day[0].start", "00:00 to 23:59"),
        ("week.every_day[0].start", "7:00", "week.every_day[0].start", "HH:MM"),
        ("week.every_day[0].start", 0, "week.every_day[0].start", "HH:MM"),
        (
            "week.every_day[1].rate_mcg_per_h",
            -0.5,
            "week.every_day[1].rate_mcg_per_h",
            "at least 0",
        ),
        (
            "week.every_day[1].rate_mcg_per_h",
            Decimal("1.0000001"),
            "week.every_day[1].rate_mcg_per_h",
            "6 decimal places",
        ),
        ("week.every_day[1].rate_mcg_per_h", None, "week.every_day[1].rate_mcg_per_h", "not null"),
        ("week.every_day[1]", [], "week.every_day[1]", "must be an object"),
        ("boluses", {}, "boluses", "must be a list"),
        ("boluses[0].dose_mcg", 0, "boluses[0].dose_mcg", "greater than 0"),
        ("boluses[0].duration_min", 0, "boluses[0].duration_min", "from 1 to 1440 minutes"),
        ("boluses[0].duration_min", 30.5, "boluses[0].duration_min", "whole number"),
        ("boluses[0].start", "2026-11-22", "boluses[0].start", "YYYY-MM-DDTHH:MM"),
        ("patient_bolus.lockout_min", -1, "patient_bolus.lockout_min", "from 0 to 1440"),
        ("patient_bolus.max_per_day", 0, "patient_bolus.max_per_day", "from 1 to 1440"),
        ("patient_bolus", [], "patient_bolus", "must be an object"),
        ("patient", "Jane", "patient", "must be an object, not text"),
    ],
)
def test_wrong_value_names_its_field(path: str, value: Any, field: str, words: str) -> None:
    doc = set_path(example(), path, value)
    with pytest.raises(ProgrammeFileError) as info:
        pf.loads(json.dumps(doc, default=str).replace('"1.0000001"', "1.0000001"))
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")
    assert words in str(info.value)


@pytest.mark.parametrize(
    "path",
    [
        "",
        "patient",
        "pump",
        "drug",
        "reservoir",
        "week",
        "week.every_day[0]",
        "boluses[0]",
        "patient_bolus",
    ],
)
def test_unknown_key_at_every_level_is_an_error(path: str) -> None:
    doc = example()
    target = doc
    for part in filter(None, path.replace("[0]", ".0").split(".")):
        target = target[int(part)] if part.isdigit() else target[part]
    target["colour"] = "blue"
    error = load_error(doc)
    assert "unknown key 'colour'" in str(error)
    assert error.field == (f"{path}.colour" if path else "colour")


@pytest.mark.parametrize(
    "path",
    [
        "format",
        "patient.id",
        "pump.serial",
        "drug.concentration_mcg_per_ml",
        "reservoir.filled_at",
        "week.every_day[0].rate_mcg_per_h",
        "boluses[0].duration_min",
        "patient_bolus.lockout_min",
        "mode",
        "daily_dose_mcg",
    ],
)
def test_missing_key_is_an_error(path: str) -> None:
    error = load_error(set_path(example(), path, DELETE))
    assert error.field == path
    assert "is missing" in str(error)


def test_duplicate_key_is_an_error() -> None:
    text = EXAMPLE.read_text("utf-8").replace(
        '"mode": "flexible",', '"mode": "stopped",\n  "mode": "flexible",'
    )
    with pytest.raises(ProgrammeFileError, match="'mode' appears twice"):
        pf.loads(text)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(constant: str) -> None:
    text = EXAMPLE.read_text("utf-8").replace('"volume_ml": 20.0', f'"volume_ml": {constant}')
    with pytest.raises(ProgrammeFileError, match="not a number a programme can hold"):
        pf.loads(text)


@pytest.mark.parametrize(
    "number", ["1e999999", "1E+999999999999", "-1e999999", "1e-999999", "9" * 200 + ".5"]
)
def test_huge_and_tiny_numbers_are_refused_cleanly(number: str) -> None:
    text = EXAMPLE.read_text("utf-8").replace('"volume_ml": 20.0', f'"volume_ml": {number}')
    with pytest.raises(ProgrammeFileError) as info:
        pf.loads(text)
    assert info.value.field == "reservoir.volume_ml"
    assert len(str(info.value)) < 200


def test_integer_of_five_thousand_digits_is_refused_cleanly() -> None:
    text = EXAMPLE.read_text("utf-8").replace('"volume_ml": 20.0', '"volume_ml": ' + "7" * 5000)
    with pytest.raises(ProgrammeFileError):
        pf.loads(text)


def test_negative_zero_reads_as_zero_and_is_written_unsigned() -> None:
    text = EXAMPLE.read_text("utf-8").replace('"rate_mcg_per_h": 10.0', '"rate_mcg_per_h": -0.0', 1)
    p = pf.loads(text)
    assert p.week is not None and p.week.days["every_day"][0].rate_mcg_per_h == 0
    assert ": -0" not in pf.dumps(p)
    assert pf.dumps(pf.loads(pf.dumps(p))) == pf.dumps(p)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "not valid JSON"),
        (b"   \n\t ", "not valid JSON"),
        (b"[]", "must be an object, not a list"),
        (b"null", "must be an object, not null"),
        (b'"itb-programme/1"', "must be an object, not text"),
        (b"\xff\xfe{\x00}\x00", "not UTF-8"),
        (b'{"format": "itb-programme/1", "patient": "\xe9"}', "not UTF-8 text (byte"),
        ("\ufeff{}".encode("utf-16"), "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b"{" * 10, "not valid JSON"),
        (b" " * (pf.MAX_FILE_BYTES + 1), "over 1 MB"),
    ],
    ids=[
        "empty",
        "whitespace",
        "list",
        "null",
        "string",
        "utf16-le",
        "latin1-byte",
        "utf16-bom",
        "deep-nesting",
        "truncated",
        "too-big",
    ],
)
def test_unreadable_data_is_one_clean_error(data: bytes, words: str) -> None:
    with pytest.raises(ProgrammeFileError) as info:
        pf.loads(data)
    assert words in str(info.value)
    assert "\n" not in str(info.value)


def test_hostile_keys_and_values_give_a_one_line_message() -> None:
    """A key or choice from the file is quoted with its control characters escaped and cut
    short, so the CLI's one stderr line stays one line."""
    doc = example()
    doc["patient"]["a\nb\u2028" + "x" * 500] = 1
    error = load_error(doc)
    assert "\n" not in str(error) and "\u2028" not in str(error)
    assert "a\\nb" in str(error) and len(str(error)) < 200
    error = load_error(set_path(example(), "mode", "flex\r\nible"))
    assert "flex\\r\\nible" in str(error)


def test_text_that_cannot_be_written_as_utf8_is_refused() -> None:
    """A lone surrogate ("\\ud800") is valid JSON but no UTF-8 file can hold it."""
    error = load_error(set_path(example(), "patient.name", "Jane \ud800"))
    assert error.field == "patient.name"


def test_load_names_what_is_wrong_with_the_path(tmp_path: Path) -> None:
    with pytest.raises(ProgrammeFileError, match="no such file"):
        pf.load(tmp_path / "missing.json")
    with pytest.raises(ProgrammeFileError, match="is a folder"):
        pf.load(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_load_reports_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "locked.json"
    path.write_text(EXAMPLE.read_text("utf-8"))
    path.chmod(0)
    with pytest.raises(ProgrammeFileError, match="permission denied"):
        pf.load(path)


def test_save_then_load_gives_the_same_programme(tmp_path: Path) -> None:
    p = programme(week=every_day(("00:00", "10.125"), ("06:30", "22")))
    pf.save(p, tmp_path / "p.json")
    assert pf.load(tmp_path / "p.json") == p
    assert (tmp_path / "p.json").read_bytes() == pf.dumps(p).encode("utf-8")


def test_dates_before_year_1000_round_trip() -> None:
    """strftime("%Y") writes year 1 as "1": the writer uses ISO 8601 so it reads back."""
    p = programme(
        filled_at=datetime(1, 1, 1, 0, 0), birth_date=date(1, 1, 1), implanted_on=date(1, 1, 1)
    )
    text = pf.dumps(p)
    assert '"filled_at": "0001-01-01T00:00"' in text
    assert pf.loads(text) == p


# ---------------------------------------------------------------- properties


@given(p=file_programmes())
def test_programme_file_round_trips_exactly(p: Programme) -> None:
    """loads(dumps(p)) == p, and the text is canonical: writing what was read changes nothing."""
    text = pf.dumps(p)
    again = pf.loads(text)
    assert again == p
    assert pf.dumps(again) == text
    assert pf.loads(text.encode("utf-8")) == p


json_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["itb-programme/1", "flexible", "00:00", "2026-11-22T09:30", "baclofen"])
)
json_values = st.recursive(
    json_leaves,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(
            st.sampled_from(["format", "patient", "pump", "week", "every_day", "mode", "start"])
            | st.text(max_size=10),
            inner,
            max_size=6,
        )
    ),
    max_leaves=30,
)


@given(value=json_values)
def test_random_json_never_raises_anything_but_programme_file_error(value: Any) -> None:
    try:
        pf.loads(json.dumps(value))
    except ProgrammeFileError as error:
        assert str(error) and "\n" not in str(error)


@given(data=st.binary(max_size=2000))
def test_random_bytes_never_raise_anything_but_programme_file_error(data: bytes) -> None:
    with pytest.raises(ProgrammeFileError):
        pf.loads(data)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            found += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _paths(v, (*prefix, i))
    return found


@given(data=st.data(), junk=json_values)
def test_example_with_any_part_replaced_by_junk_raises_only_programme_file_error(
    data: st.DataObject, junk: Any
) -> None:
    doc = example()
    path = data.draw(st.sampled_from(_paths(doc)[1:]))
    target: Any = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = junk
    try:
        pf.loads(json.dumps(doc))
    except ProgrammeFileError as error:
        assert str(error) and "\n" not in str(error)
