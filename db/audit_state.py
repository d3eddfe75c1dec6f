"""The console's own state in the audit chain (:mod:`db.audit`): which change of a tracked row
(an account, the database kind, a simulated pump) each action may make.

The same rule serves the write, which refuses a change its action may not make before the entry
is appended, and verify, which replays the listed changes of a keyed trail and names one that
was made outside the console.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Which actions list every tracked row (the baseline), not only the ones they touch.
BASELINE_ACTIONS = ("database.created", "database.migrated")
# The actions that move an account's own lock-out counters when it logs in.
USER_LOGIN_ACTIONS = ("login", "login.failed", "login.refused", "account.locked")


# The actions whose entries may list a change of a row of each table: :func:`refused_change`
# lets no other change it, and a write lists a row only when it changed, so a genuine (keyed)
# entry listing the row is one of these; a simulated pump's row is listed by its patient's
# entries (and the baseline). The newest entry listing a row is looked for among them alone
# (db/audit.py, confirm_row), through the index on the action, not through the whole trail.
LISTING_ACTIONS: dict[str, tuple[str, ...]] = {
    "console_meta": (*BASELINE_ACTIONS, "database.kind_set"),
    "user_account": (
        *BASELINE_ACTIONS,
        *USER_LOGIN_ACTIONS,
        "training.reset",
        "user.added",
        "user.role_changed",
        "user.activated",
        "user.deactivated",
        "user.password_set",
        "user.unlocked",
    ),
    "simulated_pump": BASELINE_ACTIONS,
}


def row_words(table: str, name: str) -> str:
    if table == "user_account":
        return f"the account {name}"
    if table == "console_meta":
        return "the database kind" if name == "kind" else f"the database's {name}"
    return f"the simulated pump of patient {name}"


def refused_change(
    table: str,
    name: str,
    old: Any,
    new: Any,
    seq: int,
    action: str,
    user: str,
    patient_id: str | None,
    details: Mapping[str, Any],
    accounts: Mapping[str, Any],
) -> str | None:
    """Why entry ``seq`` could not make this change, or None when it could."""
    if action in BASELINE_ACTIONS:
        return None  # the state at creation or migration: where the keyed trail starts
    what = row_words(table, name)
    if table == "simulated_pump":
        if patient_id != name:
            return f"{what} changed in an entry about another patient"
        return None
    if table == "console_meta":
        if name == "kind" and action == "database.kind_set" and new == details.get("kind"):
            return None
        return f"{what} changed, which only the database's creation may set"
    # user_account
    subject = str(details.get("name", user))
    same = subject.casefold() == name.casefold() or user.casefold() == name.casefold()
    if new is None:
        return f"{what} was deleted (accounts are switched off, never deleted)"
    if old is None:
        if action == "training.reset" and name in details.get("accounts_kept", ()):
            return None  # a training database reset keeps its trainees' accounts
        if action == "user.added" and subject.casefold() == name.casefold():
            return None if new.get("role") == details.get("role") else f"{what}: role not as added"
        return f"{what} appeared without a user.added entry"
    changed = {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
    allowed: set[str] = set()
    if action == "user.role_changed" and same and new.get("role") == details.get("to"):
        allowed |= {"role"}
    if action in ("user.activated", "user.deactivated") and same:
        allowed |= {"active"}
    if action == "user.password_set" and same:
        allowed |= {"password", "failed_logins", "locked_until"}
    if action == "user.unlocked" and same:
        allowed |= {"failed_logins", "locked_until"}
    if action in USER_LOGIN_ACTIONS and user.casefold() == name.casefold():
        allowed |= {"failed_logins", "locked_until"}
        if action == "login":
            allowed |= {"password"}  # a hash with outdated parameters is re-hashed
    refused = sorted(changed - allowed)
    if refused:
        return f"{what}: {', '.join(refused)} changed, which {action} does not change"
    if "role" in changed or "active" in changed or action in ("user.password_set", "user.unlocked"):
        actor = accounts.get(user) or next(
            (v for k, v in accounts.items() if k.casefold() == user.casefold()), None
        )
        if actor is None or actor.get("role") != "administrator" or not actor.get("active"):
            return f"{what} was changed by {user}, who was not an active administrator"
    return None
