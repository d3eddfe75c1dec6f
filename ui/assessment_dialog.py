"""The assessment dialog (product.md, "Assessments and screening"): Modified Ashworth per muscle
group and side, Penn Spasm Frequency, pain, one goal with its attainment score, and the
overdose and withdrawal signs as a checklist. Each field is checked as it is typed with the
engine's parsers (programmer/assessment.py): a value off its scale is marked where it was typed,
said in words beside the form, and keeps Save disabled; nothing is rounded or clamped."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from programmer.assessment import (
    AshworthGrade,
    Assessment,
    AssessmentScales,
    AssessmentValueError,
    SignKind,
    check_assessment,
    default_scales,
    parse_ashworth,
    parse_goal_score,
    parse_pain,
    parse_penn,
)
from programmer.finding import Severity
from ui.theme import SEVERITY_BACKGROUNDS, SEVERITY_COLOURS

_BAD_STYLE = (
    f"QLineEdit {{ background: {SEVERITY_BACKGROUNDS[Severity.HARD].name()}; "
    f"color: {SEVERITY_COLOURS[Severity.HARD].name()}; }}"
)
_SIGN_TITLES = {
    SignKind.OVERDOSE: "Overdose signs",  # domain.md, "Baclofen"
    SignKind.WITHDRAWAL: "Withdrawal signs",
}


class AssessmentDialog(QDialog):
    """Collects one visit's assessment; :attr:`value` is the checked record once accepted."""

    def __init__(
        self,
        patient_words: str,
        at: datetime,
        *,
        scales: AssessmentScales | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("assessmentDialog")
        self.setWindowTitle("Assessment")
        self.scales = scales or default_scales()
        self.at = at
        self.value: Assessment | None = None
        self.errors: dict[str, str] = {}
        self._parsers: dict[str, tuple[QLineEdit, Callable[[str], object]]] = {}

        header = QLabel(f"<b>{patient_words}</b> — assessment at {at:%Y-%m-%d %H:%M}")
        mas_box = QGroupBox(
            "Modified Ashworth Scale (type 0, 1, 1+, 2, 3 or 4; blank: not assessed)"
        )
        grid = QGridLayout(mas_box)
        grid.addWidget(QLabel("<b>Left</b>"), 0, 1)
        grid.addWidget(QLabel("<b>Right</b>"), 0, 2)
        self.ashworth: dict[str, QLineEdit] = {}
        bases = list(dict.fromkeys(g.rsplit(", ", 1)[0] for g in self.scales.muscle_groups))
        for row, base in enumerate(bases, start=1):
            grid.addWidget(QLabel(base), row, 0)
            for col, side in enumerate(("left", "right"), start=1):
                group = f"{base}, {side}"
                edit = self._field(f"ashworth.{group}", 3, f"{group}: Modified Ashworth grade")
                edit.setObjectName(f"mas_{base.replace(' ', '_').lower()}_{side}")
                self.ashworth[group] = edit
                self._watch(
                    f"ashworth.{group}", edit, partial(_parse_group_grade, f"ashworth.{group}")
                )
                grid.addWidget(edit, row, col)
        grid.setRowStretch(len(bases) + 1, 1)  # the rows stay together at the top

        scores = QGroupBox("Scores")
        form = QFormLayout(scores)
        self.penn = self._field("penn", 2, "Penn Spasm Frequency Scale, 0 to 4")
        self.pain = self._field("pain", 3, "Pain, 0 to 10")
        self.goal = QLineEdit()
        self.goal.setObjectName("goal")
        self.goal.setAccessibleName("Goal")
        self.goal.setMaxLength(500)
        self.goal.setPlaceholderText("e.g. transfers from bed to chair without help")
        self.goal_score = self._field("goal_score", 3, "Goal attainment, -2 to +2")
        self.notes = QLineEdit()
        self.notes.setObjectName("notes")
        self.notes.setAccessibleName("Notes")
        self.notes.setMaxLength(2000)
        self._watch("penn", self.penn, parse_penn)
        self._watch("pain", self.pain, parse_pain)
        self._watch("goal_score", self.goal_score, parse_goal_score)
        self.goal.textChanged.connect(lambda _t: self._update())
        form.addRow("&Penn spasm frequency (0–4):", self.penn)
        form.addRow("P&ain (0–10):", self.pain)
        form.addRow("&Goal:", self.goal)
        form.addRow("Goal &attainment (−2 to +2):", self.goal_score)
        form.addRow("&Notes:", self.notes)

        self.signs: dict[str, QCheckBox] = {}
        signs_row = QHBoxLayout()
        for kind in SignKind:
            box = QGroupBox(_SIGN_TITLES[kind])
            column = QVBoxLayout(box)
            for sign in self.scales.signs:
                if sign.kind is kind:
                    check = QCheckBox(sign.words)
                    check.setObjectName(f"sign_{sign.key}")
                    check.toggled.connect(lambda _on: self._update())
                    self.signs[sign.key] = check
                    column.addWidget(check)
            signs_row.addWidget(box)

        self.problems = QLabel()
        self.problems.setObjectName("assessmentProblems")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(f"color: {SEVERITY_COLOURS[Severity.HARD].name()}")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        left = QVBoxLayout()
        left.addWidget(mas_box)
        right = QVBoxLayout()
        right.addWidget(scores)
        right.addLayout(signs_row)
        columns = QHBoxLayout()
        columns.addLayout(left)
        columns.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addLayout(columns)
        layout.addWidget(self.problems)
        layout.addWidget(self.buttons)
        self._update()

    def _field(self, name: str, length: int, accessible: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name.replace(".", "_"))
        edit.setAccessibleName(accessible)
        edit.setMaxLength(length + 2)  # room to type a wrong value and be told why
        edit.setFixedWidth(56)
        return edit

    def _watch(self, key: str, edit: QLineEdit, parse: Callable[[str], object]) -> None:
        self._parsers[key] = (edit, parse)
        edit.textChanged.connect(lambda _t: self._update())

    def _parsed(self) -> dict[str, object]:
        """Every typed field parsed; the refusals are collected in :attr:`errors`."""
        self.errors = {}
        values: dict[str, object] = {}
        for key, (edit, parse) in self._parsers.items():
            try:
                values[key] = parse(edit.text())
                edit.setStyleSheet("")
                edit.setToolTip("")
            except AssessmentValueError as exc:
                where = key.split(".", 1)[1] + ": " if key.startswith("ashworth.") else ""
                self.errors[key] = where + str(exc)
                edit.setStyleSheet(_BAD_STYLE)
                edit.setToolTip(str(exc))
        return values

    def _build(self, values: dict[str, object]) -> Assessment:
        ashworth = {
            group: grade
            for group in self.ashworth
            if isinstance(grade := values.get(f"ashworth.{group}"), AshworthGrade)
        }

        def whole(key: str) -> int | None:
            v = values.get(key)
            return v if isinstance(v, int) else None

        return Assessment(
            at=self.at,
            ashworth=ashworth,
            penn=whole("penn"),
            pain=whole("pain"),
            goal=self.goal.text().strip(),
            goal_score=whole("goal_score"),
            signs=frozenset(k for k, c in self.signs.items() if c.isChecked()),
            notes=self.notes.text().strip(),
        )

    def _update(self) -> None:
        values = self._parsed()
        messages = list(self.errors.values())
        candidate: Assessment | None = None
        if not messages:
            candidate = self._build(values)
            try:
                check_assessment(candidate, self.scales)
            except AssessmentValueError as exc:
                messages.append(str(exc))
                candidate = None
        self.problems.setText("\n".join(messages))
        self.problems.setVisible(bool(messages))
        self.save_button.setEnabled(candidate is not None)
        self._candidate = candidate

    def accept(self) -> None:
        self._update()
        if self._candidate is None:
            return  # Save is disabled; Enter in a field must not pass a refused value
        self.value = self._candidate
        super().accept()


def _parse_group_grade(field: str, text: str) -> object:
    """One muscle group's Modified Ashworth grade as typed (refused off the scale)."""
    return parse_ashworth(text, field)
