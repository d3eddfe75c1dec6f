"""Boluses (product.md, "Screens"; domain.md, "Infusion modes"): a single bolus added to the
pending programme; a priming bolus from the pump model and the implanted catheter length
(showing the volume it pushes, pump part and catheter part, and the dose at the fill
concentration; only under supervision); a bridge bolus after a concentration change; and the
patient-bolus settings with the worst-case daily total they allow.

Each shows its dose, volume and time with units. Typed values are read strictly
(:mod:`ui.widgets.entry`): what a bolus cannot take is refused where it was typed, never rounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import IntEnum, StrEnum
from fractions import Fraction
from html import escape

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from programmer import schedule_edit as se
from programmer.boluses import BridgeBolus, PrimingBolus, bridge_bolus, priming_bolus
from programmer.check_context import CheckContext
from programmer.finding import Finding
from programmer.findings import CheckResult, check_programme
from programmer.programme import Bolus, Programme
from programmer.pump_catalogue import CatheterModel, PumpCatalogue, PumpModel
from programmer.schedule import patient_bolus_max_mcg_per_day
from programmer.units import RateUnit, exact
from programmer.words import format_decimal, format_number
from ui.editor.bolus_model import format_moment, parse_moment
from ui.pump.fields import note, value_edit, with_unit
from ui.pump.record import bridge_text
from ui.screen import fit_to_screen
from ui.theme import ERROR_COLOUR, OK_COLOUR, SEVERITY_COLOURS, SEVERITY_WORDS
from ui.widgets.entry import EntryError, format_plain, format_rate, parse_decimal, parse_whole

RED = ERROR_COLOUR  # resolved against the palette when formatted


class BolusTab(IntEnum):
    SINGLE = 0
    PRIMING = 1
    BRIDGE = 2
    PATIENT = 3


class BolusChoice(StrEnum):
    """What the clinician chose to do when the dialog was accepted."""

    SINGLE = "single"
    PRIMING = "priming"
    BRIDGE = "bridge"
    PATIENT_SETTINGS = "patient-settings"


@dataclass(frozen=True, slots=True)
class BolusContext:
    patient: str  # "Name (id)"
    now: datetime  # to the whole minute
    pump: PumpModel
    pending: Programme
    result: CheckResult  # the pending programme's findings and projection
    current: Programme | None  # what the pending programme is checked against
    record: Programme | None  # the current confirmed programme (its concentration)
    catheter: CatheterModel | None
    catheter_length_cm: Decimal | None
    check: CheckContext  # storage's check context (Database.check_context), against current
    bridge_given_at: datetime | None = None  # a bridge bolus recorded since the last refill

    @property
    def catalogue(self) -> PumpCatalogue:
        return self.check.catalogue


def _findings_html(findings: list[Finding]) -> str:
    return "<br>".join(
        f"<span style='color:{SEVERITY_COLOURS[f.severity].name()}'><b>"
        f"{f.severity.value.upper()}</b> ({SEVERITY_WORDS[f.severity]}) {f.code.value}: "
        f"{escape(f.message)}</span>"
        for f in findings
    )


class BolusDialog(QDialog):
    """After ``accept``: :attr:`choice` and the bolus it concerns (:attr:`single`,
    :attr:`priming`, :attr:`bridge`)."""

    def __init__(
        self, context: BolusContext, tab: BolusTab = BolusTab.SINGLE, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Boluses")
        self.setObjectName("bolusDialog")
        self.context = context
        self.choice: BolusChoice | None = None
        self.single: Bolus | None = None
        self.priming: PrimingBolus | None = None
        self.bridge: BridgeBolus | None = None
        c = context
        conc = c.pending.drug.concentration_mcg_per_ml

        heading = note("bolusHeading")
        heading.setText(
            f"<b>{escape(c.patient)}</b> — {escape(c.pump.display_name)}: internal volume "
            f"{format_decimal(c.pump.internal_volume_ml)} mL, highest flow "
            f"{format_decimal(c.pump.max_flow_ml_per_day)} mL/day. "
            f"Pending fill: {c.pending.drug.name} {format_decimal(conc)} mcg/mL."
        )
        catheter_box = QGroupBox("Catheter (for priming and bridge boluses)")
        catheter_form = QFormLayout(catheter_box)
        self.catheter_combo = QComboBox()
        self.catheter_combo.setObjectName("catheterModel")
        self.catheter_combo.setAccessibleName("Catheter model")
        self.catheter_combo.addItem("— choose the implanted catheter —", None)
        offered = c.catalogue.catheters_for(c.pump.model)  # the pump maker's catheters
        if c.catheter is not None and c.catheter not in offered:
            offered.append(c.catheter)  # what the record says is implanted, whatever its maker
        for model in offered:
            self.catheter_combo.addItem(
                f"{model.display_name} ({format_decimal(model.volume_ml_per_cm)} mL/cm)",
                model.model,
            )
        if c.catheter is not None:
            self.catheter_combo.setCurrentIndex(self.catheter_combo.findData(c.catheter.model))
        self.length_edit = value_edit("catheterLength", "Implanted catheter length in cm")
        if c.catheter_length_cm is not None:
            self.length_edit.setText(format_plain(c.catheter_length_cm))
        catheter_form.addRow("Catheter:", self.catheter_combo)
        catheter_form.addRow("Implanted length:", with_unit(self.length_edit, "cm"))
        self.catheter_error = note("catheterError")
        catheter_form.addRow("", self.catheter_error)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("bolusTabs")
        self.tabs.addTab(self._single_tab(), "&Single bolus")
        self.tabs.addTab(self._priming_tab(), "P&riming bolus")
        self.tabs.addTab(self._bridge_tab(), "&Bridge bolus")
        self.tabs.addTab(self._patient_tab(), "&Patient bolus")
        self.tabs.setCurrentIndex(int(tab))

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(catheter_box)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        fit_to_screen(self, QSize(720, 600))

        for edit in (self.start_edit, self.dose_edit, self.duration_edit, self.length_edit):
            edit.textChanged.connect(self._update)
        self.catheter_combo.currentIndexChanged.connect(self._update)
        self._update()

    # ------------------------------------------------------------ tabs

    def _single_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.start_edit = value_edit("bolusStart", "Bolus start, YYYY-MM-DD HH:MM", 160)
        self.start_edit.setText(format_moment(self.context.now))
        self.dose_edit = value_edit("bolusDose", "Bolus dose in mcg")
        self.duration_edit = value_edit("bolusDuration", "Bolus duration in minutes")
        form.addRow("Start:", with_unit(self.start_edit, "YYYY-MM-DD HH:MM"))
        form.addRow("Dose:", with_unit(self.dose_edit, "mcg"))
        form.addRow("Duration:", with_unit(self.duration_edit, "min"))
        self.single_error = note("singleError")
        self.single_preview = note("singlePreview")
        self.single_findings = note("singleFindings")
        form.addRow("", self.single_error)
        form.addRow("What it gives:", self.single_preview)
        form.addRow("Findings:", self.single_findings)
        self.add_single_button = QPushButton("&Add to the pending programme")
        self.add_single_button.setObjectName("addSingle")
        self.add_single_button.clicked.connect(lambda: self._choose(BolusChoice.SINGLE))
        form.addRow("", self.add_single_button)
        return page

    def _priming_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        intro = note("primingIntro")
        intro.setText(
            "After implant, or replacement of the pump or catheter: fills the pump's tubing and "
            f"the implanted catheter to its tip. <b style='color:{RED}'>Only under "
            "supervision</b>: giving it asks for a confirmation."
        )
        self.priming_breakdown = note("primingBreakdown")
        self.priming_breakdown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.give_priming_button = QPushButton("&Give priming bolus…")
        self.give_priming_button.setObjectName("givePriming")
        self.give_priming_button.clicked.connect(lambda: self._choose(BolusChoice.PRIMING))
        layout.addWidget(intro)
        layout.addWidget(self.priming_breakdown)
        layout.addWidget(self.give_priming_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        return page

    def _bridge_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.bridge_details = note("bridgeTabDetails")
        self.record_bridge_button = QPushButton("Record the bridge bolus as gi&ven")
        self.record_bridge_button.setObjectName("recordBridge")
        self.record_bridge_button.clicked.connect(lambda: self._choose(BolusChoice.BRIDGE))
        layout.addWidget(self.bridge_details)
        layout.addWidget(self.record_bridge_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        return page

    def _patient_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        c = self.context
        pb = c.pending.patient_bolus
        self.patient_summary = note("patientBolusSummary")
        projection = c.result.projection
        if pb is None:
            self.patient_summary.setText(
                "No patient-activated bolus is set in the pending programme."
            )
        else:
            most = patient_bolus_max_mcg_per_day(c.pending)
            findings = [f for f in c.result.findings if f.field.startswith("patient_bolus")]
            self.patient_summary.setText(
                f"{format_plain(pb.dose_mcg)} mcg over {pb.duration_min} min per activation, "
                f"lockout {pb.lockout_min} min, at most {pb.max_per_day} a day: up to "
                f"<b>{format_rate(most, RateUnit.MCG_PER_DAY)}</b> of patient boluses.<br>"
                f"Worst-case 24-h total (programme + every patient bolus): <b>"
                f"{format_rate(projection.worst_case_daily_dose_mcg, RateUnit.MCG_PER_DAY)}</b>"
                f" · {format_rate(projection.worst_case_flow_ml_per_day, RateUnit.ML_PER_DAY)}. "
                "The alarm and refill dates are projected with this worst case."
                + (f"<br>{_findings_html(findings)}" if findings else "")
            )
        self.edit_patient_button = QPushButton("&Edit the settings in the Programme tab")
        self.edit_patient_button.setObjectName("editPatientBolus")
        self.edit_patient_button.clicked.connect(lambda: self._choose(BolusChoice.PATIENT_SETTINGS))
        layout.addWidget(self.patient_summary)
        layout.addWidget(self.edit_patient_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        return page

    # ------------------------------------------------------------ checks

    def _catheter(self) -> tuple[CatheterModel, Decimal] | None:
        """The chosen catheter and typed length, or None with the reason shown."""
        data = self.catheter_combo.currentData()
        text = self.length_edit.text()
        problem = ""
        result: tuple[CatheterModel, Decimal] | None = None
        if data is None:
            problem = "Choose the implanted catheter."
        elif not text.strip():
            problem = "Type the implanted catheter length."
        else:
            catheter = self.context.catalogue.catheter(str(data))
            try:
                length = parse_decimal(text, what="The implanted length")
            except EntryError as error:
                problem = str(error)
            else:
                if length == 0:
                    problem = "The implanted length: must be more than 0 cm."
                elif length > catheter.supplied_length_cm:
                    problem = (
                        f"The implanted length: {length} cm is longer than the "
                        f"{catheter.display_name} as supplied ({catheter.supplied_length_cm} cm)."
                    )
                else:
                    result = (catheter, length)
        self.catheter_error.setText(f"<span style='color:{RED}'>{escape(problem)}</span>")
        self.catheter_error.setVisible(bool(problem))
        return result

    def _update(self) -> None:
        catheter = self._catheter()
        self._update_single()
        self._update_priming(catheter)
        self._update_bridge(catheter)

    def _update_single(self) -> None:
        c = self.context
        self.single = None
        try:
            start = parse_moment(self.start_edit.text(), what="The bolus start")
            if start < c.now:
                raise EntryError(
                    f"The bolus start: {format_moment(start)} is before now "
                    f"({format_moment(c.now)}); a bolus is planned from now on."
                )
            dose = parse_decimal(self.dose_edit.text(), what="The bolus dose")
            if dose == 0:
                raise EntryError("The bolus dose: must be more than 0 mcg.")
            minutes = parse_whole(
                self.duration_edit.text(),
                what="The bolus duration",
                low=1,
                high=1440,
                unit="minutes",
            )
            bolus = Bolus(start, dose, minutes)
            with_bolus = se.add_bolus(c.pending, bolus)
        except (EntryError, se.EditError) as error:
            typed = self.dose_edit.text().strip() or self.duration_edit.text().strip()
            self.single_error.setText(
                f"<span style='color:{RED}'>{escape(str(error))}</span>" if typed else ""
            )
            self.single_preview.setText("—")
            self.single_findings.setText("")
            self.add_single_button.setEnabled(False)
            return
        self.single_error.setText("")
        conc = exact(c.pending.drug.concentration_mcg_per_ml)
        volume = exact(dose) / conc
        flow = volume * 1440 / minutes
        self.single_preview.setText(
            f"{format_plain(dose)} mcg over {minutes} min from {format_moment(start)}: "
            f"{format_plain(volume)} mL at "
            f"{format_decimal(c.pending.drug.concentration_mcg_per_ml)} mcg/mL "
            f"({format_number(flow, 4)} mL/day while it runs)."
        )
        result = check_programme(with_bolus, c.check.with_current(c.current), now=c.now)
        field = f"boluses[{len(with_bolus.boluses) - 1}]"
        mine = [f for f in result.findings if f.field.startswith(field)]
        self.single_findings.setText(
            _findings_html(mine)
            or f"<span style='color:{OK_COLOUR.name()}'>None for this bolus.</span>"
        )
        self.single = bolus
        self.add_single_button.setEnabled(True)

    def _update_priming(self, catheter: tuple[CatheterModel, Decimal] | None) -> None:
        c = self.context
        self.priming = None
        if catheter is None:
            self.priming_breakdown.setText("Choose the catheter and type its implanted length.")
            self.give_priming_button.setEnabled(False)
            return
        model, length = catheter
        conc = c.pending.drug.concentration_mcg_per_ml
        bolus = priming_bolus(c.pump, model, length, conc)
        self.priming = bolus
        self.priming_breakdown.setText(
            "<table cellspacing='4'>"
            f"<tr><td>Pump internal volume ({escape(c.pump.display_name)}):</td>"
            f"<td align='right'>{format_plain(bolus.pump_volume_ml)} mL</td></tr>"
            f"<tr><td>Catheter: {format_decimal(length)} cm × "
            f"{format_decimal(model.volume_ml_per_cm)} mL/cm:</td>"
            f"<td align='right'>{format_plain(bolus.catheter_volume_ml)} mL</td></tr>"
            f"<tr><td><b>Priming volume:</b></td>"
            f"<td align='right'><b>{format_plain(bolus.volume_ml)} mL</b></td></tr>"
            f"<tr><td>Dose it pushes at the fill concentration ({format_decimal(conc)} "
            "mcg/mL):</td>"
            f"<td align='right'><b>{format_plain(bolus.dose_mcg)} mcg</b></td></tr>"
            f"<tr><td>Time at the highest flow ({format_decimal(c.pump.max_flow_ml_per_day)} "
            "mL/day):</td>"
            f"<td align='right'>{bolus.duration_min} min</td></tr>"
            "</table>"
            "The priming dose fills the dead space; it is counted as delivered but mostly does "
            "not reach the patient at once."
        )
        self.give_priming_button.setEnabled(True)

    def _update_bridge(self, catheter: tuple[CatheterModel, Decimal] | None) -> None:
        c = self.context
        self.bridge = None
        self.record_bridge_button.setEnabled(False)
        new = c.pending.drug.concentration_mcg_per_ml
        if c.record is None or c.record.drug.concentration_mcg_per_ml == new:
            self.bridge_details.setText(
                "No concentration change is pending: the pending programme keeps "
                f"{format_decimal(new)} mcg/mL, "
                "as on record. A bridge bolus follows a drug or concentration change (offered "
                "by the Refill dialog)."
            )
            return
        old = c.record.drug.concentration_mcg_per_ml
        if c.bridge_given_at is not None:
            self.bridge_details.setText(
                f"{format_decimal(old)} → {format_decimal(new)} mcg/mL: a bridge bolus was "
                "recorded with the refill at "
                f"{format_moment(c.bridge_given_at)}. Review, save and transmit the refilled "
                "programme."
            )
            return
        daily = c.result.projection.daily_dose_mcg
        if daily <= Fraction(0):
            self.bridge_details.setText(
                f"{format_decimal(old)} → {format_decimal(new)} mcg/mL, but the pending programme "
                "delivers nothing: no bridge "
                "bolus is needed."
            )
            return
        if catheter is None:
            self.bridge_details.setText(
                f"{format_decimal(old)} → {format_decimal(new)} mcg/mL: choose the catheter and "
                "type its implanted length to "
                "compute the bridge bolus."
            )
            return
        model, length = catheter
        bridge = bridge_bolus(c.pump, model, length, old, new, daily)
        self.bridge = bridge
        self.bridge_details.setText(
            escape(
                bridge_text(
                    bridge,
                    pump=c.pump,
                    catheter=model,
                    length_cm=length,
                    old_mcg_per_ml=old,
                    new_mcg_per_ml=new,
                    daily_dose_mcg=daily,
                )
            )
        )
        self.record_bridge_button.setEnabled(True)

    def _choose(self, choice: BolusChoice) -> None:
        self._update()
        ready = {
            BolusChoice.SINGLE: self.single is not None,
            BolusChoice.PRIMING: self.priming is not None,
            BolusChoice.BRIDGE: self.bridge is not None,
            BolusChoice.PATIENT_SETTINGS: True,
        }[choice]
        if ready:
            self.choice = choice
            self.accept()

    def catheter_choice(self) -> tuple[CatheterModel, Decimal] | None:
        """The catheter and length the priming or bridge bolus was computed with."""
        return self._catheter()
