"""What happens when the window meets an error nobody foresaw (issue 10, "Nothing silently
lost"): it is never a traceback on stderr only.

* A rotating log in the per-user log folder (platformdirs ``user_log_dir``, or
  ``$ITB_CONSOLE_LOG_DIR``): every uncaught exception with its traceback, and Qt's own
  warnings (``qInstallMessageHandler``).
* ``faulthandler`` writes there too, so even a hard crash (a segfault in Qt) leaves the Python
  stacks behind.
* The exception hook tells the person at the keyboard, through the window's prompter, that the
  action did not complete, and whether anything was saved: every write is one transaction, so a
  crash either happened after a save committed (it is in the database) or before (nothing was
  written). The window counts the saves that committed since the last key press or click.
"""

from __future__ import annotations

import faulthandler
import logging
import os
import sys
import traceback
from collections.abc import Callable
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType
from typing import IO, Any

LOG_DIR_VARIABLE = "ITB_CONSOLE_LOG_DIR"
LOG_FILE = "itb-console.log"
FAULT_FILE = "itb-console-faults.log"
MAX_LOG_BYTES = 1_000_000
LOG_BACKUPS = 5
LOGGER = logging.getLogger("itb-console")

TITLE = "The action did not complete"


def log_dir() -> Path:
    named = os.environ.get(LOG_DIR_VARIABLE)
    if named:
        return Path(named).expanduser().absolute()
    from platformdirs import user_log_path

    return user_log_path("itb-console", appauthor=False)


class CrashReporter:
    """The installed hook: logs, then tells. ``inform(title, text)`` shows the message (the
    window's prompter); ``saves()`` is how many writes have committed so far (the window's
    database), read at every key press or click and again when something breaks."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.inform: Callable[[str, str], None] | None = None
        self.saves: Callable[[], int] | None = None
        self._saves_at_input = 0
        self._fault_file: IO[str] | None = None
        self._previous_hook = sys.excepthook
        self._handling = False

    def mark_input(self) -> None:
        """A key press or click: the start of what the person will call "the action"."""
        if self.saves is not None:
            self._saves_at_input = self.saves()

    def message(self) -> str:
        saved = 0 if self.saves is None else self.saves() - self._saves_at_input
        outcome = (
            "Nothing was saved."
            if saved <= 0
            else f"{saved} change(s) had been saved before it stopped: they are in the "
            "database (see the history); nothing after them was."
        )
        return (
            f"The action did not complete. {outcome} What is on screen and not yet saved is "
            "still here. The details are in the log "
            f"{self.folder / LOG_FILE}: give it to your administrator."
        )

    def hook(
        self,
        kind: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._previous_hook(kind, exc, tb)
            return
        LOGGER.critical(
            "uncaught exception:\n%s", "".join(traceback.format_exception(kind, exc, tb))
        )
        text = self.message()
        print(f"itb-console: {text}", file=sys.stderr)
        if self.inform is not None and not self._handling:
            self._handling = True  # an error while telling is logged, not told again
            try:
                self.inform(TITLE, text)
            except Exception:
                LOGGER.exception("the crash message could not be shown")
            finally:
                self._handling = False


_reporter: CrashReporter | None = None


def install(folder: Path | None = None) -> CrashReporter:
    """Set up the log, ``faulthandler`` and the exception hook (once per process)."""
    global _reporter
    if _reporter is not None:
        return _reporter
    where = folder or log_dir()
    where.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(
        where / LOG_FILE, maxBytes=MAX_LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    reporter = CrashReporter(where)
    reporter._fault_file = open(where / FAULT_FILE, "a", encoding="utf-8")  # noqa: SIM115
    faulthandler.enable(file=reporter._fault_file, all_threads=True)
    sys.excepthook = reporter.hook
    _reporter = reporter
    return reporter


def qt_message(kind: Any, context: Any, text: str) -> None:
    """Qt's messages into the log, at the matching level (qInstallMessageHandler)."""
    from PySide6.QtCore import QtMsgType

    level = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }.get(kind, logging.WARNING)
    where = ""
    if context is not None and getattr(context, "file", None):
        where = f" ({context.file}:{context.line})"
    logging.getLogger("itb-console.qt").log(level, "%s%s", text, where)


def route_qt_messages() -> None:
    from PySide6.QtCore import qInstallMessageHandler

    qInstallMessageHandler(qt_message)


def watch_input(app: Any, reporter: CrashReporter) -> Any:
    """An application-wide event filter marking each key press and click (kept by the caller:
    Qt does not own it)."""
    from PySide6.QtCore import QEvent, QObject

    class _InputWatch(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() in (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress):
                reporter.mark_input()
            return False

    watch = _InputWatch()
    app.installEventFilter(watch)
    return watch
