"""``itb-console``: with no subcommand it opens the window; its subcommands run the same engine
headless. Qt is imported only when the window is asked for, so ``check`` stays fast."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import textwrap
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from programmer.errors import EngineError
from programmer.files import FileProblem
from ui.commands import audit_key as audit_key_commands
from ui.commands import fhir as fhir_commands
from ui.commands import library as library_commands
from ui.commands import programme as programme_commands
from ui.commands import records as records_commands
from ui.commands import report as report_commands
from ui.commands import settings as settings_commands
from ui.commands import users as user_commands
from ui.commands import visits as visit_commands
from ui.commands import worklist as worklist_commands
from ui.commands.invocation import CommandRefused


class UsageError(Exception):
    """Bad command-line words: exit 2 with the message."""


class _HelpFormatter(argparse.HelpFormatter):
    """Help text wrapped at spaces only: a path such as ``.../itb-console.sqlite`` is never cut
    at its hyphen (a reader would copy half of it)."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        text = " ".join(text.split())
        return textwrap.wrap(text, width, break_on_hyphens=False, break_long_words=False)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(
            textwrap.wrap(
                " ".join(text.split()),
                width,
                initial_indent=indent,
                subsequent_indent=indent,
                break_on_hyphens=False,
                break_long_words=False,
            )
        )


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text[:40]}' is not a date and time YYYY-MM-DDTHH:MM"
        ) from None
    if moment.tzinfo is not None:
        # Every time in the console is the clinic's local wall-clock time (db/values.py).
        raise argparse.ArgumentTypeError(
            f"'{text[:40]}' has a time zone: give the clinic's local time YYYY-MM-DDTHH:MM "
            "without one"
        )
    return moment


def default_database_path() -> str:
    """The per-user database used when --db is not given (db.location: platformdirs)."""
    from db.location import default_path

    return str(default_path())


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="itb-console",
        description="Clinician programmer console for intrathecal baclofen pumps "
        "(simulation, planning and training).",
    )
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="the console's database file (default: the per-user file "
        f"{default_database_path().replace('%', '%%')}, created with demonstration patients "
        "on first use)",
    )
    parser.add_argument(
        "--now",
        metavar="YYYY-MM-DDTHH:MM",
        type=_moment,
        help="evaluate as at this moment instead of the clock (scripts, training)",
    )
    parser.add_argument(
        "--training",
        action="store_true",
        help="training mode: a separate training database (--db, or a per-user training file, "
        "created with the training scenarios), never the clinical one",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    programme_commands.register(sub)
    records_commands.register(sub)
    report_commands.register(sub)
    fhir_commands.register(sub)
    user_commands.register(sub)
    library_commands.register(sub)
    worklist_commands.register(sub)
    visit_commands.register(sub)
    audit_key_commands.register(sub)
    settings_commands.register(sub)
    return parser


def _tolerant_output() -> None:
    """A name the terminal's encoding cannot show is escaped, not a crash (a Windows code page,
    an ASCII-only terminal, PYTHONIOENCODING=ascii); export writes its bytes directly."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def _output_gone() -> int:
    """The reader of standard output has gone ("| head" closed early): say so on stderr, and
    let nothing more be written to the closed pipe (Python would complain at exit)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, AttributeError, ValueError):
        pass
    with contextlib.suppress(OSError):
        print("itb-console: the output was closed before everything was written", file=sys.stderr)
    return 2


def _argument_names(parser: argparse.ArgumentParser, args: argparse.Namespace) -> dict[str, str]:
    """Each destination of the chosen command's arguments and how a user types it ("--as",
    "PATIENT_ID"), following the subcommands that were chosen."""
    names: dict[str, str] = {}
    for action in parser._actions:  # argparse keeps no public list of them
        if isinstance(action, argparse._SubParsersAction):
            chosen = action.choices.get(getattr(args, action.dest, None) or "")
            if chosen is not None:
                names.update(_argument_names(chosen, args))
        elif action.option_strings:
            names.setdefault(action.dest, max(action.option_strings, key=len))
        else:
            metavar = action.metavar if isinstance(action.metavar, str) else None
            names.setdefault(action.dest, metavar or action.dest.upper())
    return names


def _texts(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, os.PathLike):
        return _texts(os.fspath(value))
    if isinstance(value, (list, tuple)):
        return [text for item in value for text in _texts(item)]
    return []


def _unreadable(text: str) -> str | None:
    """What makes an argument's text unusable, or None: a NUL (no id, name or path holds one;
    it reaches a path only from a program calling :func:`main`), or an undecodable byte, which
    Python hands over as a lone surrogate (PEP 383) and which nothing can store or show."""
    for ch in text:
        if ch == "\0":
            return "holds a NUL character, which no name, id or path may contain"
        if "\ud800" <= ch <= "\udfff":
            byte = f" (the byte 0x{ord(ch) - 0xDC00:02X})" if ch >= "\udc80" else ""
            return (
                f"holds a byte that is not text in this system's encoding{byte}: type it again "
                "in plain text (or rename the file)"
            )
    return None


def _refuse_unreadable_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Every argument's text checked once, as it is parsed, so that no command meets a NUL or an
    undecodable byte (product.md, "Quality bars": bad input gets a clear message where it was
    typed, never a traceback); the message names the argument, never repeats its value (it
    could be a password typed in the wrong place)."""
    names: dict[str, str] | None = None
    for dest, value in vars(args).items():
        for text in _texts(value):
            problem = _unreadable(text)
            if problem is not None:
                names = names or _argument_names(parser, args)
                raise UsageError(f"itb-console: {names.get(dest, dest)} {problem}")


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    _tolerant_output()
    try:
        parser = build_parser()
        args = parser.parse_args(args_list)
        _refuse_unreadable_arguments(parser, args)
        if args.command is None:
            from ui.app import run_window  # Qt is loaded here and only here

            return run_window(args)
        return int(args.func(args))
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return 2
    except CommandRefused as exc:
        print(f"itb-console: {exc}", file=sys.stderr)
        return 2
    except FileProblem as exc:
        print(f"itb-console: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return _output_gone()
    except EngineError as exc:
        print(f"itb-console: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the edge of the program: one line, never a traceback
        if os.environ.get("ITB_DEBUG"):
            raise
        print(
            f"itb-console: internal error: {type(exc).__name__}: {exc} "
            "(set ITB_DEBUG=1 to see the details)",
            file=sys.stderr,
        )
        return 3


if __name__ == "__main__":
    sys.exit(main())
