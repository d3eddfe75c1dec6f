"""The drug library: allowed concentrations and dose limits per drug (domain.md, "Dose error
reduction" and "Baclofen"). Data, not code: loaded from ``data/drug_library.toml`` or an
administrator's file, checked once on load, versioned."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from programmer.errors import ReferenceDataError
from programmer.reference_data import Table, load_toml, parse_toml
from programmer.words import with_separator

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

    def compounded_refusal(self, concentration_mcg_per_ml: Decimal) -> str | None:
        """Why ``concentration_mcg_per_ml`` cannot be confirmed as a compounded product for a
        pump fill (None: it can). The screening concentration never can: it is for a lumbar
        puncture only (domain.md), whoever confirms it."""
        conc = concentration_mcg_per_ml
        if not conc.is_finite() or conc <= 0:
            return "a concentration must be more than 0 mcg/mL"
        if conc in self.screening_concentrations_mcg_per_ml:
            return (
                f"{_figure(conc)} mcg/mL {self.name} is for screening by lumbar puncture only "
                "and can never be confirmed for a pump fill"
            )
        if conc in self.concentrations_mcg_per_ml:
            return (
                f"{_figure(conc)} mcg/mL is a {self.name} concentration of the drug library: "
                "there is nothing to confirm"
            )
        return None


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
    return _library(data, where)


def drug_library_from_text(text: str, where: str = "the drug library") -> DrugLibrary:
    """Check a drug library given as TOML text (an administrator's import, or a version stored
    in the database); errors name ``where`` and the entry at fault."""
    return _library(parse_toml(text, where), where)


def _library(data: dict[str, Any], where: str) -> DrugLibrary:
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


# ---------------------------------------------------------------- comparing two libraries


def _figure(value: Decimal) -> str:
    """A library figure as written in a message: no exponent, no trailing zeros."""
    text = format(value, "f")
    return with_separator(text.rstrip("0").rstrip(".") if "." in text else text)


def _figures(values: tuple[Decimal, ...], unit: str) -> str:
    return ", ".join(f"{_figure(v)} {unit}" for v in values) if values else "none"


def _limits(drug: Drug) -> dict[str, str]:
    """Each limit of ``drug`` in words with its unit, keyed by what it is called."""
    words = {
        "pump-fill concentrations": _figures(drug.concentrations_mcg_per_ml, "mcg/mL"),
        "screening concentrations": _figures(drug.screening_concentrations_mcg_per_ml, "mcg/mL"),
        "hard maximum": f"{_figure(drug.hard_max_mcg_per_day)} mcg/day",
        "bolus maximum": f"{_figure(drug.bolus_max_mcg)} mcg",
        "stability": f"{drug.stability_days} days",
        "large decrease": f"{_figure(drug.decrease_large_pct)} %",
        "extreme change factor": f"{_figure(drug.extreme_factor)}x",
    }
    for group in PatientGroup:
        usual = drug.usual_range.get(group)
        words[f"usual range ({group.value})"] = (
            "none"
            if usual is None
            else f"{_figure(usual.low_mcg_per_day)} to {_figure(usual.high_mcg_per_day)} mcg/day"
        )
        step = drug.titration_step_pct.get(group)
        words[f"titration step ({group.value})"] = "none" if step is None else f"{_figure(step)} %"
    words["display name"] = drug.display_name
    return words


def library_changes(old: DrugLibrary, new: DrugLibrary) -> tuple[str, ...]:
    """What ``new`` changes against ``old``, one line per limit that differs, with units
    (``"baclofen: hard maximum 2000 mcg/day -> 1500 mcg/day"``): for the audit trail and for
    the administrator who imports it."""
    lines: list[str] = []
    for name in sorted(set(old.drugs) | set(new.drugs)):
        if name not in old.drugs:
            lines.append(f"{name}: added")
            continue
        if name not in new.drugs:
            lines.append(f"{name}: removed")
            continue
        before, after = _limits(old.drugs[name]), _limits(new.drugs[name])
        lines += [
            f"{name}: {what} {before[what]} -> {after[what]}"
            for what in before
            if before[what] != after[what]
        ]
    return tuple(lines)
