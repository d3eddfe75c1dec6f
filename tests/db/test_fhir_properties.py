"""Property tests of the FHIR mapping (db/fhir.py) over every programme the file can hold: the
bundle is valid FHIR, each step's rate and each dose is written exactly as stored, and the
patient bolus's daily maximum is exactly its dose times its activations."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

from fhir.resources.R4B.bundle import Bundle
from hypothesis import HealthCheck, given, settings

from db import fhir
from db.records import PatientRecord, ProgrammeVersion, PumpRecord
from programmer import programme_file
from programmer.drug_library import default_drug_library
from programmer.programme import Mode, Programme
from programmer.pump_catalogue import default_pump_catalogue
from tests.programmer.strategies import file_programmes


def record_of(p: Programme) -> fhir.FhirRecord:
    pump = PumpRecord(
        model=p.pump.model,
        serial=p.pump.serial,
        implanted_on=p.pump.implanted_on,
        replace_by=p.pump.replace_by,
        catheter_model="ascenda-8781",
        catheter_length_cm=Decimal("52.5"),
        low_reservoir_alarm_ml=p.pump.low_reservoir_alarm_ml,
    )
    version = ProgrammeVersion(
        patient_id=p.patient.id,
        number=1,
        programme=p,
        programme_json=programme_file.dumps(p),
        daily_dose_mcg=Fraction(0),
        flow_ml_per_day=Fraction(0),
        library_version="test",
        catalogue_version="test",
        findings=(),
        acknowledgements={},
        saved_by="dr.test",
        saved_at=datetime(2026, 11, 22, 10, 0),
        reason="property test",
        confirmed=True,
        based_on=None,
    )
    return fhir.FhirRecord(
        patient=PatientRecord(p.patient, "", "", pump, (pump,)),
        versions=(version,),
        refills=(),
        boluses_given=(),
        catalogue=default_pump_catalogue(),
        library=default_drug_library(),
        report=None,
    )


def written(value: Decimal | int) -> str:
    """A number as the bundle's text has it (JSON reads "400" as an int, "400.0" as Decimal)."""
    return str(value) if isinstance(value, int) else format(value, "f")


def utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file_programmes())
def test_every_programme_exports_to_valid_fhir_with_its_numbers_exactly(p: Programme) -> None:
    text = fhir.bundle_text(record_of(p), now=datetime(2026, 11, 30, 9, 0), localize=utc)
    Bundle.model_validate_json(text)
    data = json.loads(text, parse_float=Decimal)
    [request] = [
        e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "MedicationRequest"
    ]
    dosages = request["dosageInstruction"]
    assert [d["sequence"] for d in dosages] == list(range(1, len(dosages) + 1))
    as_text = [json.dumps(d, default=str) for d in dosages]
    if p.mode is Mode.FLEXIBLE:
        assert p.week is not None
        stored = {
            format(step.rate_mcg_per_h, "f")
            for name in p.week.day_names()
            for step in p.week.days[name]
        }
        exported = {
            written(d["doseAndRate"][0]["rateQuantity"]["value"])
            for d in dosages
            if "timeOfDay" in d.get("timing", {}).get("repeat", {})
        }
        assert exported == stored
    if p.mode is Mode.SIMPLE_CONTINUOUS:
        assert p.daily_dose_mcg is not None
        rate = dosages[0]["doseAndRate"][0]["rateQuantity"]
        assert (written(rate["value"]), rate["code"]) == (format(p.daily_dose_mcg, "f"), "ug/d")
    planned = [d for d in dosages if "event" in d.get("timing", {})]
    assert [written(d["doseAndRate"][0]["doseQuantity"]["value"]) for d in planned] == [
        format(b.dose_mcg, "f") for b in p.boluses
    ]
    as_needed = [d for d in dosages if d.get("asNeededBoolean")]
    if p.patient_bolus is None:
        assert as_needed == []
    else:
        [bolus] = as_needed
        maximum = bolus["maxDosePerPeriod"]["numerator"]["value"]
        assert maximum == p.patient_bolus.dose_mcg * p.patient_bolus.max_per_day
        assert written(maximum) == format(
            p.patient_bolus.dose_mcg * p.patient_bolus.max_per_day, "f"
        )
    assert all("72607000" in d for d in as_text)
    [medication] = [
        e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Medication"
    ]
    strength = medication["ingredient"][0]["strength"]["numerator"]["value"]
    assert written(strength) == format(p.drug.concentration_mcg_per_ml, "f")
