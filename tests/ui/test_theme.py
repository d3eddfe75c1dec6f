"""The theme keeps every text readable on light and dark system palettes (issue 12): each text
colour reaches the WCAG contrast ratio of 4.5 on the backgrounds it is drawn on, and the
colours used follow the palette's background."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from programmer.finding import Code, Finding, Severity
from ui.editor.findings_panel import FindingsPanel
from ui.theme import (
    DARK,
    ERROR_COLOUR,
    LIGHT,
    PAPER,
    SEVERITY_COLOURS,
    Theme,
    contrast_ratio,
    current_theme,
    is_dark,
)

WCAG_TEXT = 4.5
# Window and base colours of common light and dark desktop palettes (Qt's Fusion, GNOME
# Adwaita, KDE Breeze) and pure white and black.
LIGHT_BACKGROUNDS = ("#ffffff", "#efefef", "#eff0f1", "#f6f5f4", "#fafafa", "#e8e8e8")
DARK_BACKGROUNDS = ("#000000", "#1e1e1e", "#202326", "#242424", "#2b2b2b", "#31363b", "#353535")


def text_on_background(theme: Theme, backgrounds: tuple[str, ...]) -> Iterator[tuple]:
    for background in backgrounds:
        for severity, colour in theme.severity_text.items():
            yield f"{severity} text", colour, QColor(background)
        yield "ok", theme.ok, QColor(background)
        yield "muted", theme.muted, QColor(background)
    for severity, colour in theme.severity_text.items():
        yield f"{severity} on its tint", colour, theme.severity_background[severity]
    yield "changed value", theme.changed_text, theme.changed_background


@pytest.mark.parametrize(
    ("theme", "backgrounds"),
    [(LIGHT, LIGHT_BACKGROUNDS), (DARK, DARK_BACKGROUNDS)],
    ids=["light palette", "dark palette"],
)
def test_every_theme_text_colour_reaches_wcag_contrast(
    theme: Theme, backgrounds: tuple[str, ...]
) -> None:
    too_faint = [
        f"{what} {text.name()} on {background.name()}: {contrast_ratio(text, background):.2f}"
        for what, text, background in text_on_background(theme, backgrounds)
        if contrast_ratio(text, background) < WCAG_TEXT
    ]
    assert not too_faint


def test_contrast_ratio_matches_wcag_reference_values() -> None:
    assert contrast_ratio(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
    assert contrast_ratio(QColor("#777777"), QColor("#ffffff")) == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio(QColor("#336699"), QColor("#336699")) == pytest.approx(1.0)


@pytest.fixture
def dark_palette(qapp: QApplication) -> Iterator[QPalette]:
    before = QApplication.palette()
    palette = QPalette(before)
    for role, colour in (
        (QPalette.ColorRole.Window, "#31363b"),
        (QPalette.ColorRole.WindowText, "#eff0f1"),
        (QPalette.ColorRole.Base, "#232629"),
        (QPalette.ColorRole.Text, "#eff0f1"),
    ):
        palette.setColor(role, QColor(colour))
    QApplication.setPalette(palette)
    yield palette
    QApplication.setPalette(before)


def test_colours_follow_a_dark_system_palette(dark_palette: QPalette) -> None:
    assert is_dark()
    assert current_theme() is DARK
    assert SEVERITY_COLOURS[Severity.HARD] == DARK.severity_text[Severity.HARD]
    assert f"{ERROR_COLOUR}" == DARK.severity_text[Severity.HARD].name()
    assert PAPER is LIGHT  # the printed report stays dark on white


def test_light_palette_keeps_the_light_colours(qapp: QApplication) -> None:
    assert not is_dark()
    assert SEVERITY_COLOURS[Severity.SOFT] == LIGHT.severity_text[Severity.SOFT]


def test_findings_count_is_readable_on_a_dark_palette(qtbot: QtBot, dark_palette: QPalette) -> None:
    # The "1 hard, 1 soft" count was dark red and brown on dark grey: nearly invisible.
    panel = FindingsPanel()
    qtbot.addWidget(panel)
    panel.set_findings(
        [
            Finding(Code.RATE_ABOVE_PUMP_MAX, "too high", "rate"),
            Finding(Code.CHANGE_ABOVE_TITRATION, "large change", "rate"),
        ]
    )
    window = dark_palette.color(QPalette.ColorRole.Window)
    text = panel.summary.text()
    for severity in (Severity.HARD, Severity.SOFT):
        colour = DARK.severity_text[severity]
        assert colour.name() in text
        assert contrast_ratio(colour, window) >= WCAG_TEXT
