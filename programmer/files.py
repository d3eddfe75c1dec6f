"""Reading an input file and writing an output file, safely (product.md, "Records and files").

Every file the console reads (a programme, a drug library, a backup to restore) goes through
:func:`read_input`: it must be a regular file (a FIFO would hang the reader, ``/dev/zero`` would
fill the memory) and no larger than the caller's limit. Every file it writes (a report, a backup,
an export, a CSV) goes through :func:`write_output`: never onto the database or its journal
files, never onto a device node, FIFO or folder, an existing file replaced only when the caller
says so (``--force``), and the content made in a temporary file created exclusively (``mkstemp``,
an unpredictable name in the destination folder, so a planted symlink cannot catch it), synced,
and only then put in place: the output is complete or absent.

No Qt and no storage layer here: the engine, the database and the window all use it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

# The files SQLite keeps beside a database: none of them may ever be an output.
JOURNAL_SUFFIXES = ("", "-wal", "-shm", "-journal")

# Folders no output may be written into, whatever ``--force`` says, each with what it holds:
# registered by the layer that owns them (db/anchor.py registers the workstation's audit key
# and heads seen: product.md, "Records and files", the key is "kept outside the database", and
# replacing it leaves every database keyed with it unwritable here). A callable, since where
# the folder is may change with the environment (``$ITB_CONSOLE_STATE_DIR``).
_protected_folders: list[tuple[Callable[[], Path | None], str]] = []


def protect_folder(where: Callable[[], Path | None], holds: str) -> None:
    """Refuse every output into the folder ``where()`` names (``holds`` says what is there)."""
    _protected_folders.append((where, holds))


def _protected_folder_problem(target: Path) -> str | None:
    parent = os.path.realpath(target.parent)
    for where, holds in _protected_folders:
        folder = where()
        if folder is None:
            continue
        if parent == os.path.realpath(Path(folder).expanduser().absolute()) or _same(
            target.parent, Path(folder)
        ):
            return (
                f"is in the folder that holds {holds}, which an output never replaces: "
                "choose another file; nothing was written"
            )
    return None


class FileProblem(OSError):
    """A file cannot be read or written as asked: ``reason`` says why, the message names the
    file too. Nothing was written. An :class:`OSError`, so a caller that handles a failed write
    handles this too."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


def _words(exc: OSError) -> str:
    return exc.strerror or str(exc)


