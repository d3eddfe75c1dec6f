"""Adversary: the workstation's anchor (db/anchor.py) that cannot be written.

product.md, "Records and files": "the workstation records the last head it saw for each
database; verify names what it finds: ... rolled back (shorter than the last head seen)". When
the anchor's folder cannot be written (made read-only, full, a symlink to somewhere else), a save
still commits and only a log line says the head was not recorded (db/file_guard.py:
"the anchor lags, which verify will say"); verify then says nothing, so the saves made since can
be taken back by putting the older file in place without anyone being told.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from db import anchor
from db.database import Database
from db.errors import DatabaseError
from tests.db.factories import NOW, USER, later, open_new, patient, programme, pump_record, save


def unwritable(path: Path, data: dict[str, Any]) -> None:
    raise anchor.AuditKeyError(f"{path} cannot be written (Permission denied)")


def test_saves_the_anchor_could_not_record_cannot_be_rolled_back_unnoticed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "clinic.sqlite"
    with open_new(path) as database:
        database.create_patient(patient(), pump_record(), user=USER, now=NOW)
        save(database, programme())
    snapshot = tmp_path / "before.sqlite"
    shutil.copyfile(path, snapshot)
    with Database.open(path, now=later(1)) as database, monkeypatch.context() as broken:
        broken.setattr(anchor, "_write_json", unwritable)
        try:
            save(database, programme(), base=1, now=later(2))
        except DatabaseError:
            return  # refused: nothing was saved that the anchor does not know of
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(snapshot, path)  # the insider puts the file from before the save back
    with Database.open(path, now=later(3)) as database:
        report = database.verify()
    assert any("ROLLED BACK" in p for p in report.problems), report.problems


def test_an_anchor_folder_others_can_write_is_not_used_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """product.md: the audit key is kept "outside the database (owner-only permissions)". In a
    folder any local user may write, anyone can delete the heads seen (the rollback check is
    gone without a trace) or put files of their own beside the key: the console must refuse
    such a folder, or make it owner-only, before it keeps the key and heads there."""
    shared = tmp_path / "shared-state"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv(anchor.STATE_DIR_VARIABLE, str(shared))
    try:
        open_new(tmp_path / "clinic.sqlite").close()
    except DatabaseError:
        return  # refused, with its reason
    assert shared.stat().st_mode & 0o077 == 0, oct(shared.stat().st_mode)


def test_verify_and_the_command_line_name_a_save_the_anchor_could_not_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The save commits (a clinician's save is never lost for the anchor's sake), but while the
    anchor's folder cannot be written, verify fails naming the lag and the command line warns;
    once the folder can be written again, the closing records the head and the lag is gone."""
    from ui import cli

    path = tmp_path / "clinic.sqlite"
    with open_new(path) as database:
        database.create_patient(patient(), pump_record(), user=USER, now=NOW)
    with monkeypatch.context() as broken:
        broken.setattr(anchor, "_write_json", unwritable)
        with Database.open(path, now=later(1)) as database:
            save(database, programme(), now=later(2))
            assert len(database.versions("MRN-0042")) == 1  # the save is kept
            report = database.verify()
            assert not report.ok
            assert any(p.startswith("ANCHOR LAGS") for p in report.problems), report.problems
            warning = database.anchor_warning()
            assert warning is not None and "could not record" in warning
            head = database.verify().audit_head
        assert cli.main(["--db", str(path), "history", "MRN-0042"]) == 0
        assert "could not record the audit trail's head" in capsys.readouterr().err
    with Database.open(path, now=later(3)) as database:
        assert database.anchor_lag() is None
        assert database.verify().ok
        assert database.verify().audit_head == head


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs lchown")
def test_a_state_folder_another_account_owns_or_links_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A symbolic link another account owns decides where the key goes; a folder another
    account owns can be emptied by it: both refused, with the reason, nothing opened."""
    mine = tmp_path / "mine"
    mine.mkdir(mode=0o700)
    link = tmp_path / "link"
    link.symlink_to(mine)
    os.lchown(link, 65534, 65534)
    monkeypatch.setenv(anchor.STATE_DIR_VARIABLE, str(link))
    with pytest.raises(DatabaseError, match="symbolic link another account owns"):
        open_new(tmp_path / "clinic.sqlite").close()
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, 65534, 65534)
    monkeypatch.setenv(anchor.STATE_DIR_VARIABLE, str(theirs))
    with pytest.raises(DatabaseError, match="belongs to another account"):
        open_new(tmp_path / "other.sqlite").close()
    assert not (tmp_path / "clinic.sqlite").exists()


def test_the_window_is_told_once_when_a_save_could_not_be_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ui/app.py warns through on_anchor_lag: called when the lag starts, not at every save."""
    path = tmp_path / "clinic.sqlite"
    told: list[str] = []
    with open_new(path) as database:
        database.on_anchor_lag = told.append
        database.create_patient(patient(), pump_record(), user=USER, now=NOW)
        assert told == []
        with monkeypatch.context() as broken:
            broken.setattr(anchor, "_write_json", unwritable)
            save(database, programme(), now=later(1))
            save(database, programme(), base=1, now=later(2))
        assert len(told) == 1 and "could not record" in told[0]
        save(database, programme(), base=2, now=later(3))
        assert database.anchor_lag() is None
