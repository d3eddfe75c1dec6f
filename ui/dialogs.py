"""The editor's dialogs (scale by %, choose a time, choose weekdays), small classes testable
without ``exec()``; they are asked for through :class:`ui.prompter.Prompter`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFont
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
from programmer.finding import Finding, Severity
from programmer.programme import Programme
from programmer.units import RateUnit, rate_from_mcg_per_h
from programmer.words import by_severity, day_label
from ui.screen import fit_to_screen
from ui.theme import (
    ERROR_COLOUR,
    OK_COLOUR,
    SEVERITY_BACKGROUNDS,
    SEVERITY_COLOURS,
    SEVERITY_NAMES,
    SEVERITY_WORDS,
)
from ui.widgets.entry import (
    EntryError,
    format_plain,
    format_rate,
    format_time,
    parse_decimal,
    parse_time,
)

ScalePreview = Callable[[Decimal], se.ScaleResult]


def scaled_value_label(value: se.ScaledValue) -> str:
    """``"Every day, step 2 (07:00)"`` or ``"Daily dose"``."""
    ref = se.parse_field(value.field)
    if ref.day is None or ref.index is None:
        return "Daily dose"
    start = f" ({format_time(value.start_min)})" if value.start_min is not None else ""
    return f"{day_label(ref.day).capitalize()}, step {ref.index + 1}{start}"


@dataclass(frozen=True, slots=True)
class ScaleAssessment:
    """What the scaled programme would be: its 24-h total and its change (in words, with
    units), and every finding the check raises on it."""

    total: str
    change: str
    findings: tuple[Finding, ...]


ScaleAssess = Callable[[Programme], ScaleAssessment]


def scale_percent_for(change_text: str) -> Decimal:
    """The percentage of its value each rate is scaled to, for a change typed in % ("+10",
    "-20", "10 %"). Raises EntryError (with the reason) below -100 %."""
    text = change_text.strip().removesuffix("%").strip()
    sign = -1 if text[:1] in ("-", "−") else 1
    magnitude = text[1:].strip() if text[:1] in ("+", "-", "−") else text
    change = sign * parse_decimal(magnitude, what="The change")
    if change < -100:
        raise EntryError(f"A change of {format_plain(change)} % would leave rates below zero.")
    return Decimal(100) + change


def signed_percent(change: Decimal) -> str:
    """``"+10"``, ``"-20"``, ``"±0"``: the change as typed, with its sign."""
    text = format_plain(abs(change))
    return f"±{text}" if change == 0 else f"{'+' if change > 0 else '-'}{text}"


class ScaleDialog(QDialog):
    """Change every rate by a percentage (+10 % raises each rate by a tenth): the preview lists
    each rate now and changed, marks the ones the pump could not deliver and the ones rounded to
    six decimals, and (with ``assess``) gives the new 24-h total, its change and the findings,
    before anything is applied. Nothing is clamped: what is shown is what will be set."""

    def __init__(
        self,
        preview: ScalePreview,
        *,
        unit: RateUnit,
        concentration_mcg_per_ml: Decimal,
        assess: ScaleAssess | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Change all rates by %")
        self._preview = preview
        self._assess = assess
        self._unit = unit
        self._conc = concentration_mcg_per_ml
        self.result_preview: se.ScaleResult | None = None
        self.percent_edit = QLineEdit("+0")
        self.percent_edit.setAccessibleName("Change all rates by percent")
        self.percent_edit.setMaximumWidth(100)
        self.percent_edit.setToolTip("+10 raises every rate by 10 %; -20 lowers it by 20 %.")
        row = QHBoxLayout()
        prompt = QLabel("Change all rates by")
        prompt.setBuddy(self.percent_edit)
        row.addWidget(prompt)
        row.addWidget(self.percent_edit)
        row.addWidget(QLabel("%  (e.g. +10 or -20)"))
        row.addStretch(1)
        self.total_label = QLabel()
        self.total_label.setObjectName("scaleTotal")
        self.total_label.setAccessibleName("New 24-hour total")
        self.total_label.setWordWrap(True)
        font = QFont(self.total_label.font())
        font.setBold(True)
        self.total_label.setFont(font)
        self.change_label = QLabel()
        self.change_label.setObjectName("scaleChange")
        self.change_label.setAccessibleName("Change against the saved programme")
        self.change_label.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setTabKeyNavigation(False)
        self.table.setHorizontalHeaderLabels(["Step", "Now", "Changed", "Pump"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAccessibleName("Changed rates preview")
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setAccessibleName("Scale warnings")
        self.findings_label = QLabel()
        self.findings_label.setObjectName("scaleFindings")
        self.findings_label.setAccessibleName("Findings after the change")
        self.findings_label.setWordWrap(True)
        self.findings_label.setTextFormat(Qt.TextFormat.RichText)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Apply")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.total_label)
        layout.addWidget(self.change_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.warning)
        layout.addWidget(self.findings_label)
        layout.addWidget(self.buttons)
        self.percent_edit.textChanged.connect(self._update)
        fit_to_screen(self, QSize(620, 480))
        self._update(self.percent_edit.text())
        # Typing replaces the field at once: the value is selected and has the focus.
        self.percent_edit.selectAll()
        self.percent_edit.setFocus()

    def percent(self) -> Decimal | None:
        """The percentage of its value each rate is scaled to (110 for +10 %), when the
        change typed is valid."""
        try:
            return scale_percent_for(self.percent_edit.text())
        except EntryError:
            return None

    def _text(self, value: se.ScaledValue, amount: Decimal) -> str:
        if value.unit == "mcg/day":
            return format_rate(amount, RateUnit.MCG_PER_DAY)
        return format_rate(rate_from_mcg_per_h(amount, self._unit, self._conc), self._unit)

    def _refuse(self, error: Exception) -> None:
        self.result_preview = None
        self.table.setRowCount(0)
        for label in (self.total_label, self.change_label, self.findings_label):
            label.clear()
        self.warning.setText(f'<span style="color:{ERROR_COLOUR}">{escape(str(error))}</span>')
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)

    def _update(self, text: str) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        try:
            result = self._preview(scale_percent_for(text))
        except (EntryError, se.EditError) as error:
            self._refuse(error)
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
                    item.setForeground(SEVERITY_COLOURS[Severity.HARD])
                    if column == 3:
                        item.setBackground(SEVERITY_BACKGROUNDS[Severity.HARD])
                self.table.setItem(row, column, item)
        lines = []
        if result.outside_limits:
            names = "; ".join(
                f"{scaled_value_label(v)}: {self._text(v, v.after)}" for v in result.outside_limits
            )
            lines.append(
                f'<span style="color:{ERROR_COLOUR}"><b>{len(result.outside_limits)} outside the '
                f"pump's limits</b> (set as shown, then reported as hard findings): {names}</span>"
            )
        if result.rounded:
            lines.append(
                f"{len(result.rounded)} rate(s) need more than 6 decimals and are rounded to the "
                "nearest value the pump takes, as shown."
            )
        self.warning.setText(
            "<br>".join(lines) or "Every changed rate is within the pump's limits."
        )
        self._show_assessment(result.programme)
        ok.setEnabled(True)

    def _show_assessment(self, programme: Programme) -> None:
        if self._assess is None:
            return
        assessment = self._assess(programme)
        self.total_label.setText(assessment.total)
        self.change_label.setText(assessment.change)
        shown = [f for f in assessment.findings if f.severity is not Severity.INFO]
        if not shown:
            self.findings_label.setText(
                f"<span style='color:{OK_COLOUR.name()}'>No hard or soft findings after the "
                "change.</span>"
            )
            return
        self.findings_label.setText(
            "<b>Findings after the change:</b><br>"
            + "<br>".join(
                f"<span style='color:{SEVERITY_COLOURS[f.severity].name()}'>"
                f"<b>{SEVERITY_NAMES[f.severity]} ({SEVERITY_WORDS[f.severity]}):</b> "
                f"{escape(f.message)}</span>"
                for f in by_severity(shown)
            )
        )


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
