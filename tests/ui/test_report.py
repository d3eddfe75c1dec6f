"""The session report (issue 5): its content from the database and the engine, the PDF a
clinician files or prints (read back with pdftotext, as a reader would), the print path, and
``itb-console report``."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import pytest
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QWidget

from db.database import Database
from db.seed.demo_patients import seed_demo_patients
from programmer.finding import Severity
from ui.report.content import DEFAULT_CLINIC, ReportError, report_from_database
from ui.report.parts import TRAINING_MARK, SessionReport
from ui.report.pdf import pdf_bytes, write_pdf
from ui.report.printing import print_report

ROOT = Path(__file__).resolve().parents[2]
SEEDED = datetime(2026, 11, 22, 10, 0)
PRINTED = datetime(2026, 11, 22, 11, 30)

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One seeded database for the module; the report only reads it."""
    path = tmp_path_factory.mktemp("report") / "x.sqlite"
    Database.open(path, on_create=seed_demo_patients, now=SEEDED).close()
    return path


@pytest.fixture
def database(db_path: Path) -> Iterator[Database]:
    with Database.open(db_path, create=False, now=SEEDED) as db:
        yield db


def make(
    database: Database, patient_id: str, version: int | None = None, **kw: object
) -> SessionReport:
    return report_from_database(
        database,
        patient_id,
        version,
        now=PRINTED,
        printed_by="Dr Test Printer",
        **kw,  # type: ignore[arg-type]
    )


def pdf_pages(path: Path) -> list[str]:
    """The PDF's text, page by page, whitespace runs made single spaces (table cells wrap)."""
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return [" ".join(page.split()) for page in pages]


# ---------------------------------------------------------------- content (no Qt)


def test_report_compares_old_and_new_daily_dose_with_units(database: Database) -> None:
    report = make(database, "DEMO-0001")
    assert (report.version, report.previous_version) == (5, 4)
    daily = next(r for r in report.comparison if r.field == "daily")
    assert (daily.before, daily.after) == ("380.00 mcg/day", "420.00 mcg/day")
    assert daily.changed
    unchanged = next(r for r in report.comparison if r.field == "pump.serial")
    assert not unchanged.changed
    assert report.summary_after == "Simple continuous, 420 mcg/day, 0.21 mL/day"
    assert report.saved_by == "Dr Ines Maré"
    assert report.clinic == DEFAULT_CLINIC


def test_every_dose_in_the_schedule_tables_shows_its_unit(database: Database) -> None:
    """domain.md: mcg/h vs mcg/day is a 24x error; every dose in a report shows its unit."""
    report = make(database, "DEMO-0003")  # weekday pattern, replacing simple continuous
    assert [t.heading for t in report.schedules] == [
        "Version 2 (this version): Flexible",
        "Version 1 (before): Simple continuous",
    ]
    for table in report.schedules:
        for day in table.days:
            assert day.total.endswith(" mcg/day")
            assert day.flow.endswith(" mL/day")
            for step in day.steps:
                assert step.rate.endswith(" mcg/h")
                assert step.dose.endswith(" mcg")


def test_schedule_step_doses_add_up_to_the_shown_total(database: Database) -> None:
    """domain.md: "The total shown must equal the sum of the step doses shown"."""
    report = make(database, "DEMO-0002")
    days = report.schedules[0].days
    assert days[0].title == "Every day"
    for day in days:
        shown = sum(Fraction(s.dose.removesuffix(" mcg")) for s in day.steps)
        assert shown == Fraction(day.total.removesuffix(" mcg/day"))
        assert day.steps[0].start == "00:00"
        assert day.steps[-1].end == "24:00"


def test_same_weekdays_share_one_table(database: Database) -> None:
    days = make(database, "DEMO-0003").schedules[0].days
    assert [d.title for d in days] == ["Monday to Friday", "Saturday and Sunday"]
    assert days[0].total == "540.00 mcg/day"


def test_soft_findings_come_with_the_reason_typed_at_saving(database: Database) -> None:
    report = make(database, "DEMO-0009")
    by_code = {f.code: f for f in report.findings}
    reason = "Catheter revision booked; oral baclofen bridging; withdrawal signs explained"
    assert by_code["CHANGE_DECREASE_LARGE"].reason == reason
    assert by_code["CHANGE_DECREASE_LARGE"].severity is Severity.SOFT
    assert by_code["REFILL_BEYOND_STABILITY"].reason is None  # info: no reason needed
    assert [f.severity for f in report.findings] == sorted(
        (f.severity for f in report.findings),
        key=[Severity.HARD, Severity.SOFT, Severity.INFO].index,
    )


