"""Colours and words for severities, shared by every view and the report. Colour is never the
only signal: each colour comes with its word. Dark text on light tints stays readable for every
colour vision; on a dark system palette, light text on dark tints. The colours of every screen
come from here, chosen against the palette's background."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QPalette

from programmer.finding import Finding, Severity


@dataclass(frozen=True)
class Theme:
    """The colours for one kind of palette. Text colours reach a WCAG contrast ratio of at
    least 4.5 on that palette's window and base backgrounds and on their own tints (a test
    measures every pair)."""

    severity_text: dict[Severity, QColor]
    severity_background: dict[Severity, QColor]
    ok: QColor  # what went well: matches, done, ready
    muted: QColor  # secondary text: waiting steps, the database's path
    changed_background: QColor  # a value that differs between two versions
    changed_text: QColor


LIGHT = Theme(
    severity_text={
        Severity.HARD: QColor("#8a0000"),
        Severity.SOFT: QColor("#6b4200"),
        Severity.INFO: QColor("#0b3a6e"),
    },
    severity_background={
        Severity.HARD: QColor("#f8d0d0"),
        Severity.SOFT: QColor("#fde7bd"),
        Severity.INFO: QColor("#dbe8f7"),
    },
    ok=QColor("#1b6e2a"),
    muted=QColor("#4a4a4a"),
    changed_background=QColor("#fff2a8"),
    changed_text=QColor("#000000"),
)
DARK = Theme(
    severity_text={
        Severity.HARD: QColor("#ff9e9e"),
        Severity.SOFT: QColor("#f5c76a"),
        Severity.INFO: QColor("#a3cdf7"),
    },
    severity_background={
        Severity.HARD: QColor("#4d1414"),
        Severity.SOFT: QColor("#45330c"),
        Severity.INFO: QColor("#15304f"),
    },
    ok=QColor("#84d98f"),
    muted=QColor("#bdbdbd"),
    changed_background=QColor("#5a4d00"),
    changed_text=QColor("#ffffff"),
)
# Paper is white whatever the screen shows: the printed and PDF report use these.
PAPER = LIGHT


def is_dark(palette: QPalette | None = None) -> bool:
    """Whether ``palette`` (the application's when None) has a dark window background."""
    if palette is None:
        if QGuiApplication.instance() is None:
            return False
        palette = QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightnessF() < 0.5


def current_theme() -> Theme:
    """The colours chosen against the application palette's background, looked up each time
    they are used (a palette changed while running is followed from the next update on)."""
    return DARK if is_dark() else LIGHT


class _SeverityColours(Mapping[Severity, QColor]):
    def __init__(self, pick: Callable[[Theme], dict[Severity, QColor]]) -> None:
        self._pick = pick

    def __getitem__(self, severity: Severity) -> QColor:
        return self._pick(current_theme())[severity]

    def __iter__(self) -> Iterator[Severity]:
        return iter(Severity)

    def __len__(self) -> int:
        return len(Severity)


class ThemeColour:
    """One of the theme's colours, resolved against the palette when used: ``name()`` and
    ``colour()`` as of now, and in an f-string (``f"color: {OK_COLOUR}"``) its name."""

    def __init__(self, pick: Callable[[Theme], QColor]) -> None:
        self._pick = pick

    def colour(self) -> QColor:
        return self._pick(current_theme())

    def name(self) -> str:
        return self.colour().name()

    def __str__(self) -> str:
        return self.name()

    def __format__(self, spec: str) -> str:
        return format(self.name(), spec)


SEVERITY_COLOURS: Mapping[Severity, QColor] = _SeverityColours(lambda t: t.severity_text)  # text
SEVERITY_BACKGROUNDS: Mapping[Severity, QColor] = _SeverityColours(lambda t: t.severity_background)
SEVERITY_NAMES = {Severity.HARD: "Hard", Severity.SOFT: "Soft", Severity.INFO: "Info"}
# What each severity asks of the clinician.
SEVERITY_WORDS = {
    Severity.HARD: "BLOCKS SAVING",
    Severity.SOFT: "needs a reason",
    Severity.INFO: "for information",
}
ERROR_COLOUR = ThemeColour(lambda t: t.severity_text[Severity.HARD])
OK_COLOUR = ThemeColour(lambda t: t.ok)
MUTED_COLOUR = ThemeColour(lambda t: t.muted)
INFO_COLOUR = ThemeColour(lambda t: t.severity_text[Severity.INFO])
SOFT_COLOUR = ThemeColour(lambda t: t.severity_text[Severity.SOFT])
CHANGED_BACKGROUND = ThemeColour(lambda t: t.changed_background)
CHANGED_TEXT = ThemeColour(lambda t: t.changed_text)

QUIET_COLOUR = MUTED_COLOUR  # a step not reached yet

# Styles with a background of their own keep their paper colours on any palette: each pair
# was chosen to be readable (white on dark red, dark green on pale green, ...).
_HARD_TEXT = PAPER.severity_text[Severity.HARD].name()

# Pump state lines (the Pump tab): stopped, running, not read yet; the stopped-pump banner.
STOPPED_STYLE = f"background: {_HARD_TEXT}; color: white; font-weight: bold; padding: 6px 10px;"
RUNNING_STYLE = (
    f"background: #dcefdc; color: {PAPER.ok.name()}; font-weight: bold; padding: 6px 10px;"
)
WAITING_STYLE = "background: #e8e8e8; color: #303030; padding: 6px 10px;"
STOPPED_BANNER_STYLE = f"""
QFrame#stoppedPumpBanner {{ background: {_HARD_TEXT}; border: 2px solid #4d0000; }}
QFrame#stoppedPumpBanner QLabel {{ color: white; }}
QFrame#stoppedPumpBanner QLabel a {{ color: white; }}
QFrame#stoppedPumpBanner QPushButton {{ background: white; color: {_HARD_TEXT}; font-weight: bold;
    padding: 4px 10px; border: 1px solid #4d0000; }}
"""

# The Pump tab's state line while the pump runs something other than the record (issue 9:
# "Pump running" is never green while record and pump differ).
PUMP_DIFFERS_STYLE = (
    f"background: {PAPER.severity_background[Severity.HARD].name()}; "
    f"color: {PAPER.severity_text[Severity.HARD].name()}; font-weight: bold; padding: 6px 10px; "
    f"border: 2px solid {PAPER.severity_text[Severity.HARD].name()};"
)
STOPPED_BANNER_LINK_STYLE = "color: white; font-weight: bold"  # another stopped patient

# Training: the window's banner, and the login dialog's line naming a training database.
TRAINING_BANNER_STYLE = (
    "QLabel { background: #5b2a86; color: white; font-weight: bold; padding: 4px 8px; }"
)
TRAINING_DATABASE_STYLE = (
    f"background: {PAPER.severity_background[Severity.SOFT].name()}; "
    f"color: {PAPER.severity_text[Severity.SOFT].name()}; font-weight: bold; padding: 4px; "
    "border: 1px solid #c98a00"
)
# The idle lock's cover over the patient data.
PRIVACY_COVER_STYLE = "#privacyCover { background: #2b3440; }"
PRIVACY_TEXT_STYLE = "color: #e8edf2; font-size: 16pt"
# The audit trail's verification line.
NOT_VERIFIED_STYLE = (
    f"color: {_HARD_TEXT}; background: {PAPER.severity_background[Severity.HARD].name()}; "
    "padding: 4px; font-weight: bold"
)

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


def error_style() -> str:
    """A refused entry, a failed step: the hard colour against the palette of the moment."""
    return f"color: {ERROR_COLOUR}"


def note_style() -> str:
    """A line of secondary text."""
    return f"color: {MUTED_COLOUR}"


def verified_style() -> str:
    """The audit trail's verification line when it holds."""
    return f"color: {OK_COLOUR}; padding: 4px"


def contrast_ratio(a: QColor, b: QColor) -> float:
    """The WCAG 2 contrast ratio of two colours (1 to 21; 4.5 is the floor for body text)."""

    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

        return (
            0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())
        )

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


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
