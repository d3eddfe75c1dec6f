"""The Pump tab: the pump as last interrogated (running or STOPPED, its programme in one line
with units, reservoir, battery and replace-by, alarms in words with an acknowledge button, its
event log) and every difference from the database record, highlighted (product.md, "Screens";
issue: "Interrogate")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from programmer.compare import summary_line
from programmer.finding import Severity
from programmer.pump_status import BatteryLevel, battery_state
from programmer.simulated_pump import Alarm, PumpEvent, SimulatedPump
from programmer.words import format_decimal, ml
from ui.comparison import ComparisonModel, comparison_view
from ui.pump.record import (
    RecordView,
    differences,
    key_differences,
    programme_differences,
    state_words,
)
from ui.row_table import RowTableModel
from ui.theme import (
    OK_COLOUR,
    PUMP_DIFFERS_STYLE,
    RUNNING_STYLE,
    SEVERITY_BACKGROUNDS,
    SEVERITY_COLOURS,
    STOPPED_STYLE,
    WAITING_STYLE,
)


def alarm_severity(alarm: Alarm) -> Severity:
    """Two-tone alarms (drug no longer flowing) are the clinician's first concern."""
    return Severity.HARD if alarm.two_tone else Severity.SOFT


class EventModel(RowTableModel[PumpEvent]):
    """The pump's event log, newest first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(("Time", "Kind", "Event"), parent)

    def cell(self, row: PumpEvent, column: int, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return (row.at.strftime("%Y-%m-%d %H:%M"), row.kind, row.text)[column]
        if role == Qt.ItemDataRole.ForegroundRole and row.kind == "alarm":
            return SEVERITY_COLOURS[Severity.HARD]
        return None


def _value_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(f"pump_{name}")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class PumpPanel(QWidget):
    """Shows one reading; ``acknowledge_requested(Alarm)`` when a button is pressed."""

    acknowledge_requested = Signal(object)

    FIELDS = (
        ("read_at", "Read at"),
        ("pump", "Pump"),
        ("programme", "Programme"),
        ("drug", "Drug"),
        ("reservoir", "Reservoir"),
        ("alarm_level", "Low-reservoir alarm"),
        ("battery", "Battery"),
        ("session", "Session"),
    )

    def __init__(self, actions: Sequence[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pumpPanel")
        self.state_label = QLabel()
        self.state_label.setObjectName("pumpState")
        self.state_label.setAccessibleName("Pump state")
        self.state_label.setWordWrap(True)
        font = QFont(self.state_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.state_label.setFont(font)

        # A tool bar rather than a row of buttons: on a narrow window the ones that do not fit
        # go into its overflow menu instead of widening the window.
        self.toolbar = QToolBar("Pump workflows")
        self.toolbar.setObjectName("pumpToolBar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in actions:
            self.toolbar.addAction(action)

        self.values: dict[str, QLabel] = {}
        read_box = QGroupBox("Pump as read")
        form = QFormLayout(read_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for key, title in self.FIELDS:
            label = _value_label(key)
            label.setAccessibleName(title)
            self.values[key] = label
            form.addRow(f"{title}:", label)

        self.alarms_box = QGroupBox("Alarms")
        self.alarms_layout = QVBoxLayout(self.alarms_box)
        self.alarm_rows: dict[Alarm, tuple[QLabel, QPushButton]] = {}
        self._alarm_widgets: list[QWidget] = []
        self.no_alarms = QLabel("No alarms.")
        self.alarms_layout.addWidget(self.no_alarms)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(read_box)
        left_layout.addWidget(self.alarms_box)
        left_layout.addStretch(1)
        left_scroll = QScrollArea()
        left_scroll.setWidgetResizable(True)
        left_scroll.setWidget(left)

        differences_box = QGroupBox("Pump compared with the record")
        self.differences_summary = QLabel()
        self.differences_summary.setObjectName("pumpDifferencesSummary")
        self.differences_summary.setWordWrap(True)
        self.differences = ComparisonModel("Record", "Pump", self)
        self.differences_view = comparison_view(self.differences, "Pump compared with the record")
        differences_layout = QVBoxLayout(differences_box)
        differences_layout.addWidget(self.differences_summary)
        differences_layout.addWidget(self.differences_view, 1)

        events_box = QGroupBox("Event log (newest first)")
        self.events = EventModel(self)
        self.events_view = QTableView()
        self.events_view.setModel(self.events)
        self.events_view.setAccessibleName("Pump event log")
        self.events_view.setTabKeyNavigation(False)  # Tab leaves the table
        self.events_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.events_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.events_view.verticalHeader().hide()
        header = self.events_view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        QVBoxLayout(events_box).addWidget(self.events_view)

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(differences_box)
        right.addWidget(events_box)
        right.setSizes([360, 240])
        columns = QSplitter(Qt.Orientation.Horizontal)
        columns.addWidget(left_scroll)
        columns.addWidget(right)
        columns.setSizes([470, 560])

        layout = QVBoxLayout(self)
        layout.addWidget(self.state_label)
        layout.addWidget(self.toolbar)
        layout.addWidget(columns, 1)
        self.pump: SimulatedPump | None = None
        self.clear()

    # ------------------------------------------------------------ showing

    def clear(self, text: str = "Not read yet: press Interrogate to read the pump.") -> None:
        self.pump = None
        self.state_label.setText(text)
        self.state_label.setStyleSheet(WAITING_STYLE)
        for label in self.values.values():
            label.setText("—")
        self._show_alarms(None)
        self.differences.set_rows([])
        self.differences_summary.setText("")
        self.events.set_rows([])

    def show_pump(self, pump: SimulatedPump, record: RecordView | None, now: datetime) -> None:
        """One reading of ``pump`` at ``now`` beside what ``record`` expects."""
        self.pump = pump
        words = state_words(pump)
        stopped = words.startswith("STOPPED") or not pump.drug_flowing
        flowing = "" if pump.drug_flowing else " — NO DRUG IS DELIVERED"
        differ = programme_differences(record, pump)
        if differ and not stopped:
            # Running, but not what the record says: never the green "all is well".
            assert record is not None
            names = ", ".join(r.label for r in key_differences(differ))
            flowing += (
                f" — ⚠ NOT version {record.version} on record: it differs in {names}. "
                f"Transmit version {record.version}, or find why."
            )
        self.state_label.setText(
            f"{'⚠ ' if stopped else ''}Pump {words.upper() if stopped else words}{flowing}"
        )
        self.state_label.setStyleSheet(
            STOPPED_STYLE if stopped else PUMP_DIFFERS_STYLE if differ else RUNNING_STYLE
        )
        p = pump.programme
        v = self.values
        ahead = (
            f" — the pump's clock is ahead of the console's ({now:%Y-%m-%d %H:%M}): a training "
            "clock was moved back"
            if pump.clock > now
            else ""
        )
        v["read_at"].setText(f"{pump.clock:%Y-%m-%d %H:%M}{ahead}")
        v["pump"].setText(f"{pump.model.display_name}, serial {p.pump.serial}")
        v["programme"].setText(summary_line(p))
        v["drug"].setText(
            f"{p.drug.name}, {format_decimal(p.drug.concentration_mcg_per_ml)} mcg/mL"
        )
        v["reservoir"].setText(
            f"{ml(pump.reservoir_ml)} of {format_decimal(pump.model.reservoir_ml)} mL (filled with "
            f"{format_decimal(p.reservoir.volume_ml)} mL on {p.reservoir.filled_at:%Y-%m-%d %H:%M})"
        )
        v["alarm_level"].setText(f"at {format_decimal(p.pump.low_reservoir_alarm_ml)} mL")
        battery = battery_state(p.pump.replace_by, now.date())
        eri = (
            " — REPLACEMENT WARNING (ERI) sounding"
            if Alarm.REPLACEMENT_WARNING in pump.alarms
            else ""
        )
        v["battery"].setText(f"replace by {p.pump.replace_by.isoformat()}: {battery.words}{eri}")
        colour = {
            BatteryLevel.OK: "",
            BatteryLevel.PLAN_REPLACEMENT: f"color: {SEVERITY_COLOURS[Severity.SOFT].name()}",
            BatteryLevel.REPLACE_NOW: f"color: {SEVERITY_COLOURS[Severity.HARD].name()}",
        }[battery.level]
        v["battery"].setStyleSheet(colour)
        if pump.session is None:
            v["session"].setText("none open")
            v["session"].setStyleSheet("")
        else:
            steps = ", ".join(s.value for s in pump.session)
            v["session"].setText(
                f"OPEN — steps done: {steps}. Finish it (transmit again) or undo it (resume the "
                "previous programme)."
            )
            v["session"].setStyleSheet(f"color: {SEVERITY_COLOURS[Severity.HARD].name()}")
        self._show_alarms(pump)
        self._show_differences(pump, record)
        self.events.set_rows(list(reversed(pump.events)))

    def _show_alarms(self, pump: SimulatedPump | None) -> None:
        # Old rows leave the layout at once (deleteLater alone would keep them on screen until
        # the event loop next runs its deferred deletes).
        for row_widget in self._alarm_widgets:
            row_widget.hide()
            row_widget.setParent(None)
            row_widget.deleteLater()
        self._alarm_widgets.clear()
        self.alarm_rows.clear()
        alarms = sorted(pump.alarms) if pump is not None else []
        self.no_alarms.setVisible(not alarms)
        for alarm in alarms:
            severity = alarm_severity(alarm)
            sounding = alarm not in pump.acknowledged if pump is not None else False
            tone = "two-tone" if alarm.two_tone else "single tone"
            status = "SOUNDING" if sounding else "acknowledged"
            label = QLabel(f"<b>{escape(alarm.words)}</b><br>({tone}, {status})")
            label.setObjectName(f"alarm_{alarm.value}")
            label.setWordWrap(True)
            label.setStyleSheet(
                f"background: {SEVERITY_BACKGROUNDS[severity].name()}; "
                f"color: {SEVERITY_COLOURS[severity].name()}; padding: 4px;"
            )
            button = QPushButton("Acknowledge")
            button.setObjectName(f"ack_{alarm.value}")
            button.setAccessibleName(f"Acknowledge {alarm.words}")
            button.setEnabled(sounding)
            button.clicked.connect(lambda _c=False, a=alarm: self.acknowledge_requested.emit(a))
            row_widget = QWidget()
            row = QHBoxLayout(row_widget)
            row.setContentsMargins(0, 0, 0, 0)
            row.addWidget(label, 1)
            row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
            self.alarms_layout.addWidget(row_widget)
            self._alarm_widgets.append(row_widget)
            self.alarm_rows[alarm] = (label, button)

    def _show_differences(self, pump: SimulatedPump, record: RecordView | None) -> None:
        rows = differences(record, pump)
        title = "Record" if record is None else f"Record (version {record.version})"
        self.differences.set_rows(rows, title, "Pump")
        self.differences_view.resizeRowsToContents()
        changed = [r for r in rows if r.changed]
        if not changed:
            self.differences_summary.setText(
                f"<span style='color:{OK_COLOUR.name()}'>The pump matches the record: it runs "
                f"version {record.version if record else '—'} and holds what the record "
                "expects.</span>"
            )
        else:
            names = ", ".join(r.label for r in changed)
            self.differences_summary.setText(
                f"<span style='color:{SEVERITY_COLOURS[Severity.HARD].name()}'><b>{len(changed)}"
                f" difference(s) from the record</b>, highlighted: {escape(names)}.</span>"
            )

    def difference_rows(self) -> list[tuple[str, str, str, bool]]:
        """(label, record, pump, differs) per row shown: what a person reads in the table."""
        return [(r.label, r.before, r.after, r.changed) for r in self.differences.rows()]
