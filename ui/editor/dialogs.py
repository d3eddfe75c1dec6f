"""The editor's dialogs (scale by %, choose a time, choose weekdays), small classes testable
without ``exec()``; they are asked for through :class:`ui.prompter.Prompter`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from programmer import schedule_edit as se
from programmer.findings import day_label
from programmer.units import RateUnit, rate_from_mcg_per_h
from ui.editor.entry import EntryError, format_rate, format_time, parse_decimal, parse_time
from ui.screen import fit_to_screen
from ui.theme import ERROR_COLOUR

ScalePreview = Callable[[Decimal], se.ScaleResult]


def scaled_value_label(value: se.ScaledValue) -> str:
    """``"Every day, step 2 (07:00)"`` or ``"Daily dose"``."""
    ref = se.parse_field(value.field)
    if ref.day is None or ref.index is None:
        return "Daily dose"
    start = f" ({format_time(value.start_min)})" if value.start_min is not None else ""
    return f"{day_label(ref.day).capitalize()}, step {ref.index + 1}{start}"


class ScaleDialog(QDialog):
    """Scale every rate by a percentage: the preview lists each rate now and scaled, marks the
    ones the pump could not deliver and the ones rounded to six decimals, before anything is
    applied. Nothing is clamped: what is shown is what will be set."""

    def __init__(
        self,
        preview: ScalePreview,
        *,
        unit: RateUnit,
        concentration_mcg_per_ml: Decimal,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Scale all rates")
        self._preview = preview
        self._unit = unit
        self._conc = concentration_mcg_per_ml
        self.result_preview: se.ScaleResult | None = None
        self.percent_edit = QLineEdit("100")
        self.percent_edit.setAccessibleName("Scale by percent")
        self.percent_edit.setMaximumWidth(100)
        row = QHBoxLayout()
        prompt = QLabel("Scale every rate to")
        prompt.setBuddy(self.percent_edit)
        row.addWidget(prompt)
        row.addWidget(self.percent_edit)
        row.addWidget(QLabel("% of its value"))
        row.addStretch(1)
        self.table = QTableWidget(0, 4)
        self.table.setTabKeyNavigation(False)
        self.table.setHorizontalHeaderLabels(["Step", "Now", "Scaled", "Pump"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAccessibleName("Scaled rates preview")
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setAccessibleName("Scale warnings")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Apply")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.warning)
        layout.addWidget(self.buttons)
        self.percent_edit.textChanged.connect(self._update)
        fit_to_screen(self, QSize(560, 360))
        self._update(self.percent_edit.text())

    def percent(self) -> Decimal | None:
        """The percentage typed, when the preview of it is valid."""
        try:
            return parse_decimal(self.percent_edit.text(), what="The percentage")
        except EntryError:
            return None

    def _text(self, value: se.ScaledValue, amount: Decimal) -> str:
        if value.unit == "mcg/day":
            return format_rate(amount, RateUnit.MCG_PER_DAY)
        return format_rate(rate_from_mcg_per_h(amount, self._unit, self._conc), self._unit)

    def _update(self, text: str) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        try:
            result = self._preview(parse_decimal(text, what="The percentage"))
        except (EntryError, se.EditError) as error:
            self.result_preview = None
            self.table.setRowCount(0)
            self.warning.setText(f'<span style="color:{ERROR_COLOUR}">{error}</span>')
            ok.setEnabled(False)
            return
        self.result_preview = result
        self.table.setRowCount(len(result.values))
        for row, value in enumerate(result.values):
            pump = {
                None: "within limits",
                se.PumpLimit.BELOW: "UNDER the lowest flow",
                se.PumpLimit.ABOVE: "OVER the highest flow",
            }[value.limit]
            if value.rounded:
                pump += "; rounded to 6 decimals"
            cells = [
                scaled_value_label(value),
                self._text(value, value.before),
                self._text(value, value.after),
                pump,
            ]
            for column, cell in enumerate(cells):
                item = QTableWidgetItem(cell)
                if value.limit is not None:
                    item.setForeground(Qt.GlobalColor.darkRed)
                    item.setBackground(
                        Qt.GlobalColor.yellow if column == 3 else Qt.GlobalColor.white
                    )
                self.table.setItem(row, column, item)
        lines = []
        if result.outside_limits:
            names = "; ".join(
                f"{scaled_value_label(v)}: {self._text(v, v.after)}" for v in result.outside_limits
            )
            lines.append(
                f'<span style="color:{ERROR_COLOUR}"><b>{len(result.outside_limits)} outside '
                "the pump's "
                f"limits</b> (set as shown, then reported as hard findings): {names}</span>"
            )
        if result.rounded:
            lines.append(
                f"{len(result.rounded)} rate(s) need more than 6 decimals and are rounded to the "
                "nearest value the pump takes, as shown."
            )
        self.warning.setText("<br>".join(lines) or "Every scaled rate is within the pump's limits.")
        ok.setEnabled(True)


class DaysDialog(QDialog):
    """Tick the weekdays to copy a day onto."""

    def __init__(
        self, text: str, choices: Sequence[tuple[str, str]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Copy day")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(text))
        self.boxes: dict[str, QCheckBox] = {}
        for key, label in choices:
            box = QCheckBox(label)
            box.setAccessibleName(f"Copy to {label}")
            self.boxes[key] = box
            layout.addWidget(box)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Copy")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def chosen(self) -> list[str]:
        return [key for key, box in self.boxes.items() if box.isChecked()]


class TimeDialog(QDialog):
    """Ask a time of day (HH:MM), refusing what is not one, with the reason shown."""

    def __init__(self, text: str, default_min: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Split step")
        self.edit = QLineEdit(format_time(default_min))
        self.edit.setAccessibleName("Time of day")
        self.error = QLabel()
        self.error.setStyleSheet(f"color: {ERROR_COLOUR}")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept_if_valid)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(text))
        layout.addWidget(self.edit)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.minutes: int | None = default_min

    def _accept_if_valid(self) -> None:
        try:
            self.minutes = parse_time(self.edit.text(), what="The time")
        except EntryError as error:
            self.error.setText(str(error))
            return
        self.accept()
