"""The FHIR R4 export (product.md, "Interoperability"): every bundle is valid to a FHIR library
nobody here wrote (fhir.resources, its R4B models: for these resources the same as R4 4.0.1),
uses only the codes it should (status, intent, UCUM units, the SNOMED intrathecal route), keeps
every decimal exactly as stored, and the demo patients' export matches the golden files."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from db import fhir
from db.database import Database
from db.seed.demo_patients import seed_demo_patients
from programmer.programme import WEEKDAYS, Mode, PatientBolus, WeekSchedule
from tests.db.factories import D, flexible, open_new, programme, save

NOW = datetime(2026, 11, 30, 9, 0)
GOLDEN = Path(__file__).parent / "fhir_golden"
FAKE_PDF = b"%PDF-1.4\n% the session report's bytes, fixed for the golden files\n%%EOF\n"
UCUM_CODES = {"ug", "mL", "ug/h", "ug/d", "mL/d", "d", "cm"}
REQUEST_STATUSES = {"active", "stopped", "draft"}


def utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


def export(database: Database, patient_id: str, version: int | None = None) -> str:
    current = database.current_version(patient_id)
    report = (
        None
        if current is None
        else fhir.SessionReportPdf(FAKE_PDF, "Session report", version or current.number)
    )
    record = fhir.record_from_database(database, patient_id, report)
    return fhir.bundle_text(record, now=NOW, localize=utc)


def resources(text: str, kind: str) -> list[dict[str, Any]]:
    data = json.loads(text, parse_float=Decimal)
    return [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == kind]


def walk(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for inner in value.values():
            yield from walk(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from walk(inner)


def assert_codes_are_ours(text: str) -> None:
    """The project's own checks on what the library accepts as any string."""
    data = json.loads(text, parse_float=Decimal)
    assert data["type"] == "collection"
    assert data["meta"]["tag"] == [{"system": "http://hl7.org/fhir/FHIR-version", "code": "4.0.1"}]
    urls = [e["fullUrl"] for e in data["entry"]]
    assert len(set(urls)) == len(urls)
    for node in walk(data):
        if "reference" in node:
            assert node["reference"] in urls, f"dangling reference {node['reference']}"
        if "value" in node and isinstance(node["value"], Decimal | int) and "code" in node:
            assert node["system"] == "http://unitsofmeasure.org", node
            assert node["code"] in UCUM_CODES, node
    for request in resources(text, "MedicationRequest"):
        assert request["intent"] == "order"
        assert request["status"] in REQUEST_STATUSES
        for dosage in request["dosageInstruction"]:
            assert dosage["route"] == fhir.INTRATHECAL
            assert fhir.INTRATHECAL["coding"][0]["code"] == "72607000"
            assert fhir.INTRATHECAL["coding"][0]["system"] == "http://snomed.info/sct"
    for administration in resources(text, "MedicationAdministration"):
        assert administration["status"] == "completed"
        assert administration["dosage"]["route"] == fhir.INTRATHECAL
    for document in resources(text, "DocumentReference"):
        assert document["status"] == "current"
        assert document["content"][0]["attachment"]["contentType"] == "application/pdf"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path = tmp_path_factory.mktemp("fhir") / "itb-console.sqlite"
    with Database.open(path, on_create=seed_demo_patients, now=NOW) as database:
        yield database


def demo_ids(database: Database) -> list[str]:
    return sorted(p.id for p in database.search_patients("demo", limit=100))


def test_every_demo_bundle_is_valid_fhir_and_uses_only_our_codes(demo: Database) -> None:
    ids = demo_ids(demo)
    assert len(ids) >= 9
    for patient_id in ids:
        text = export(demo, patient_id)
        Bundle.model_validate_json(text)
        assert_codes_are_ours(text)


def test_demo_export_matches_the_golden_files(demo: Database) -> None:
    """Fixed clock, fixed zone and derived ids: any change to the export shows here. Refresh
    with ITB_UPDATE_GOLDEN=1 after checking the difference is intended."""
    for patient_id in demo_ids(demo):
        text = export(demo, patient_id)
        golden = GOLDEN / f"{patient_id}.json"
        if os.environ.get("ITB_UPDATE_GOLDEN"):
            golden.parent.mkdir(exist_ok=True)
            golden.write_text(text, encoding="utf-8")
        assert text == golden.read_text(encoding="utf-8"), patient_id