def read_input(path: str | Path, *, limit: int, what: str = "file") -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them, or a
    :class:`FileProblem` (``what`` names the kind of file in the message). Opened without
    blocking, so a FIFO is refused instead of waiting for a writer that never comes."""
    name = str(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise FileProblem(name, "no such file") from None
    except IsADirectoryError:
        raise FileProblem(name, f"is a folder, not a {what}") from None
    except PermissionError:
        raise FileProblem(name, "permission denied") from None
    except OSError as exc:
        raise FileProblem(name, f"cannot be read ({_words(exc)})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise FileProblem(name, f"is a folder, not a {what}")
        if not stat.S_ISREG(info.st_mode):
            raise FileProblem(
                name, f"is not a regular file (a device, pipe or socket), not a {what}"
            )
        if info.st_size > limit:
            raise FileProblem(name, f"is larger than {limit:,} bytes, too large for a {what}")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # it grew while being read
            raise FileProblem(name, f"is larger than {limit:,} bytes, too large for a {what}")
        return b"".join(chunks)
    except FileProblem:
        raise
    except OSError as exc:
        raise FileProblem(name, f"cannot be read ({_words(exc)})") from None
    finally:
        os.close(fd)


def check_regular_input(path: str | Path, *, what: str = "file") -> None:
    """``path`` exists and is a regular file (for inputs another library opens by name, such as
    an SQLite backup): checked without opening it, so a FIFO cannot hang the check."""
    name = str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise FileProblem(name, "no such file") from None
    except OSError as exc:
        raise FileProblem(name, f"cannot be read ({_words(exc)})") from None
    if stat.S_ISDIR(info.st_mode):
        raise FileProblem(name, f"is a folder, not a {what}")
    if not stat.S_ISREG(info.st_mode):
        raise FileProblem(name, f"is not a regular file (a device, pipe or socket), not a {what}")


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def output_problem(
    dest: str | Path, *, force: bool = False, protected: Iterable[str | Path] = ()
) -> str | None:
    """Why ``dest`` cannot take an output (checked before any work is done, and again just
    before the output is put in place), or None. ``protected`` are database files: neither they
    nor their ``-wal``/``-shm``/``-journal`` files may be written; nor may any file in a folder
    registered with :func:`protect_folder`."""
    dest = Path(dest)
    target = dest.expanduser().absolute()
    for database in protected:
        base = Path(database).expanduser().absolute()
        for suffix in JOURNAL_SUFFIXES:
            journal = base.with_name(base.name + suffix)
            if (
                target == journal
                or os.path.realpath(target) == os.path.realpath(journal)
                or _same(target, journal)
            ):
                return (
                    f"is the database {base.name}"
                    + (f" (its {suffix[1:]} file)" if suffix else "")
                    + ": choose another file; nothing was written"
                )
    kept = _protected_folder_problem(target)
    if kept is not None:
        return kept
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        return f"cannot be checked ({_words(exc)}); nothing was written"
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            return "is a folder; give a file name (nothing was written)"
        if stat.S_ISLNK(info.st_mode):
            return "is a symbolic link; give the file itself (nothing was written)"
        if not stat.S_ISREG(info.st_mode):
            return "is not a regular file (a device, pipe or socket); nothing was written"
        if not force:
            return "already exists; give --force to replace it (nothing was written)"
    folder = target.parent
    if not folder.is_dir():
        return f"the folder {folder} does not exist"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"the folder {folder} cannot be written to"
    return None


def write_output(
    dest: str | Path,
    produce: Callable[[Path], None],
    *,
    force: bool = False,
    protected: Iterable[str | Path] = (),
) -> None:
    """Make the output with ``produce(temporary_path)`` (which writes the whole content into the
    empty file it is given) and put it in place at ``dest``. See :func:`output_problem` for what
    is refused (:class:`FileProblem`); without ``force`` an existing file is never replaced,
    even one created meanwhile by another program. Owner-only permissions: an output may hold
    clinical data."""
    dest = Path(dest)
    guarded = [Path(p) for p in protected]
    problem = output_problem(dest, force=force, protected=guarded)
    if problem is not None:
        raise FileProblem(str(dest), problem)
    target = dest.expanduser().absolute()
    try:
        fd, temp_name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
        )
    except OSError as exc:
        raise FileProblem(
            str(dest), f"cannot be written ({_words(exc)}); nothing was written"
        ) from None
    os.close(fd)
    temp = Path(temp_name)
    try:
        produce(temp)
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        problem = output_problem(dest, force=force, protected=guarded)
        if problem is not None:
            raise FileProblem(str(dest), problem)
        if force:
            os.replace(temp, target)
        else:
            _link_new(temp, target, dest)
        _sync_folder(target.parent)
    except FileProblem:
        raise
    except OSError as exc:
        raise FileProblem(
            str(dest), f"cannot be written ({_words(exc)}); nothing was written"
        ) from None
    finally:
        for leftover in (temp, temp.with_name(temp.name + "-journal")):
            with contextlib.suppress(OSError):
                leftover.unlink()


def _link_new(temp: Path, target: Path, dest: Path) -> None:
    """Put ``temp`` at ``target`` only if nothing is there (a hard link fails on an existing
    name, atomically); where hard links are not available, a checked rename."""
    try:
        os.link(temp, target)
    except FileExistsError:
        raise FileProblem(
            str(dest), "already exists; give --force to replace it (nothing was written)"
        ) from None
    except OSError as exc:
        if exc.errno not in (
            errno.EPERM,
            errno.ENOTSUP,
            errno.EOPNOTSUPP,
            errno.EXDEV,
            errno.EMLINK,
        ):
            raise
        if target.exists():
            raise FileProblem(
                str(dest), "already exists; give --force to replace it (nothing was written)"
            ) from None
        os.replace(temp, target)


def write_bytes(
    dest: str | Path,
    data: bytes,
    *,
    force: bool = False,
    protected: Iterable[str | Path] = (),
) -> None:
    """:func:`write_output` of ``data``."""

    def produce(temporary: Path) -> None:
        temporary.write_bytes(data)

    write_output(dest, produce, force=force, protected=protected)


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # Windows: folders cannot be opened; NTFS journals the entry itself
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
