"""What anchors the audit trail outside its database file (product.md, "Records and files"):
the workstation's audit keys and the last head it saw of each database.

* **Audit keys.** Each installation has a secret of its own; every audit entry written since
  schema 4 is keyed with it (HMAC-SHA256, :func:`db.audit.entry_hash`), so someone holding only
  the database file can no longer rewrite an entry and recompute the hashes after it. A database
  names the key it is keyed with by its id (a digest of the key, never the key); keys brought
  from another workstation (:func:`import_key`) sit beside the installation's own one.
* **Heads seen.** After every write and every opening the console records the newest entry it
  saw of that database (its number and hash), per database identity: the id stored in it plus
  its path. An audit trail shorter than that, or one whose entry at that number has another
  hash, was rolled back (a restored copy, a deleted ``-wal``) or rewritten.

Both live in one folder, owner-only: the per-user configuration folder (platformdirs), or
``$ITB_CONSOLE_STATE_DIR`` (tests, and installations that keep it elsewhere). Files are written
whole (a temporary file renamed over the old one), created with owner-only permissions.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import stat
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from db.errors import DatabaseError
from programmer import files

STATE_DIR_VARIABLE = "ITB_CONSOLE_STATE_DIR"
APP_NAME = "itb-console"
KEYS_FILE = "audit-keys.json"
HEADS_FILE = "audit-heads.json"
KEYS_FORMAT = "itb-audit-keys/1"
HEADS_FORMAT = "itb-audit-heads/1"
EXPORT_FORMAT = "itb-audit-key/1"
KEY_BYTES = 32
MAX_STATE_BYTES = 4_000_000  # a bound on what is read back (thousands of databases fit)


class AuditKeyError(DatabaseError):
    """The audit key cannot be read, written, found or imported; the message says why."""


def state_dir() -> Path:
    """Where the keys and heads live: ``$ITB_CONSOLE_STATE_DIR``, else the per-user
    configuration folder (``~/.config/itb-console`` on Linux, ``%LOCALAPPDATA%`` on Windows)."""
    named = os.environ.get(STATE_DIR_VARIABLE)
    if named:
        return Path(named).expanduser().absolute()
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False)


# No output (a backup, a report, an export, with --force or not) is ever written into this
# folder: it holds the installation's only audit key and the rollback check (product.md,
# "Records and files": the key is kept "outside the database (owner-only permissions)").
files.protect_folder(state_dir, "the workstation's audit key and the audit heads seen")


def key_id(secret: bytes) -> str:
    """The public name of a key: a digest of it (tells keys apart without revealing one)."""
    return hashlib.sha256(b"itb-audit-key-id:" + secret).hexdigest()[:16]


# ---------------------------------------------------------------- owner-only files


def _owner_only(path: Path) -> None:
    """Owner read/write only (POSIX). Windows keeps a per-user folder's own access list."""
    if os.name == "nt":
        return
    try:
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR | (stat.S_IXUSR if path.is_dir() else 0))
    except OSError as exc:
        raise AuditKeyError(f"{path}: its permissions cannot be set ({exc.strerror})") from None


def _folder() -> Path:
    folder = state_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise AuditKeyError(
            f"{folder}: the console's audit key folder cannot be made ({exc.strerror})"
        ) from None
    _check_folder(folder)
    return folder


def _check_folder(folder: Path) -> None:
    """The folder is this account's own and owner-only (product.md, "Records and files": the
    key is kept "outside the database (owner-only permissions)"): in a folder others may
    write, anyone could delete the heads seen (the rollback check gone without a trace) or put
    files of their own beside the key. One this account owns is made owner-only; one another
    account owns or can write, or a symbolic link another account owns, is refused."""
    if os.name == "nt":
        return  # a per-user folder keeps its own access list
    me = os.geteuid()
    try:
        link = folder.lstat()
        info = folder.stat()
    except OSError as exc:
        raise AuditKeyError(
            f"{folder}: the console's audit key folder cannot be checked ({exc.strerror})"
        ) from None
    if stat.S_ISLNK(link.st_mode) and link.st_uid != me:
        raise AuditKeyError(
            f"{folder}: the console's audit key folder is a symbolic link another account "
            "owns, so that account decides where the audit key and the heads seen go; it was "
            "not used. Remove the link (or set ITB_CONSOLE_STATE_DIR to a folder of your own)."
        )
    if not stat.S_ISDIR(info.st_mode):
        raise AuditKeyError(f"{folder}: the console's audit key folder is not a folder")
    if info.st_uid != me:
        raise AuditKeyError(
            f"{folder}: the console's audit key folder belongs to another account, which "
            "could replace the audit key or delete the heads seen; it was not used. Use a "
            "folder of your own (ITB_CONSOLE_STATE_DIR)."
        )
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        _owner_only(folder)  # this account's own: others' access taken away


