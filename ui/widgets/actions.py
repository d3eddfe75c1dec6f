"""Menu and tool-bar actions built one way for every controller: named (tests, screen readers
and the shortcut list find them by name), with their shortcut, calling ``slot`` without the
``checked`` argument Qt passes."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence


def named_action(
    parent: QObject,
    text: str,
    slot: Callable[[], object],
    name: str,
    shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
) -> QAction:
    """A ``QAction`` owned by ``parent``, named ``name``, that calls ``slot()`` when triggered."""
    action = QAction(text, parent)
    action.setObjectName(name)
    if shortcut is not None and shortcut != "":
        action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(lambda _checked=False: slot())
    return action
