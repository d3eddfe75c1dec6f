"""The empty search after a patient was opened lists only the recent one(s); the caption says
that typing finds the others (a newcomer saw one patient and thought the rest were gone)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pytestqt.qtbot import QtBot

from db.database import Database
from db.seed.demo_patients import seed_demo_patients
from ui.patient_browser import PatientBrowser

NOW = datetime(2026, 11, 22, 10, 0)


def test_recent_list_says_typing_finds_the_other_patients(qtbot: QtBot, tmp_path: Path) -> None:
    with Database.open(tmp_path / "c.sqlite", on_create=seed_demo_patients, now=NOW) as database:
        browser = PatientBrowser(database)
        qtbot.addWidget(browser)
        assert browser.caption.text() == "Patients (by name)"  # nothing opened yet: all listed
        database.mark_opened("DEMO-0001", NOW)
        browser.refresh()
        assert browser.model.rowCount() == 1
        assert "Type a name or ID above to find the others" in browser.caption.text()
        qtbot.keyClicks(browser.search, "demo")
        assert browser.model.rowCount() > 1
        assert "matching" in browser.caption.text()


def test_no_hint_when_every_patient_is_listed(qtbot: QtBot, tmp_path: Path) -> None:
    with Database.open(tmp_path / "c.sqlite", on_create=seed_demo_patients, now=NOW) as database:
        ids = [p.id for p in database.first_patients(limit=100)]
        for n, patient_id in enumerate(ids):
            database.mark_opened(patient_id, NOW.replace(minute=n))
        browser = PatientBrowser(database)
        qtbot.addWidget(browser)
        assert browser.model.rowCount() == len(ids)
        assert browser.caption.text() == "Recent patients"
