"""Colours and words for severities, shared by every view and the report, and every other
colour of the console: no colour is written anywhere else. Colour is never the only signal: each
colour comes with its word. Dark text on light tints stays readable for every colour vision."""

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
ERROR_COLOUR = SEVERITY_COLOURS[Severity.HARD].name()  # a refused entry, a failed step
ERROR_STYLE = f"color: {ERROR_COLOUR}"
QUIET_COLOUR = "#505050"  # a step not reached yet
NOTE_STYLE = "color: #444"

# Pump state lines (the Pump tab): stopped, running, not read yet; the stopped-pump banner.
STOPPED_STYLE = f"background: {ERROR_COLOUR}; color: white; font-weight: bold; padding: 6px 10px;"
RUNNING_STYLE = (
    f"background: #dcefdc; color: {OK_COLOUR.name()}; font-weight: bold; padding: 6px 10px;"
)
WAITING_STYLE = "background: #e8e8e8; color: #303030; padding: 6px 10px;"
STOPPED_BANNER_STYLE = f"""
QFrame#stoppedPumpBanner {{ background: {ERROR_COLOUR}; border: 2px solid #4d0000; }}
QFrame#stoppedPumpBanner QLabel {{ color: white; }}
QFrame#stoppedPumpBanner QLabel a {{ color: white; }}
QFrame#stoppedPumpBanner QPushButton {{ background: white; color: {ERROR_COLOUR}; font-weight: bold;
    padding: 4px 10px; border: 1px solid #4d0000; }}
"""

# The Pump tab's state line while the pump runs something other than the record (issue 9:
# "Pump running" is never green while record and pump differ).
PUMP_DIFFERS_STYLE = (
    f"background: {SEVERITY_BACKGROUNDS[Severity.HARD].name()}; "
    f"color: {SEVERITY_COLOURS[Severity.HARD].name()}; font-weight: bold; padding: 6px 10px; "
    f"border: 2px solid {SEVERITY_COLOURS[Severity.HARD].name()};"
)
STOPPED_BANNER_LINK_STYLE = "color: white; font-weight: bold"  # another stopped patient

# Training: the window's banner, and the login dialog's line naming a training database.
TRAINING_BANNER_STYLE = (
    "QLabel { background: #5b2a86; color: white; font-weight: bold; padding: 4px 8px; }"
)
TRAINING_DATABASE_STYLE = (
    f"background: {SEVERITY_BACKGROUNDS[Severity.SOFT].name()}; "
    f"color: {SEVERITY_COLOURS[Severity.SOFT].name()}; font-weight: bold; padding: 4px; "
    "border: 1px solid #c98a00"
)
# The idle lock's cover over the patient data.
PRIVACY_COVER_STYLE = "#privacyCover { background: #2b3440; }"
PRIVACY_TEXT_STYLE = "color: #e8edf2; font-size: 16pt"
# The audit trail's verification line.
VERIFIED_STYLE = f"color: {OK_COLOUR.name()}; padding: 4px"
NOT_VERIFIED_STYLE = (
    f"color: {ERROR_COLOUR}; background: {SEVERITY_BACKGROUNDS[Severity.HARD].name()}; "
    "padding: 4px; font-weight: bold"
)
# The scale preview's values outside the pump's limits.
OUTSIDE_LIMITS_TEXT = QColor(Qt.GlobalColor.darkRed)
OUTSIDE_LIMITS_BACKGROUND = QColor(Qt.GlobalColor.yellow)
PLAIN_BACKGROUND = QColor(Qt.GlobalColor.white)

# Plots: the pending programme, the saved one (dashed), boluses and the reservoir's markers.
PENDING_COLOUR = "#1f5fbf"  # blue
PENDING_FILL = QColor(31, 95, 191, 45)  # PENDING_COLOUR, faint, under the pending curve
CURRENT_COLOUR = "#4d4d4d"  # dark grey, dashed
BOLUS_COLOUR = "#c2410c"  # orange-brown
BOLUS_EDGE_COLOUR = "#7c2d12"
ALARM_COLOUR = "#b91c1c"
REFILL_COLOUR = "#15803d"
EMPTY_COLOUR = "#7f1d1d"
NOW_COLOUR = "#6b21a8"
AXIS_COLOUR = "#333333"
AXIS_TEXT_COLOUR = "#111111"
HOVER_LINE_COLOUR = "#888888"
LEGEND_BACKGROUND = QColor(255, 255, 255, 225)
LEGEND_TEXT_COLOUR = "#000000"

# The printed report.
REPORT_TEXT_COLOUR = "#000000"
REPORT_HEADING_COLOUR = "#1f3b63"
REPORT_LABEL_COLOUR = "#333333"
REPORT_RULE_COLOUR = "#555555"
GRID_BORDER = "#9a9a9a"
HEAD_BACKGROUND = "#e8ecf2"
NOTE_COLOUR = "#444444"
TRAINING_COLOUR = "#b00020"
TRAINING_WATERMARK = QColor(176, 0, 32, 26)  # TRAINING_COLOUR, faint


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
