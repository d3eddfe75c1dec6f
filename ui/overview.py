"""Patient overview: pump, drug, current programme in one line, reservoir now, alarm and refill
dates, replace-by and alerts in colour and in words (product.md, "Screens")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from fractions import Fraction
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from db.database import PatientRecord, ProgrammeVersion
from db.patients import with_record
from programmer.check_context import CheckContext
from programmer.compare import summary_line
from programmer.finding import Severity
from programmer.findings import CheckResult, check_programme
from programmer.projection import is_empty_by, is_refill_overdue, reservoir_at
from programmer.pump_status import BatteryLevel, battery_state
from programmer.words import format_decimal, format_number, severity_rank
from ui.theme import OK_COLOUR, SEVERITY_COLOURS, SEVERITY_NAMES

if TYPE_CHECKING:
    from ui.widgets.plots import ReservoirPlot


def _value_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


# Which shown value a finding's field is about: (section, attribute), the section alone for the
# rest of it (programmer.schedule_edit.parse_field).
_FIELD_KEYS = {
    ("patient", ""): "patient",
    ("pump", ""): "pump",
    ("pump", "replace_by"): "replace_by",
    ("pump", "low_reservoir_alarm_ml"): "alarm",
    ("drug", ""): "drug",
    ("reservoir", ""): "reservoir",
}


class PatientOverview(QWidget):
    """Read-only summary of the open patient, recomputed at ``now`` on every show."""

    FIELDS = (
        ("patient", "Patient"),
        ("pump", "Pump"),
        ("replace_by", "Replace by"),
        ("drug", "Drug"),
        ("programme", "Current programme"),
        ("reservoir", "Reservoir now (est.)"),
        ("alarm", "Low-reservoir alarm"),
        ("refill", "Next refill"),
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values: dict[str, QLabel] = {}
        box = QGroupBox("Overview")
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for key, title in self.FIELDS:
            label = _value_label(f"overview_{key}")
            label.setAccessibleName(title)
            self.values[key] = label
            form.addRow(f"{title}:", label)
        self.alerts = QLabel()
        self.alerts.setObjectName("overview_alerts")
        self.alerts.setAccessibleName("Alerts")
        self.alerts.setWordWrap(True)
        self.alerts.setTextFormat(Qt.TextFormat.RichText)
        alerts_box = QGroupBox("Alerts")
        QVBoxLayout(alerts_box).addWidget(self.alerts)
        # The plot is built when a programme is first shown (a second off start-up).
        self.reservoir_plot: ReservoirPlot | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(box)
        layout.addWidget(alerts_box)
        self._stretch_index = layout.count()
        layout.addStretch(1)
        self.result: CheckResult | None = None
        self._record_alerts: list[tuple[Severity, str]] = []
        self._pump_alerts: list[tuple[Severity, str]] = []

    def value_for_field(self, field: str) -> QLabel | None:
        """The shown value a finding's ``field`` is about (the reservoir, pump, drug or
        patient, which the schedule editor does not edit), or None."""
        from programmer.schedule_edit import parse_field  # with the editor, not at start-up

        ref = parse_field(field)
        key = _FIELD_KEYS.get((ref.section, ref.attribute or "")) or _FIELD_KEYS.get(
            (ref.section, "")
        )
        return None if key is None else self.values[key]

    def _plot(self) -> ReservoirPlot:
        if self.reservoir_plot is None:
            from ui.widgets.plots import ReservoirPlot

            self.reservoir_plot = ReservoirPlot(label="Current programme", compare=False)
            self.reservoir_plot.setAccessibleName("Reservoir projection")
            layout = self.layout()
            assert isinstance(layout, QVBoxLayout)
            layout.insertWidget(self._stretch_index, self.reservoir_plot, 1)
            layout.takeAt(layout.count() - 1)  # the stretch that held the place
        return self.reservoir_plot

    def show_patient(
        self,
        record: PatientRecord,
        current: ProgrammeVersion | None,
        now: datetime,
        context: CheckContext,
    ) -> None:
        """``context``: storage's check context for the patient (Database.check_context), so the
        Overview shows the findings the save path would give."""
        p = record.patient
        v = self.values
        v["patient"].setText(
            f"{p.name} ({p.id}), born {p.birth_date.isoformat()} "
            f"(age {p.age_on(now.date())}), {p.spasticity_origin.value} origin"
            + (f"; {record.diagnosis}" if record.diagnosis else "")
        )
        alerts: list[tuple[Severity, str]] = []
        catalogue = context.catalogue
        if record.pump is None:
            v["pump"].setText("no pump recorded")
            v["replace_by"].setText("—")
        else:
            pump = record.pump
            model = catalogue.pumps.get(pump.model)
            v["pump"].setText(
                f"{model.display_name if model else pump.model}, serial "
                f"{pump.serial}, implanted {pump.implanted_on.isoformat()}"
            )
            state = battery_state(pump.replace_by, now.date())
            v["replace_by"].setText(f"{pump.replace_by.isoformat()}: {state.words}")
            if state.level is BatteryLevel.REPLACE_NOW:
                alerts.append((Severity.HARD, f"Pump {state.words}."))
            elif state.level is BatteryLevel.PLAN_REPLACEMENT:
                alerts.append((Severity.SOFT, f"Pump {state.words}."))
        if current is None:
            for key in ("drug", "programme", "reservoir", "alarm", "refill"):
                v[key].setText("—")
            v["programme"].setText("No programme saved yet")
            self.result = None
            if self.reservoir_plot is not None:
                self.reservoir_plot.setVisible(False)
        else:
            # The programme as the pump runs it now, with the record as corrected since the save
            # (db.patients.running): its alarm volume and replace-by date, as the worklist's.
            prog = with_record(current.programme, record)
            pump_model = catalogue.pump(prog.pump.model)
            v["drug"].setText(
                f"{prog.drug.name}, {format_decimal(prog.drug.concentration_mcg_per_ml)} mcg/mL"
            )
            v["programme"].setText(
                f"{summary_line(prog)} (version {current.number}, saved "
                f"{current.saved_at:%Y-%m-%d %H:%M} by {current.saved_by})"
            )
            self.result = check_programme(prog, context, now=now)
            proj = self.result.projection
            # What ran on the fill before the current programme (a dose changed mid-fill) left
            # in the reservoir, as the dates, the worklist and the refill dialog count it.
            volume = reservoir_at(prog, pump_model, now, earlier=self.result.earlier)
            v["reservoir"].setText(
                f"{format_number(max(volume, Fraction(0)), 2)} mL of "
                f"{format_decimal(pump_model.reservoir_ml)} mL "
                f"(filled with {format_decimal(prog.reservoir.volume_ml)} mL on "
                f"{prog.reservoir.filled_at:%Y-%m-%d})"
                + (" — EMPTY by the programme" if volume <= 0 else "")
            )
            self._plot().setVisible(True)
            self._plot().show_projection(
                prog, proj, pump_model, now=now, earlier=self.result.earlier
            )
            alarm = proj.low_reservoir_alarm_at
            v["alarm"].setText(
                f"{alarm:%Y-%m-%d %H:%M} (at {format_decimal(prog.pump.low_reservoir_alarm_ml)} mL)"
                if alarm
                else "not reached at this rate"
            )
            v["refill"].setText(
                f"{proj.next_refill_at:%Y-%m-%d} (set by "
                f"{proj.refill_limited_by.value}; empty "
                + (f"{proj.empty_at:%Y-%m-%d})" if proj.empty_at else "never)")
            )
            alerts += [(f.severity, f.message) for f in self.result.findings]
            alerts += _dated_alerts(self.result, now)
        self._record_alerts = alerts
        self._render_alerts()

    def set_pump_alerts(self, alerts: Sequence[tuple[Severity, str]]) -> None:
        """What the pump as last read adds (stopped, alarms sounding, record and pump
        differing): shown with the record's own alerts until the next reading."""
        self._pump_alerts = list(alerts)
        self._render_alerts()

    def alert_lines(self) -> list[tuple[Severity, str]]:
        """Every alert shown, worst first (for tests and screen readers)."""
        alerts = self._pump_alerts + self._record_alerts
        return sorted(alerts, key=lambda a: severity_rank(a[0]))

    def _render_alerts(self) -> None:
        alerts = self.alert_lines()
        if not alerts:
            self.alerts.setText(f"<span style='color:{OK_COLOUR.name()}'>No alerts.</span>")
            return
        self.alerts.setText(
            "<br>".join(
                f"<span style='color:{SEVERITY_COLOURS[s].name()}'><b>{SEVERITY_NAMES[s]}:</b> "
                f"{escape(text)}</span>"
                for s, text in alerts
            )
        )


def _dated_alerts(result: CheckResult, now: datetime) -> list[tuple[Severity, str]]:
    """A refill date already past and a reservoir estimated empty before now, from the
    record's projection, unless a finding already says so (the engine's REFILL_OVERDUE and
    RESERVOIR_EMPTY, product.md), by the engine's own rules (projection.is_refill_overdue,
    is_empty_by)."""
    codes = {str(f.code) for f in result.findings}
    projection = result.projection
    alerts: list[tuple[Severity, str]] = []
    if projection.empty_at is not None and is_empty_by(projection.empty_at, now):
        if "RESERVOIR_EMPTY" not in codes:
            alerts.append(
                (
                    Severity.HARD,
                    f"Reservoir estimated EMPTY since {projection.empty_at:%Y-%m-%d %H:%M}: no "
                    "drug is delivered (withdrawal risk). Refill now.",
                )
            )
    elif is_refill_overdue(projection.next_refill_at, now) and "REFILL_OVERDUE" not in codes:
        alerts.append(
            (
                Severity.HARD,
                f"Refill overdue since {projection.next_refill_at:%Y-%m-%d %H:%M} (set by "
                f"{projection.refill_limited_by.value}).",
            )
        )
    return alerts
