"""The visit report (ui/report/visit.py, ``itb-console report PATIENT_ID --visit N``): every
step with its figures and units, every override with its reason, the assessments, how the
visit finished, the audit head and signature lines."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from db.database import Database, RefillRecord
from db.seed.demo_patients import seed_demo_patients
from programmer.assessment import Assessment
from programmer.telemetry import transmit
from ui.cli import main
from ui.report.visit import visit_report_html

from .window_helpers import NOW

PID = "DEMO-0004"  # simple continuous 500 mcg/day, 1000 mcg/mL, 40 mL Prometra


def _visit(path: Path) -> None:
    with Database.open(path, on_create=seed_demo_patients, now=NOW) as db:
        t = lambda m: NOW + timedelta(minutes=m)  # noqa: E731
        db.start_visit(PID, user="dr.mare", now=t(0))
        pump = db.interrogate_pump(PID, user="dr.mare", now=t(1))
        db.record_refill_visit(
            PID,
            RefillRecord(
                at=t(5),
                expected_residual_ml=Decimal("17.5"),
                measured_residual_ml=Decimal("16"),
                volume_added_ml=Decimal(15),
                concentration_mcg_per_ml=Decimal(2000),
                drug="baclofen",
                reason="1.5 mL less than expected: pocket checked",
            ),
            bridge_omitted_reason="Catheter volume negligible, patient observed for 8 h",
            user="dr.mare",
            now=t(5),
        )
        db.record_assessment(PID, Assessment(at=t(6), pain=4, penn=2), user="dr.mare", now=t(6))
        current = db.current_version(PID)
        assert current is not None
        assert transmit(pump, current.programme).completed
        db.store_pump(PID, pump, action="pump.transmitted", details={}, user="dr.mare", now=t(7))
        db.finish_visit(PID, user="dr.mare", now=t(8))


def test_visit_report_holds_every_step_override_assessment_and_the_audit_head(
    tmp_path: Path,
) -> None:
    path = tmp_path / "clinic.sqlite"
    _visit(path)
    with Database.open(path, now=NOW) as db:
        html, visit = visit_report_html(db, PID, 1, printed_at=NOW, printed_by="dr.mare")
        head = db.audit_entries()[-1]
    for words in (
        "Visit started",
        "Pump interrogated",
        "Refill recorded",
        "Assessment recorded",
        "Programme transmitted and read back",
        "pump running the final programme",
        "1.5 mL less than expected: pocket checked",  # the override's reason
        "Bridge bolus not given (override): <i>Catheter volume negligible",  # in the PDF now
        "discrepancy: -1.5 mL",  # figures with their units
        "pain: 4",
        head.hash,
        "Signature:",
        "SynchroMed II",
    ):
        assert words in html, words
    assert len(visit.steps) == 6


def test_report_visit_writes_a_pdf_and_refuses_an_unknown_visit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "clinic.sqlite"
    _visit(path)
    out = tmp_path / "visit.pdf"
    args = ["--db", str(path), "report", PID, "--visit", "1", "--out", str(out)]
    assert main(args) == 0
    assert out.read_bytes().startswith(b"%PDF")
    assert "visit 1" in capsys.readouterr().out
    again = ["--db", str(path), "report", PID, "--visit", "2", "--out", str(out), "--force"]
    assert main(again) == 2
    assert "no visit 2" in capsys.readouterr().err


def test_patient_slip_is_one_page_with_the_refill_by_and_alarm_dates(tmp_path: Path) -> None:
    from ui.report.visit import patient_slip_html, write_visit_pdf

    with Database.open(tmp_path / "clinic.sqlite", on_create=seed_demo_patients, now=NOW) as db:
        html = patient_slip_html(db, PID, now=NOW)
        projection = db.check_programme(db.current_version(PID).programme, now=NOW).projection  # type: ignore[union-attr]
    assert f"{projection.next_refill_at:%Y-%m-%d}" in html and "Refill by" in html
    assert "Low-reservoir alarm" in html and "500 mcg/day" in html
    assert write_visit_pdf(html, tmp_path / "slip.pdf") == 1


def test_the_slips_refill_by_date_is_never_after_a_corrected_replace_by_date(
    tmp_path: Path,
) -> None:
    """domain.md, "Refill arithmetic": the refill date is the earliest of the alarm date minus a
    margin, fill + stability "and the pump's replacement date". A replace-by date corrected
    (Edit pump record) after the version was saved is the one the slip projects with, beside
    the replace-by date it prints."""
    from ui.report.visit import patient_slip_html

    with Database.open(tmp_path / "clinic.sqlite", on_create=seed_demo_patients, now=NOW) as db:
        before = db.check_programme(db.current_version(PID).programme, now=NOW).projection  # type: ignore[union-attr]
        corrected = NOW.date() + (before.next_refill_at.date() - NOW.date()) / 2
        assert NOW.date() < corrected < before.next_refill_at.date()
        pump = db.patient(PID).pump
        assert pump is not None
        db.revise_pump(
            PID,
            serial=pump.serial,
            implanted_on=pump.implanted_on,
            replace_by=corrected,
            low_reservoir_alarm_ml=pump.low_reservoir_alarm_ml,
            reason="replacement warning seen at interrogation",
            user="dr.mare",
            now=NOW,
        )
        html = patient_slip_html(db, PID, now=NOW)
    assert f"{corrected:%Y-%m-%d}" in html  # the pump's replace-by date
    assert f"<td>{corrected:%Y-%m-%d}</td>" in html.split("Refill by")[1][:200], html