def test_refill_data_are_those_of_the_current_fill(database: Database) -> None:
    refills = make(database, "DEMO-0001").refills  # refilled in June and in October
    assert [r.at for r in refills] == ["2026-10-23 10:00"]
    assert refills[0].expected == "15.30 mL"
    assert refills[0].measured == "14.90 mL"
    assert refills[0].discrepancy.startswith("-0.40 mL")
    assert not refills[0].significant


def test_refill_discrepancy_over_the_limit_is_flagged_with_its_reason(database: Database) -> None:
    (refill,) = make(database, "DEMO-0003").refills  # 40 mL pump: 2 mL limit, -2.4 mL found
    assert refill.significant
    assert refill.limit == "2.0 mL"
    assert "pocket checked by ultrasound" in refill.reason


def test_boluses_planned_and_given(database: Database) -> None:
    report = make(database, "DEMO-0004")
    (planned,) = report.planned_boluses
    assert (planned.dose, planned.duration, planned.volume) == ("50 mcg", "30 min", "0.050 mL")
    (given,) = report.boluses_given
    assert given.kind == "Single bolus"
    assert given.reason == "Breakthrough spasticity after a fall"
    assert report.patient_bolus is not None and "lockout 180 min" in report.patient_bolus


def test_first_version_has_nothing_to_compare_with(database: Database) -> None:
    report = make(database, "DEMO-0001", 1)
    assert report.previous_version is None
    assert report.summary_before is None
    assert all(r.before == "—" for r in report.comparison)
    assert len(report.schedules) == 1


def test_pump_battery_state_on_the_printing_day(database: Database) -> None:
    items = {i.label: i.value for i in make(database, "DEMO-0005").pump}
    assert items["Serial"] == "NGP-D00005"
    assert "plan the replacement now" in items["Battery"]


def test_projection_is_the_one_seen_at_saving(database: Database) -> None:
    report = make(database, "DEMO-0001")
    version = database.version("DEMO-0001", 5)
    assert report.plots.projection.daily_dose_mcg == version.daily_dose_mcg
    items = {i.label: i.value for i in report.projection}
    assert items["Daily dose"] == "420.00 mcg/day"
    assert items["Flow"] == "0.2100 mL/day"
    assert items["Next refill"].startswith("2027-04-15, set by the low-reservoir alarm")


def test_unknown_patient_version_or_no_programme_is_refused(
    database: Database, tmp_path: Path
) -> None:
    from db.database import UnknownPatientError, UnknownVersionError
    from db.records import PumpRecord

    with pytest.raises(UnknownPatientError):
        make(database, "NOPE-1")
    with pytest.raises(UnknownVersionError):
        make(database, "DEMO-0001", 99)
    with Database.open(tmp_path / "empty.sqlite", now=SEEDED) as empty:
        patient = database.patient("DEMO-0001").patient
        pump = database.patient("DEMO-0001").pump
        assert isinstance(pump, PumpRecord)
        empty.create_patient(patient, pump, user="tester", now=SEEDED)
        with pytest.raises(ReportError, match="no confirmed programme"):
            make(empty, "DEMO-0001")


BLOCKER = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6'):
            raise ImportError('layering: ' + name + ' imported')
sys.meta_path.insert(0, Block())
import importlib
for module in sys.argv[1:]:
    importlib.import_module(module)
