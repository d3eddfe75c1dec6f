"""Small helpers the editor's widgets share."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget


def restyle(widget: QWidget, sheet: str) -> None:
    """Set a style sheet only when it changes: setting one re-polishes the widget and its
    children, too slow to repeat on every keystroke."""
    if widget.styleSheet() != sheet:
        widget.setStyleSheet(sheet)


def labelled(text: str, widget: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(widget)
    return label
