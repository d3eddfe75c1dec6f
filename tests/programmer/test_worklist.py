"""The worklist's classification (programmer/worklist.py) and its files (worklist_files.py)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from programmer.projection import RefillLimit
from programmer.pump_status import PLANNING_DAYS
from programmer.worklist import PatientFigures, Reason, Status, classify, worklist
from programmer.worklist_files import fold, worklist_csv, worklist_ics, worklist_json

NOW = datetime(2026, 12, 1, 9, 0)

moments = st.one_of(
    st.none(),
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31)).map(
        lambda d: d.replace(second=0, microsecond=0)
    ),
)
figures = st.builds(
    PatientFigures,
    patient_id=st.text("ABCMRN-0123456789", min_size=1, max_size=10),
    name=st.text(min_size=1, max_size=30),
    next_refill_at=moments,
    refill_limited_by=st.one_of(st.none(), st.sampled_from(RefillLimit)),
    low_reservoir_alarm_at=moments,
    empty_at=moments,
    replace_by=st.one_of(
        st.none(), st.dates(min_value=date(2025, 1, 1), max_value=date(2034, 1, 1))
    ),
    stopped=st.booleans(),
    untransmitted_version=st.one_of(st.none(), st.integers(1, 50)),
    problem=st.one_of(st.none(), st.just("pump model unknown")),
)
windows = st.integers(min_value=0, max_value=400)


def _dates(f: PatientFigures) -> list[datetime]:
    replace = None if f.replace_by is None else datetime.combine(f.replace_by, time.min)
    return [
        d
        for d in (f.next_refill_at, f.low_reservoir_alarm_at, f.empty_at, replace)
        if d is not None
    ]


@given(figures, windows)
def test_a_patient_with_a_date_in_the_window_is_never_left_off_the_worklist(
    f: PatientFigures, days: int
) -> None:
    """Independent oracle: listed exactly when a date (or the battery warning) falls at or
    before the end of the window, the pump is stopped, a version waits, or the replacement comes
    first; overdue exactly when a date is already past."""
    end = NOW + timedelta(days=days)
    replace = None if f.replace_by is None else datetime.combine(f.replace_by, time.min)
    warning = None if replace is None else replace - timedelta(days=PLANNING_DAYS)
    replacement_first = f.next_refill_at is not None and (
        f.refill_limited_by is RefillLimit.REPLACEMENT
        or (warning is not None and warning <= f.next_refill_at)
    )
    expected = (
        any(d <= end for d in _dates(f))
        or (warning is not None and warning <= end)
        or f.stopped
        or f.untransmitted_version is not None
        or f.problem is not None
        or replacement_first
    )
    item = classify(f, NOW, days)
    assert (item is not None) == expected
    if item is None:
        return
    assert (item.status is Status.OVERDUE) == any(d <= NOW for d in _dates(f))
    assert len(set(item.reasons)) == len(item.reasons)
    if f.stopped:
        assert Reason.PUMP_STOPPED in item.reasons and item.status is not Status.OK
    # attention_at (what the database indexes) never lies later than what put the patient on
    if any(d <= end for d in _dates(f)) or (warning is not None and warning <= end):
        assert f.attention_at is not None and f.attention_at <= end


@given(figures, windows, st.integers(min_value=0, max_value=400))
def test_a_wider_window_never_drops_a_patient(f: PatientFigures, days: int, more: int) -> None:
    if classify(f, NOW, days) is not None:
        assert classify(f, NOW, days + more) is not None


@given(st.lists(figures, max_size=30), windows)
def test_the_worklist_is_sorted_by_next_refill_with_undated_last(
    many: list[PatientFigures], days: int
) -> None:
    items = worklist(many, NOW, days)
    refills = [i.figures.next_refill_at for i in items]
    dated = [r for r in refills if r is not None]
    assert dated == sorted(dated)
    assert refills[: len(dated)] == dated  # every undated one after the dated ones
    assert len(items) == sum(classify(f, NOW, days) is not None for f in many)


def _figures(**changes: object) -> PatientFigures:
    base: dict[str, object] = {
        "patient_id": "MRN-0042",
        "name": "Zoë Lefèvre",
        "next_refill_at": NOW + timedelta(days=10),
        "refill_limited_by": RefillLimit.ALARM,
        "low_reservoir_alarm_at": NOW + timedelta(days=17),
        "empty_at": NOW + timedelta(days=60),
        "replace_by": date(2031, 5, 2),
        "stopped": False,
        "untransmitted_version": None,
    }
    base.update(changes)
    return PatientFigures(**base)  # type: ignore[arg-type]


def test_refill_in_the_window_is_due_and_past_is_overdue() -> None:
    item = classify(_figures(), NOW, 28)
    assert item is not None and item.status is Status.DUE
    assert item.reasons == (Reason.REFILL_DUE, Reason.ALARM_DUE)
    assert classify(_figures(), NOW, 7) is None
    late = classify(_figures(next_refill_at=NOW - timedelta(days=1)), NOW, 7)
    assert late is not None and late.status is Status.OVERDUE
    assert late.reasons[0] is Reason.REFILL_OVERDUE


def test_untransmitted_version_alone_is_listed_as_ok_with_its_reason() -> None:
    item = classify(_figures(untransmitted_version=4), NOW, 7)
    assert item is not None and item.status is Status.OK
    assert item.reasons == (Reason.NOT_TRANSMITTED,)


def test_negative_window_is_refused() -> None:
    with pytest.raises(ValueError):
        classify(_figures(), NOW, -1)


def test_json_has_exactly_the_specified_shape() -> None:
    out = worklist_json(worklist([_figures()], NOW, 28), NOW)
    assert set(out) == {"generated_at", "items"}
    assert out["generated_at"] == "2026-12-01T09:00"
    (item,) = out["items"]
    assert item == {
        "patient_id": "MRN-0042",
        "name": "Zoë Lefèvre",
        "next_refill_at": "2026-12-11T09:00",
        "refill_limited_by": "alarm",
        "low_reservoir_alarm_at": "2026-12-18T09:00",
        "empty_at": "2027-01-30T09:00",
        "replace_by": "2031-05-02",
        "status": "due",
        "reasons": ["refill-due", "alarm-due"],
    }


def test_csv_is_utf8_with_a_byte_order_mark_and_names_intact() -> None:
    data = worklist_csv(worklist([_figures()], NOW, 28))
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0][:2] == ["patient_id", "name"]
    assert rows[1][1] == "Zoë Lefèvre" and rows[1][-1] == "refill-due; alarm-due"
    assert b"\r\n" in data


def test_csv_name_typed_as_a_formula_is_never_run_by_a_spreadsheet() -> None:
    data = worklist_csv(worklist([_figures(name='=HYPERLINK("http://x")')], NOW, 28))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[1][1].startswith("'=")


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


@given(st.text(min_size=0, max_size=300))
def test_ics_folding_keeps_every_line_within_75_octets_and_unfolds_to_the_original(
    value: str,
) -> None:
    value = value.replace("\r", "").replace("\n", "")
    folded = fold("DESCRIPTION:" + value)
    assert all(len(line.encode("utf-8")) <= 75 for line in folded.split("\r\n"))
    assert _unfold(folded) == ["DESCRIPTION:" + value]


def test_ics_has_one_event_per_refill_date_with_uid_and_dtstamp() -> None:
    many = [
        _figures(),
        _figures(patient_id="MRN-7", name="Ann, long " + "x" * 80, next_refill_at=NOW),
        _figures(patient_id="MRN-8", next_refill_at=None, stopped=True),
    ]
    data = worklist_ics(worklist(many, NOW, 28), NOW).decode("utf-8")
    assert data.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and data.endswith(
        "END:VCALENDAR\r\n"
    )
    assert "\n" not in data.replace("\r\n", "")  # every line end is CRLF
    lines = _unfold(data)
    assert lines.count("BEGIN:VEVENT") == 2  # the patient without a refill date has no event
    uids = [line for line in lines if line.startswith("UID:")]
    assert len(set(uids)) == 2
    assert sum(line.startswith("DTSTAMP:") and line.endswith("Z") for line in lines) == 2
    assert "DTSTART;VALUE=DATE:20261211" in lines
    assert any(line.startswith("SUMMARY:Refill: Ann\\, long") for line in lines)
