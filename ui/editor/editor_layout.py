"""How the schedule editor's parts are arranged: the header (mode, day, unit, the drug line and the
24-h total), the schedule beside its findings, and the plots beside the boluses.

Side by side where there is room; on a narrow editor (1280 px at 150 %, 1920 px at 200 %, with
the patient browser beside it) the total goes under the drug line and the findings under the
schedule, so that both stay in sight instead of past the right edge, where only a sideways scroll
would show them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QBoxLayout,
    QGridLayout,
    QHBoxLayout,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ui.widgets.restyle import labelled

# The editor's width below which the total and the findings go under the schedule instead of
# beside it, and the narrowest it can be: its header row.
COMPACT_BELOW = 880
MINIMUM_WIDTH = 580


class EditorLayout:
    """The arrangement of ``editor``'s parts, set up once; :meth:`fit` follows its width."""

    def __init__(
        self,
        editor: QWidget,
        *,
        header: tuple[QWidget, QWidget, QWidget, QWidget],
        drug_label: QWidget,
        total_box: QWidget,
        schedule: tuple[QWidget, QWidget],
        findings: QWidget,
        plots: QWidget,
        boluses: QWidget,
    ) -> None:
        mode_combo, day_combo, same_day_check, unit_combo = header
        self.total_box = total_box
        self.header = QGridLayout()
        self.header.addWidget(labelled("&Mode", mode_combo), 0, 0)
        self.header.addWidget(mode_combo, 0, 1)
        self.header.addWidget(labelled("&Day", day_combo), 0, 2)
        self.header.addWidget(day_combo, 0, 3)
        self.header.addWidget(same_day_check, 0, 4)
        self.header.addWidget(labelled("Un&it", unit_combo), 0, 5)  # Alt+U: the Pump tab
        self.header.addWidget(unit_combo, 0, 6)
        self.header.addWidget(drug_label, 1, 0, 1, 7)
        self.header.setColumnStretch(7, 1)
        self.header.setRowStretch(2, 1)  # a tall total box leaves the rows on its left as they are

        table_part = QWidget()
        schedule_layout = QVBoxLayout(table_part)
        schedule_layout.setContentsMargins(0, 0, 0, 0)
        schedule_layout.addWidget(schedule[0], 1)
        schedule_layout.addWidget(schedule[1])

        self.top = QSplitter(Qt.Orientation.Horizontal)
        self.top.addWidget(table_part)
        self.top.addWidget(findings)
        self.top.setStretchFactor(0, 3)
        self.top.setStretchFactor(1, 2)
        self.top.setChildrenCollapsible(False)

        bottom = QWidget()
        self.bottom = QHBoxLayout(bottom)
        self.bottom.setContentsMargins(0, 0, 0, 0)
        self.bottom.addWidget(plots, 1)
        self.bottom.addWidget(boluses)

        self.body = QSplitter(Qt.Orientation.Vertical)
        self.body.addWidget(self.top)
        self.body.addWidget(bottom)
        self.body.setStretchFactor(0, 2)
        self.body.setStretchFactor(1, 3)
        self.body.setChildrenCollapsible(False)
        self.body.setSizes([300, 480])

        layout = QVBoxLayout(editor)
        layout.addLayout(self.header)
        layout.addWidget(self.body, 1)
        editor.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        # A fixed minimum: otherwise every label whose text changes would change the window's
        # size constraints on each edit (and the offscreen platform warns about each one).
        editor.setMinimumSize(MINIMUM_WIDTH, 600)
        self.compact: bool | None = None
        self.arrange(compact=False)

    def fit(self, width: int) -> None:
        """The arrangement for an editor ``width`` pixels wide."""
        self.arrange(compact=width < COMPACT_BELOW)

    def arrange(self, *, compact: bool) -> None:
        """Side by side, or (``compact``) the total under the drug line, the findings under the
        schedule and the boluses under the plots."""
        if compact == self.compact:
            return
        self.compact = compact
        self.header.removeWidget(self.total_box)
        if compact:
            self.header.addWidget(self.total_box, 2, 0, 1, 8)
        else:
            self.header.addWidget(self.total_box, 0, 8, 3, 1, Qt.AlignmentFlag.AlignRight)
        vertical, horizontal = Qt.Orientation.Vertical, Qt.Orientation.Horizontal
        self.top.setOrientation(vertical if compact else horizontal)
        direction = QBoxLayout.Direction
        self.bottom.setDirection(direction.TopToBottom if compact else direction.LeftToRight)
