"""Refill arithmetic (domain.md, "Refill arithmetic"): expected residual, the discrepancy check
with the 1 mL (20 mL pump) / 2 mL (40 mL pump) rule, and the programme after a refill."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from programmer.drug_library import Drug
from programmer.finding import Code, Finding, num
from programmer.findings import overfill_finding
from programmer.programme import DrugFill, Programme, Reservoir
from programmer.projection import BridgeGiven, RanBefore, reservoir_at
from programmer.pump_catalogue import PumpCatalogue, PumpModel
from programmer.units import exact
from programmer.words import join_figures


def earlier_on_fill(
    history: Sequence[tuple[datetime, Programme]], catalogue: PumpCatalogue
) -> tuple[RanBefore, ...]:
    """The programmes that ran on the last one's fill before it: ``history`` is every programme
    with the moment it took effect, oldest first, the last being the one in force. A change
    made between refills leaves in the reservoir what the earlier programme delivered, not what
    the new one would have (projection.RanBefore)."""
    if not history:
        return ()
    fill = history[-1][1].reservoir
    return tuple(
        RanBefore(programme, catalogue.pump(programme.pump.model), history[i + 1][0])
        for i, (_, programme) in enumerate(history[:-1])
        if programme.reservoir == fill
    )


def expected_residual_ml(
    programme: Programme,
    pump: PumpModel,
    at: datetime,
    patient_boluses_given_mcg: Decimal = Decimal(0),
    earlier: Sequence[RanBefore] = (),
    bridges: Sequence[BridgeGiven] = (),
) -> Fraction:
    """Volume at the last refill minus programmed delivery and boluses given since (domain.md).

    Planned boluses in the programme count as given; boluses given outside the programme
    (patient-activated, priming) are passed in, in mcg at the fill's concentration, since the
    programme only says how many it allows. ``earlier``: programmes that ran on the same fill
    before this one (:func:`earlier_on_fill`); ``bridges``: bridge boluses given on the fill
    (while one runs the reservoir gives the dead-space volume at the old dose's flow, not the
    programme's flow: product.md, "Rules the table implies")."""
    given = exact(patient_boluses_given_mcg) / exact(programme.drug.concentration_mcg_per_ml)
    return reservoir_at(programme, pump, at, earlier=earlier, bridges=bridges) - given


@dataclass(frozen=True, slots=True)
class RefillFigures:
    """What a refill records (db ``RefillRecord``'s figures): the expected residual as kept (to
    3 decimals, at least 0), the measured one, the volume added, the drug and concentration."""

    expected_residual_ml: Decimal
    measured_residual_ml: Decimal
    volume_added_ml: Decimal
    drug: str
    concentration_mcg_per_ml: Decimal


def discrepancy_finding(
    expected_ml: Decimal | Fraction, measured_ml: Decimal, pump: PumpModel
) -> Finding | None:
    """REFILL_DISCREPANCY when the measured residual is off the expected one by more than the
    pump's limit (domain.md: 1 mL for a 20 mL pump, 2 mL for a 40 mL pump; exactly the limit is
    within it). One message, wherever the rule is applied."""
    difference = exact(measured_ml) - exact(expected_ml)
    limit = pump.refill_discrepancy_ml
    if abs(difference) <= exact(limit):
        return None
    if difference > 0:
        meaning = (
            "more drug is left than expected: under-delivery (catheter block, pump "
            "stall). Check the catheter and the pump before refilling."
        )
    else:
        meaning = (
            "less drug is left than expected: over-delivery, a leak, or a previous "
            "refill that went into the pocket under the skin. Check the patient for "
            "overdose signs and the refill technique."
        )
    return Finding(
        Code.REFILL_DISCREPANCY,
        f"Measured residual {num(measured_ml, 3)} mL vs expected {num(expected_ml, 3)} mL: a "
        f"difference of {num(abs(difference), 3)} mL, over the {num(limit)} mL limit for the "
        f"{pump.display_name}; {meaning} It must be acknowledged with a reason.",
        "refill.measured_residual_ml",
    )


def refill_findings(
    figures: RefillFigures,
    pump: PumpModel,
    drug: Drug,
    confirmed: Collection[Decimal] = frozenset(),
) -> tuple[Finding, ...]:
    """Every finding on a refill's recorded figures (domain.md, "Refill arithmetic"): the new
    volume over the reservoir (hard), a concentration neither in the library nor confirmed as a
    compounded product for the patient, and never the screening one (hard), and the discrepancy
    rule (soft: it needs a typed reason). The refill dialog, storage and the report all use
    this, so each says the same thing."""
    findings: list[Finding] = []
    overfill = overfill_finding(figures.volume_added_ml, pump, "refill.volume_added_ml")
    if overfill is not None:
        findings.append(overfill)
    concentration = figures.concentration_mcg_per_ml
    screening = concentration in drug.screening_concentrations_mcg_per_ml
    if concentration not in drug.concentrations_mcg_per_ml and (
        screening or concentration not in confirmed
    ):
        allowed = join_figures(num(c) for c in drug.concentrations_mcg_per_ml)
        findings.append(
            Finding(
                Code.CONCENTRATION_UNKNOWN,
                f"{num(concentration, 6)} mcg/mL is not a {drug.name} pump-fill concentration "
                f"in the drug library ({allowed} mcg/mL)"
                + (
                    ": it is for screening by lumbar puncture only."
                    if screening
                    else ", nor confirmed as a compounded product for this patient."
                ),
                "refill.concentration_mcg_per_ml",
            )
        )
    discrepancy = discrepancy_finding(
        figures.expected_residual_ml, figures.measured_residual_ml, pump
    )
    if discrepancy is not None:
        findings.append(discrepancy)
    return tuple(findings)


@dataclass(frozen=True, slots=True)
class RefillCheck:
    expected_residual_ml: Fraction
    measured_residual_ml: Decimal
    discrepancy_ml: Fraction  # measured - expected: more left (>0) is under-delivery
    limit_ml: Decimal
    finding: Finding | None

    @property
    def significant(self) -> bool:
        return self.finding is not None


def check_refill(
    programme: Programme,
    pump: PumpModel,
    at: datetime,
    measured_residual_ml: Decimal,
    patient_boluses_given_mcg: Decimal = Decimal(0),
    earlier: Sequence[RanBefore] = (),
    bridges: Sequence[BridgeGiven] = (),
) -> RefillCheck:
    """Compare the measured residual with the expected one (:func:`discrepancy_finding`)."""
    expected = expected_residual_ml(
        programme, pump, at, patient_boluses_given_mcg, earlier, bridges
    )
    shown_expected = max(expected, Fraction(0))
    difference = exact(measured_residual_ml) - shown_expected
    finding = discrepancy_finding(shown_expected, measured_residual_ml, pump)
    return RefillCheck(
        expected, measured_residual_ml, difference, pump.refill_discrepancy_ml, finding
    )


def after_refill(
    programme: Programme,
    at: datetime,
    volume_added_ml: Decimal,
    concentration_mcg_per_ml: Decimal | None = None,
    drug_name: str | None = None,
) -> Programme:
    """The programme once the residual is withdrawn and ``volume_added_ml`` of fresh drug is in
    the reservoir (a new fill: its volume and time). Boluses planned before the refill are
    dropped; an overfill is not refused here but reported by the findings (RESERVOIR_OVERFILL)."""
    drug = DrugFill(
        name=drug_name or programme.drug.name,
        concentration_mcg_per_ml=(
            concentration_mcg_per_ml or programme.drug.concentration_mcg_per_ml
        ),
    )
    return programme.with_changes(
        drug=drug,
        reservoir=Reservoir(volume_ml=volume_added_ml, filled_at=at),
        boluses=tuple(b for b in programme.boluses if b.start >= at),
    )
