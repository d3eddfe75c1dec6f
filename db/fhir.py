"""A patient's record as an HL7 FHIR R4 (4.0.1) ``collection`` Bundle (product.md,
"Interoperability"): Patient, the pumps and catheter as Devices (with their implant Procedure),
the filled drugs as Medications, one MedicationRequest per saved programme version chained by
``priorPrescription``, a MedicationAdministration for every bolus given and every refill, and
a DocumentReference holding the session report PDF.

Pure: the caller passes the records, the report's bytes, the moment and how a stored local time
gets its UTC offset (FHIR requires one), so the same record gives the same text. Every decimal
is written exactly as stored (``0.0480`` stays ``0.0480``), which is why this module writes the
JSON itself instead of through a FHIR library (one rewrites it as ``0.048``).
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from db.records import (
    BolusGivenRecord,
    PatientRecord,
    ProgrammeVersion,
    PumpRecord,
    RefillRecord,
)
from programmer.drug_library import DrugLibrary
from programmer.programme import EVERY_DAY, Bolus, Mode, PatientBolus, Programme, Step
from programmer.programme_file import exact_json
from programmer.pump_catalogue import PumpCatalogue

if TYPE_CHECKING:
    from db.database import Database

FHIR_VERSION = "4.0.1"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
# SNOMED CT 72607000 |Intrathecal route (qualifier value)|: every dose here is intrathecal.
INTRATHECAL = {"coding": [{"system": SNOMED, "code": "72607000", "display": "Intrathecal route"}]}
MEDICAL_RECORD_NUMBER = {
    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]
}
# The namespace every id of an export is derived from: the same record gives the same ids.
_NAMESPACE = uuid.UUID("4f3c1d52-6a0e-5b8e-9c7d-2b1a0e9f8c41")

Localize = Callable[[datetime], datetime]


@dataclass(frozen=True, slots=True)
class SessionReportPdf:
    """The session report to attach: its bytes, title and the version it reports."""

    data: bytes
    title: str
    version: int


@dataclass(frozen=True, slots=True)
class FhirRecord:
    """Everything one export reads, gathered by the caller from storage."""

    patient: PatientRecord
    versions: tuple[ProgrammeVersion, ...]  # oldest first
    refills: tuple[RefillRecord, ...]
    boluses_given: tuple[BolusGivenRecord, ...]
    catalogue: PumpCatalogue
    library: DrugLibrary
    report: SessionReportPdf | None


def local_zone(moment: datetime) -> datetime:
    """A stored local time with this computer's UTC offset on that date (daylight saving)."""
    return moment.astimezone()


# ---------------------------------------------------------------- values


def _ucum(value: Decimal | int, code: str) -> dict[str, Any]:
    return {"value": value, "unit": code, "system": UCUM, "code": code}


def _per_day(amount: Decimal | int, code: str) -> dict[str, Any]:
    return {"numerator": _ucum(amount, code), "denominator": _ucum(1, "d")}


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _moment(moment: datetime, localize: Localize) -> str:
    # FHIR's dateTime with a time needs seconds and a UTC offset.
    return localize(moment).isoformat(timespec="seconds")


def _day(day: date) -> str:
    return day.isoformat()


def _reference(full_url: str) -> dict[str, str]:
    return {"reference": full_url}


class _Ids:
    """urn:uuid addresses derived from the patient and what the resource is."""

    def __init__(self, patient_id: str) -> None:
        self.patient_id = patient_id

    def __call__(self, *what: object) -> str:
        key = "\x1f".join([self.patient_id, *map(str, what)])
        return f"urn:uuid:{uuid.uuid5(_NAMESPACE, key)}"


# ---------------------------------------------------------------- resources


def _patient(record: PatientRecord) -> dict[str, Any]:
    p = record.patient
    return {
        "resourceType": "Patient",
        "identifier": [{"type": MEDICAL_RECORD_NUMBER, "value": p.id}],
        "name": [{"text": p.name}],
        "birthDate": _day(p.birth_date),
    }


def _pump_device(pump: PumpRecord, catalogue: PumpCatalogue, patient: str) -> dict[str, Any]:
    model = catalogue.pumps.get(pump.model)
    device: dict[str, Any] = {
        "resourceType": "Device",
        "status": "inactive" if pump.removed_on is not None else "active",
        "serialNumber": pump.serial,
        # replace-by: the date after which this pump should no longer be relied on
        "expirationDate": _day(pump.replace_by),
        "modelNumber": pump.model,
        "type": {"text": "Implanted intrathecal drug infusion pump"},
        "patient": _reference(patient),
    }
    if model is not None:
        device["manufacturer"] = model.maker
        device["deviceName"] = [{"name": model.display_name, "type": "model-name"}]
    return device


