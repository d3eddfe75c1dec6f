"""The small widgets the pump dialogs build their forms from: a typed-value field, a field with
its unit beside it, a wrapping rich-text note."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QWidget


def note(name: str) -> QLabel:
    """A wrapping rich-text line for what a dialog works out (dates, volumes, warnings)."""
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    return label


def value_edit(name: str, accessible: str, width: int = 110) -> QLineEdit:
    """A field for one typed value (parsed strictly by the dialog, never clamped)."""
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setAccessibleName(accessible)
    edit.setMaximumWidth(width)
    return edit


def with_unit(edit: QWidget, unit: str) -> QWidget:
    """``edit`` with its unit beside it: every value shows its unit."""
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(edit)
    row.addWidget(QLabel(unit))
    row.addStretch(1)
    return box
