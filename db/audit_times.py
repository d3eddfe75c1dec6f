"""Audit times that go backwards (issue 10: "``verify`` flags audit times that go backwards").

Entries are appended in order, each at the computer's clock, so on a clinical database each one
is at or after the one before. An entry earlier than one before it means a backdated record
(the command line's --now could do that before it was stopped), a clock set back, or an entry
written by hand. A training database runs on a simulated clock and is not checked.

One run of earlier times is expected: a database created with the demonstration patients
writes their histories (dated over the months before) in the creating transaction, right after
its ``database.created`` entry. Entries directly after that one, earlier than it and in order
among themselves, are that seeded history; the first entry at or after the creation time ends it.
"""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database as SqliteDatabase

MAX_REPORTED = 20


def backwards_times(sdb: SqliteDatabase) -> list[str]:
    """One line per audit entry that is earlier than an entry before it (at most
    :data:`MAX_REPORTED`, then a count of the rest)."""
    problems: list[str] = []
    latest: tuple[int, datetime] | None = None
    seeded: datetime | None = None  # the last time of the seeded history, while it lasts
    extra = 0
    for seq, at_text, action in sdb.execute("SELECT seq, at, action FROM audit ORDER BY seq"):
        try:
            at = datetime.fromisoformat(at_text)
        except (TypeError, ValueError):
            continue  # an unreadable time is the hash chain's finding, not this one
        if at.tzinfo is not None:
            at = at.replace(tzinfo=None)
        if action == "database.created":
            latest, seeded = (seq, at), datetime.min
            continue
        if seeded is not None and latest is not None and seeded <= at < latest[1]:
            seeded = at  # the demonstration history written while the database was created
            continue
        seeded = None
        if latest is not None and at < latest[1]:
            if len(problems) < MAX_REPORTED:
                problems.append(
                    f"audit entry {seq} ({action}, {at:%Y-%m-%d %H:%M}) is earlier than entry "
                    f"{latest[0]} before it ({latest[1]:%Y-%m-%d %H:%M}): a backdated record or a "
                    "clock set back"
                )
            else:
                extra += 1
        if latest is None or at >= latest[1]:
            latest = (seq, at)
    if extra:
        problems.append(f"and {extra} more audit entries earlier than one before them")
    return problems
