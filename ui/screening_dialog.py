"""Screening trials in the window (product.md, "Assessments and screening"): the trials on
record (dose by lumbar puncture, response, hours of effect), a form to record one, each value
checked where it is typed, and the suggested starting pump dose with its arithmetic and the
findings that dose meets; one button puts it in the editor."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from db.records import ScreeningRecord, ScreeningResponse
from programmer.finding import Severity
from programmer.findings import CheckResult
from programmer.screening import (
    ScreeningValueError,
    Suggestion,
    parse_effect_hours,
    parse_screening_dose,
    suggest_starting_dose,
)
from programmer.words import format_decimal
from ui.row_table import RowTableModel
from ui.theme import SEVERITY_BACKGROUNDS, SEVERITY_COLOURS, SEVERITY_NAMES

RESPONSE_WORDS = {
    ScreeningResponse.RESPONSE: "Response",
    ScreeningResponse.PARTIAL: "Partial response",
    ScreeningResponse.NO_RESPONSE: "No response",
}
_BAD_STYLE = (
    f"QLineEdit {{ background: {SEVERITY_BACKGROUNDS[Severity.HARD].name()}; "
    f"color: {SEVERITY_COLOURS[Severity.HARD].name()}; }}"
)
# Records a trial; returns None when stored, else why it was refused.
RecordTrial = Callable[[ScreeningRecord], str | None]
# The findings the suggested daily dose meets in the patient's programme (None: no programme).
CheckDose = Callable[[Decimal], CheckResult | None]


class TrialsModel(RowTableModel[ScreeningRecord]):
    def __init__(self) -> None:
        super().__init__(("When", "Dose by lumbar puncture", "Response", "Effect", "Notes", "By"))

    def cell(self, t: ScreeningRecord, column: int, role: int) -> Any:
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        return (
            f"{t.at:%Y-%m-%d %H:%M}",
            f"{format_decimal(t.dose_mcg)} mcg",
            RESPONSE_WORDS[t.response],
            "—" if t.effect_hours is None else f"{format_decimal(t.effect_hours)} h",
            t.notes,
            t.by,
        )[column]


class ScreeningDialog(QDialog):
    """``chosen_dose`` is the suggested mcg/day once "Put in the editor" was pressed."""

    def __init__(
        self,
        patient_words: str,
        trials: Sequence[ScreeningRecord],
        now: datetime,
        *,
        record: RecordTrial,
        check_dose: CheckDose,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("screeningDialog")
        self.setWindowTitle("Screening trials")
        self.now = now
        self._record = record
        self._check_dose = check_dose
        self.chosen_dose: Decimal | None = None
        self.suggestion: Suggestion | None = None
        self.result_checked: CheckResult | None = None

        self.model = TrialsModel()
        self.table = QTableView()
        self.table.setObjectName("screeningTrials")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumHeight(120)

        form_box = QGroupBox("Record a trial")
        form = QFormLayout(form_box)
        self.when = QLineEdit(f"{now:%Y-%m-%d %H:%M}")
        self.when.setObjectName("screeningWhen")
        self.dose = QLineEdit()
        self.dose.setObjectName("screeningDose")
        self.dose.setPlaceholderText("50, 75 or 100")
        self.response = QComboBox()
        self.response.setObjectName("screeningResponse")
        for value, words in RESPONSE_WORDS.items():
            self.response.addItem(words, value)
        self.hours = QLineEdit()
        self.hours.setObjectName("screeningHours")
        self.notes = QLineEdit()
        self.notes.setObjectName("screeningNotes")
        self.notes.setMaxLength(2000)
        dose_row = QHBoxLayout()
        dose_row.addWidget(self.dose)
        dose_row.addWidget(QLabel("mcg by lumbar puncture"))
        hours_row = QHBoxLayout()
        hours_row.addWidget(self.hours)
        hours_row.addWidget(QLabel("h"))
        for text, field, row in (
            ("&When (YYYY-MM-DD HH:MM):", self.when, self.when),
            ("&Dose:", self.dose, dose_row),
            ("&Response:", self.response, self.response),
            ("&Effect lasted:", self.hours, hours_row),
            ("N&otes:", self.notes, self.notes),
        ):
            label = QLabel(text)
            label.setBuddy(field)
            form.addRow(label, row)
        self.problems = QLabel()
        self.problems.setObjectName("screeningProblems")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(f"color: {SEVERITY_COLOURS[Severity.HARD].name()}")
        form.addRow(self.problems)
        self.record_button = QPushButton("Re&cord trial")
        self.record_button.setObjectName("screeningRecord")
        self.record_button.clicked.connect(lambda _c=False: self.record_trial())
        form.addRow(self.record_button)
        for edit in (self.when, self.dose, self.hours):
            edit.textChanged.connect(lambda _t: self._validate())
        self.response.currentIndexChanged.connect(lambda _i: self._validate())

        suggestion_box = QGroupBox("Suggested starting pump dose")
        suggestion_layout = QVBoxLayout(suggestion_box)
        self.suggestion_label = QLabel()
        self.suggestion_label.setObjectName("screeningSuggestion")
        self.suggestion_label.setWordWrap(True)
        self.suggestion_label.setTextFormat(Qt.TextFormat.RichText)
        self.use_button = QPushButton("&Put in the editor")
        self.use_button.setObjectName("screeningUse")
        self.use_button.clicked.connect(lambda _c=False: self.use_suggestion())
        suggestion_layout.addWidget(self.suggestion_label)
        suggestion_layout.addWidget(self.use_button, 0, Qt.AlignmentFlag.AlignLeft)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{escape(patient_words)}</b> — screening trials"))
        layout.addWidget(self.table, 1)
        columns = QHBoxLayout()
        columns.addWidget(form_box, 1)
        columns.addWidget(suggestion_box, 1)
        layout.addLayout(columns)
        layout.addWidget(buttons)
        self.resize(980, 560)
        self.set_trials(trials)
        self._validate()

    # ------------------------------------------------------------ the form

    def _typed(self) -> tuple[ScreeningRecord | None, dict[QLineEdit, str]]:
        errors: dict[QLineEdit, str] = {}
        response = ScreeningResponse(self.response.currentData())
        at: datetime | None = None
        try:
            at = datetime.strptime(self.when.text().strip(), "%Y-%m-%d %H:%M")
            if at > self.now:
                errors[self.when] = "a trial is recorded after it was given, not in the future"
        except ValueError:
            errors[self.when] = (
                f"'{self.when.text().strip()}' is not a date and time YYYY-MM-DD HH:MM"
            )
        dose = hours = None
        if not self.dose.text().strip():
            errors[self.dose] = "type the dose given by lumbar puncture"
        else:
            try:
                dose = parse_screening_dose(self.dose.text())
            except ScreeningValueError as exc:
                errors[self.dose] = str(exc)
        try:
            hours = parse_effect_hours(self.hours.text(), response.value)
        except ScreeningValueError as exc:
            errors[self.hours] = str(exc)
        if errors or at is None or dose is None:
            return None, errors
        return ScreeningRecord(at, dose, response, hours, self.notes.text().strip()), errors

    def _validate(self) -> ScreeningRecord | None:
        trial, errors = self._typed()
        started = bool(self.dose.text().strip())  # nothing is said before a dose is typed
        for edit in (self.when, self.dose, self.hours):
            shown = started and edit in errors and bool(edit.text().strip())
            edit.setStyleSheet(_BAD_STYLE if shown else "")
            edit.setToolTip(errors.get(edit, ""))
        self.problems.setText("\n".join(errors.values()) if started else "")
        self.record_button.setEnabled(trial is not None)
        return trial

    def record_trial(self) -> bool:
        trial = self._validate()
        if trial is None:
            return False
        refusal = self._record(trial)
        if refusal is not None:
            self.problems.setText(refusal)
            return False
        self.set_trials([*self.model.rows(), trial])
        for edit in (self.dose, self.hours, self.notes):
            edit.clear()
        return True

    # ------------------------------------------------------------ the suggestion

    def set_trials(self, trials: Sequence[ScreeningRecord]) -> None:
        self.model.set_rows(sorted(trials, key=lambda t: t.at))
        self.suggestion = suggest_starting_dose(self.model.rows())
        if self.suggestion is None:
            self.result_checked = None
            self.suggestion_label.setText(
                "No trial with a response on record: no starting dose to suggest. "
                "No response to 100 mcg means the patient is not a candidate."
            )
            self.use_button.setEnabled(False)
            return
        s = self.suggestion
        self.result_checked = self._check_dose(s.daily_dose_mcg)
        lines = [
            f"<p><b>{format(s.daily_dose_mcg, 'f')} mcg/day</b>, simple continuous.</p>",
            f"<p>{escape(s.arithmetic)}</p>",
        ]
        if self.result_checked is None:
            lines.append("<p>The patient has no programme to put it in.</p>")
        elif not self.result_checked.findings:
            lines.append("<p>Findings for this dose: none.</p>")
        else:
            lines.append("<p>Findings for this dose in the patient's programme:</p>")
            for f in self.result_checked.findings:
                colour = SEVERITY_COLOURS[f.severity].name()
                lines.append(
                    f"<p style='color:{colour}'><b>{SEVERITY_NAMES[f.severity]}:</b> "
                    f"{escape(f.message)}</p>"
                )
        self.suggestion_label.setText("".join(lines))
        self.use_button.setEnabled(self.result_checked is not None)

    def use_suggestion(self) -> bool:
        if self.suggestion is None or self.result_checked is None:
            return False
        self.chosen_dose = self.suggestion.daily_dose_mcg
        self.accept()
        return True
