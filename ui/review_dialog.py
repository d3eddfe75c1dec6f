"""Review and confirm (product.md): current vs pending side by side with every change
highlighted; hard findings block; each soft finding needs its own typed reason; the change
itself needs a reason. Nothing is saved here: the caller saves with what the dialog collected."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from programmer.compare import compare
from programmer.finding import Finding, Severity
from programmer.findings import CheckResult
from programmer.programme import Programme
from ui.comparison import ComparisonModel, comparison_view
from ui.screen import fit_to_screen
from ui.theme import SEVERITY_COLOURS, SEVERITY_WORDS


def acknowledgement_key(finding: Finding) -> str:
    """How a soft finding's reason is keyed when saved (code and field)."""
    return f"{finding.code.value}@{finding.field}"


class ReviewDialog(QDialog):
    """Collects the reasons; ``acknowledgements()`` and ``reason()`` after ``accept``."""

    def __init__(
        self,
        current: Programme | None,
        pending: Programme,
        result: CheckResult,
        *,
        current_title: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Review and save the programme")
        self.setObjectName("reviewDialog")
        self.model = ComparisonModel(current_title, "Pending (this change)", self)
        self.model.set_rows(compare(current, pending))
        table = comparison_view(self.model, "Current and pending programmes")
        changed = len(self.model.changed_rows())
        summary = QLabel(
            f"<b>{changed}</b> value(s) changed, highlighted below."
            if current is not None
            else "First programme for this patient."
        )
        summary.setObjectName("reviewSummary")

        self.reason_edits: dict[str, QLineEdit] = {}
        findings_box = QGroupBox("Findings")
        findings_layout = QVBoxLayout(findings_box)
        hard = [f for f in result.findings if f.severity is Severity.HARD]
        soft = [f for f in result.findings if f.severity is Severity.SOFT]
        info = [f for f in result.findings if f.severity is Severity.INFO]
        if not result.findings:
            findings_layout.addWidget(QLabel("No findings."))
        for f in hard + info:
            label = QLabel(self._finding_html(f))
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
            findings_layout.addWidget(label)
        if soft:
            # A reason is recorded per code and field: findings that share both (e.g. a dose
            # under the usual range most days and over it with every patient bolus) share one.
            groups: dict[str, list[Finding]] = {}
            for f in soft:
                groups.setdefault(acknowledgement_key(f), []).append(f)
            form = QFormLayout()
            for key, found in groups.items():
                label = QLabel("<br><br>".join(self._finding_html(f) for f in found))
                label.setWordWrap(True)
                label.setTextFormat(Qt.TextFormat.RichText)
                edit = QLineEdit(placeholderText="Reason for accepting this (required)")
                edit.setAccessibleName(f"Reason for accepting {found[0].code.value}")
                edit.setObjectName(f"ack_{key}")
                edit.textChanged.connect(self._update)
                self.reason_edits[key] = edit
                form.addRow(label)
                form.addRow("Reason:", edit)
            findings_layout.addLayout(form)
        findings_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(findings_box)

        self.change_reason = QLineEdit(placeholderText="Why this change (required, recorded)")
        self.change_reason.setObjectName("changeReason")
        self.change_reason.setAccessibleName("Reason for this change")
        self.change_reason.textChanged.connect(self._update)
        self.blocked = QLabel()
        self.blocked.setObjectName("reviewBlocked")
        self.blocked.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("&Save programme")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._hard = bool(hard)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(table)
        splitter.addWidget(scroll)
        splitter.setSizes([620, 420])
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(splitter, 1)
        form = QFormLayout()
        form.addRow("Reason for the change:", self.change_reason)
        layout.addLayout(form)
        layout.addWidget(self.blocked)
        layout.addWidget(self.buttons)
        fit_to_screen(self, QSize(1100, 640))
        self._update()
        (
            next(iter(self.reason_edits.values())) if self.reason_edits else self.change_reason
        ).setFocus()

    @staticmethod
    def _finding_html(f: Finding) -> str:
        colour = SEVERITY_COLOURS[f.severity].name()
        return (
            f"<span style='color:{colour}'><b>{f.severity.value.upper()}</b> "
            f"({SEVERITY_WORDS[f.severity]}) {f.code.value}</span><br>{escape(f.message)}"
        )

    def _update(self) -> None:
        missing = [k for k, e in self.reason_edits.items() if not e.text().strip()]
        problems = []
        if self._hard:
            problems.append("A hard finding blocks saving: go back and change the programme.")
        if missing:
            problems.append(f"{len(missing)} soft finding(s) still need a reason.")
        if not self.change_reason.text().strip():
            problems.append("Give a reason for the change.")
        self.blocked.setText(" ".join(problems))
        self.blocked.setStyleSheet(
            f"color: {SEVERITY_COLOURS[Severity.HARD].name()}" if self._hard else ""
        )
        self.save_button.setEnabled(not problems)

    def acknowledgements(self) -> dict[str, str]:
        return {k: e.text().strip() for k, e in self.reason_edits.items()}

    def reason(self) -> str:
        return self.change_reason.text().strip()
