"""The database must sit on a local disk (product.md, "Records and files"): SQLite's write-ahead
log needs shared memory and locks that a network filesystem does not give, so two computers (or
two windows) could both write and corrupt the file. On Linux the filesystem under the database's
folder is looked up in ``/proc/self/mountinfo``; elsewhere nothing is checked (there is no such
file, and no portable way to ask)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from db.errors import DatabaseError

MOUNTINFO = Path("/proc/self/mountinfo")

# Filesystem types (mountinfo's field after " - ") that are a network or a remote user-space
# filesystem. "fuse.sshfs" and the like: every fuse.* type named here is remote.
NETWORK_TYPES = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb",
        "smb2",
        "smb3",
        "smbfs",
        "afs",
        "ceph",
        "glusterfs",
        "lustre",
        "9p",
        "davfs",
        "ncpfs",
        "coda",
        "fuse.sshfs",
        "sshfs",
        "fuse.rclone",
        "fuse.s3fs",
        "fuse.glusterfs",
        "fuse.davfs2",
        "fuse.smbnetfs",
        "fuse.curlftpfs",
    }
)


class NetworkFilesystemError(DatabaseError):
    """The database is on a network filesystem, where SQLite's locking does not hold."""


def _unescape(field: str) -> str:
    """mountinfo writes a space as \\040, a tab as \\011, a backslash as \\134."""
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and i + 3 < len(field) and field[i + 1 : i + 4].isdigit():
            out.append(chr(int(field[i + 1 : i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def filesystem_of(path: Path, mountinfo: str) -> str | None:
    """The type of the filesystem ``path`` is on, from the text of a mountinfo file (the mount
    with the longest mount point that contains it), or None when none is listed."""
    target = os.path.realpath(path)
    best: tuple[int, str] | None = None
    for line in mountinfo.splitlines():
        left, sep, right = line.partition(" - ")
        fields = left.split()
        if not sep or len(fields) < 5 or not right.split():
            continue
        point = _unescape(fields[4])
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) > best[0]):
            best = (len(point), right.split()[0])
    return None if best is None else best[1]


def refuse_network_filesystem(path: Path) -> None:
    """:class:`NetworkFilesystemError` when the database file ``path`` (or, before it exists,
    its folder) is on a network filesystem; nothing is checked off Linux."""
    if not sys.platform.startswith("linux"):
        return
    try:
        mountinfo = MOUNTINFO.read_text("utf-8", errors="replace")
    except OSError:
        return  # no /proc (a container without it): nothing to go by
    where = path if path.exists() else path.parent
    kind = filesystem_of(where, mountinfo)
    if kind is not None and (kind in NETWORK_TYPES or kind.startswith(("nfs", "smb", "cifs"))):
        raise NetworkFilesystemError(
            f"{path} is on a network filesystem ({kind}): SQLite's write-ahead log does not work "
            "there, and two computers could corrupt the file. Keep the database on a local disk "
            "(and copy it elsewhere with 'backup')."
        )