@pytest.mark.parametrize("spoil", ["no subject", "rate as text", "unknown element"])
def test_library_rejects_a_spoiled_request_so_its_validation_is_real(
    demo: Database, spoil: str
) -> None:
    """fhir.resources checks structure and types but not code bindings (it takes any status
    text): that is why assert_codes_are_ours checks those."""
    data = json.loads(export(demo, demo_ids(demo)[0]))
    request = next(
        e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "MedicationRequest"
    )
    if spoil == "no subject":
        del request["subject"]
    elif spoil == "rate as text":
        request["dosageInstruction"][0]["doseAndRate"][0]["rateQuantity"]["value"] = "ten"
    else:
        request["dosage"] = 1
    with pytest.raises(ValueError):
        Bundle.model_validate(data)


def test_versions_chain_by_prior_prescription_and_only_the_current_is_active(
    demo: Database,
) -> None:
    for patient_id in demo_ids(demo):
        text = export(demo, patient_id)
        data = json.loads(text)
        url_of = {id(e["resource"]): e["fullUrl"] for e in data["entry"]}
        requests = [
            e["resource"]
            for e in data["entry"]
            if e["resource"]["resourceType"] == "MedicationRequest"
        ]
        versions = demo.versions(patient_id)
        assert len(requests) == len(versions)
        assert "priorPrescription" not in requests[0]
        for before, after in itertools.pairwise(requests):
            assert after["priorPrescription"]["reference"] == url_of[id(before)]
        current = demo.current_version(patient_id)
        active = [r for r in requests if r["status"] == "active"]
        assert len(active) == (current is not None)


def test_decimals_are_written_exactly_as_stored_not_as_the_library_would(tmp_path: Path) -> None:
    """0.0480 must not become 0.048, nor 2000.0 become 2000: what the clinician typed."""
    with open_new(tmp_path / "db.sqlite") as database:
        save(
            database,
            programme(
                mode=Mode.FLEXIBLE,
                concentration="2000.0",
                week=flexible(("00:00", "10.50"), ("07:00", "20.0480")),
            ),
        )
        text = export(database, "MRN-0042")
    Bundle.model_validate_json(text)
    [medication] = resources(text, "Medication")
    strength = medication["ingredient"][0]["strength"]["numerator"]
    assert '"value": 2000.0,' in text and str(strength["value"]) == "2000.0"
    rates = [
        str(d["doseAndRate"][0]["rateQuantity"]["value"])
        for d in resources(text, "MedicationRequest")[0]["dosageInstruction"]
    ]
    assert rates == ["10.50", "20.0480"]


def test_each_step_is_one_dosage_with_its_time_of_day_and_duration(tmp_path: Path) -> None:
    with open_new(tmp_path / "db.sqlite") as database:
        save(
            database,
            programme(
                mode=Mode.FLEXIBLE,
                week=flexible(("00:00", "10"), ("07:00", "60"), ("08:00", "10")),
            ),
        )
        text = export(database, "MRN-0042")
    dosages = resources(text, "MedicationRequest")[0]["dosageInstruction"]
    repeats = [d["timing"]["repeat"] for d in dosages]
    assert [r["timeOfDay"] for r in repeats] == [["00:00:00"], ["07:00:00"], ["08:00:00"]]
    assert [r["duration"] for r in repeats] == [420, 60, 960]  # until the next step / 24:00
    assert all("dayOfWeek" not in r for r in repeats)
    assert all(r["boundsPeriod"]["start"] == "2026-11-22T10:00:00+00:00" for r in repeats)
    assert [d["sequence"] for d in dosages] == [1, 2, 3]


def test_weekday_pattern_maps_to_day_of_week(tmp_path: Path) -> None:
    weekday = flexible(("00:00", "10"), ("07:00", "30")).days["every_day"]
    weekend = flexible(("00:00", "10"), ("09:00", "20")).days["every_day"]
    week = WeekSchedule.by_weekday(
        {d: weekend if d in ("sat", "sun") else weekday for d in WEEKDAYS}
    )
    with open_new(tmp_path / "db.sqlite") as database:
        save(database, programme(mode=Mode.FLEXIBLE, week=week))
        text = export(database, "MRN-0042")
    Bundle.model_validate_json(text)
    dosages = resources(text, "MedicationRequest")[0]["dosageInstruction"]
    by_days = {
        (d["timing"]["repeat"]["timeOfDay"][0], tuple(d["timing"]["repeat"]["dayOfWeek"])): str(
            d["doseAndRate"][0]["rateQuantity"]["value"]
        )
        for d in dosages
    }
    assert by_days == {
        ("00:00:00", ("mon", "tue", "wed", "thu", "fri")): "10",
        ("07:00:00", ("mon", "tue", "wed", "thu", "fri")): "30",
        ("00:00:00", ("sat", "sun")): "10",
        ("09:00:00", ("sat", "sun")): "20",
    }


