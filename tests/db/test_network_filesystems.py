"""Adversary: network filesystems the refusal's list does not name.

product.md, "Records and files": "The database must sit on a local disk: a network filesystem is
refused with the reason". db/local_disk.py refuses the types it lists; GNOME's file manager
mounts every SMB, SFTP or WebDAV share a clinician opens under /run/user/UID/gvfs as
``fuse.gvfsd-fuse``, and cluster filesystems (IBM GPFS, BeeGFS, JuiceFS) are shared by many
computers too: a database opened there is not refused.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from db import local_disk

MOUNTS = """\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
40 22 0:40 / {share} rw,nosuid,nodev,relatime shared:20 - {kind} {source} rw
"""


@pytest.mark.parametrize(
    ("kind", "source"),
    [
        ("fuse.gvfsd-fuse", "gvfsd-fuse"),
        ("gpfs", "gpfs0"),
        ("beegfs", "beegfs_nodev"),
        ("fuse.juicefs", "redis://meta:6379/1"),
    ],
)
def test_a_database_on_a_desktop_share_or_cluster_filesystem_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, source: str
) -> None:
    share = tmp_path / "smb-share:server=clinic-nas,share=itb"
    share.mkdir()
    info = tmp_path / "mountinfo"
    info.write_text(MOUNTS.format(share=os.path.realpath(share), kind=kind, source=source))
    monkeypatch.setattr(local_disk, "MOUNTINFO", info)
    with pytest.raises(local_disk.NetworkFilesystemError, match="network filesystem"):
        local_disk.refuse_network_filesystem(share / "clinic.sqlite")


def test_a_database_on_an_unknown_user_space_filesystem_is_refused_as_possibly_remote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    share = tmp_path / "cloud-drive"
    share.mkdir()
    info = tmp_path / "mountinfo"
    kind, source = "fuse.some-new-cloud-drive", "cloud"
    info.write_text(MOUNTS.format(share=os.path.realpath(share), kind=kind, source=source))
    monkeypatch.setattr(local_disk, "MOUNTINFO", info)
    with pytest.raises(local_disk.NetworkFilesystemError, match="not known to be local"):
        local_disk.refuse_network_filesystem(share / "clinic.sqlite")


@pytest.mark.parametrize(
    ("kind", "source"),
    [("fuse.gocryptfs", "/home/nurse/.private"), ("fuseblk", "/dev/sdb1"), ("ext4", "/dev/sdb1")],
)
def test_a_database_on_a_local_encrypted_folder_or_fuse_disk_is_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, source: str
) -> None:
    folder = tmp_path / "private"
    folder.mkdir()
    info = tmp_path / "mountinfo"
    info.write_text(MOUNTS.format(share=os.path.realpath(folder), kind=kind, source=source))
    monkeypatch.setattr(local_disk, "MOUNTINFO", info)
    local_disk.refuse_network_filesystem(folder / "clinic.sqlite")  # no error: a local disk
