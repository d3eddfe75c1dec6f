"""Adversary: a restore that takes saved records back without a trace in the database kept.

product.md, "Users and records": "Every save, confirmation, override, refill, transmission, login
and library change is in an append-only audit trail"; "Records and files": the workstation's
anchor names a trail "rolled back (shorter than the last head seen)", and "A replaced database
(restore) is always kept under a unique name". A restore resets the anchor to the backup's head
(db/file_guard.py ``anchor_restored``) and the database that goes on being used holds no entry
saying it was put back, what it replaced, or who did it: once the kept file is deleted (a shell
account is enough), the saves made after the backup are gone and verify says nothing.
"""

from __future__ import annotations

from pathlib import Path

from db.database import Database
from tests.db.factories import NOW, USER, later, open_new, patient, programme, pump_record, save


def test_the_restored_database_records_the_restore_and_the_head_it_replaced(
    tmp_path: Path,
) -> None:
    path = tmp_path / "clinic.sqlite"
    backup = tmp_path / "monday.sqlite"
    with open_new(path) as database:
        database.create_patient(patient(), pump_record(), user=USER, now=NOW)
        database.backup(backup)
        save(database, programme(), now=later(1))  # saved after the backup
        replaced_head = database.verify().audit_head
    kept = Database.restore(backup, path, overwrite=True, now=later(2))
    assert kept is not None
    kept.unlink()  # the insider removes the evidence
    with Database.open(path, now=later(3)) as database:
        actions = [e.action for e in database.audit_entries()]
        details = [e.details for e in database.audit_entries() if "restore" in e.action]
    assert any("restore" in action for action in actions), actions
    assert any(replaced_head in str(d) for d in details), details