def _catheter_device(pump: PumpRecord, pump_url: str, patient: str) -> dict[str, Any]:
    device: dict[str, Any] = {
        "resourceType": "Device",
        "status": "inactive" if pump.removed_on is not None else "active",
        "modelNumber": pump.catheter_model,
        "type": {"text": "Intrathecal catheter"},
        "patient": _reference(patient),
        "parent": _reference(pump_url),
    }
    if pump.catheter_length_cm is not None:
        device["property"] = [
            {"type": {"text": "length"}, "valueQuantity": [_ucum(pump.catheter_length_cm, "cm")]}
        ]
    return device


def _implant(pump: PumpRecord, pump_url: str, patient: str) -> dict[str, Any]:
    """The implantation: FHIR records an implant date as a Procedure on the device."""
    return {
        "resourceType": "Procedure",
        "status": "completed",
        "code": {"text": "Implantation of intrathecal drug infusion pump"},
        "subject": _reference(patient),
        "performedDateTime": _day(pump.implanted_on),
        "focalDevice": [{"action": {"text": "implanted"}, "manipulated": _reference(pump_url)}],
    }


def _medication(drug: str, concentration: Decimal, library: DrugLibrary) -> dict[str, Any]:
    known = library.drugs.get(drug)
    name = known.display_name if known is not None else drug
    return {
        "resourceType": "Medication",
        "code": {"text": f"{name} {concentration} mcg/mL intrathecal solution"},
        "form": {"text": "solution for intrathecal infusion"},
        "ingredient": [
            {
                "itemCodeableConcept": {"text": name},
                "isActive": True,
                "strength": {
                    "numerator": _ucum(concentration, "ug"),
                    "denominator": _ucum(1, "mL"),
                },
            }
        ],
    }


def _capped(dosage: dict[str, Any], max_per_day: dict[str, Any] | None) -> dict[str, Any]:
    return dosage if max_per_day is None else {**dosage, "maxDosePerPeriod": max_per_day}


