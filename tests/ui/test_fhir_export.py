"""File -> Export FHIR bundle: the same export as ``itb-console export-fhir``, from the window."""

from __future__ import annotations

import json
from pathlib import Path

from fhir.resources.R4B.bundle import Bundle
from pytestqt.qtbot import QtBot

from tests.ui.window_helpers import ScriptedPrompter, make_window, open_database


def test_export_fhir_bundle_from_the_file_menu(qtbot: QtBot, tmp_path: Path) -> None:
    prompter = ScriptedPrompter()
    with open_database(tmp_path) as database:
        window = make_window(qtbot, database, tmp_path, prompter)
        assert not window.fhir_action.isEnabled()  # no patient open yet
        window.open_patient("DEMO-0001")
        assert window.fhir_action.isEnabled()
        out = tmp_path / "anna.json"
        prompter.save_paths = [str(out)]
        window.fhir_action.trigger()
        assert ("Export FHIR bundle", "fhir-DEMO-0001.json") in prompter.asked
        text = out.read_text("utf-8")
        Bundle.model_validate_json(text)
        kinds = {e["resource"]["resourceType"] for e in json.loads(text)["entry"]}
        assert {"Patient", "Device", "MedicationRequest", "DocumentReference"} <= kinds
        assert "FHIR bundle written" in window.statusBar().currentMessage()


def test_export_onto_the_database_is_refused_with_a_message(qtbot: QtBot, tmp_path: Path) -> None:
    prompter = ScriptedPrompter()
    with open_database(tmp_path) as database:
        window = make_window(qtbot, database, tmp_path, prompter)
        window.open_patient("DEMO-0001")
        before = database.path.read_bytes()
        prompter.save_paths = [str(database.path)]
        assert not window.export_fhir()
        assert prompter.asked[-1][0] == "FHIR bundle not written"
        assert "is the database" in prompter.asked[-1][1]
        assert database.path.read_bytes() == before
