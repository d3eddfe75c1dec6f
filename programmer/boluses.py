"""Bolus calculators (domain.md, "Infusion modes"): priming bolus from pump and catheter, bridge
bolus after a concentration change, and what a bolus delivers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from programmer.pump_catalogue import CatheterModel, PumpModel
from programmer.units import MINUTES_PER_DAY, exact


@dataclass(frozen=True, slots=True)
class PrimingBolus:
    """Fluid that fills the pump tubing and the implanted catheter to its tip."""

    pump_volume_ml: Fraction
    catheter_volume_ml: Fraction
    volume_ml: Fraction
    dose_mcg: Fraction  # what the pump counts as delivered at the fill concentration
    duration_min: int  # at the pump's highest flow, rounded up to a whole minute


def dead_space_ml(
    pump: PumpModel, catheter: CatheterModel, implanted_length_cm: Decimal
) -> Fraction:
    """Pump internal volume + catheter volume per cm x implanted length (domain.md)."""
    return exact(pump.internal_volume_ml) + exact(catheter.volume_ml_per_cm) * exact(
        implanted_length_cm
    )


def priming_bolus(
    pump: PumpModel,
    catheter: CatheterModel,
    implanted_length_cm: Decimal,
    concentration_mcg_per_ml: Decimal,
) -> PrimingBolus:
    """domain.md: priming volume = pump internal volume + catheter volume per cm x implanted
    length; only under supervision. (A priming bolus computed with the wrong volume was a real
    Class I software recall: the arithmetic here is tested against the catalogue figures.)"""
    if implanted_length_cm <= 0:
        raise ValueError("the implanted catheter length must be more than 0 cm")
    if implanted_length_cm > catheter.supplied_length_cm:
        raise ValueError(
            f"{implanted_length_cm} cm is longer than the {catheter.display_name} "
            f"as supplied ({catheter.supplied_length_cm} cm)"
        )
    pump_part = exact(pump.internal_volume_ml)
    catheter_part = exact(catheter.volume_ml_per_cm) * exact(implanted_length_cm)
    volume = pump_part + catheter_part
    minutes = math.ceil(volume / exact(pump.max_flow_ml_per_day) * MINUTES_PER_DAY)
    return PrimingBolus(
        pump_part, catheter_part, volume, volume * exact(concentration_mcg_per_ml), max(minutes, 1)
    )


@dataclass(frozen=True, slots=True)
class BridgeBolus:
    """Pushes the old fluid out of pump and catheter at the rate that keeps the old dose, so the
    new concentration reaches the tip without a gap or an overdose (domain.md)."""

    volume_ml: Fraction  # old fluid between reservoir and catheter tip
    duration_min: Fraction  # how long the old fluid takes at the bridging flow
    flow_ml_per_day: Fraction  # daily dose / old concentration
    delivered_mcg: Fraction  # old fluid actually reaching the patient (old concentration)
    programmed_dose_mcg: Fraction  # what the pump, set to the new concentration, must be given


def bridge_minutes(bridge: BridgeBolus) -> int:
    """The bridge's duration in whole minutes, rounded up (never shown shorter than it is)."""
    return max(1, math.ceil(bridge.duration_min))


def bridge_bolus(
    pump: PumpModel,
    catheter: CatheterModel,
    implanted_length_cm: Decimal,
    old_concentration_mcg_per_ml: Decimal,
    new_concentration_mcg_per_ml: Decimal,
    daily_dose_mcg: Fraction,
) -> BridgeBolus:
    """The bridge bolus after a concentration change at the given daily dose."""
    if daily_dose_mcg <= 0:
        raise ValueError("a bridge bolus needs a daily dose above 0 mcg/day")
    volume = dead_space_ml(pump, catheter, implanted_length_cm)
    old_c, new_c = exact(old_concentration_mcg_per_ml), exact(new_concentration_mcg_per_ml)
    flow = exact(daily_dose_mcg) / old_c
    return BridgeBolus(
        volume_ml=volume,
        duration_min=volume / flow * MINUTES_PER_DAY,
        flow_ml_per_day=flow,
        delivered_mcg=volume * old_c,
        programmed_dose_mcg=volume * new_c,
    )


@dataclass(frozen=True, slots=True)
class UnbridgedChange:
    """What a concentration change without a bridge bolus does: the old fluid still in pump and
    catheter reaches the patient at the new flow, so for ``duration_min`` the patient gets
    ``dose_factor`` times the programmed dose (old / new concentration)."""

    volume_ml: Fraction
    duration_min: Fraction
    dose_factor: Fraction
    delivered_mcg: Fraction  # the old fluid, at the old concentration
    intended_mcg: Fraction  # what the programme means to give meanwhile


def unbridged_change(
    pump: PumpModel,
    catheter: CatheterModel,
    implanted_length_cm: Decimal,
    old_concentration_mcg_per_ml: Decimal,
    new_concentration_mcg_per_ml: Decimal,
    daily_dose_mcg: Fraction,
) -> UnbridgedChange:
    """domain.md, bridge bolus: without it the old fluid is pushed at the flow set for the new
    concentration (daily dose / new concentration): an overdose when the new concentration is
    lower, a gap in therapy when it is higher."""
    if daily_dose_mcg <= 0:
        raise ValueError("the effect of a concentration change needs a daily dose above 0")
    volume = dead_space_ml(pump, catheter, implanted_length_cm)
    old_c, new_c = exact(old_concentration_mcg_per_ml), exact(new_concentration_mcg_per_ml)
    flow = exact(daily_dose_mcg) / new_c
    return UnbridgedChange(
        volume_ml=volume,
        duration_min=volume / flow * MINUTES_PER_DAY,
        dose_factor=old_c / new_c,
        delivered_mcg=volume * old_c,
        intended_mcg=volume * new_c,
    )
