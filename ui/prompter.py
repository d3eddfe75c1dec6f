"""Every question the console asks in a dialog goes through one :class:`Prompter` (style.md:
"Dialogs never block tests: route message boxes through one small service the tests can
replace"). The dialogs are imported when first asked for, not at start-up."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

if TYPE_CHECKING:
    from programmer.schedule_edit import ScaleResult
    from programmer.units import RateUnit
    from ui.dialogs import ScaleAssess

    ScalePreview = Callable[[Decimal], ScaleResult]


class Prompter:
    """The console's questions. Tests pass a subclass that answers without showing anything."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.parent = parent

    def confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(
            self.parent,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def inform(self, title: str, text: str) -> None:
        QMessageBox.information(self.parent, title, text)

    def choose_time(self, title: str, text: str, default_min: int) -> int | None:
        from ui.dialogs import TimeDialog

        dialog = TimeDialog(text, default_min, self.parent)
        dialog.setWindowTitle(title)
        return dialog.minutes if dialog.exec() == QDialog.DialogCode.Accepted else None

    def choose_days(self, title: str, text: str, choices: Sequence[tuple[str, str]]) -> list[str]:
        """The keys of the chosen ``(key, label)`` choices; empty when cancelled."""
        from ui.dialogs import DaysDialog

        dialog = DaysDialog(text, choices, self.parent)
        dialog.setWindowTitle(title)
        return dialog.chosen() if dialog.exec() == QDialog.DialogCode.Accepted else []

    def scale_percent(
        self,
        preview: ScalePreview,
        unit: RateUnit,
        concentration_mcg_per_ml: Decimal,
        assess: ScaleAssess | None = None,
    ) -> Decimal | None:
        """The percentage of its value each rate is scaled to (110 for "change by +10 %"),
        after the preview; None when cancelled."""
        from ui.dialogs import ScaleDialog

        dialog = ScaleDialog(
            preview,
            unit=unit,
            concentration_mcg_per_ml=concentration_mcg_per_ml,
            assess=assess,
            parent=self.parent,
        )
        return dialog.percent() if dialog.exec() == QDialog.DialogCode.Accepted else None
