"""``library show`` and ``library import``: the drug library the database checks programmes
against (product.md: limits "editable by an administrator, versioned, with the version recorded
in each saved programme").

``library show`` prints the active version and every limit with its unit. ``library import
FILE --as ADMIN`` makes FILE (a drug library in the ``itb-drug-library/1`` TOML format, as
``programmer/data/drug_library.toml``) the active library: the file is checked first, then the
administrator logs in exactly as for ``user add --as`` (the password is the first line of
standard input, or typed at a hidden prompt; never an argument), and the change is in the audit
trail with what differs from the library it replaces::

    printf '%s\\n' "$ADMIN_PASSWORD" |
        itb-console --db clinic.sqlite library import new.toml --as admin

Exit codes: 0 done; 2 refused, or the file or the database cannot be used, with one line on
stderr (nothing changed). The storage layer is imported only when a command runs.
"""

from __future__ import annotations

import argparse
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from programmer.files import FileProblem, read_input
from ui.commands.invocation import (
    CommandRefused,
    add_account_option,
    fail,
    open_database,
    session,
)

if TYPE_CHECKING:
    from db.records import LibraryVersionRecord
    from programmer.drug_library import Drug, DrugLibrary


def register(sub: Any) -> None:
    library = sub.add_parser(
        "library",
        help="the drug library: show the active version's limits, or import a new version",
        description="Show or change the drug library of the database (--db PATH).",
    )
    actions = library.add_subparsers(dest="library_command", metavar="ACTION", required=True)

    show = actions.add_parser(
        "show", help="the active drug library version and its limits per drug, with units"
    )
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(func=run_show)

    imp = actions.add_parser(
        "import",
        help="make a drug library file the active version (an administrator, --as ADMIN)",
        description="Check FILE (TOML, format itb-drug-library/1) and make it the active drug "
        "library. Only an administrator, named with --as, whose password is the first line of "
        "standard input or typed at a hidden prompt. The version string must be new.",
    )
    imp.add_argument("file", metavar="FILE", help="the drug library (TOML)")
    add_account_option(imp, metavar="ADMIN")
    imp.set_defaults(func=run_import)


# ---------------------------------------------------------------- show


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _drug_json(drug: Drug) -> dict[str, Any]:
    return {
        "name": drug.name,
        "display_name": drug.display_name,
        "concentrations_mcg_per_ml": [_number(c) for c in drug.concentrations_mcg_per_ml],
        "screening_concentrations_mcg_per_ml": [
            _number(c) for c in drug.screening_concentrations_mcg_per_ml
        ],
        "hard_max_mcg_per_day": _number(drug.hard_max_mcg_per_day),
        "bolus_max_mcg": _number(drug.bolus_max_mcg),
        "usual_range_mcg_per_day": {
            group.value: [_number(r.low_mcg_per_day), _number(r.high_mcg_per_day)]
            for group, r in drug.usual_range.items()
        },
        "titration_step_pct": {
            group.value: _number(pct) for group, pct in drug.titration_step_pct.items()
        },
        "decrease_large_pct": _number(drug.decrease_large_pct),
        "extreme_factor": _number(drug.extreme_factor),
        "stability_days": drug.stability_days,
    }


def _drug_lines(drug: Drug) -> list[str]:
    def figures(values: tuple[Decimal, ...], unit: str) -> str:
        return ", ".join(f"{_plain(v)} {unit}" for v in values) or "none"

    lines = [
        f"{drug.name}: {drug.display_name}",
        f"  pump-fill concentrations  {figures(drug.concentrations_mcg_per_ml, 'mcg/mL')}",
        "  screening only            "
        + figures(drug.screening_concentrations_mcg_per_ml, "mcg/mL"),
        f"  hard maximum              {_plain(drug.hard_max_mcg_per_day)} mcg/day",
        f"  bolus maximum             {_plain(drug.bolus_max_mcg)} mcg",
    ]
    for group, r in drug.usual_range.items():
        lines.append(
            f"  usual range, {group.value + ':':<12} {_plain(r.low_mcg_per_day)} to "
            f"{_plain(r.high_mcg_per_day)} mcg/day"
        )
    for group, pct in drug.titration_step_pct.items():
        lines.append(f"  titration step, {group.value + ':':<9} +{_plain(pct)} % per change")
    lines += [
        f"  large decrease            more than {_plain(drug.decrease_large_pct)} % per change",
        f"  extreme change            more than {_plain(drug.extreme_factor)}x, or under "
        f"1/{_plain(drug.extreme_factor)}, of the current dose",
        f"  stability                 {drug.stability_days} days from the fill",
    ]
    return lines


def _source(versions: list[LibraryVersionRecord]) -> str:
    if not versions:
        return "the program's packaged library (none imported into this database)"
    active = versions[-1]
    return f"imported {active.imported_at:%Y-%m-%d %H:%M} by {active.imported_by}"


def run_show(args: argparse.Namespace) -> int:
    from db.database import DatabaseError

    try:
        with open_database(args) as database:
            library: DrugLibrary = database.library
            versions = database.library_versions()
            path = database.path
    except DatabaseError as exc:
        return fail(str(exc))
    if args.json:
        active = versions[-1] if versions else None
        out = {
            "version": library.version,
            "source": "packaged" if active is None else "imported",
            "imported_at": None if active is None else active.imported_at.isoformat(),
            "imported_by": None if active is None else active.imported_by,
            "drugs": [_drug_json(drug) for drug in library.drugs.values()],
            "versions": [
                {
                    "version": v.version,
                    "imported_at": v.imported_at.isoformat(),
                    "imported_by": v.imported_by,
                    "active": v.active,
                }
                for v in versions
            ],
        }
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    print(f"{path}: drug library version {library.version}, {_source(versions)}")
    for drug in library.drugs.values():
        print("\n".join(_drug_lines(drug)))
    if len(versions) > 1:
        earlier = ", ".join(v.version for v in versions[:-1])
        print(f"Earlier versions imported: {earlier}")
    return 0


# ---------------------------------------------------------------- import


def run_import(args: argparse.Namespace) -> int:
    from db.database import DatabaseError
    from db.drug_libraries import MAX_LIBRARY_CHARS, checked_library

    source = str(args.file)
    try:
        # A regular file of bounded size (never /dev/zero, never a FIFO that hangs).
        text = read_input(args.file, limit=4 * MAX_LIBRARY_CHARS, what="drug library").decode(
            "utf-8"
        )
    except FileProblem as exc:
        return fail(f"{exc}; the drug library was not changed")
    except UnicodeDecodeError as exc:
        return fail(f"{source}: cannot be read ({exc}); the drug library was not changed")
    try:
        # Checked before anyone logs in: a bad file changes nothing, not even the audit trail.
        checked_library(text, source)
        with open_database(args) as database:
            if not database.has_users():
                return fail(
                    f"{database.path} has no user accounts yet: add the first administrator "
                    "(user add NAME --role administrator), who then imports the library"
                )
        with session(args, "library import", writes=True) as s:
            if s.user is None:
                raise CommandRefused(f"{s.database.path} has no user accounts yet")
            change = s.database.import_drug_library(
                text, by=s.user, now=s.recorded_at, source=source
            )
            path = s.database.path
    except DatabaseError as exc:
        return fail(str(exc))
    print(
        f"{path}: drug library version {change.version} is now active (was "
        f"{change.previous_version}; by {change.imported_by})"
    )
    for line in change.changes or ("no limit differs",):
        print(f"  {line}")
    return 0
