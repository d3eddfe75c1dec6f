"""The pump catalogue: what each pump model can do (domain.md, "Pumps"). Data, not code; figures
domain.md marks unverified are listed in each entry's ``unverified``."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from programmer.errors import ReferenceDataError
from programmer.reference_data import Table, load_toml

FORMAT = "itb-pump-catalogue/1"


@dataclass(frozen=True, slots=True)
class PumpModel:
    model: str
    display_name: str
    maker: str
    reservoir_ml: Decimal
    min_flow_ml_per_day: Decimal
    max_flow_ml_per_day: Decimal
    max_steps_per_day: int
    min_step_min: int
    zero_rate_steps: bool
    default_low_alarm_ml: Decimal
    refill_discrepancy_ml: Decimal
    internal_volume_ml: Decimal
    accuracy_factor: Decimal
    unverified: tuple[str, ...]
    # Drugs whose patient-activated boluses this pump's patient controller may give (domain.md:
    # Prometra's Patient Therapy Controller is indicated only for morphine, not for baclofen).
    patient_bolus_drugs: tuple[str, ...] = ()
    # Battery service life: a replace-by date later than implant + this many years is impossible
    # (domain.md: SynchroMed II shuts off at 7 years). None: no figure known for the model.
    battery_service_life_years: int | None = None
    # The volume the pump itself computes its refill date to, whatever alarm volume is
    # programmed (domain.md, "Pumps": Prometra II "refill date computed to 3.0 mL"). None: the
    # refill date is computed to the programmed low-reservoir alarm (SynchroMed II).
    refill_computed_to_ml: Decimal | None = None

    def allows_patient_bolus(self, drug: str) -> bool:
        return drug in self.patient_bolus_drugs


@dataclass(frozen=True, slots=True)
class CatheterModel:
    model: str
    display_name: str
    volume_ml_per_cm: Decimal
    supplied_length_cm: Decimal
    unverified: tuple[str, ...]
    maker: str = ""  # whose pumps it connects to; "" in catalogues from before it was recorded


@dataclass(frozen=True, slots=True)
class PumpCatalogue:
    version: str
    pumps: dict[str, PumpModel]
    catheters: dict[str, CatheterModel]

    def pump(self, model: str) -> PumpModel:
        try:
            return self.pumps[model]
        except KeyError:
            known = ", ".join(sorted(self.pumps))
            raise KeyError(f"'{model}' is not in the pump catalogue (known: {known})") from None

    def catheters_for(self, pump_model: str) -> list[CatheterModel]:
        """The catheters that connect to ``pump_model``: its maker's (and any whose maker the
        catalogue does not record)."""
        maker = self.pump(pump_model).maker
        return [c for c in self.catheters.values() if c.maker in (maker, "")]

    def catheter(self, model: str) -> CatheterModel:
        try:
            return self.catheters[model]
        except KeyError:
            known = ", ".join(sorted(self.catheters))
            raise KeyError(f"'{model}' is not in the catheter catalogue (known: {known})") from None


def _pump(t: Table) -> PumpModel:
    pump = PumpModel(
        model=t.text("model"),
        display_name=t.text("display_name"),
        maker=t.text("maker"),
        reservoir_ml=t.number("reservoir_ml"),
        min_flow_ml_per_day=t.number("min_flow_ml_per_day"),
        max_flow_ml_per_day=t.number("max_flow_ml_per_day"),
        max_steps_per_day=t.integer("max_steps_per_day"),
        min_step_min=t.integer("min_step_min"),
        zero_rate_steps=t.boolean("zero_rate_steps"),
        default_low_alarm_ml=t.number("default_low_alarm_ml"),
        refill_discrepancy_ml=t.number("refill_discrepancy_ml"),
        internal_volume_ml=t.number("internal_volume_ml"),
        accuracy_factor=t.number("accuracy_factor"),
        unverified=t.texts("unverified"),
        patient_bolus_drugs=t.texts("patient_bolus_drugs"),
        battery_service_life_years=(
            t.integer("battery_service_life_years") if t.has("battery_service_life_years") else None
        ),
        refill_computed_to_ml=(
            t.number("refill_computed_to_ml") if t.has("refill_computed_to_ml") else None
        ),
    )
    t.done()
    if pump.min_flow_ml_per_day >= pump.max_flow_ml_per_day:
        raise ReferenceDataError(
            f"{t.where}: pump '{pump.model}': lowest flow must be under highest flow"
        )
    if pump.default_low_alarm_ml >= pump.reservoir_ml:
        raise ReferenceDataError(
            f"{t.where}: pump '{pump.model}': alarm volume must be under reservoir size"
        )
    if pump.refill_computed_to_ml is not None and pump.refill_computed_to_ml >= pump.reservoir_ml:
        raise ReferenceDataError(
            f"{t.where}: pump '{pump.model}': refill volume must be under reservoir size"
        )
    return pump


def _catheter(t: Table) -> CatheterModel:
    catheter = CatheterModel(
        model=t.text("model"),
        display_name=t.text("display_name"),
        volume_ml_per_cm=t.number("volume_ml_per_cm"),
        supplied_length_cm=t.number("supplied_length_cm"),
        unverified=t.texts("unverified"),
        maker=t.text("maker") if t.has("maker") else "",
    )
    t.done()
    return catheter


def load_pump_catalogue(path: Path | None = None) -> PumpCatalogue:
    """Read and check a pump catalogue (the packaged one when ``path`` is None)."""
    data, where = load_toml(path, "pump_catalogue.toml")
    top = Table(data, where)
    version = top.check_format(FORMAT)
    pumps: dict[str, PumpModel] = {}
    for entry in top.tables("pump"):
        pump = _pump(entry)
        if pump.model in pumps:
            raise ReferenceDataError(f"{where}: pump '{pump.model}' appears twice")
        pumps[pump.model] = pump
    catheters: dict[str, CatheterModel] = {}
    for entry in top.tables("catheter"):
        catheter = _catheter(entry)
        if catheter.model in catheters:
            raise ReferenceDataError(f"{where}: catheter '{catheter.model}' appears twice")
        catheters[catheter.model] = catheter
    top.done()
    return PumpCatalogue(version=version, pumps=pumps, catheters=catheters)


@cache
def default_pump_catalogue() -> PumpCatalogue:
    return load_pump_catalogue()
