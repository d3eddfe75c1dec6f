"""``settings show`` and ``settings set``: the clinic settings of the database (issue 12): the
clinic's name on every report, the refill safety margin (product.md: "a clinic setting,
default 7 days") and the decimal separator every number is shown and typed with.

``settings set --as ADMIN`` stores a new version (only an administrator, who logs in as for
``library import``: the password is the first line of standard input, or typed at a hidden
prompt); a setting left out keeps its active value; the change is in the audit trail::

    printf '%s\\n' "$ADMIN_PASSWORD" |
        itb-console --db clinic.sqlite settings set --refill-margin-days 10 --as admin

Exit codes: 0 done; 2 refused (a value out of bounds, not an administrator) or the database
cannot be used, with one line on stderr (nothing changed). The storage layer is imported only
when a command runs.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from ui.commands.invocation import (
    CommandRefused,
    add_account_option,
    fail,
    open_database,
    session,
)

if TYPE_CHECKING:
    from db.clinic_settings import ClinicSettingsVersion
    from programmer.projection import ClinicSettings


def register(sub: Any) -> None:
    settings = sub.add_parser(
        "settings",
        help="the clinic settings: clinic name, refill safety margin, decimal separator",
        description="Show or change the clinic settings of the database (--db PATH).",
    )
    actions = settings.add_subparsers(dest="settings_command", metavar="ACTION", required=True)

    show = actions.add_parser("show", help="the active clinic settings and their history")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(func=run_show)

    change = actions.add_parser(
        "set",
        help="store new clinic settings (an administrator, --as ADMIN)",
        description="Store a new version of the clinic settings; each one left out keeps its "
        "active value. Only an administrator, named with --as, whose password is the first line "
        "of standard input or typed at a hidden prompt.",
    )
    change.add_argument("--clinic-name", metavar="NAME", help="the clinic's name on every report")
    change.add_argument(
        "--refill-margin-days",
        metavar="N",
        help="days before the low-reservoir alarm the refill is planned (1 to 60; default 7)",
    )
    change.add_argument(
        "--decimal-separator",
        metavar="SEP",
        help="'.' or ',': every number is shown and typed with it (never a thousands separator)",
    )
    change.add_argument("--reason", default="", help="why, for the audit trail")
    add_account_option(change, metavar="ADMIN")
    change.set_defaults(func=run_set)


def _settings_json(settings: ClinicSettings) -> dict[str, Any]:
    return {
        "clinic_name": settings.clinic_name,
        "refill_margin_days": settings.refill_margin_days,
        "decimal_separator": settings.decimal_separator,
    }


def _lines(settings: ClinicSettings) -> list[str]:
    return [
        f"  clinic name            {settings.clinic_name}",
        f"  refill safety margin   {settings.refill_margin_days} days before the "
        "low-reservoir alarm",
        f"  decimal separator      '{settings.decimal_separator}' (no thousands separator)",
    ]


def _source(history: list[ClinicSettingsVersion]) -> str:
    if not history:
        return "the program's defaults (none stored in this database)"
    active = history[-1]
    return f"version {active.number}, set {active.changed_at:%Y-%m-%d %H:%M} by {active.changed_by}"


def run_show(args: argparse.Namespace) -> int:
    from db.database import DatabaseError

    try:
        with open_database(args) as database:
            settings = database.clinic_settings
            history = database.clinic_settings_history()
            path = database.path
    except DatabaseError as exc:
        return fail(str(exc))
    if args.json:
        out = {
            **_settings_json(settings),
            "source": "stored" if history else "defaults",
            "versions": [
                {
                    "number": v.number,
                    **_settings_json(v.settings),
                    "changed_at": v.changed_at.isoformat(),
                    "changed_by": v.changed_by,
                    "reason": v.reason,
                    "active": v.active,
                }
                for v in history
            ],
        }
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    print(f"{path}: clinic settings, {_source(history)}")
    print("\n".join(_lines(settings)))
    if len(history) > 1:
        print(f"Earlier versions: {len(history) - 1} (settings show --json lists them)")
    return 0


def run_set(args: argparse.Namespace) -> int:
    from db.clinic_settings import checked_settings
    from db.database import DatabaseError

    given = (args.clinic_name, args.refill_margin_days, args.decimal_separator)
    if all(value is None for value in given):
        return fail(
            "settings set: give at least one of --clinic-name, --refill-margin-days, "
            "--decimal-separator; nothing was changed"
        )
    try:
        with open_database(args) as database:
            if not database.has_users():
                return fail(
                    f"{database.path} has no user accounts yet: add the first administrator "
                    "(user add NAME --role administrator), who then sets the clinic settings"
                )
            active = database.clinic_settings
        values = (
            active.clinic_name if args.clinic_name is None else args.clinic_name,
            active.refill_margin_days
            if args.refill_margin_days is None
            else args.refill_margin_days,
            active.decimal_separator if args.decimal_separator is None else args.decimal_separator,
        )
        # Checked before anyone logs in: a bad value changes nothing, not even the audit trail.
        checked_settings(*values)
        with session(args, "settings set", writes=True) as s:
            if s.user is None:
                raise CommandRefused(f"{s.database.path} has no user accounts yet")
            version = s.database.change_clinic_settings(
                clinic_name=values[0],
                refill_margin_days=values[1],
                decimal_separator=values[2],
                reason=args.reason,
                by=s.user,
                now=s.recorded_at,
            )
            path = s.database.path
    except DatabaseError as exc:
        return fail(str(exc))
    print(
        f"{path}: clinic settings version {version.number} is now active (by {version.changed_by})"
    )
    print("\n".join(_lines(version.settings)))
    return 0
