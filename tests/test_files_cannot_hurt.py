"""Files that cannot hurt (product.md, "Records and files"; issue 10): an output is never the
database or its journal files, never a device node or FIFO, replaces a file only with --force,
and is made in a temporary file created exclusively; a restore keeps every replaced database;
every input is a regular file of bounded size; a database on a network filesystem is refused."""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from db import local_disk
from db.database import BackupError, Database, DatabaseError
from programmer.files import FileProblem, read_input, write_bytes
from programmer.programme_file import MAX_FILE_BYTES, dumps
from tests.db.factories import NOW, later, open_new, programme, save
from ui import cli

pytestmark = pytest.mark.usefixtures("clinic_clock")


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    path = tmp_path / "clinic.sqlite"
    with open_new(path) as database:
        save(database, programme())
    return path


def _patients(path: Path) -> int:
    with Database.open(path, create=False) as database:
        return len(database.versions("MRN-0042"))


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
@pytest.mark.parametrize("command", ["report", "export", "backup"])
def test_output_onto_the_database_or_its_journal_is_refused(
    clinic: Path, capsys: pytest.CaptureFixture[str], command: str, suffix: str
) -> None:
    target = clinic.with_name(clinic.name + suffix)
    words = {
        "report": ["report", "MRN-0042", "--out", str(target), "--force"],
        "export": ["export", "MRN-0042", "--out", str(target), "--force"],
        "backup": ["backup", str(target), "--force"],
    }[command]
    before = clinic.read_bytes()
    assert cli.main(["--db", str(clinic), *words]) == 2
    assert "database" in capsys.readouterr().err
    assert clinic.read_bytes() == before
    assert _patients(clinic) == 1