"""


def test_report_content_and_command_load_without_qt() -> None:
    """The command line starts without Qt (style.md); the content is pure."""
    modules = ["ui.report", "ui.report.content", "ui.commands.report"]
    result = subprocess.run(
        [sys.executable, "-c", BLOCKER, *modules],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------- the PDF


@needs_poppler
def test_pdf_shows_patient_pump_and_both_daily_doses(
    database: Database, tmp_path: Path, qapp: object
) -> None:
    out = tmp_path / "report.pdf"
    pages = write_pdf(make(database, "DEMO-0001"), out)
    text = pdf_pages(out)
    assert len(text) == pages >= 2
    whole = " ".join(text)
    for expected in (
        "Anna Berger",
        "DEMO-0001",
        "NGP-D00001",
        "SynchroMed II, 40 mL",
        "380.00 mcg/day",
        "420.00 mcg/day",
        "0.2100 mL/day",
        "17.50 mcg/h",
        "Refill; small increase for walking",
        "Dr Ines Maré",
        "ITB clinic",
        "Printed 2026-11-22 11:30 by Dr Test Printer",
        "changed",
    ):
        assert expected in whole, expected
    assert "page 1 of" in text[0]
    for number, page in enumerate(text, start=1):
        assert f"page {number} of {pages}" in page
        assert "Anna Berger (DEMO-0001)" in page  # the header names the patient on every page
    assert TRAINING_MARK not in whole


@needs_poppler
def test_every_session_report_prints_the_audit_head_verify_accepts(
    database: Database, tmp_path: Path, qapp: object
) -> None:
    """Issue 10: the head on every session report, written down, is what `verify
    --expect-head` checks against (as printed: in groups of 16)."""
    out = tmp_path / "report.pdf"
    write_pdf(make(database, "DEMO-0001"), out)
    whole = " ".join(pdf_pages(out))
    seq, digest = database.audit_head()
    groups = " ".join(digest[i : i + 16] for i in range(0, 64, 16))
    assert "Audit trail head" in whole and f"entry {seq}, {groups}" in whole
    assert database.verify(expect_head=groups).ok
    assert not database.verify(expect_head=groups.replace(digest[:4], "ffff", 1)).ok


@needs_poppler
def test_pdf_lists_findings_and_the_reasons_given(
    database: Database, tmp_path: Path, qapp: object
) -> None:
    out = tmp_path / "report.pdf"
    write_pdf(make(database, "DEMO-0009"), out)
    whole = " ".join(pdf_pages(out))
    for expected in (
        "CHANGE_DECREASE_LARGE",
        "DOSE_OUTSIDE_USUAL_RANGE",
        "REFILL_BEYOND_STABILITY",
        "needs a typed reason",
        "Catheter revision booked; oral baclofen bridging; withdrawal signs explained",
        "320.00 mcg/day",
        "96.00 mcg/day",
    ):
        assert expected in whole, expected


@needs_poppler
def test_training_marker_is_on_every_page(database: Database, tmp_path: Path, qapp: object) -> None:
    """Issue 6: a training report can never pass for a clinical record."""
    out = tmp_path / "training.pdf"
    pages = write_pdf(make(database, "DEMO-0003", training=True), out)
    text = pdf_pages(out)
    assert len(text) == pages >= 2
    for page in text:
        assert TRAINING_MARK in page


@needs_poppler
def test_pdf_refill_boluses_and_clinic(database: Database, tmp_path: Path, qapp: object) -> None:
    out = tmp_path / "report.pdf"
    write_pdf(make(database, "DEMO-0003", clinic="Spinal Unit, St Elsewhere"), out)
    whole = " ".join(pdf_pages(out))
    assert "Spinal Unit, St Elsewhere" in whole
    assert "over the 2.0 mL limit" in whole
    assert "pocket checked by ultrasound" in whole
    out4 = tmp_path / "boluses.pdf"
    write_pdf(make(database, "DEMO-0004"), out4)
    whole4 = " ".join(pdf_pages(out4))
    assert "Breakthrough spasticity after a fall" in whole4
    assert "Planned bolus" in whole4


@needs_poppler
def test_plots_are_drawn_as_vectors(database: Database, tmp_path: Path, qapp: object) -> None:
    """Both plots are in the PDF, with their axes and labels as text and lines, not pictures
    (only the two 1-pixel transparent placeholders the layout holds their places with)."""
    out = tmp_path / "report.pdf"
    write_pdf(make(database, "DEMO-0002"), out)
    whole = " ".join(pdf_pages(out))
    for label in ("Rate (mcg/h)", "Time of day", "Reservoir (mL)", "Low-reservoir alarm 2.0 mL"):
        assert label in whole, label
    assert "Version 3 (this version)" in whole and "Version 2 (before)" in whole
    listing = subprocess.run(
        ["pdfimages", "-list", str(out)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    sizes = {(int(line.split()[3]), int(line.split()[4])) for line in listing}
    assert sizes <= {(1, 1)}


def test_pdf_bytes_is_a_pdf(database: Database, qapp: object) -> None:
    data = pdf_bytes(make(database, "DEMO-0007"))
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


@needs_poppler
def test_print_goes_through_the_replaceable_dialog(
    database: Database, tmp_path: Path, qapp: object
) -> None:
    report = make(database, "DEMO-0002", training=True)
    seen: list[QPrinter] = []

    def ask(printer: QPrinter, parent: QWidget | None) -> bool:
        seen.append(printer)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(tmp_path / "printed.pdf"))
        return True

    pages = print_report(report, ask=ask)
    assert len(seen) == 1 and pages >= 2
    text = pdf_pages(tmp_path / "printed.pdf")
    assert len(text) == pages
    assert all(TRAINING_MARK in page for page in text)
    assert print_report(report, ask=lambda printer, parent: False) == 0


# ---------------------------------------------------------------- itb-console report


def run_cli(argv: list[str]) -> int:
    """``itb-console [--db PATH] [--now T] [--training] report ...`` through the real entry."""
    from ui.cli import main

    return main(argv)


@needs_poppler
def test_cli_writes_the_current_version(
    db_path: Path, tmp_path: Path, qapp: object, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "DEMO-0002.pdf"
    argv = ["--db", str(db_path), "--now", "2026-11-22T12:00", "report", "DEMO-0002"]
    assert run_cli([*argv, "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "version 3" in captured.out
    whole = " ".join(pdf_pages(out))
    assert "Zoë Lefèvre" in whole and "NGP-D00002" in whole
    assert "Printed 2026-11-22 12:00" in whole
    older = tmp_path / "v2.pdf"
    assert run_cli([*argv, "--version", "2", "--out", str(older)]) == 0
    text = pdf_pages(older)
    assert not any(TRAINING_MARK in page for page in text)  # the clinic's database
    assert "Version 2 (this version)" in " ".join(text)


@needs_poppler
def test_cli_report_of_a_training_database_is_marked_on_every_page(
    tmp_path: Path, qapp: object
) -> None:
    from db.seed.training import open_training

    path = tmp_path / "training.sqlite"
    open_training(path, now=datetime(2026, 11, 22, 10, 0)).close()
    out = tmp_path / "train.pdf"
    argv = ["--db", str(path), "--training", "--now", "2026-11-22T12:00", "report", "TRAIN-01"]
    assert run_cli([*argv, "--out", str(out)]) == 0
    assert all(TRAINING_MARK in page for page in pdf_pages(out))
    # Without --training the clinical commands refuse a training database.
    assert run_cli([argv[0], argv[1], "report", "TRAIN-01", "--out", str(out)]) == 2


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["report", "DEMO-9999"], "no patient with id 'DEMO-9999'"),
        (["report", "DEMO-0001", "--version", "42"], "no programme version 42"),
    ],
)
def test_cli_unknown_patient_or_version_exits_2_with_one_line(
    db_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    words: list[str],
    message: str,
) -> None:
    out = tmp_path / "r.pdf"
    assert run_cli(["--db", str(db_path), *words, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert not out.exists()


def test_cli_unopenable_database_or_unwritable_output_exits_2(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.pdf"
    assert (
        run_cli(
            ["--db", str(tmp_path / "missing.sqlite"), "report", "DEMO-0001", "--out", str(out)]
        )
        == 2
    )
    assert "there is no database there" in capsys.readouterr().err
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_text("not a database")
    assert run_cli(["--db", str(garbage), "report", "DEMO-0001", "--out", str(out)]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    nowhere = tmp_path / "no-such-folder" / "r.pdf"
    assert run_cli(["--db", str(db_path), "report", "DEMO-0001", "--out", str(nowhere)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not exist" in err
    assert run_cli(["--db", str(db_path), "report", "DEMO-0001", "--out", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert not out.exists()


def test_cli_through_itb_console_once_registered(
    db_path: Path, tmp_path: Path, qapp: object
) -> None:
    """The same through ``ui.cli.main``, once the lead has registered the command there."""
    from ui import cli

    sub = next(a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    if "report" not in sub.choices:
        pytest.skip("the report command is not registered in ui/cli.py yet")
    out = tmp_path / "r.pdf"
    assert cli.main(["--db", str(db_path), "report", "DEMO-0001", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF-")
    assert cli.main(["--db", str(db_path), "report", "NOPE", "--out", str(out)]) == 2


def test_report_names_the_prometra_3_ml_its_refill_date_is_computed_to() -> None:
    """domain.md, "Pumps": a Prometra II with a 2.0 mL alarm has its refill date computed to
    3.0 mL; the report says so beside the date (the alarm line keeps the 2.0 mL)."""
    from programmer.check_context import CheckContext
    from programmer.findings import check_programme
    from programmer.projection import ClinicSettings
    from tests.programmer.factories import NOW, programme
    from ui.report.content import _projection_items

    prometra = programme(model="prometra-ii-20", alarm="2.0", concentration="2000")
    projection = check_programme(prometra, CheckContext.packaged(), now=NOW).projection
    items = {
        i.label: i.value for i in _projection_items(prometra, projection, ClinicSettings(), NOW)
    }
    assert items["Next refill"].endswith(
        "set by the low-reservoir alarm date less the refill margin (7 days), computed to the "
        "pump's 3.0 mL"
    )
    assert items["Low-reservoir alarm"].endswith("(at 2.0 mL)")
