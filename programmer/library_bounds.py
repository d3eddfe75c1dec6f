"""Plausible bounds for a drug library (``data/drug_library_bounds.toml``; issue 10): an
administrator's library must keep every limit of every drug inside them, or it is refused with
the reason. Data, not code: the bounds are a TOML file like the library itself."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from programmer.drug_library import Drug, DrugLibrary, _figure
from programmer.errors import ReferenceDataError
from programmer.reference_data import Table, load_toml

FORMAT = "itb-drug-library-bounds/1"

# Each bounded quantity: its key in the bounds file, what it is called, its unit.
QUANTITIES = {
    "concentration_mcg_per_ml": ("concentration", "mcg/mL"),
    "hard_max_mcg_per_day": ("hard maximum", "mcg/day"),
    "bolus_max_mcg": ("bolus maximum", "mcg"),
    "usual_dose_mcg_per_day": ("usual range", "mcg/day"),
    "stability_days": ("stability", "days"),
    "extreme_factor": ("extreme change factor", "x"),
    "decrease_large_pct": ("large decrease", "%"),
    "titration_step_pct": ("titration step", "%"),
}


@dataclass(frozen=True, slots=True)
class Bounds:
    """Bounds for one drug: ``ranges[key] = (lowest, highest)``, and the concentrations that
    may never be a pump fill."""

    ranges: dict[str, tuple[Decimal, Decimal]]
    never_pump_fill: tuple[Decimal, ...] = ()


@dataclass(frozen=True, slots=True)
class LibraryBounds:
    version: str
    any_drug: Bounds
    drugs: dict[str, Bounds]

    def for_drug(self, name: str) -> Bounds:
        """The bounds for ``name``: its own narrowed by ``any_drug``'s."""
        own = self.drugs.get(name)
        if own is None:
            return self.any_drug
        ranges = dict(self.any_drug.ranges)
        for key, (low, high) in own.ranges.items():
            base_low, base_high = ranges[key]
            ranges[key] = (max(low, base_low), min(high, base_high))
        return Bounds(ranges, self.any_drug.never_pump_fill + own.never_pump_fill)


def _bounds(t: Table, *, complete: bool) -> Bounds:
    ranges: dict[str, tuple[Decimal, Decimal]] = {}
    for key in QUANTITIES:
        if not t.has(key):
            if complete:
                raise ReferenceDataError(f"{t.where}: missing '{key}'")
            continue
        pair = t.numbers(key)
        if len(pair) != 2 or pair[0] > pair[1]:
            raise ReferenceDataError(f"{t.where}: '{key}' must be [lowest, highest]")
        ranges[key] = (pair[0], pair[1])
    never = t.numbers("never_pump_fill_mcg_per_ml") if t.has("never_pump_fill_mcg_per_ml") else ()
    t.done()
    return Bounds(ranges, never)


def load_library_bounds(path: Path | None = None) -> LibraryBounds:
    data, where = load_toml(path, "drug_library_bounds.toml")
    top = Table(data, where)
    version = top.check_format(FORMAT)
    any_drug = _bounds(top.table("any_drug"), complete=True)
    drugs: dict[str, Bounds] = {}
    if top.has("drug"):
        per_drug = top.table("drug")
        for name in per_drug.names():
            drugs[name] = _bounds(per_drug.table(name), complete=False)
        per_drug.done()
    top.done()
    return LibraryBounds(version, any_drug, drugs)


@cache
def default_library_bounds() -> LibraryBounds:
    return load_library_bounds()


def _outside(
    bounds: Bounds, key: str, value: Decimal | int, drug: str, what: str | None = None
) -> str | None:
    low, high = bounds.ranges[key]
    if low <= value <= high:
        return None
    name, unit = QUANTITIES[key]

    def shown(number: Decimal | int) -> str:
        text = _figure(Decimal(number))
        return f"{text}x" if unit == "x" else f"{text} {unit}"

    return (
        f"{drug}: {what or name} {shown(value)} is outside the plausible {shown(low)} to "
        f"{shown(high)}"
    )


def drug_problems(drug: Drug, bounds: Bounds) -> list[str]:
    """Every limit of ``drug`` outside ``bounds``, in words with units."""
    n = drug.name
    # The screening concentration as a pump fill first: the most dangerous slip of all.
    screening = set(drug.screening_concentrations_mcg_per_ml) | set(bounds.never_pump_fill)
    problems = [
        f"{n}: {_figure(c)} mcg/mL is a screening concentration (lumbar puncture only) and can "
        "never be a pump-fill concentration"
        for c in drug.concentrations_mcg_per_ml
        if c in screening
    ]
    found = [
        *(
            _outside(bounds, "concentration_mcg_per_ml", c, n, "pump-fill concentration")
            for c in drug.concentrations_mcg_per_ml
            if c not in screening
        ),
        _outside(bounds, "hard_max_mcg_per_day", drug.hard_max_mcg_per_day, n),
        _outside(bounds, "bolus_max_mcg", drug.bolus_max_mcg, n),
        _outside(bounds, "stability_days", drug.stability_days, n),
        _outside(bounds, "extreme_factor", drug.extreme_factor, n),
        _outside(bounds, "decrease_large_pct", drug.decrease_large_pct, n),
        *(
            _outside(bounds, "titration_step_pct", pct, n, f"titration step ({group.value})")
            for group, pct in drug.titration_step_pct.items()
        ),
        *(
            _outside(bounds, "usual_dose_mcg_per_day", edge, n, f"usual range ({group.value})")
            for group, r in drug.usual_range.items()
            for edge in (r.low_mcg_per_day, r.high_mcg_per_day)
        ),
    ]
    problems += [p for p in found if p is not None]
    if drug.bolus_max_mcg > drug.hard_max_mcg_per_day:
        problems.append(
            f"{n}: bolus maximum {_figure(drug.bolus_max_mcg)} mcg is above the hard maximum "
            f"{_figure(drug.hard_max_mcg_per_day)} mcg/day"
        )
    for group, r in drug.usual_range.items():
        if r.high_mcg_per_day > drug.hard_max_mcg_per_day:
            problems.append(
                f"{n}: usual range ({group.value}) reaches {_figure(r.high_mcg_per_day)} mcg/day, "
                f"above the hard maximum {_figure(drug.hard_max_mcg_per_day)} mcg/day"
            )
    return problems


def library_problems(library: DrugLibrary, bounds: LibraryBounds | None = None) -> list[str]:
    """Every limit of every drug of ``library`` outside the plausible bounds (empty: none)."""
    limits = bounds or default_library_bounds()
    return [
        problem
        for drug in library.drugs.values()
        for problem in drug_problems(drug, limits.for_drug(drug.name))
    ]