def _step_dosages(
    programme: Programme, bounds: dict[str, str], max_per_day: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """One Dosage per step of a flexible day (steps alike on several weekdays share one, with
    every such day in ``dayOfWeek``); a step lasts until the next, the last until 24:00."""
    assert programme.week is not None
    names = programme.week.day_names()
    # Keyed by the rate as written too: 0 and 0.0 are equal Decimals, but each is exported
    # exactly as it was typed, so steps alike but for that are two dosages.
    by_step: dict[tuple[int, int, Decimal, str], list[str]] = {}
    for name in names:
        steps: Sequence[Step] = programme.week.days[name]
        for i, step in enumerate(steps):
            end = steps[i + 1].start_min if i + 1 < len(steps) else 1440
            rate = step.rate_mcg_per_h
            by_step.setdefault((step.start_min, end, rate, format(rate, "f")), []).append(name)
    dosages = []
    for (start, end, rate, _written), days in sorted(
        by_step.items(), key=lambda kv: (kv[0][0], kv[0][1])
    ):
        repeat: dict[str, Any] = {
            "boundsPeriod": bounds,
            "duration": end - start,
            "durationUnit": "min",
            "frequency": 1,
            "period": 1,
            "periodUnit": "d",
            "timeOfDay": [f"{_hhmm(start)}:00"],
        }
        every = names == (EVERY_DAY,)
        if not every:
            repeat["dayOfWeek"] = days  # FHIR's days-of-week codes are ours: mon ... sun
        when = "every day" if every else ", ".join(days)
        dosage = {
            "text": f"{_hhmm(start)} to {_hhmm(end)} {when}: {rate} mcg/h intrathecal",
            "timing": {"repeat": repeat},
            "route": INTRATHECAL,
            "doseAndRate": [{"rateQuantity": _ucum(rate, "ug/h")}],
        }
        dosages.append(_capped(dosage, max_per_day))
    return dosages


def _infusion_dosages(
    version: ProgrammeVersion,
    catalogue: PumpCatalogue,
    bounds: dict[str, str],
    max_per_day: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    pr = version.programme
    continuous = {"boundsPeriod": bounds, "frequency": 1, "period": 1, "periodUnit": "d"}
    if pr.mode is Mode.FLEXIBLE:
        return _step_dosages(pr, bounds, max_per_day)
    if pr.mode is Mode.SIMPLE_CONTINUOUS:
        assert pr.daily_dose_mcg is not None
        dosage: dict[str, Any] = {
            "text": f"{pr.daily_dose_mcg} mcg/day continuous intrathecal infusion",
            "timing": {"repeat": continuous},
            "route": INTRATHECAL,
            "doseAndRate": [{"rateQuantity": _ucum(pr.daily_dose_mcg, "ug/d")}],
        }
        return [_capped(dosage, max_per_day)]
    if pr.mode is Mode.MINIMUM_RATE:
        model = catalogue.pumps.get(pr.pump.model)
        dosage = {
            "text": "the pump's minimum rate (keeps the catheter open)",
            "timing": {"repeat": continuous},
            "route": INTRATHECAL,
        }
        if model is not None:
            dosage["doseAndRate"] = [{"rateQuantity": _ucum(model.min_flow_ml_per_day, "mL/d")}]
        return [dosage]
    return [{"text": "pump stopped: nothing is delivered", "route": INTRATHECAL}]


def _planned_bolus(bolus: Bolus, localize: Localize) -> dict[str, Any]:
    return {
        "text": f"bolus of {bolus.dose_mcg} mcg over {bolus.duration_min} min",
        "timing": {
            "event": [_moment(bolus.start, localize)],
            "repeat": {"count": 1, "duration": bolus.duration_min, "durationUnit": "min"},
        },
        "route": INTRATHECAL,
        "doseAndRate": [{"doseQuantity": _ucum(bolus.dose_mcg, "ug")}],
    }


def _patient_bolus(pb: PatientBolus) -> dict[str, Any]:
    return {
        "text": (
            f"patient-activated bolus of {pb.dose_mcg} mcg over {pb.duration_min} min, "
            f"lockout {pb.lockout_min} min, at most {pb.max_per_day} a day"
        ),
        "asNeededBoolean": True,
        "timing": {"repeat": {"duration": pb.duration_min, "durationUnit": "min"}},
        "route": INTRATHECAL,
        "doseAndRate": [{"doseQuantity": _ucum(pb.dose_mcg, "ug")}],
        "maxDosePerPeriod": _per_day(pb.dose_mcg * pb.max_per_day, "ug"),
    }


def _status(version: ProgrammeVersion, current: int | None) -> str:
    if not version.confirmed:
        return "draft"
    return "active" if version.number == current else "stopped"


# ---------------------------------------------------------------- the bundle


def bundle(record: FhirRecord, *, now: datetime, localize: Localize = local_zone) -> dict[str, Any]:
    """The Bundle as JSON-ready data (decimals as :class:`Decimal`); see :func:`bundle_text`."""
    ids = _Ids(record.patient.patient.id)
    patient_url = ids("Patient")
    entries: list[tuple[str, dict[str, Any]]] = [(patient_url, _patient(record.patient))]

    current_pump_url = None
    for i, pump in enumerate(record.patient.pumps):
        pump_url = ids("Device", "pump", i, pump.serial)
        entries.append((pump_url, _pump_device(pump, record.catalogue, patient_url)))
        entries.append((ids("Procedure", "implant", i), _implant(pump, pump_url, patient_url)))
        if pump.catheter_model:
            entries.append(
                (ids("Device", "catheter", i), _catheter_device(pump, pump_url, patient_url))
            )
        if pump.removed_on is None:
            current_pump_url = pump_url

    medications: dict[tuple[str, str], str] = {}

    def medication(drug: str, concentration: Decimal) -> str:
        # Keyed by the strength as written: "500" and "500.0" are each kept as stored.
        key = (drug, format(concentration, "f"))
        if key not in medications:
            medications[key] = ids("Medication", *key)
            entries.append((medications[key], _medication(drug, concentration, record.library)))
        return medications[key]

    current = max((v.number for v in record.versions if v.confirmed), default=None)
    request_urls: dict[int, str] = {}
    previous: str | None = None
    for n, version in enumerate(record.versions):
        pr = version.programme
        url = ids("MedicationRequest", version.number)
        request_urls[version.number] = url
        bounds = {"start": _moment(version.saved_at, localize)}
        if n + 1 < len(record.versions):
            bounds["end"] = _moment(record.versions[n + 1].saved_at, localize)
        drug = record.library.drugs.get(pr.drug.name)
        max_per_day = _per_day(drug.hard_max_mcg_per_day, "ug") if drug is not None else None
        # The library's hard maximum per day caps every infusion dosage (domain.md limits).
        dosages = _infusion_dosages(version, record.catalogue, bounds, max_per_day)
        for b in pr.boluses:
            dosages.append(_planned_bolus(b, localize))
        if pr.patient_bolus is not None:
            dosages.append(_patient_bolus(pr.patient_bolus))
        dosages = [{"sequence": i, **d} for i, d in enumerate(dosages, start=1)]
        request: dict[str, Any] = {
            "resourceType": "MedicationRequest",
            "identifier": [{"value": f"{version.patient_id} programme version {version.number}"}],
            "status": _status(version, current),
            "intent": "order",
            "medicationReference": _reference(
                medication(pr.drug.name, pr.drug.concentration_mcg_per_ml)
            ),
            "subject": _reference(patient_url),
            "authoredOn": _moment(version.saved_at, localize),
            "note": [{"text": f"saved by {version.saved_by}: {version.reason}"}],
            "dosageInstruction": dosages,
        }
        if previous is not None:
            request["priorPrescription"] = _reference(previous)
        entries.append((url, request))
        previous = url

    def in_force(moment: datetime) -> ProgrammeVersion | None:
        before = [v for v in record.versions if v.saved_at <= moment]
        return before[-1] if before else None

    for i, given in enumerate(record.boluses_given):
        in_effect = in_force(given.at)
        administration: dict[str, Any] = {
            "resourceType": "MedicationAdministration",
            "status": "completed",
            "subject": _reference(patient_url),
            "effectivePeriod": {
                "start": _moment(given.at, localize),
                "end": _moment(given.at + timedelta(minutes=given.duration_min), localize),
            },
            "dosage": {
                "text": f"{given.kind.value} bolus of {given.dose_mcg} mcg "
                f"over {given.duration_min} min",
                "route": INTRATHECAL,
                "dose": _ucum(given.dose_mcg, "ug"),
            },
        }
        if in_effect is not None:
            drug_fill = in_effect.programme.drug
            administration["medicationReference"] = _reference(
                medication(drug_fill.name, drug_fill.concentration_mcg_per_ml)
            )
            administration["request"] = _reference(request_urls[in_effect.number])
        else:
            administration["medicationCodeableConcept"] = {"text": "intrathecal bolus"}
        _performed(administration, given.by, given.reason, current_pump_url)
        entries.append((ids("MedicationAdministration", "bolus", i), administration))

    for i, refill in enumerate(record.refills):
        administration = {
            "resourceType": "MedicationAdministration",
            "status": "completed",
            "category": {"text": "refill of the implanted pump's reservoir"},
            "medicationReference": _reference(
                medication(refill.drug, refill.concentration_mcg_per_ml)
            ),
            "subject": _reference(patient_url),
            "effectiveDateTime": _moment(refill.at, localize),
            "dosage": {
                "text": (
                    f"{refill.volume_added_ml} mL added; residual expected "
                    f"{refill.expected_residual_ml} mL, measured {refill.measured_residual_ml} mL"
                ),
                "site": {"text": "pump reservoir"},
                "route": INTRATHECAL,
                "dose": _ucum(refill.volume_added_ml, "mL"),
            },
        }
        _performed(administration, refill.by, refill.reason, current_pump_url)
        entries.append((ids("MedicationAdministration", "refill", i), administration))

    if record.report is not None:
        document: dict[str, Any] = {
            "resourceType": "DocumentReference",
            "status": "current",
            "type": {"text": "Session report, intrathecal baclofen pump programme"},
            "subject": _reference(patient_url),
            "date": _moment(now, localize),
            "description": record.report.title,
            "content": [
                {
                    "attachment": {
                        "contentType": "application/pdf",
                        "data": base64.b64encode(record.report.data).decode("ascii"),
                        "title": record.report.title,
                        "creation": _moment(now, localize),
                    }
                }
            ],
        }
        reported = request_urls.get(record.report.version)
        if reported is not None:
            document["context"] = {"related": [_reference(reported)]}
        entries.append((ids("DocumentReference", "report", record.report.version), document))

    return {
        "resourceType": "Bundle",
        # R4 has no fhirVersion element on a resource: the FHIR-version code system says it.
        "meta": {"tag": [{"system": "http://hl7.org/fhir/FHIR-version", "code": FHIR_VERSION}]},
        "identifier": {"system": "urn:ietf:rfc:3986", "value": ids("Bundle", now.isoformat())},
        "type": "collection",
        "timestamp": _moment(now, localize),
        "entry": [{"fullUrl": url, "resource": resource} for url, resource in entries],
    }


def _performed(administration: dict[str, Any], by: str, reason: str, pump_url: str | None) -> None:
    notes = [text for text in (f"by {by}" if by else "", reason) if text]
    if notes:
        administration["note"] = [{"text": "; ".join(notes)}]
    if pump_url is not None:
        administration["device"] = [_reference(pump_url)]


def bundle_text(record: FhirRecord, *, now: datetime, localize: Localize = local_zone) -> str:
    """The Bundle as FHIR JSON text (UTF-8, ends with a newline), decimals as stored."""
    return exact_json(bundle(record, now=now, localize=localize)) + "\n"


def record_from_database(
    database: Database, patient_id: str, report: SessionReportPdf | None
) -> FhirRecord:
    """The records of one patient an export reads (raises ``UnknownPatientError``)."""
    return FhirRecord(
        patient=database.patient(patient_id),
        versions=tuple(database.versions(patient_id)),
        refills=tuple(database.refills(patient_id)),
        boluses_given=tuple(database.boluses_given(patient_id)),
        catalogue=database.catalogue,
        library=database.library,
        report=report,
    )