def test_patient_bolus_is_as_needed_with_its_daily_maximum(tmp_path: Path) -> None:
    with open_new(tmp_path / "db.sqlite") as database:
        save(database, programme(patient_bolus=PatientBolus(D("20.0"), 10, 120, 4)))
        text = export(database, "MRN-0042")
    Bundle.model_validate_json(text)
    dosages = resources(text, "MedicationRequest")[0]["dosageInstruction"]
    [continuous, as_needed] = dosages
    assert continuous["doseAndRate"][0]["rateQuantity"]["code"] == "ug/d"
    assert str(continuous["doseAndRate"][0]["rateQuantity"]["value"]) == "400"
    assert as_needed["asNeededBoolean"] is True
    assert str(as_needed["doseAndRate"][0]["doseQuantity"]["value"]) == "20.0"
    maximum = as_needed["maxDosePerPeriod"]
    assert str(maximum["numerator"]["value"]) == "80.0"  # 4 a day of 20.0 mcg
    assert maximum["denominator"]["code"] == "d"


def test_boluses_given_and_refills_are_administrations(demo: Database) -> None:
    seen = {"bolus": 0, "refill": 0}
    for patient_id in demo_ids(demo):
        text = export(demo, patient_id)
        administrations = resources(text, "MedicationAdministration")
        refills = demo.refills(patient_id)
        boluses = demo.boluses_given(patient_id)
        assert len(administrations) == len(refills) + len(boluses)
        seen["bolus"] += len(boluses)
        seen["refill"] += len(refills)
    assert seen["refill"] > 0


def test_report_pdf_is_embedded_base64(demo: Database) -> None:
    import base64

    [document] = resources(export(demo, demo_ids(demo)[0]), "DocumentReference")
    assert base64.b64decode(document["content"][0]["attachment"]["data"]) == FAKE_PDF


def test_a_bolus_given_is_a_completed_administration_of_the_drug_in_the_pump(
    tmp_path: Path,
) -> None:
    from db.records import BolusGivenRecord, BolusKind
    from tests.db.factories import later

    with open_new(tmp_path / "db.sqlite") as database:
        save(database, programme(concentration="500.0"))
        database.record_bolus_given(
            "MRN-0042",
            BolusGivenRecord(later(30), BolusKind.SINGLE, D("50.0"), 30, reason="spasm flare"),
            user="dr.test",
            now=later(30),
        )
        text = export(database, "MRN-0042")
    Bundle.model_validate_json(text)
    assert_codes_are_ours(text)
    [given] = resources(text, "MedicationAdministration")
    assert str(given["dosage"]["dose"]["value"]) == "50.0"
    assert given["dosage"]["dose"]["code"] == "ug"
    assert given["effectivePeriod"] == {
        "start": "2026-11-22T10:30:00+00:00",
        "end": "2026-11-22T11:00:00+00:00",
    }
    [medication] = resources(text, "Medication")
    assert str(medication["ingredient"][0]["strength"]["numerator"]["value"]) == "500.0"
    assert "spasm flare" in given["note"][0]["text"]


def test_a_rate_typed_10_on_one_day_and_10_0_on_another_is_exported_as_typed_on_each(
    tmp_path: Path,
) -> None:
    """Decimals are exported exactly as stored: two weekdays whose steps differ only in how a
    rate was written (10 and 10.0, equal numbers) are two dosages, each with its own text, not
    one that takes the first day's writing for both."""
    plain = flexible(("00:00", "10"), ("07:00", "30")).days["every_day"]
    written = flexible(("00:00", "10.0"), ("07:00", "30")).days["every_day"]
    week = WeekSchedule.by_weekday({d: written if d == "sun" else plain for d in WEEKDAYS})
    with open_new(tmp_path / "db.sqlite") as database:
        save(database, programme(mode=Mode.FLEXIBLE, week=week))
        text = export(database, "MRN-0042")
    Bundle.model_validate_json(text)
    data = json.loads(text, parse_float=Decimal)
    [request] = [
        e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "MedicationRequest"
    ]

    def as_written(value: Decimal | int) -> str:  # JSON reads "10" as an int, "10.0" not
        return str(value) if isinstance(value, int) else format(value, "f")

    midnight = {
        tuple(d["timing"]["repeat"]["dayOfWeek"]): as_written(
            d["doseAndRate"][0]["rateQuantity"]["value"]
        )
        for d in request["dosageInstruction"]
        if d["timing"]["repeat"]["timeOfDay"] == ["00:00:00"]
    }
    assert midnight == {("mon", "tue", "wed", "thu", "fri", "sat"): "10", ("sun",): "10.0"}
