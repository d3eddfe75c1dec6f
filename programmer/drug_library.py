"""The drug library: allowed concentrations and dose limits per drug (domain.md, "Dose error
reduction" and "Baclofen"). Data, not code: loaded from ``data/drug_library.toml`` or an
administrator's file, checked once on load, versioned."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import cache
from pathlib import Path

from programmer.errors import ReferenceDataError
from programmer.reference_data import Table, load_toml

FORMAT = "itb-drug-library/1"


class PatientGroup(StrEnum):
    """Whose usual range applies: spasticity origin, or a child under 12 (domain.md)."""

    SPINAL = "spinal"
    CEREBRAL = "cerebral"
    CHILD = "child"


@dataclass(frozen=True, slots=True)
class DoseRange:
    low_mcg_per_day: Decimal
    high_mcg_per_day: Decimal


@dataclass(frozen=True, slots=True)
class Drug:
    name: str
    display_name: str
    concentrations_mcg_per_ml: tuple[Decimal, ...]
    screening_concentrations_mcg_per_ml: tuple[Decimal, ...]
    hard_max_mcg_per_day: Decimal
    bolus_max_mcg: Decimal
    stability_days: int
    decrease_large_pct: Decimal
    extreme_factor: Decimal
    usual_range: dict[PatientGroup, DoseRange]
    titration_step_pct: dict[PatientGroup, Decimal]

    def titration_pct_for(self, group: PatientGroup) -> Decimal:
        """A child's titration step follows its spasticity origin; without a figure for the
        group, the most cautious step in the library applies."""
        if group in self.titration_step_pct:
            return self.titration_step_pct[group]
        return min(self.titration_step_pct.values())


@dataclass(frozen=True, slots=True)
class DrugLibrary:
    version: str
    drugs: dict[str, Drug]

    def drug(self, name: str) -> Drug:
        try:
            return self.drugs[name]
        except KeyError:
            known = ", ".join(sorted(self.drugs))
            raise KeyError(f"'{name}' is not in the drug library (known: {known})") from None


def _drug(t: Table) -> Drug:
    ranges_table = t.table("usual_range_mcg_per_day")
    usual: dict[PatientGroup, DoseRange] = {}
    for key in ranges_table.names():
        group = _group(key, ranges_table)
        pair = ranges_table.numbers(key)
        if len(pair) != 2 or pair[0] >= pair[1]:
            raise ReferenceDataError(
                f"{ranges_table.where}: usual range '{key}' must be [low, high] with low < high"
            )
        usual[group] = DoseRange(pair[0], pair[1])
    ranges_table.done()
    for required in (PatientGroup.SPINAL, PatientGroup.CEREBRAL):
        if required not in usual:
            raise ReferenceDataError(
                f"{t.where}: drug '{t.text('name')}': no usual range for '{required}'"
            )
    steps_table = t.table("titration_step_pct")
    steps = {_group(k, steps_table): steps_table.number(k) for k in steps_table.names()}
    steps_table.done()
    if not steps:
        raise ReferenceDataError(f"{t.where}: drug '{t.text('name')}': no titration step")
    drug = Drug(
        name=t.text("name"),
        display_name=t.text("display_name"),
        concentrations_mcg_per_ml=t.numbers("concentrations_mcg_per_ml"),
        screening_concentrations_mcg_per_ml=t.numbers("screening_concentrations_mcg_per_ml"),
        hard_max_mcg_per_day=t.number("hard_max_mcg_per_day"),
        bolus_max_mcg=t.number("bolus_max_mcg"),
        stability_days=t.integer("stability_days"),
        decrease_large_pct=t.number("decrease_large_pct"),
        extreme_factor=t.number("extreme_factor"),
        usual_range=usual,
        titration_step_pct=steps,
    )
    t.done()
    if not drug.concentrations_mcg_per_ml:
        raise ReferenceDataError(f"{t.where}: drug '{drug.name}': no pump-fill concentration")
    if drug.extreme_factor <= 1:
        raise ReferenceDataError(f"{t.where}: drug '{drug.name}': extreme_factor must be > 1")
    return drug


def _group(key: str, where: Table) -> PatientGroup:
    try:
        return PatientGroup(key)
    except ValueError:
        raise ReferenceDataError(f"{where.where}: unknown patient group '{key}'") from None


def load_drug_library(path: Path | None = None) -> DrugLibrary:
    """Read and check a drug library (the packaged one when ``path`` is None)."""
    data, where = load_toml(path, "drug_library.toml")
    top = Table(data, where)
    version = top.check_format(FORMAT)
    drugs: dict[str, Drug] = {}
    for entry in top.tables("drug"):
        drug = _drug(entry)
        if drug.name in drugs:
            raise ReferenceDataError(f"{where}: drug '{drug.name}' appears twice")
        drugs[drug.name] = drug
    top.done()
    return DrugLibrary(version=version, drugs=drugs)


@cache
def default_drug_library() -> DrugLibrary:
    return load_drug_library()
