"""``itb-console worklist`` (product.md, "Clinic worklist"): text, JSON in the specified shape,
CSV with a byte-order mark, iCalendar; output files under the rules for files; bad words exit 2
with one line and write nothing."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from tests.db.factories import NOW, open_new, patient, programme, pump, save
from ui.cli import main

NOW_ARG = ["--now", NOW.isoformat(timespec="minutes")]


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    """Two patients: one whose refill falls within 28 days, one months away."""
    path = tmp_path / "clinic.sqlite"
    with open_new(path) as database:
        save(database, programme(volume="8"))  # 0.2 mL/day: alarm after 30 days
        far = patient("MRN-0099", "Zoë Lefèvre")
        save(database, programme(who=far, device=pump("NGP999"), volume="20"))
    return path


def _run(db: Path, *args: str) -> list[str]:
    return ["--db", str(db), *NOW_ARG, "worklist", *args]


def test_json_lists_the_patient_due_within_the_window_in_the_specified_shape(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_run(clinic, "--json")) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["generated_at"] == "2026-11-22T10:00"
    [item] = out["items"]
    assert item["patient_id"] == "MRN-0042" and item["status"] == "due"
    assert "refill-due" in item["reasons"]
    assert set(item) == {
        "patient_id",
        "name",
        "next_refill_at",
        "refill_limited_by",
        "low_reservoir_alarm_at",
        "empty_at",
        "replace_by",
        "status",
        "reasons",
    }
    assert main(_run(clinic, "--json", "--days", "365")) == 0
    wide = json.loads(capsys.readouterr().out)["items"]
    assert [i["patient_id"] for i in wide] == ["MRN-0042", "MRN-0099"]  # by next refill


def test_text_output_names_each_patient_and_why(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_run(clinic)) == 0
    out = capsys.readouterr().out
    assert "MRN-0042" in out and "refill due" in out and "MRN-0099" not in out


def test_csv_and_ics_files_are_written_and_never_replaced_without_force(
    clinic: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_path, ics_path = tmp_path / "w.csv", tmp_path / "w.ics"
    assert main(_run(clinic, "--csv", str(csv_path))) == 0
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbfpatient_id,name,")
    assert main(_run(clinic, "--ics", str(ics_path))) == 0
    assert ics_path.read_bytes().count(b"BEGIN:VEVENT\r\n") == 1
    capsys.readouterr()
    before = csv_path.read_bytes()
    assert main(_run(clinic, "--csv", str(csv_path), "--days", "365")) == 2
    assert "--force" in capsys.readouterr().err
    assert csv_path.read_bytes() == before
    assert main(_run(clinic, "--csv", str(csv_path), "--days", "365", "--force")) == 0
    assert csv_path.read_bytes() != before


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_output_file_is_never_the_database_or_its_journal(
    clinic: Path, suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    target = clinic.with_name(clinic.name + suffix)
    before = target.read_bytes() if target.exists() else None
    assert main(_run(clinic, "--csv", str(target), "--force")) == 2
    assert "is the database" in capsys.readouterr().err
    assert (target.read_bytes() if target.exists() else None) == before


def test_output_file_is_never_a_folder(
    clinic: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_run(clinic, "--ics", str(tmp_path), "--force")) == 2
    assert "is a folder" in capsys.readouterr().err


@pytest.mark.parametrize("days", ["2.5", "-1", "ten", "99999"])
def test_a_window_that_is_not_a_whole_number_of_days_is_refused_not_rounded(
    clinic: Path, days: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_run(clinic, "--days", days)) == 2
    err = capsys.readouterr().err
    assert "--days" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_json_and_csv_together_are_refused(
    clinic: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_run(clinic, "--json", "--csv", str(tmp_path / "x.csv"))) == 2
    assert not (tmp_path / "x.csv").exists()


def test_overdue_patient_comes_first_with_status_overdue(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    late = (NOW + timedelta(days=40)).isoformat(timespec="minutes")
    assert main(["--db", str(clinic), "--now", late, "worklist", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)["items"][0]
    assert (first["patient_id"], first["status"]) == ("MRN-0042", "overdue")
    assert first["reasons"][0] == "refill-overdue"


def test_visits_lists_each_visit_with_its_steps_and_how_it_finished(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from db.database import Database
    from programmer.assessment import Assessment

    with Database.open(clinic, now=NOW) as database:
        database.start_visit("MRN-0042", user="dr.test", now=NOW)
        database.record_assessment("MRN-0042", Assessment(at=NOW, pain=3), user="dr.test", now=NOW)
        database.finish_visit(
            "MRN-0042", user="dr.test", now=NOW, left_unchanged_reason="Review only"
        )
        database.start_visit("MRN-0042", user="dr.test", now=NOW + timedelta(days=1))
    late = (NOW + timedelta(days=1)).isoformat(timespec="minutes")
    assert main(["--db", str(clinic), "--now", late, "visits", "MRN-0042", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    first, second = out["visits"]
    assert (first["outcome"], first["reason"], first["open"]) == (
        "left-unchanged",
        "Review only",
        False,
    )
    assert [s["action"] for s in first["steps"]] == ["visit.started", "assessment.recorded"]
    assert first["steps"][1]["details"]["pain"] == 3
    assert second["open"] is True and second["finished_at"] is None
    assert main(["--db", str(clinic), "visits", "MRN-0042"]) == 0
    text = capsys.readouterr().out
    assert "Visit 1" in text and "left unchanged (version 1); reason: Review only" in text
    assert "OPEN" in text
    assert main(["--db", str(clinic), "visits", "NOBODY"]) == 2
    assert "NOBODY" in capsys.readouterr().err