def test_report_onto_a_symlink_to_the_database_is_refused(
    clinic: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "innocent.pdf"
    link.symlink_to(clinic)
    before = clinic.read_bytes()
    assert cli.main(["--db", str(clinic), "report", "MRN-0042", "--out", str(link), "--force"]) == 2
    assert clinic.read_bytes() == before and link.is_symlink()


@pytest.mark.parametrize("command", ["report", "export", "backup"])
def test_output_onto_a_fifo_or_device_is_refused_and_the_node_stays(
    clinic: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for node in (fifo, Path("/dev/null")):
        words = {
            "report": ["report", "MRN-0042", "--out", str(node), "--force"],
            "export": ["export", "MRN-0042", "--out", str(node), "--force"],
            "backup": ["backup", str(node), "--force"],
        }[command]
        assert cli.main(["--db", str(clinic), *words]) == 2
        assert "not a regular file" in capsys.readouterr().err
    assert fifo.exists() and not fifo.is_file()
    assert Path("/dev/null").is_char_device()


def test_an_existing_output_is_replaced_only_with_force(
    clinic: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "prog.json"
    out.write_text("keep me", "utf-8")
    assert cli.main(["--db", str(clinic), "export", "MRN-0042", "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert out.read_text("utf-8") == "keep me"
    assert cli.main(["--db", str(clinic), "export", "MRN-0042", "--out", str(out), "--force"]) == 0
    assert out.read_text("utf-8") == dumps(programme())
    report = tmp_path / "r.pdf"
    report.write_bytes(b"old")
    assert cli.main(["--db", str(clinic), "report", "MRN-0042", "--out", str(report)]) == 2
    assert report.read_bytes() == b"old"


def test_a_planted_symlink_at_the_old_temporary_names_receives_nothing(
    clinic: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Today's attack: `.NAME.PID.partial` was predictable, so a symlink planted there got the
    whole clinical database. Temporary files are now created exclusively under random names."""
    victim = tmp_path / "attacker-reads-this"
    victim.write_text("", "utf-8")
    dest = tmp_path / "copy.sqlite"
    pid = os.getpid()
    planted = {f".{dest.name}.{pid}.partial", f".{dest.name}.{pid}.restoring"}
    for name in planted:
        (tmp_path / name).symlink_to(victim)
    assert cli.main(["--db", str(clinic), "backup", str(dest)]) == 0
    assert victim.read_text("utf-8") == ""
    assert dest.read_bytes().startswith(b"SQLite format 3")
    leftovers = {p.name for p in tmp_path.iterdir() if p.name.startswith(".")} - planted
    assert leftovers == set()


def test_write_output_never_replaces_a_file_created_meanwhile(tmp_path: Path) -> None:
    dest = tmp_path / "out.bin"

    def produce(temporary: Path) -> None:
        temporary.write_bytes(b"new")
        dest.write_bytes(b"someone else's")  # appears while the output is being made

    from programmer.files import write_output

    with pytest.raises(FileProblem, match="already exists"):
        write_output(dest, produce)
    assert dest.read_bytes() == b"someone else's"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_the_window_report_and_csv_writers_refuse_the_database(clinic: Path) -> None:
    """The window's exports go through the same module (ui/report/pdf.write_pdf and
    ui/audit_viewer.write_csv)."""
    from ui.audit_viewer import write_csv

    with Database.open(clinic, create=False) as database:
        entries = database.audit_entries()
    before = clinic.read_bytes()
    with pytest.raises(OSError, match="is the database"):
        write_csv(entries, clinic, protected=[clinic])
    with pytest.raises(OSError, match="is the database"):
        write_bytes(clinic.with_name(clinic.name + "-wal"), b"x", force=True, protected=[clinic])
    assert clinic.read_bytes() == before


# ---------------------------------------------------------------- restores


def test_two_restores_within_one_minute_keep_both_replaced_databases(
    clinic: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Today the second restore overwrote the first kept copy: the live database was gone."""
    backup = tmp_path / "empty-backup.sqlite"
    with open_new(tmp_path / "other.sqlite") as other:
        other.backup(backup)
    with Database.open(clinic, create=False) as database:
        save(database, programme(daily="440"), base=1, now=later(1))  # only in the live file
    assert cli.main(["--db", str(clinic), "restore", str(backup), "--force"]) == 0
    assert cli.main(["--db", str(clinic), "restore", str(backup), "--force"]) == 0
    kept = sorted(tmp_path.glob("clinic.before-restore-*.sqlite"))
    assert len(kept) == 2
    counts = []
    for path in kept:
        with Database.open(path, create=False) as database:
            counts.append(len(database.search_patients("MRN-0042")))
    assert 1 in counts  # the live database with its two versions survived
    with Database.open(next(p for p, c in zip(kept, counts, strict=True) if c)) as database:
        assert len(database.versions("MRN-0042")) == 2


# ---------------------------------------------------------------- inputs


@pytest.mark.parametrize("command", ["check", "project", "import", "restore", "library"])
def test_a_fifo_as_input_is_refused_at_once_not_waited_on(
    clinic: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    fifo = tmp_path / "in.fifo"
    os.mkfifo(fifo)
    words = {
        "check": ["check", str(fifo)],
        "project": ["project", str(fifo)],
        "import": ["import", str(fifo)],
        "restore": ["restore", str(fifo), "--force"],
        "library": ["library", "import", str(fifo), "--as", "admin"],
    }[command]
    started = time.monotonic()
    assert cli.main(["--db", str(clinic), *words]) == 2
    assert time.monotonic() - started < 10
    assert "not a regular file" in capsys.readouterr().err


def test_library_import_of_dev_zero_is_refused_without_reading_it(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--db", str(clinic), "library", "import", "/dev/zero", "--as", "a"]) == 2
    assert "not a regular file" in capsys.readouterr().err


def test_an_input_over_its_size_limit_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (MAX_FILE_BYTES + 1))
    with pytest.raises(FileProblem, match="larger than"):
        read_input(big, limit=MAX_FILE_BYTES, what="programme file")
    assert cli.main(["check", str(big)]) == 2


# ---------------------------------------------------------------- network filesystems

MOUNTS = """\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
40 22 0:40 / {share} rw,relatime shared:20 - {kind} server:/export rw,vers=4.2
41 22 0:41 / /mnt/with\\040space rw shared:21 - fuse.sshfs me@host:/ rw
"""


@pytest.mark.parametrize("kind", ["nfs4", "nfs", "cifs", "smb3", "fuse.sshfs"])
def test_a_database_on_a_network_filesystem_is_refused_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    share = tmp_path / "share"
    share.mkdir()
    info = tmp_path / "mountinfo"
    info.write_text(MOUNTS.format(share=os.path.realpath(share), kind=kind), "utf-8")
    monkeypatch.setattr(local_disk, "MOUNTINFO", info)
    with pytest.raises(DatabaseError, match=f"network filesystem \\({kind}\\).*local disk"):
        Database.open(share / "clinic.sqlite", create=True, now=NOW)
    assert not (share / "clinic.sqlite").exists()
    with pytest.raises(DatabaseError, match="network filesystem"):
        Database.restore(tmp_path / "any.sqlite", share / "restored.sqlite", now=NOW)
    Database.open(tmp_path / "local.sqlite", create=True, now=NOW).close()  # ext4: fine


def test_mountinfo_escapes_and_the_longest_mount_point_decide() -> None:
    text = MOUNTS.format(share="/srv/share", kind="nfs4")
    assert local_disk.filesystem_of(Path("/srv/share/x.sqlite"), text) == "nfs4"
    assert local_disk.filesystem_of(Path("/srv/shared/x.sqlite"), text) == "ext4"
    assert local_disk.filesystem_of(Path("/mnt/with space/db"), text) == "fuse.sshfs"


def test_no_network_check_and_no_crash_off_linux(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = tmp_path / "mountinfo"
    info.write_text(MOUNTS.format(share=os.path.realpath(tmp_path), kind="nfs4"), "utf-8")
    monkeypatch.setattr(local_disk, "MOUNTINFO", info)
    monkeypatch.setattr(sys, "platform", "win32")
    local_disk.refuse_network_filesystem(tmp_path / "clinic.sqlite")
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(local_disk, "MOUNTINFO", tmp_path / "absent")
    local_disk.refuse_network_filesystem(tmp_path / "clinic.sqlite")


def test_backup_errors_stay_backup_errors(clinic: Path, tmp_path: Path) -> None:
    with (
        Database.open(clinic, create=False) as database,
        pytest.raises(BackupError, match="does not exist"),
    ):
        database.backup(tmp_path / "no-such-folder" / "copy.sqlite")
    assert sqlite3.connect(clinic).execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_reference_data_from_a_fifo_or_device_is_refused(tmp_path: Path) -> None:
    from programmer.drug_library import load_drug_library
    from programmer.errors import ReferenceDataError

    fifo = tmp_path / "lib.fifo"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        with pytest.raises(ReferenceDataError, match="not a regular file"):
            load_drug_library(path)


def test_saving_a_programme_file_replaces_one_only_when_told(tmp_path: Path) -> None:
    from programmer import programme_file

    path = tmp_path / "p.json"
    path.write_text("the clinician's own file", "utf-8")
    with pytest.raises(FileProblem, match="already exists"):
        programme_file.save(programme(), path)
    assert path.read_text("utf-8") == "the clinician's own file"
    programme_file.save(programme(), path, force=True)
    assert programme_file.load(path) == programme()


def test_no_output_is_written_into_the_audit_key_folder_even_with_force(
    clinic: Path, tmp_path: Path
) -> None:
    """Every writer (the window's, the engine's) goes through write_output, which refuses the
    folder db/anchor.py registers: a backup or a report there would replace the only key."""
    from db import anchor

    key = anchor.state_dir() / anchor.KEYS_FILE
    before = key.read_bytes()
    with pytest.raises(FileProblem, match="audit key"):
        write_bytes(key, b"not a key", force=True)
    with pytest.raises(FileProblem, match="audit key"):
        write_bytes(anchor.state_dir() / "new-file.pdf", b"x", force=True)
    with Database.open(clinic) as database, pytest.raises(DatabaseError, match="audit key"):
        database.backup(key, overwrite=True)
    assert key.read_bytes() == before
