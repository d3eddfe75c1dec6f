"""Colours and words for severities, shared by every view and the report. Colour is never the
only signal: each colour comes with its word. Dark text on light tints stays readable for every
colour vision."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from programmer.findings import Finding, Severity

SEVERITY_COLOURS = {  # text
    Severity.HARD: QColor("#8a0000"),
    Severity.SOFT: QColor("#6b4200"),
    Severity.INFO: QColor("#0b3a6e"),
}
SEVERITY_BACKGROUNDS = {
    Severity.HARD: QColor("#f8d0d0"),
    Severity.SOFT: QColor("#fde7bd"),
    Severity.INFO: QColor("#dbe8f7"),
}
SEVERITY_NAMES = {Severity.HARD: "Hard", Severity.SOFT: "Soft", Severity.INFO: "Info"}
# What each severity asks of the clinician.
SEVERITY_WORDS = {
    Severity.HARD: "BLOCKS SAVING",
    Severity.SOFT: "needs a reason",
    Severity.INFO: "for information",
}
CHANGED_BACKGROUND = QColor("#fff2a8")
OK_COLOUR = QColor("#1b6e2a")
OK_BACKGROUND = QColor("#dcefdc")
STOPPED_BACKGROUND = QColor("#8a0000")  # white bold text on it: the loudest state
STOPPED_BORDER = QColor("#4d0000")
WAITING_BACKGROUND = QColor("#e8e8e8")
WAITING_COLOUR = QColor("#303030")

# The Pump tab's state line: stopped, running what the record says, running something else
# (issue 9: "Pump running" is never green while record and pump differ), not read yet.
PUMP_STOPPED_STYLE = (
    f"background: {STOPPED_BACKGROUND.name()}; color: white; font-weight: bold; padding: 6px 10px;"
)
PUMP_RUNNING_STYLE = (
    f"background: {OK_BACKGROUND.name()}; color: {OK_COLOUR.name()}; font-weight: bold; "
    "padding: 6px 10px;"
)
PUMP_DIFFERS_STYLE = (
    f"background: {SEVERITY_BACKGROUNDS[Severity.HARD].name()}; "
    f"color: {SEVERITY_COLOURS[Severity.HARD].name()}; font-weight: bold; padding: 6px 10px; "
    f"border: 2px solid {SEVERITY_COLOURS[Severity.HARD].name()};"
)
PUMP_WAITING_STYLE = (
    f"background: {WAITING_BACKGROUND.name()}; color: {WAITING_COLOUR.name()}; padding: 6px 10px;"
)


def severity_style(severity: Severity) -> tuple[str, str]:
    """(background, text) colour names, for style sheets and rich text."""
    return SEVERITY_BACKGROUNDS[severity].name(), SEVERITY_COLOURS[severity].name()


def marked_cell_data(found: Sequence[Finding], role: int) -> Any:
    """What a table cell named by ``found`` (worst first) shows for ``role``: the worst one's
    colours, and every finding in words in the tooltip; None for other roles."""
    if not found:
        return None
    worst = found[0].severity
    if role == Qt.ItemDataRole.BackgroundRole:
        return QBrush(SEVERITY_BACKGROUNDS[worst])
    if role == Qt.ItemDataRole.ForegroundRole:
        return QBrush(SEVERITY_COLOURS[worst])
    if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleDescriptionRole):
        return "\n".join(f"{SEVERITY_NAMES[f.severity]}: {f.message}" for f in found)
    return None
