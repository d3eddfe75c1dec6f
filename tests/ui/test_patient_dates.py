"""Dates on the patient form are typed as text, read as typed and echoed back in words; never
a silent default (issue 12: typing 1979-04-12 stored 1979-01-04)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pytestqt.qtbot import QtBot

from programmer.drug_library import default_drug_library
from programmer.pump_catalogue import default_pump_catalogue
from ui.patient_form import PatientForm, parse_date
from ui.widgets.entry import EntryError

from .test_patient_form import filled_form
from .window_helpers import NOW


def test_a_typed_birth_date_is_stored_as_typed_and_echoed(qtbot: QtBot) -> None:
    form = filled_form(qtbot)
    assert form.birth.echo.text() == "read as 12 April 1979"
    form._try_accept()
    assert form.value is not None, form.error.text()
    assert form.value.patient.birth_date == date(1979, 4, 12)


def test_the_birth_date_is_never_a_silent_default(qtbot: QtBot) -> None:
    form = PatientForm(NOW, library=default_drug_library(), catalogue=default_pump_catalogue())
    qtbot.addWidget(form)
    assert form.birth.edit.text() == ""
    qtbot.keyClicks(form.patient_id, "MRN-1")
    qtbot.keyClicks(form.name, "Ada Quinn")
    qtbot.keyClicks(form.serial, "NGP1")
    form._try_accept()
    assert form.value is None
    assert "Birth date: required" in form.error.text()


@pytest.mark.parametrize(
    "typed", ["04/12/1979", "12.04.1979", "1979-4-12", "19790412", "1979-13-01"]
)
def test_a_date_that_could_be_misread_is_refused_where_typed(qtbot: QtBot, typed: str) -> None:
    form = filled_form(qtbot)
    form.birth.edit.setText(typed)
    assert "Birth date" in form.birth.echo.text()
    form._try_accept()
    assert form.value is None and "Birth date" in form.error.text()


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_any_date_typed_as_yyyy_mm_dd_is_read_back_unchanged(day: date) -> None:
    assert parse_date(day.isoformat(), what="Birth date") == day
    with pytest.raises(EntryError):
        parse_date(f"{day.day:02d}/{day.month:02d}/{day.year}", what="Birth date")
