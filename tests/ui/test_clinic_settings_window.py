"""Clinic settings in the window (issue 12): an Administration menu whose Clinic settings dialog
only an administrator can open; a refused value keeps the dialog open with the reason; a stored
change reaches the open patient at once (the refill date by the new margin, every number with
the new separator, a point refused in the editor once the comma is the separator)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from pytestqt.qtbot import QtBot

from db.clinic_settings import ClinicSettingsVersion
from db.database import Database
from db.users import Role, User
from programmer import units
from tests.ui.window_helpers import (
    NOW,
    ScriptedPrompter,
    cell,
    make_window,
    open_database,
    type_into_cell,
)
from ui.clinic_settings_dialog import ClinicSettingsDialog
from ui.editor.schedule_model import Column

ADMIN_PW = "correct horse battery"


@dataclass
class SettingsPrompter(ScriptedPrompter):
    """Fills the real dialog (never shown modally) with ``fill`` and presses Save."""

    fill: Callable[[ClinicSettingsDialog], None] | None = None
    dialogs: list[ClinicSettingsDialog] = field(default_factory=list)

    def clinic_settings(
        self, database: Database, *, by: User, clock: Callable[[], datetime]
    ) -> ClinicSettingsVersion | None:
        dialog = ClinicSettingsDialog(database, by=by, clock=clock)
        if self.qtbot is not None:
            self.qtbot.addWidget(dialog)
        self.dialogs.append(dialog)
        if self.fill is not None:
            self.fill(dialog)
        return dialog.stored if dialog.store() else None


def accounts(database: Database) -> tuple[User, User]:
    admin = database.first_administrator("admin", ADMIN_PW, NOW)
    database.add_user("dr.lee", Role.CLINICIAN, "staple clinic 2026", by=admin, now=NOW)
    return admin, User("dr.lee", Role.CLINICIAN)


def test_only_an_administrator_gets_the_clinic_settings(qtbot: QtBot, tmp_path: Path) -> None:
    database = open_database(tmp_path)
    admin, clinician = accounts(database)
    prompter = SettingsPrompter()
    window = make_window(qtbot, database, tmp_path, prompter, user="dr.lee", account=clinician)
    assert not window.clinic_settings_action.isEnabled()
    assert window.edit_clinic_settings() is False
    assert prompter.dialogs == [] and prompter.asked[-1][0] == "Clinic settings"
    window.switch_user(admin)
    assert window.clinic_settings_action.isEnabled()
    assert database.clinic_settings_history() == []


def test_a_refused_value_keeps_the_dialog_open_and_stores_nothing(
    qtbot: QtBot, tmp_path: Path
) -> None:
    database = open_database(tmp_path)
    admin, _ = accounts(database)
    dialog = ClinicSettingsDialog(database, by=admin, clock=lambda: NOW)
    qtbot.addWidget(dialog)
    for bad, words in (("-3", "from 1 to 60"), ("10000", "from 1 to 60"), ("7,5", "whole")):
        dialog.margin.setText(bad)
        assert dialog.store() is False
        assert dialog.error_label.isVisibleTo(dialog) and words in dialog.error_label.text()
    dialog.margin.setText("7")
    dialog.clinic_name.setText("St \u202eElsewhere")
    assert dialog.store() is False
    assert "RIGHT-TO-LEFT OVERRIDE" in dialog.error_label.text()
    assert database.clinic_settings_history() == [] and dialog.stored is None


def test_a_stored_change_reaches_the_open_patient_at_once(qtbot: QtBot, tmp_path: Path) -> None:
    database = open_database(tmp_path)
    admin, _ = accounts(database)

    def fill(dialog: ClinicSettingsDialog) -> None:
        dialog.clinic_name.setText("Clinique du Lac")
        dialog.margin.setText("21")
        dialog.separator.setCurrentIndex(dialog.separator.findData(","))
        dialog.reason.setText("regional policy")

    prompter = SettingsPrompter(fill=fill)
    window = make_window(qtbot, database, tmp_path, prompter, user="admin", account=admin)
    try:
        assert window.open_patient("DEMO-0002")
        before = window.overview.result
        assert before is not None and before.projection is not None
        assert window.edit_clinic_settings() is True
        stored = database.clinic_settings
        assert (stored.clinic_name, stored.refill_margin_days, stored.decimal_separator) == (
            "Clinique du Lac",
            21,
            ",",
        )
        after = window.overview.result
        assert after is not None and after.projection is not None
        # DEMO-0002's refill is set by its alarm: 14 more days of margin, 14 days earlier.
        assert before.projection.refill_limited_by.value == "alarm"
        assert before.projection.next_refill_at - after.projection.next_refill_at == timedelta(
            days=14
        )
        assert window.document is not None
        assert window.document.settings.refill_margin_days == 21
        # Every number in the editor now has the comma; a point typed there is refused.
        editor = window.editor
        assert editor is not None
        rate = cell(editor.table, 0, Column.RATE)
        assert "," in rate and "." not in rate
        pending = window.document.pending
        window.show_tab(1)
        type_into_cell(qtbot, editor.table, editor.table.model().index(0, Column.RATE), "1.5")
        assert window.document.pending is pending
        assert "use , as the decimal separator here" in editor.message_label.text()
        entry = database.audit_entries()[-1]
        assert entry.action == "settings.changed" and entry.user == "admin"
    finally:
        units.set_decimal_separator(".")


def test_prefilled_fields_read_back_with_the_comma_separator(qtbot: QtBot) -> None:
    """Hazard: a form that fills in its defaults with a point ("2.0 mL") while the comma is the
    separator refuses its own default, or worse, has it retyped by hand."""
    from programmer.drug_library import default_drug_library
    from programmer.pump_catalogue import default_pump_catalogue
    from ui.patient_form import PatientForm
    from ui.widgets.entry import parse_decimal

    units.set_decimal_separator(",")
    try:
        catalogue = default_pump_catalogue()
        form = PatientForm(NOW, library=default_drug_library(), catalogue=catalogue)
        qtbot.addWidget(form)
        model = catalogue.pump(form.pump_model.currentData())
        assert parse_decimal(form.alarm.text()) == model.default_low_alarm_ml
        assert parse_decimal(form.volume.text()) == model.reservoir_ml
        assert parse_decimal(form.concentration.currentText()) > 0
    finally:
        units.set_decimal_separator(".")


def test_settings_altered_behind_the_console_are_named_and_can_be_set_again(
    qtbot: QtBot, tmp_path: Path
) -> None:
    database = open_database(tmp_path)
    admin, _ = accounts(database)
    database.change_clinic_settings(
        clinic_name="St Elsewhere",
        refill_margin_days=10,
        decimal_separator=".",
        reason="",
        by=admin,
        now=NOW,
    )
    database._sdb.execute("DROP TRIGGER clinic_settings_never_updated")
    database._sdb.execute("UPDATE clinic_settings SET refill_margin_days = 1")
    dialog = ClinicSettingsDialog(database, by=admin, clock=lambda: NOW)
    qtbot.addWidget(dialog)
    assert "altered behind the console" in dialog.source_label.text()
    assert dialog.margin.text() == "7"  # the defaults, never the altered value
    assert dialog.store() is True
    assert database.clinic_settings.refill_margin_days == 7
