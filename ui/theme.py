"""Colours and words for severities, shared by every view and the report. Colour is never the
only signal: each colour comes with its word. Dark text on light tints stays readable for every
colour vision."""

from __future__ import annotations

from PySide6.QtGui import QColor

from programmer.findings import Severity

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


def severity_style(severity: Severity) -> tuple[str, str]:
    """(background, text) colour names, for style sheets and rich text."""
    return SEVERITY_BACKGROUNDS[severity].name(), SEVERITY_COLOURS[severity].name()
