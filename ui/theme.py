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

from programmer.findings import Finding, Severity


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
