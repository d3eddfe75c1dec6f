"""The live list of findings beside the schedule table (product.md: "findings listed live beside
the table with the offending cells marked"). Each entry gives the severity in colour and in
words, the stable code and the message; activating one (click, or Enter) asks the editor to
select the cell or field it names."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QAbstractItemView, QLabel, QListView, QVBoxLayout, QWidget

from programmer.finding import Finding, Severity
from programmer.words import by_severity
from ui.theme import SEVERITY_BACKGROUNDS, SEVERITY_COLOURS, SEVERITY_NAMES

AnyIndex = QModelIndex | QPersistentModelIndex

FINDING_ROLE = Qt.ItemDataRole.UserRole + 1


def finding_text(finding: Finding) -> str:
    """One entry as read aloud or shown: ``"Hard · CHANGE_EXTREME\\n<message>"``."""
    return f"{SEVERITY_NAMES[finding.severity]} · {finding.code.value}\n{finding.message}"


class FindingsModel(QAbstractListModel):
    """Findings, hard first, then soft, then info (in the order the check found them)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._findings: tuple[Finding, ...] = ()

    def set_findings(self, findings: Sequence[Finding]) -> None:
        ordered = tuple(by_severity(findings))
        if ordered == self._findings:
            return
        if len(ordered) == len(self._findings) and ordered:
            self._findings = ordered
            self.dataChanged.emit(self.index(0), self.index(len(ordered) - 1))
            return
        self.beginResetModel()
        self._findings = ordered
        self.endResetModel()

    def findings(self) -> tuple[Finding, ...]:
        return self._findings

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._findings)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._findings):
            return None
        finding = self._findings[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return finding_text(finding)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{finding.message}\n(field: {finding.field})"
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(SEVERITY_BACKGROUNDS[finding.severity])
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(SEVERITY_COLOURS[finding.severity])
        if role == FINDING_ROLE:
            return finding
        return None


class FindingsPanel(QWidget):
    """A heading with the counts, and the list. ``finding_activated(Finding)`` when a finding is
    clicked or activated by keyboard."""

    finding_activated = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = FindingsModel(self)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Findings summary")
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setWordWrap(True)
        self.view.setUniformItemSizes(False)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setSpacing(2)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAccessibleName("Findings")
        self.view.setToolTip("Click a finding, or press Enter on it, to go to what it is about.")
        self.view.clicked.connect(self._activate)
        self.view.activated.connect(self._activate)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        self.set_findings(())

    def set_findings(self, findings: Sequence[Finding]) -> None:
        self.model.set_findings(findings)
        counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
        if not findings:
            self.summary.setText("<b>Findings</b>: none, the programme passes every check.")
            return
        parts = [
            f'<span style="color:{SEVERITY_COLOURS[s].name()}">{counts[s]} '
            f"{SEVERITY_NAMES[s].lower()}</span>"
            for s in Severity
            if counts[s]
        ]
        blocked = " (hard findings block saving)" if counts[Severity.HARD] else ""
        self.summary.setText(f"<b>Findings</b>: {', '.join(parts)}{blocked}")

    def entries(self) -> list[str]:
        """The entries as shown (for tests and screen readers)."""
        return [finding_text(f) for f in self.model.findings()]

    def _activate(self, index: QModelIndex) -> None:
        finding = index.data(FINDING_ROLE)
        if finding is not None:
            self.finding_activated.emit(finding)
