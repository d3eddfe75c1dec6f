"""Boluses against the pump and the drug (domain.md, "Boluses"): planned boluses that overlap,
patient boluses the pump and drug allow, and each bolus dose and flow against its limits. Part of
the one check, :func:`programmer.findings.check_programme`.
"""

from __future__ import annotations

from datetime import timedelta

from programmer.drug_library import Drug
from programmer.finding import Add, Code, Finding, num
from programmer.programme import Mode, Programme
from programmer.pump_catalogue import PumpModel
from programmer.units import MINUTES_PER_DAY, exact
from programmer.words import moment


def _check_bolus_overlap(programme: Programme, add: Add) -> None:
    """BOLUS_OVERLAP: a pump gives one bolus at a time. A bolus overlaps when it starts before
    an earlier-starting one has ended (one ending at the minute the next starts does not)."""
    order = sorted(range(len(programme.boluses)), key=lambda i: programme.boluses[i].start)
    running: int | None = None  # the bolus that ends last among those started so far
    for i in order:
        b = programme.boluses[i]
        if running is not None:
            r = programme.boluses[running]
            r_end = r.start + timedelta(minutes=r.duration_min)
            if b.start < r_end:
                add(
                    Finding(
                        Code.BOLUS_OVERLAP,
                        f"Bolus on {moment(b.start)} starts while the bolus from "
                        f"{moment(r.start)} ({r.duration_min} min) runs until "
                        f"{r_end:%H:%M}: a pump gives one bolus at a time. Move it to "
                        f"{moment(r_end)} or later.",
                        f"boluses[{i}].start",
                    )
                )
            if b.start + timedelta(minutes=b.duration_min) > r_end:
                running = i
        else:
            running = i


def _check_patient_bolus_allowed(programme: Programme, pump: PumpModel, add: Add) -> None:
    """PATIENT_BOLUS_NOT_ALLOWED: settings where the pump would not deliver them (stopped) or
    the pump/drug pair does not allow them (catalogue data; domain.md: Prometra's controller is
    not for baclofen). Never silently ignored (product.md)."""
    if programme.patient_bolus is None:
        return
    if programme.mode is Mode.STOPPED:
        why = (
            "a stopped pump delivers no patient-activated bolus; remove the patient-bolus "
            "settings, or choose a mode that delivers"
        )
    elif not pump.allows_patient_bolus(programme.drug.name):
        allowed = ", ".join(pump.patient_bolus_drugs) or "no drug"
        why = (
            f"the {pump.display_name}'s patient controller is not for {programme.drug.name} "
            f"(only {allowed}); remove the patient-bolus settings"
        )
    else:
        return
    add(Finding(Code.PATIENT_BOLUS_NOT_ALLOWED, f"Patient bolus: {why}.", "patient_bolus"))


def check_boluses(programme: Programme, pump: PumpModel, drug: Drug, add: Add) -> None:
    _check_bolus_overlap(programme, add)
    _check_patient_bolus_allowed(programme, pump, add)
    limit = exact(drug.bolus_max_mcg)
    for i, b in enumerate(programme.boluses):
        if exact(b.dose_mcg) > limit:
            add(
                Finding(
                    Code.BOLUS_ABOVE_LIMIT,
                    f"Bolus on {moment(b.start)}: {num(b.dose_mcg)} mcg is over the "
                    f"{drug.name} bolus maximum of {num(limit)} mcg.",
                    f"boluses[{i}].dose_mcg",
                )
            )
    pb = programme.patient_bolus
    if pb is None:
        return
    if exact(pb.dose_mcg) > limit:
        add(
            Finding(
                Code.BOLUS_ABOVE_LIMIT,
                f"Patient bolus of {num(pb.dose_mcg)} mcg is over the {drug.name} bolus maximum "
                f"of {num(limit)} mcg.",
                "patient_bolus.dose_mcg",
            )
        )
    if pb.lockout_min < pb.duration_min:
        add(
            Finding(
                Code.PATIENT_BOLUS_LOCKOUT,
                f"Patient bolus lockout of {pb.lockout_min} min is shorter than its "
                f"{pb.duration_min} min duration.",
                "patient_bolus.lockout_min",
            )
        )
    # The lockout runs from the start of one activation to the next (so a lockout under the
    # bolus duration is refused above); the worst-case dose never relies on it: it counts every
    # allowed activation (the conservative reading, product.md "never silently ignored").
    if (pb.max_per_day - 1) * pb.lockout_min >= MINUTES_PER_DAY:
        possible = (MINUTES_PER_DAY - 1) // pb.lockout_min + 1
        add(
            Finding(
                Code.PATIENT_BOLUS_LOCKOUT,
                f"{pb.max_per_day} patient boluses a day cannot fit with a {pb.lockout_min} min "
                f"lockout (at most {possible}).",
                "patient_bolus.max_per_day",
            )
        )
