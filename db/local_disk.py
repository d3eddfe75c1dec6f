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

# Filesystem types (mountinfo's field after " - ") that are a network, cluster or remote
# user-space filesystem: the file is shared with other computers, whose locks SQLite cannot see.
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
        "gpfs",  # IBM Spectrum Scale
        "beegfs",
        "orangefs",
        "pvfs2",
        "gfs2",  # shared-disk cluster filesystems: one disk, many computers
        "ocfs2",
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
        "fuse.gvfsd-fuse",  # GNOME's SMB, SFTP and WebDAV shares under /run/user/UID/gvfs
        "fuse.juicefs",
        "fuse.ceph-fuse",
        "fuse.vmhgfs-fuse",  # a virtual machine's folder shared with its host
    }
)

# User-space (FUSE) filesystems are named "fuse.<program>", and new programs appear all the
# time; most that a database could land on reach another computer (cloud drives, shares,
# cluster clients). So a fuse.* type is taken as a network filesystem unless it is one of these
# common local ones: a folder seen again (bindfs, mergerfs, the desktop portal's documents,
# rootless containers' fuse-overlayfs), an encrypted folder on this disk (gocryptfs, EncFS,
# CryFS, securefs), an archive or image opened as a folder. A local disk mounted through FUSE
# (NTFS, exFAT) is "fuseblk", not fuse.*. Safety before convenience: a local FUSE folder not
# listed is refused with the reason, and the database can be kept on the disk itself.
LOCAL_FUSE_TYPES = frozenset(
    {
        "fuse.bindfs",
        "fuse.mergerfs",
        "fuse.unionfs",
        "fuse.unionfs-fuse",
        "fuse.fuse-overlayfs",
        "fuse.portal",
        "fuse.gocryptfs",
        "fuse.encfs",
        "fuse.cryfs",
        "fuse.securefs",
        "fuse.archivemount",
        "fuse.fuse-zip",
        "fuse.squashfuse",
        "fuse.lxcfs",
    }
)


def is_network_type(kind: str) -> bool:
    """Whether the filesystem type ``kind`` is (or may be) shared with other computers:
    :data:`NETWORK_TYPES`, the NFS, SMB and CIFS variants, and every FUSE type but
    :data:`LOCAL_FUSE_TYPES` (a bare "fuse" names no program, so nothing says it is local)."""
    if kind in NETWORK_TYPES or kind.startswith(("nfs", "smb", "cifs")):
        return True
    return (kind == "fuse" or kind.startswith("fuse.")) and kind not in LOCAL_FUSE_TYPES


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
    if kind is not None and is_network_type(kind):
        known = kind in NETWORK_TYPES or not kind.startswith("fuse")
        what = (
            f"a network filesystem ({kind})"
            if known
            else f"a user-space filesystem ({kind}) not known to be local, so taken as a "
            "network filesystem"
        )
        raise NetworkFilesystemError(
            f"{path} is on {what}: SQLite's write-ahead log does not work "
            "there, and two computers could corrupt the file. Keep the database on a local disk "
            "(and copy it elsewhere with 'backup')."
        )
