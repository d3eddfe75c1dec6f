"""Adversary: an output file written over the workstation's audit key or heads seen.

product.md, "Records and files": output files "are never the database or its -wal/-shm/-journal
files"; "each entry is keyed with a per-installation secret kept outside the database". The key
file is as irreplaceable as the database: a careless ``backup FILE --force`` or ``report --out
FILE --force`` onto it replaces the installation's only secret, and every database keyed with it
can no longer be written or verified on this workstation. The heads seen are the rollback check.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from db import anchor
from db.users import Role
from tests.db.factories import NOW, open_new, patient, programme, pump_record, save
from ui import cli

pytestmark = pytest.mark.usefixtures("clinic_clock")
ADMIN_PW, CLIN_PW = "admin password 1", "clinician pw 12"


@pytest.mark.parametrize("target", [anchor.KEYS_FILE, anchor.HEADS_FILE])
@pytest.mark.parametrize("command", ["backup", "report"])
def test_an_output_never_replaces_the_audit_key_or_the_heads_seen(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    target: str,
    command: str,
) -> None:
    state = tmp_path / "state"
    monkeypatch.setenv(anchor.STATE_DIR_VARIABLE, str(state))
    path = tmp_path / "clinic.sqlite"
    with open_new(path) as database:
        admin = database.first_administrator("admin", ADMIN_PW, NOW)
        database.add_user("dr.lee", Role.CLINICIAN, CLIN_PW, by=admin, now=NOW)
        database.create_patient(patient(), pump_record(), user="dr.lee", now=NOW)
        save(database, programme(), user="dr.lee")
    dest = state / target
    before = dest.read_bytes()
    words = {
        "backup": ["backup", str(dest), "--force", "--as", "admin"],
        "report": ["report", "MRN-0042", "--out", str(dest), "--force", "--as", "dr.lee"],
    }[command]
    monkeypatch.setattr(
        sys, "stdin", io.StringIO(f"{ADMIN_PW if command == 'backup' else CLIN_PW}\n")
    )
    code = cli.main(["--db", str(path), *words])
    capsys.readouterr()
    assert dest.read_bytes() == before, f"{command} --force replaced {target}"
    assert code == 2
