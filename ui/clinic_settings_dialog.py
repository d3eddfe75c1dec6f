"""Clinic settings in the window (issue 12, "Administration in the window"): an administrator
sets the clinic's name on every report, the refill safety margin and the decimal separator.

The dialog stores the change itself through :meth:`db.database.Database.change_clinic_settings`,
which holds every rule (the bounds, administrators only, the audit entry): a refused value keeps
the dialog open with the database's message beside the fields, and nothing changes. The window
offers it to administrators only; the database checks again whoever asks.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from db.clinic_settings import MAX_MARGIN_DAYS, MIN_MARGIN_DAYS, ClinicSettingsVersion
from db.database import Database, DatabaseError
from db.users import User
from programmer.projection import ClinicSettings
from ui.theme import error_style

SEPARATOR_CHOICES = (
    (".", "point: 1.5 mL, 0.0480 mL/day"),
    (",", "comma: 1,5 mL, 0,0480 mL/day"),
)


class ClinicSettingsDialog(QDialog):
    """Edits the active clinic settings; ``stored`` holds the new version after ``accept``."""

    def __init__(
        self,
        database: Database,
        *,
        by: User,
        clock: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Clinic settings")
        self.setObjectName("clinicSettingsDialog")
        self._database, self._by, self._clock = database, by, clock
        self.stored: ClinicSettingsVersion | None = None
        try:
            active = database.clinic_settings
            history = database.clinic_settings_history()
            source = (
                "No settings stored yet: the program's defaults apply."
                if not history
                else f"Version {history[-1].number}, set "
                f"{history[-1].changed_at:%Y-%m-%d %H:%M} by {history[-1].changed_by}; "
                + (
                    "the first version stored."
                    if len(history) == 1
                    else f"{len(history) - 1} earlier version(s) kept in the history."
                )
            )
        except DatabaseError as exc:  # altered behind the console: set them again from defaults
            active, source = ClinicSettings(), f"{exc} Saving here stores a new version."

        self.clinic_name = QLineEdit(active.clinic_name)
        self.clinic_name.setObjectName("clinicName")
        self.clinic_name.setAccessibleName("Clinic name")
        self.clinic_name.setMaxLength(400)  # longer is refused with a message, never cut
        # Text, not a spin box: a typed 0 or 90 is refused with a message, never clamped.
        self.margin = QLineEdit(str(active.refill_margin_days))
        self.margin.setObjectName("refillMarginDays")
        self.margin.setAccessibleName("Refill safety margin in days")
        self.margin.setMaximumWidth(80)
        self.separator = QComboBox()
        self.separator.setObjectName("decimalSeparator")
        self.separator.setAccessibleName("Decimal separator")
        for value, words in SEPARATOR_CHOICES:
            self.separator.addItem(words, value)
        self.separator.setCurrentIndex(self.separator.findData(active.decimal_separator))
        self.reason = QLineEdit()
        self.reason.setObjectName("settingsReason")
        self.reason.setAccessibleName("Reason for the change")
        self.reason.setPlaceholderText("why, for the audit trail (optional)")

        form = QFormLayout()
        form.addRow("Clinic &name (on every report):", self.clinic_name)
        form.addRow("Refill safety &margin:", self.margin)
        form.addRow(
            "",
            QLabel(
                f"days before the low-reservoir alarm that the refill is planned "
                f"({MIN_MARGIN_DAYS} to {MAX_MARGIN_DAYS}; default 7)"
            ),
        )
        form.addRow("&Decimal separator:", self.separator)
        form.addRow(
            "",
            QLabel(
                "Every number is shown and typed with it; the other one and thousands "
                "separators are refused."
            ),
        )
        form.addRow("&Reason:", self.reason)

        self.source_label = QLabel(source)
        self.source_label.setWordWrap(True)
        self.error_label = QLabel()
        self.error_label.setObjectName("settingsError")
        self.error_label.setStyleSheet(error_style())
        self.error_label.setWordWrap(True)
        self.error_label.setVisible(False)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.store)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.source_label)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

    def store(self) -> bool:
        """Store the settings as typed; on a refusal, say why beside the fields and stay open."""
        try:
            self.stored = self._database.change_clinic_settings(
                clinic_name=self.clinic_name.text(),
                refill_margin_days=self.margin.text(),
                decimal_separator=str(self.separator.currentData()),
                reason=self.reason.text(),
                by=self._by,
                now=self._clock(),
            )
        except DatabaseError as exc:
            self.error_label.setText(f"Not saved: {exc}")
            self.error_label.setVisible(True)
            return False
        self.accept()
        return True
