"""The published JSON Schema of itb-programme/1 (product.md, "Interoperability") agrees with the
strict reader: every programme the reader takes the schema takes, and each way of spoiling one
(an unknown key, a dose written as text, a missing field, ...) both refuse."""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import resources
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from programmer import programme_file as pf
from programmer.drug_library import default_drug_library
from programmer.errors import ProgrammeFileError
from programmer.programme import Programme
from programmer.pump_catalogue import default_pump_catalogue
from tests.programmer.strategies import file_programmes
from tests.programmer.test_programme_file import EXAMPLES

SCHEMA_TEXT = resources.files("programmer").joinpath("data/itb-programme-1.schema.json")
# Exact decimals on both sides: multipleOf 0.000001 is then exact, as the schema asks.
SCHEMA = json.loads(SCHEMA_TEXT.read_text("utf-8"), parse_float=Decimal)
VALIDATOR = jsonschema.Draft202012Validator(
    SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)


def schema_accepts(document: Any) -> bool:
    return VALIDATOR.is_valid(document)


def reader_accepts(document: Any) -> bool:
    try:
        pf.programme_from_json(document)
    except ProgrammeFileError:
        return False
    return True


def as_document(p: Programme) -> Any:
    return json.loads(pf.dumps(p), parse_float=Decimal)


def objects(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every JSON object inside ``value``."""
    found: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        found.append(path)
        for key, inner in value.items():
            found += objects(inner, (*path, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            found += objects(inner, (*path, i))
    return found


def numbers(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every number inside ``value``."""
    if isinstance(value, dict):
        return [p for key, inner in value.items() for p in numbers(inner, (*path, key))]
    if isinstance(value, list):
        return [p for i, inner in enumerate(value) for p in numbers(inner, (*path, i))]
    return [path] if isinstance(value, int | Decimal) and not isinstance(value, bool) else []


def at(document: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        document = document[key]
    return document


def test_schema_is_valid_draft_2020_12() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_schema_names_every_catalogue_model_and_library_drug_with_its_reservoir() -> None:
    """The schema lists data (pump models, drugs): it must not drift from the packaged data."""
    catalogue = default_pump_catalogue()
    pump = SCHEMA["properties"]["pump"]["properties"]
    assert sorted(pump["model"]["enum"]) == sorted(catalogue.pumps)
    assert SCHEMA["properties"]["drug"]["properties"]["name"]["enum"] == sorted(
        default_drug_library().drugs
    )
    limits = {
        rule["if"]["properties"]["pump"]["properties"]["model"]["const"]: rule["then"][
            "properties"
        ]["pump"]["properties"]["low_reservoir_alarm_ml"]["exclusiveMaximum"]
        for rule in SCHEMA["allOf"]
        if "pump" in rule["if"]["properties"]
    }
    assert limits == {m: p.reservoir_ml for m, p in catalogue.pumps.items()}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_files_are_valid_against_the_schema(path: Any) -> None:
    VALIDATOR.validate(json.loads(path.read_text("utf-8"), parse_float=Decimal))


@given(file_programmes())
def test_every_programme_the_reader_takes_the_schema_takes(p: Programme) -> None:
    document = as_document(p)
    assert reader_accepts(document)
    assert schema_accepts(document), list(VALIDATOR.iter_errors(document))[:1]


@given(file_programmes(), st.data())
def test_unknown_key_anywhere_is_refused_by_both(p: Programme, data: st.DataObject) -> None:
    document = as_document(p)
    path = data.draw(st.sampled_from(objects(document)))
    key = data.draw(st.sampled_from(["extra", "Dose_mcg", "rate_mcg_per_hour", "comment"]))
    at(document, path)[key] = 1
    assert not reader_accepts(document)
    assert not schema_accepts(document)


@given(file_programmes(), st.data())
def test_missing_field_anywhere_is_refused_by_both(p: Programme, data: st.DataObject) -> None:
    document = as_document(p)
    path = data.draw(st.sampled_from(objects(document)))
    target = at(document, path)
    key = data.draw(st.sampled_from(sorted(target)))
    del target[key]
    assert not reader_accepts(document)
    assert not schema_accepts(document)


@given(file_programmes(), st.data())
def test_dose_written_as_text_is_refused_by_both(p: Programme, data: st.DataObject) -> None:
    """A number in quotes ("50.0") could be misread by a lax importer; both refuse it."""
    document = as_document(p)
    path = data.draw(st.sampled_from(numbers(document)))
    parent = at(document, path[:-1])
    parent[path[-1]] = str(parent[path[-1]])
    assert not reader_accepts(document)
    assert not schema_accepts(document)


@given(file_programmes(), st.data())
def test_number_out_of_range_or_too_precise_is_refused_by_both(
    p: Programme, data: st.DataObject
) -> None:
    document = as_document(p)
    path = data.draw(st.sampled_from(numbers(document)))
    parent = at(document, path[:-1])
    spoil = data.draw(st.sampled_from(["negative", "huge", "seven places"]))
    value = parent[path[-1]]
    if spoil == "negative":
        parent[path[-1]] = -1 - value
    elif spoil == "huge":
        parent[path[-1]] = value + 100_000_000
    else:
        parent[path[-1]] = Decimal(value) + Decimal("0.0000001")
    assert not reader_accepts(document)
    assert not schema_accepts(document)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("format",), "itb-programme/2"),
        (("patient", "birth_date"), "1971-02-30"),
        (("patient", "birth_date"), "1971-3-9"),
        (("patient", "name"), "   "),
        (("patient", "name"), "Jane\nDoe"),
        (("patient", "spasticity_origin"), "Spinal"),
        (("pump", "model"), "synchromed-iii"),
        (("pump", "low_reservoir_alarm_ml"), 20),
        (("drug", "name"), "morphine"),
        (("reservoir", "filled_at"), "2026-11-22T09:30:00"),
        (("reservoir", "filled_at"), "2026-11-22 09:30"),
        (("mode",), "simple-continuous"),
        (("daily_dose_mcg",), 100),
        (("week",), None),
        (("week",), {"every_day": [], "mon": []}),
        (("week", "every_day", 0, "start"), "24:00"),
        (("week", "every_day", 0, "start"), "7:00"),
        (("boluses",), {}),
        (("boluses", 0, "duration_min"), True),
        (("patient_bolus", "lockout_min"), 1441),
        (("patient_bolus", "max_per_day"), Decimal("4.5")),
    ],
    ids=lambda v: ".".join(map(str, v)) if isinstance(v, tuple) else None,
)
def test_each_wrong_value_is_refused_by_both(path: tuple[Any, ...], value: Any) -> None:
    document = json.loads((EXAMPLES[0].parent / "flexible.json").read_text("utf-8"))
    document = json.loads(json.dumps(document), parse_float=Decimal)
    assert reader_accepts(document) and schema_accepts(document)
    at(document, path[:-1])[path[-1]] = value
    assert not reader_accepts(document)
    assert not schema_accepts(document), f"the schema takes {path} = {value!r}"