def _read_json(path: Path, what: str, expected_format: str) -> dict[str, Any] | None:
    """The file's JSON object, None when there is no file; anything else is refused."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise AuditKeyError(f"{path} ({what}) cannot be read: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise AuditKeyError(f"{path} ({what}) is not a regular file; it was left as it is")
    if info.st_size > MAX_STATE_BYTES:
        raise AuditKeyError(f"{path} ({what}) is larger than {MAX_STATE_BYTES} bytes")
    if os.name != "nt" and info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        _owner_only(path)  # others could read or change it: put it back to owner-only
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise AuditKeyError(
            f"{path} ({what}) is damaged ({exc}); it was left as it is. Restore it from the "
            "workstation's backup."
        ) from None
    if not isinstance(data, dict) or data.get("format") != expected_format:
        raise AuditKeyError(f"{path} ({what}) is not a {expected_format} file")
    return data


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` whole: an exclusive owner-only temporary file, synced, renamed over."""
    text = json.dumps(data, sort_keys=True, indent=1).encode("utf-8")
    temp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.partial")
    try:
        fd = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            os.write(fd, text)
            os.fsync(fd)
        finally:
            os.close(fd)
        _owner_only(temp)
        os.replace(temp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise AuditKeyError(f"{path} cannot be written ({exc.strerror})") from None


# ---------------------------------------------------------------- keys


@dataclass(frozen=True, slots=True)
class Keyring:
    own: str  # the id of this installation's key: new databases are keyed with it
    keys: dict[str, bytes]

    def key(self, wanted: str) -> bytes | None:
        return self.keys.get(wanted)


_cache: dict[Path, tuple[tuple[int, int], Keyring]] = {}


def _keys_path() -> Path:
    return _folder() / KEYS_FILE


def keyring() -> Keyring:
    """This workstation's keys, its own one made (once) when there is none yet."""
    path = _keys_path()
    try:
        info = path.stat()
        stamp = (info.st_mtime_ns, info.st_size)
    except OSError:
        stamp = (0, 0)
    cached = _cache.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    data = _read_json(path, "the audit keys", KEYS_FORMAT)
    if data is None:
        secret = secrets.token_bytes(KEY_BYTES)
        own = key_id(secret)
        data = {"format": KEYS_FORMAT, "own": own, "keys": {own: secret.hex()}}
        _write_json(path, data)
        info = path.stat()
        stamp = (info.st_mtime_ns, info.st_size)
    ring = _parse_keys(data, path)
    _cache[path] = (stamp, ring)
    return ring


def _parse_keys(data: dict[str, Any], path: Path) -> Keyring:
    try:
        keys = {str(k): bytes.fromhex(str(v)) for k, v in dict(data["keys"]).items()}
        own = str(data["own"])
    except (KeyError, TypeError, ValueError):
        raise AuditKeyError(f"{path} (the audit keys) is damaged") from None
    for kid, secret in keys.items():
        if len(secret) != KEY_BYTES or key_id(secret) != kid:
            raise AuditKeyError(f"{path}: the audit key {kid} is damaged")
    if own not in keys:
        raise AuditKeyError(f"{path}: the installation's own audit key is missing")
    return Keyring(own, keys)


# Keys held for this process only: one being imported, usable to open its database and log
# the administrator in before it is kept (:func:`import_text`).
_held: dict[str, bytes] = {}


def key_for(wanted: str) -> bytes:
    """The key a database is keyed with, or a refusal saying how to bring it here."""
    found = _held.get(wanted) or keyring().key(wanted)
    if found is None:
        raise AuditKeyError(
            f"this database's audit trail is keyed with audit key {wanted}, which this "
            "workstation does not hold, so nothing can be recorded or verified here. An "
            "administrator exports the key on the workstation the database comes from "
            "(itb-console audit-key export) and imports it here (itb-console audit-key import)."
        )
    return found


def export_text(wanted: str) -> str:
    """The key ``wanted`` as an export file's text (keep it as safe as a password)."""
    secret = key_for(wanted)
    return json.dumps({"format": EXPORT_FORMAT, "id": wanted, "key": secret.hex()}) + "\n"


def read_export(text: str, source: str) -> tuple[str, bytes]:
    """The (id, key) in an export file's text, checked: the id must be the key's digest."""
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
            raise ValueError(f"not an {EXPORT_FORMAT} file")
        secret = bytes.fromhex(str(data["key"]))
        wanted = str(data["id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise AuditKeyError(f"{source} is not an audit key export ({exc})") from None
    if len(secret) != KEY_BYTES or key_id(secret) != wanted:
        raise AuditKeyError(f"{source}: the key does not match its id (damaged or edited)")
    return wanted, secret


def hold(wanted: str, secret: bytes) -> None:
    """Use this key in this process without keeping it (an import not yet authorised)."""
    if key_id(secret) != wanted:
        raise AuditKeyError(f"the audit key {wanted} does not match its id")
    _held[wanted] = secret


def keep(wanted: str, secret: bytes) -> None:
    """Add the key to this workstation's keys (an administrator's import)."""
    if key_id(secret) != wanted:
        raise AuditKeyError(f"the audit key {wanted} does not match its id")
    ring = keyring()
    if wanted not in ring.keys:
        path = _keys_path()
        data = {
            "format": KEYS_FORMAT,
            "own": ring.own,
            "keys": {**{k: v.hex() for k, v in ring.keys.items()}, wanted: secret.hex()},
        }
        _write_json(path, data)


# ---------------------------------------------------------------- heads seen


@dataclass(frozen=True, slots=True)
class SeenHead:
    seq: int
    hash: str
    seen_at: str


def identity(database_id: str, path: Path) -> str:
    """The key a database's head is recorded under: its stored id and where it is."""
    return f"{database_id}|{path.expanduser().absolute()}"


def _heads() -> tuple[Path, dict[str, Any]]:
    path = _folder() / HEADS_FILE
    data = _read_json(path, "the audit heads seen", HEADS_FORMAT)
    return path, data or {"format": HEADS_FORMAT, "databases": {}}


def last_seen(database_id: str, path: Path) -> SeenHead | None:
    """The newest head this workstation saw of that database, or None."""
    _, data = _heads()
    found = data.get("databases", {}).get(identity(database_id, path))
    if not isinstance(found, dict):
        return None
    try:
        return SeenHead(int(found["seq"]), str(found["hash"]), str(found.get("seen_at", "")))
    except (KeyError, TypeError, ValueError):
        return None


def record_seen(database_id: str, path: Path, seq: int, digest: str, now: datetime) -> None:
    """Remember the head ``seq``/``digest``, unless a later one is already remembered (another
    window wrote after this one)."""
    file, data = _heads()
    databases = data.setdefault("databases", {})
    name = identity(database_id, path)
    found = databases.get(name)
    if isinstance(found, dict) and found.get("seq") == seq and found.get("hash") == digest:
        return
    if isinstance(found, dict) and isinstance(found.get("seq"), int) and found["seq"] > seq:
        return
    databases[name] = {"seq": seq, "hash": digest, "seen_at": now.isoformat(timespec="seconds")}
    _write_json(file, data)


# Heads this process could not record (the folder cannot be written, is full, ...), per database
# identity: (entry number, hash, why). The save itself committed (a clinician's save is never
# lost for the anchor's sake); until the head is recorded, a rollback to before it would go
# unnoticed, so the command line and the window warn, verify names it, and every later write,
# opening and the closing of the database try again.
_unrecorded: dict[str, tuple[int, str, str]] = {}


def note_unrecorded(database_id: str, path: Path, seq: int, digest: str, why: str) -> None:
    """The head ``seq``/``digest`` could not be recorded, for the reason ``why``."""
    _unrecorded[identity(database_id, path)] = (seq, digest, why)


def note_recorded(database_id: str, path: Path) -> None:
    """The anchor is in step with the database again."""
    _unrecorded.pop(identity(database_id, path), None)


def lag(database_id: str, path: Path) -> str | None:
    """What the anchor failed to record of that database in this process, or None."""
    found = _unrecorded.get(identity(database_id, path))
    if found is None:
        return None
    seq, _, why = found
    seen = last_seen(database_id, path) if _heads_readable() else None
    recorded = f"entry {seen.seq}" if seen is not None else "no entry of it"
    return (
        f"this workstation could not record the audit trail's head (entry {seq}) after a "
        f"save ({why}); it has recorded {recorded}. Until it does, a copy of the database "
        f"from before entry {seq} put in its place would not be noticed. Make the folder "
        f"{state_dir()} writable for this account, then open the database again."
    )


def _heads_readable() -> bool:
    try:
        _heads()
    except DatabaseError:
        return False
    return True


def reset_seen(database_id: str, path: Path, seq: int, digest: str, now: datetime) -> None:
    """Remember ``seq``/``digest`` even when it is earlier (a backup restored on purpose)."""
    file, data = _heads()
    data.setdefault("databases", {})[identity(database_id, path)] = {
        "seq": seq,
        "hash": digest,
        "seen_at": now.isoformat(timespec="seconds"),
    }
    _write_json(file, data)


def seen_at_path(path: Path) -> SeenHead | None:
    """The newest head seen of any database at ``path``: a database was known there."""
    _, data = _heads()
    suffix = f"|{path.expanduser().absolute()}"
    found = [
        v
        for k, v in data.get("databases", {}).items()
        if k.endswith(suffix) and isinstance(v, dict)
    ]
    if not found:
        return None
    best = max(found, key=lambda v: int(v.get("seq", 0)))
    return SeenHead(
        int(best.get("seq", 0)), str(best.get("hash", "")), str(best.get("seen_at", ""))
    )


def forget_path(path: Path) -> None:
    """Forget every head seen at ``path`` (a training database deliberately started afresh)."""
    file, data = _heads()
    suffix = f"|{path.expanduser().absolute()}"
    databases = data.get("databases", {})
    kept = {k: v for k, v in databases.items() if not k.endswith(suffix)}
    if len(kept) != len(databases):
        data["databases"] = kept
        _write_json(file, data)
