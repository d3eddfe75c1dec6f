"""Hypothesis strategies for programmes: valid flexible days, and whole programmes that the
``itb-programme/1`` file can hold (every field inside the file's limits)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from programmer.programme import (
    WEEKDAYS,
    Bolus,
    DrugFill,
    Mode,
    Patient,
    PatientBolus,
    Programme,
    Pump,
    Reservoir,
    SpasticityOrigin,
    Step,
    WeekSchedule,
)
from programmer.pump_catalogue import default_pump_catalogue

MODELS = tuple(sorted(default_pump_catalogue().pumps))


def decimals(low: str | int, high: str | int, max_places: int = 3) -> st.SearchStrategy[Decimal]:
    """Decimals from ``low`` to ``high`` with 0 to ``max_places`` decimal places, as typed."""
    return st.integers(min_value=0, max_value=max_places).flatmap(
        lambda places: st.decimals(
            min_value=Decimal(low),
            max_value=Decimal(high),
            places=places,
            allow_nan=False,
            allow_infinity=False,
        )
    )


@st.composite
def flexible_days(
    draw: st.DrawFn,
    *,
    max_steps: int = 13,
    min_gap: int = 1,
    rates: st.SearchStrategy[Decimal] | None = None,
) -> tuple[Step, ...]:
    """A valid flexible day: the first step at 00:00, starts whole minutes strictly increasing
    (at least ``min_gap`` apart, the last at least ``min_gap`` before 24:00)."""
    rates = rates if rates is not None else decimals(0, 500)
    n = draw(st.integers(min_value=1, max_value=max_steps))
    # Choose n-1 cut points among the gaps of the day; spacing them by min_gap keeps them apart.
    slots = (1440 // min_gap) - 1
    cuts = draw(
        st.lists(
            st.integers(min_value=1, max_value=slots), min_size=n - 1, max_size=n - 1, unique=True
        )
    )
    starts = [0, *sorted(c * min_gap for c in cuts)]
    return tuple(Step(s, draw(rates)) for s in starts)


def week_schedules(
    days: st.SearchStrategy[tuple[Step, ...]] | None = None,
) -> st.SearchStrategy[WeekSchedule]:
    days = days if days is not None else flexible_days()
    return st.one_of(
        days.map(WeekSchedule.every_day),
        st.fixed_dictionaries({d: days for d in WEEKDAYS}).map(WeekSchedule.by_weekday),
    )


names = st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x7f"),
    min_size=1,
    max_size=40,
).filter(lambda s: bool(s.strip()) and not any(ord(c) < 32 for c in s))
minutes = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)).map(
    lambda moment: moment.replace(second=0, microsecond=0)
)


@st.composite
def file_programmes(draw: st.DrawFn) -> Programme:
    """Any programme the ``itb-programme/1`` file can hold, findings or not."""
    birth = draw(st.dates(min_value=date(1, 1, 1), max_value=date(9000, 1, 1)))
    implanted = birth + timedelta(days=draw(st.integers(0, 100 * 366)))
    replace_by = implanted + timedelta(days=draw(st.integers(1, 20 * 366)))
    model = draw(st.sampled_from(MODELS))
    reservoir = default_pump_catalogue().pump(model).reservoir_ml
    mode = draw(st.sampled_from(list(Mode)))
    return Programme(
        patient=Patient(
            draw(names), draw(names), birth, draw(st.sampled_from(list(SpasticityOrigin)))
        ),
        pump=Pump(
            model,
            draw(names),
            implanted,
            replace_by,
            draw(decimals("0.000001", reservoir - Decimal("0.000001"), 6)),
        ),
        drug=DrugFill("baclofen", draw(decimals("0.000001", 100_000, 6))),
        reservoir=Reservoir(draw(decimals(0, 1000, 6)), draw(minutes)),
        mode=mode,
        daily_dose_mcg=draw(decimals(0, 10_000_000, 6)) if mode is Mode.SIMPLE_CONTINUOUS else None,
        week=draw(week_schedules(flexible_days(rates=decimals(0, 1_000_000, 6))))
        if mode is Mode.FLEXIBLE
        else None,
        boluses=tuple(
            draw(
                st.lists(
                    st.builds(
                        Bolus,
                        minutes,
                        decimals("0.000001", 1_000_000, 6),
                        st.integers(1, 1440),
                    ),
                    max_size=4,
                )
            )
        ),
        patient_bolus=draw(
            st.none()
            | st.builds(
                PatientBolus,
                decimals("0.000001", 1_000_000, 6),
                st.integers(1, 1440),
                st.integers(0, 1440),
                st.integers(1, 1440),
            )
        ),
    )
