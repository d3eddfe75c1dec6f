"""Refill arithmetic and the discrepancy rule (domain.md, "Refill arithmetic")."""

from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from programmer.finding import Code, Severity
from programmer.programme import Mode
from programmer.programme_file import load
from programmer.pump_catalogue import default_pump_catalogue
from programmer.refill import after_refill, check_refill, expected_residual_ml

EXAMPLES = __import__("pathlib").Path(__file__).resolve().parents[2] / "examples"
FILL = datetime(2026, 11, 22, 9, 30)


def programme(model: str = "synchromed-ii-20", volume: str = "20"):
    base = load(EXAMPLES / "flexible.json")
    return base.with_changes(
        mode=Mode.SIMPLE_CONTINUOUS,
        week=None,
        daily_dose_mcg=Decimal(400),
        boluses=(),
        patient_bolus=None,
        drug=base.drug.__class__("baclofen", Decimal(2000)),
        pump=base.pump.__class__(
            model, "S", base.pump.implanted_on, base.pump.replace_by, Decimal(2)
        ),
        reservoir=base.reservoir.__class__(Decimal(volume), FILL),
    )


def test_expected_residual_is_fill_minus_programmed_and_given_boluses() -> None:
    prog = programme()
    pump = default_pump_catalogue().pump(prog.pump.model)
    at = FILL + timedelta(days=30)
    assert expected_residual_ml(prog, pump, at) == Fraction(20) - 6
    assert expected_residual_ml(prog, pump, at, Decimal(400)) == Fraction(20) - 6 - Fraction(1, 5)


@pytest.mark.parametrize(
    ("model", "measured", "flagged"),
    [
        ("synchromed-ii-20", "15.01", True),  # expected 14 mL; 20 mL pump: 1 mL limit
        ("synchromed-ii-20", "14.9", False),
        ("synchromed-ii-20", "12.99", True),
        ("synchromed-ii-40", "15.9", False),  # 40 mL pump: 2 mL limit
        ("synchromed-ii-40", "16.01", True),
        ("synchromed-ii-40", "11.99", True),
    ],
)
def test_refill_discrepancy_over_the_limit_is_flagged(
    model: str, measured: str, flagged: bool
) -> None:
    prog = programme(model)
    pump = default_pump_catalogue().pump(model)
    check = check_refill(prog, pump, FILL + timedelta(days=30), Decimal(measured))
    assert check.expected_residual_ml == 14
    assert check.significant is flagged
    if flagged:
        assert check.finding is not None
        assert check.finding.code is Code.REFILL_DISCREPANCY
        assert check.finding.severity is Severity.SOFT


def test_discrepancy_exactly_at_limit_is_not_significant() -> None:
    prog = programme()
    pump = default_pump_catalogue().pump(prog.pump.model)
    assert not check_refill(prog, pump, FILL + timedelta(days=30), Decimal("15")).significant


def test_less_left_than_expected_names_pocket_fill_risk() -> None:
    prog = programme()
    pump = default_pump_catalogue().pump(prog.pump.model)
    check = check_refill(prog, pump, FILL + timedelta(days=30), Decimal("10"))
    assert check.finding is not None and "pocket" in check.finding.message


def test_after_refill_is_a_new_fill_with_the_new_concentration() -> None:
    prog = programme()
    at = FILL + timedelta(days=60)
    new = after_refill(prog, at, Decimal(18), Decimal(1000))
    assert new.reservoir.volume_ml == 18 and new.reservoir.filled_at == at
    assert new.drug.concentration_mcg_per_ml == 1000
    assert new.daily_dose_mcg == prog.daily_dose_mcg


def test_expected_residual_counts_the_programmes_that_ran_on_the_fill() -> None:
    from programmer.refill import earlier_on_fill

    first = programme()  # 400 mcg/day at 2000 mcg/mL: 0.2 mL/day
    second = first.with_changes(daily_dose_mcg=Decimal(800))  # 0.4 mL/day
    change = FILL + timedelta(days=10)
    catalogue = default_pump_catalogue()
    earlier = earlier_on_fill([(FILL, first), (change, second)], catalogue)
    assert [r.until for r in earlier] == [change]
    pump = catalogue.pump(first.pump.model)
    at = FILL + timedelta(days=20)
    assert expected_residual_ml(second, pump, at, earlier=earlier) == 20 - 2 - 4
    assert expected_residual_ml(second, pump, at) == 20 - 8  # as if it had run since the fill
    check = check_refill(second, pump, at, Decimal(14), earlier=earlier)
    assert check.discrepancy_ml == 0


def test_earlier_programmes_on_another_fill_do_not_count() -> None:
    from programmer.refill import earlier_on_fill

    old_fill = programme()
    new_fill = after_refill(old_fill, FILL + timedelta(days=30), Decimal(20))
    assert (
        earlier_on_fill(
            [(FILL, old_fill), (FILL + timedelta(days=30), new_fill)], default_pump_catalogue()
        )
        == ()
    )
    assert earlier_on_fill([], default_pump_catalogue()) == ()
