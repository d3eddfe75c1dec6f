"""The 24-h total box of the schedule editor, always in view (product.md, "Schedule editor"):
the shown day's total in mcg/day and mL/day, the week's range, the worst case with every patient
bolus, the change against the saved programme with its limit; coloured by the worst finding
about the total."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from programmer import schedule_edit as se
from programmer.dose_change import change_words, day_change
from programmer.finding import Finding, Severity
from programmer.findings import CheckResult
from programmer.programme import WEEKDAYS
from programmer.units import RateUnit, exact
from programmer.words import day_label
from ui.editor.document import ProgrammeDocument
from ui.editor.schedule_model import ScheduleTableModel
from ui.theme import severity_style
from ui.widgets.entry import format_rate
from ui.widgets.restyle import restyle


class TotalsBox(QFrame):
    """The total of ``document``'s pending programme on the day ``model`` shows."""

    def __init__(
        self,
        document: ProgrammeDocument,
        model: ScheduleTableModel,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.model = model
        self.total_caption = QLabel("24-h total")
        self.total_label = QLabel()
        font = QFont(self.total_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.total_label.setFont(font)
        self.total_label.setAccessibleName("24-hour total")
        self.total_label.setWordWrap(True)  # "mcg/day · mL/day" on two lines when narrow
        self.total_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.total_detail = QLabel()
        self.total_detail.setAccessibleName("Total details")
        self.change_label = QLabel()
        self.change_label.setObjectName("totalChange")
        self.change_label.setAccessibleName("Change against the saved programme")
        self.change_label.setWordWrap(True)  # two lines rather than a wider box
        self.setFrameShape(QFrame.Shape.StyledPanel)
        total_layout = QVBoxLayout(self)
        total_layout.setContentsMargins(10, 4, 10, 4)
        total_layout.setSpacing(0)
        total_layout.addWidget(self.total_caption)
        total_layout.addWidget(self.total_label)
        total_layout.addWidget(self.total_detail)
        total_layout.addWidget(self.change_label)

    def show_totals(self, result: CheckResult) -> None:
        """The 24-h total of the shown day (or the simple dose), the week's range, the
        worst case with patient boluses, the change against the saved programme; coloured by
        the worst finding about the total."""
        pending = self.document.pending
        conc = exact(pending.drug.concentration_mcg_per_ml)
        projection = result.projection
        total = self.model.total
        if total is not None:
            which = day_label(total.day)
            self.total_caption.setText(f"24-h total, {which}")
            self.total_label.setText(f"{total.total_mcg} · {total.flow_ml}")
        else:
            dose = projection.daily_doses.by_weekday[0]
            self.total_caption.setText("24-h total")
            self.total_label.setText(
                f"{format_rate(dose, RateUnit.MCG_PER_DAY)} · "
                f"{format_rate(dose / conc, RateUnit.ML_PER_DAY)}"
            )
        details = []
        if projection.daily_doses.varies:
            details.append(
                f"Week: {format_rate(projection.daily_doses.lowest, RateUnit.MCG_PER_DAY)} to "
                f"{format_rate(projection.daily_doses.highest, RateUnit.MCG_PER_DAY)}"
            )
        pb = pending.patient_bolus
        if pb is not None and pending.mode in se.THERAPY_MODES:
            details.append(
                "with every patient bolus: up to "
                f"{format_rate(projection.worst_case_daily_dose_mcg, RateUnit.MCG_PER_DAY)}"
            )
        self.total_detail.setText("; ".join(details))
        self.total_detail.setVisible(bool(details))  # no blank line in the box
        self.change_label.setText(self._change_words(total.day if total is not None else None))
        worst = self._worst_total_severity(result.findings)
        if worst is None:
            restyle(self, "")
            self.setToolTip("")
        else:
            background, text = severity_style(worst)
            restyle(
                self,
                f"QFrame {{ background: {background}; }} QLabel {{ color: {text}; }}",
            )
            self.setToolTip(
                "\n".join(f.message for f in result.findings if self._is_total_finding(f))
            )

    def _change_words(self, day: str | None) -> str:
        """The shown 24-h total's change against the saved programme, with its limit."""
        document = self.document
        current = document.current
        if current is None:
            return "New programme:\nnothing saved to compare with"
        weekday = WEEKDAYS.index(day) if day in WEEKDAYS else 0
        change = day_change(
            document.pending,
            current,
            weekday,
            library=document.library,
            catalogue=document.catalogue,
            today=document.now.date(),
        )
        if change is None:
            return "vs saved: no titration figure\n(stopped or minimum rate)"
        # The figure and its limit on two lines, so the box stays as narrow as the total.
        return "vs saved: " + change_words(change).replace(" (", "\n(", 1)

    def _is_total_finding(self, finding: Finding) -> bool:
        ref = se.parse_field(finding.field)
        if ref.section == "daily_dose_mcg":
            return True
        return ref.section == "week" and ref.index is None and ref.day == self.model.day

    def _worst_total_severity(self, findings: tuple[Finding, ...]) -> Severity | None:
        found = [f.severity for f in findings if self._is_total_finding(f)]
        for severity in (Severity.HARD, Severity.SOFT):
            if severity in found:
                return severity
        return None
