"""``itb-console export-fhir``: a valid FHIR bundle with the real session report PDF inside,
written whole, and every refusal one line with exit 2 and nothing written."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle

from db.database import Database
from db.seed.demo_patients import seed_demo_patients
from ui.cli import main

NOW = "2026-11-30T09:00"


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    path = tmp_path / "clinic.sqlite"
    from datetime import datetime

    Database.open(
        path, create=True, on_create=seed_demo_patients, now=datetime(2026, 11, 30, 9, 0)
    ).close()
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main(["--now", NOW, *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_export_fhir_writes_a_valid_bundle_with_the_session_report_pdf(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "anna.json"
    code, stdout, err = run(capsys, "--db", demo_db, "export-fhir", "DEMO-0001", "--out", out)
    assert (code, err) == (0, "")
    assert "FHIR R4 bundle of DEMO-0001" in stdout
    text = out.read_text("utf-8")
    Bundle.model_validate_json(text)
    data = json.loads(text)
    [document] = [
        e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "DocumentReference"
    ]
    pdf = base64.b64decode(document["content"][0]["attachment"]["data"])
    assert pdf.startswith(b"%PDF-")
    assert "Anna Berger" in document["description"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".anna.json")]


def test_existing_file_is_replaced_only_with_force(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bundle.json"
    out.write_text("keep me")
    code, _, err = run(capsys, "--db", demo_db, "export-fhir", "DEMO-0001", "--out", out)
    assert code == 2 and "already exists" in err and "--force" in err
    assert out.read_text() == "keep me"
    code, _, _ = run(capsys, "--db", demo_db, "export-fhir", "DEMO-0001", "--out", out, "--force")
    assert code == 0 and out.read_text("utf-8").startswith("{")


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
def test_export_can_never_overwrite_the_database_or_its_journals(
    demo_db: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    target = demo_db.with_name(demo_db.name + suffix)
    before = target.read_bytes() if target.exists() else None
    code, _, err = run(
        capsys, "--db", demo_db, "export-fhir", "DEMO-0001", "--out", target, "--force"
    )
    assert code == 2 and "is the database" in err
    assert (target.read_bytes() if target.exists() else None) == before


def test_unknown_patient_and_missing_folder_are_one_line_exit_2(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "--db", demo_db, "export-fhir", "NOPE", "--out", tmp_path / "x.json")
    assert code == 2 and "NOPE" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "x.json").exists()
    code, _, err = run(
        capsys, "--db", demo_db, "export-fhir", "DEMO-0001", "--out", tmp_path / "no" / "x.json"
    )
    assert code == 2 and "does not exist" in err
