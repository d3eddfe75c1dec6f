"""Priming and bridge bolus arithmetic (domain.md; a wrong priming volume was a real Class I
software recall)."""

from decimal import Decimal
from fractions import Fraction

import pytest

from programmer.boluses import bridge_bolus, priming_bolus
from programmer.pump_catalogue import default_pump_catalogue


def test_priming_volume_matches_the_catheter_arithmetic() -> None:
    cat = default_pump_catalogue()
    pump, catheter = cat.pump("prometra-ii-20"), cat.catheter("prometra-catheter")
    bolus = priming_bolus(pump, catheter, Decimal(80), Decimal(500))
    # domain.md: implanted volume = implanted length x 0.0026 mL/cm
    assert bolus.catheter_volume_ml == Fraction(80) * Fraction("0.0026")
    assert bolus.volume_ml == Fraction(pump.internal_volume_ml) + Fraction("0.208")
    assert bolus.dose_mcg == bolus.volume_ml * 500


def test_priming_refuses_a_catheter_longer_than_supplied() -> None:
    cat = default_pump_catalogue()
    with pytest.raises(ValueError, match="longer"):
        priming_bolus(
            cat.pump("prometra-ii-20"),
            cat.catheter("prometra-catheter"),
            Decimal(111),
            Decimal(500),
        )


def test_bridge_bolus_keeps_the_old_dose_rate() -> None:
    cat = default_pump_catalogue()
    pump, catheter = cat.pump("synchromed-ii-20"), cat.catheter("ascenda-8781")
    bridge = bridge_bolus(pump, catheter, Decimal(70), Decimal(500), Decimal(2000), Fraction(400))
    # The old fluid leaves at 400 mcg/day worth of old concentration.
    assert bridge.flow_ml_per_day == Fraction(400, 500)
    assert bridge.delivered_mcg / bridge.duration_min * 1440 == 400
    assert bridge.programmed_dose_mcg == bridge.volume_ml * 2000


def test_a_concentration_change_without_a_bridge_changes_the_dose_for_the_dead_space() -> None:
    from programmer.boluses import dead_space_ml, unbridged_change

    cat = default_pump_catalogue()
    pump, catheter = cat.pump("synchromed-ii-20"), cat.catheter("ascenda-8781")
    # 1000 -> 500 mcg/mL at 200 mcg/day: the new flow is 0.4 mL/day; the old fluid then gives
    # twice the dose until the dead space has been pushed out.
    change = unbridged_change(
        pump, catheter, Decimal(45), Decimal(1000), Decimal(500), Fraction(200)
    )
    volume = dead_space_ml(pump, catheter, Decimal(45))
    assert change.volume_ml == volume == Fraction("0.21") + 45 * Fraction("0.0022")
    assert change.dose_factor == 2
    assert change.duration_min == volume / Fraction(2, 5) * 1440
    assert change.delivered_mcg == 2 * change.intended_mcg
    with pytest.raises(ValueError):
        unbridged_change(pump, catheter, Decimal(45), Decimal(1000), Decimal(500), Fraction(0))
