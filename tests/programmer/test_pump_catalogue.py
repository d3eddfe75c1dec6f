"""The pump catalogue (domain.md, "Pumps"): packaged figures, the unverified ones named as such,
and a catalogue file that is wrong in any way refused with a ReferenceDataError naming the file."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from programmer.errors import ReferenceDataError
from programmer.pump_catalogue import default_pump_catalogue, load_pump_catalogue

PACKAGED = (
    Path(__file__).resolve().parents[2] / "programmer" / "data" / "pump_catalogue.toml"
).read_text("utf-8")


def test_catalogue_has_the_four_pumps_of_product_md() -> None:
    assert set(default_pump_catalogue().pumps) >= {
        "synchromed-ii-20",
        "synchromed-ii-40",
        "prometra-ii-20",
        "prometra-ii-40",
    }


@pytest.mark.parametrize(
    ("model", "reservoir"), [("synchromed-ii-20", 20), ("synchromed-ii-40", 40)]
)
def test_synchromed_figures_are_those_of_domain_md(model: str, reservoir: int) -> None:
    pump = default_pump_catalogue().pump(model)
    assert pump.reservoir_ml == reservoir
    assert pump.min_flow_ml_per_day == Decimal("0.048")
    assert pump.max_steps_per_day == 13
    assert pump.default_low_alarm_ml == 2
    assert pump.refill_computed_to_ml is None  # computed to the programmed alarm
    assert not pump.zero_rate_steps
    # domain.md: discrepancy significant over 1 mL (20 mL pump) or 2 mL (40 mL pump)
    assert pump.refill_discrepancy_ml == reservoir // 20
    # domain.md marks the highest flow "about 24 mL/day (unverified)"
    assert "max_flow_ml_per_day" in pump.unverified


@pytest.mark.parametrize("model", ["prometra-ii-20", "prometra-ii-40"])
def test_prometra_refill_date_is_computed_to_3_ml_and_its_flows_are_unverified(model: str) -> None:
    pump = default_pump_catalogue().pump(model)
    assert pump.default_low_alarm_ml == 3
    assert pump.refill_computed_to_ml == 3  # whatever alarm is programmed (domain.md)
    assert {"min_flow_ml_per_day", "max_flow_ml_per_day"} <= set(pump.unverified)


def test_every_unverified_name_is_a_field_of_the_entry() -> None:
    catalogue = default_pump_catalogue()
    for pump in catalogue.pumps.values():
        assert set(pump.unverified) <= set(pump.__dataclass_fields__)
    for catheter in catalogue.catheters.values():
        assert set(catheter.unverified) <= set(catheter.__dataclass_fields__)


def test_prometra_catheter_volume_per_cm_is_that_of_domain_md() -> None:
    catheter = default_pump_catalogue().catheter("prometra-catheter")
    assert catheter.volume_ml_per_cm == Decimal("0.0026")
    assert catheter.supplied_length_cm == 110


def test_unknown_pump_and_catheter_name_the_known_ones() -> None:
    with pytest.raises(KeyError, match="synchromed-ii-20"):
        default_pump_catalogue().pump("synchromed-iii")
    with pytest.raises(KeyError, match="prometra-catheter"):
        default_pump_catalogue().catheter("nope")


def test_the_packaged_file_loads_from_a_path_too(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.toml"
    path.write_text(PACKAGED, "utf-8")
    assert load_pump_catalogue(path) == default_pump_catalogue()


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("reservoir_ml = 20\n", "reservoir_ml = \n", "not valid TOML"),
        (
            "max_steps_per_day = 13\n",
            "max_steps_per_day = 13\nmax_step = 4\n",
            "unknown key(s) max_step",
        ),
        ("reservoir_ml = 20\n", "", "missing 'reservoir_ml'"),
        (
            "min_flow_ml_per_day = 0.048\n",
            "min_flow_ml_per_day = 30\n",
            "lowest flow must be under highest flow",
        ),
        (
            "min_flow_ml_per_day = 0.048\n",
            "min_flow_ml_per_day = 24\n",
            "lowest flow must be under highest flow",
        ),
        (
            "default_low_alarm_ml = 2.0\n",
            "default_low_alarm_ml = 20\n",
            "alarm volume must be under reservoir size",
        ),
        (
            "refill_computed_to_ml = 3.0\n",
            "refill_computed_to_ml = 20\n",
            "refill volume must be under reservoir size",
        ),
        ("refill_computed_to_ml = 3.0\n", "refill_computed_to_ml = 0\n", "> 0"),
        ("zero_rate_steps = false\n", 'zero_rate_steps = "no"\n', "must be true or false"),
        ("max_steps_per_day = 13\n", "max_steps_per_day = 0\n", "whole number > 0"),
        ("unverified = []\n", "unverified = [1]\n", "list of text"),
        ("volume_ml_per_cm = 0.0026\n", "volume_ml_per_cm = -0.0026\n", "> 0"),
        ('format = "itb-pump-catalogue/1"', 'format = "itb-pump-catalogue/0"', "expected"),
    ],
)
def test_bad_catalogue_file_is_refused_naming_the_file(
    tmp_path: Path, old: str, new: str, words: str
) -> None:
    assert old in PACKAGED
    path = tmp_path / "admin-catalogue.toml"
    path.write_text(PACKAGED.replace(old, new, 1), "utf-8")
    with pytest.raises(ReferenceDataError) as info:
        load_pump_catalogue(path)
    assert str(path) in str(info.value)
    assert words in str(info.value)


def test_pump_listed_twice_is_refused(tmp_path: Path) -> None:
    first = PACKAGED.index("[[pump]]")
    second = PACKAGED.index("[[pump]]", first + 1)
    path = tmp_path / "twice.toml"
    path.write_text(PACKAGED + "\n" + PACKAGED[first:second], "utf-8")
    with pytest.raises(ReferenceDataError, match="'synchromed-ii-20' appears twice") as info:
        load_pump_catalogue(path)
    assert str(path) in str(info.value)
