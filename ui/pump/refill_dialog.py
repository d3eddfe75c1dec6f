"""Refill (product.md, "Screens"; domain.md, "Refill arithmetic"): the expected residual from the
record, the measured residual typed and checked with the 1 mL (20 mL pump) / 2 mL (40 mL pump)
rule, the volume added (never over the reservoir), the new drug and concentration (a bridge
bolus offered when it changes), and the new alarm, empty and refill dates, all before
confirming.

Nothing typed is clamped or rounded: a value the refill cannot take is refused where it was
typed, with the reason, and the dialog cannot be confirmed until it is put right. A significant
discrepancy, and a concentration change without a bridge bolus, each need a typed reason. So
does a concentration outside the drug library: confirming it as a compounded product for this
patient is a separate, logged override (product.md, CONCENTRATION_UNKNOWN), recorded with the
refill; the screening concentration can never be confirmed for a pump fill."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from html import escape

from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from db.compounded import concentrations_of, latest_for
from db.database import CompoundedConfirmation, RefillRecord
from programmer.boluses import BridgeBolus, bridge_bolus, unbridged_change
from programmer.check_context import CheckContext
from programmer.compare import summary_line
from programmer.drug_library import DrugLibrary
from programmer.finding import Severity, num
from programmer.findings import CheckResult, check_programme, overfill_finding
from programmer.programme import Programme
from programmer.pump_catalogue import CatheterModel, PumpModel
from programmer.refill import (
    RefillCheck,
    RefillFigures,
    after_refill,
    check_refill,
    discrepancy_finding,
    refill_findings,
)
from programmer.units import exact, round_half_up
from programmer.words import by_severity, format_decimal, format_number, ml
from ui.pump.fields import note, value_edit, with_unit
from ui.pump.record import RecordView, bridge_text, duration_words
from ui.screen import fit_to_screen
from ui.theme import ERROR_COLOUR, OK_COLOUR, SEVERITY_COLOURS, SEVERITY_WORDS, SOFT_COLOUR
from ui.widgets.entry import EntryError, format_plain, parse_decimal

RED = ERROR_COLOUR  # resolved against the palette when formatted
AMBER = SOFT_COLOUR
OTHER = "other"


@dataclass(frozen=True, slots=True)
class RefillContext:
    """What the dialog works from: the record (the current confirmed version and what it expects
    now), the pending programme the refill applies to, the pump and its catheter."""

    patient: str  # "Name (id)"
    at: datetime  # the refill, to the whole minute (the programme file holds minutes)
    pump: PumpModel
    record: RecordView
    pending: Programme
    current: Programme | None  # what the pending programme is checked against
    catheter: CatheterModel | None
    catheter_length_cm: Decimal | None
    check: CheckContext  # storage's check context (Database.check_context)
    # The patient's confirmed compounded concentrations (the database's confirm_compounded).
    compounded: tuple[CompoundedConfirmation, ...] = ()

    @property
    def library(self) -> DrugLibrary:
        return self.check.library


@dataclass(frozen=True, slots=True)
class RefillOutcome:
    """What a confirmed dialog gives: the refill record, the fill for the pending programme, the
    bridge-bolus decision (when the concentration changes), and the typed reason confirming a
    concentration outside the library as compounded ("" when none is to be confirmed now)."""

    refill: RefillRecord
    bridge: BridgeBolus | None
    bridge_omitted_reason: str
    concentration_changed: bool
    compounded_reason: str = ""


def _error(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setStyleSheet(f"color: {RED}" if text else "")
    label.setVisible(bool(text))


class RefillDialog(QDialog):
    """Every check is redone on each keystroke; :meth:`outcome` after ``accept``."""

    def __init__(self, context: RefillContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Refill the pump")
        self.setObjectName("refillDialog")
        self.context = context
        c = context
        record = c.record.programme
        self.check: RefillCheck | None = None
        self.result_after: CheckResult | None = None
        self.bridge: BridgeBolus | None = None
        # An "other" concentration this refill confirms as compounded (not yet on record).
        self.confirming: Decimal | None = None

        heading = note("refillHeading")
        heading.setText(
            f"<b>Refill for {escape(c.patient)}</b> — {escape(c.pump.display_name)} "
            f"(reservoir {format_decimal(c.pump.reservoir_ml)} mL), "
            f"{c.at:%Y-%m-%d %H:%M}.<br>Record: version "
            f"{c.record.version}, {format_decimal(record.reservoir.volume_ml)} mL of "
            f"{record.drug.name} "
            f"{format_decimal(record.drug.concentration_mcg_per_ml)} mcg/mL filled "
            f"{record.reservoir.filled_at:%Y-%m-%d %H:%M}."
        )

        # 1. residual
        residual_box = QGroupBox("1. Residual withdrawn")
        residual = QFormLayout(residual_box)
        self.expected_label = note("expectedResidual")
        expected = max(c.record.expected_ml, Fraction(0))
        given = (
            f", and {format_number(c.record.given_outside_mcg, 2)} mcg of boluses given outside "
            "the programme"
            if c.record.given_outside_mcg
            else ""
        )
        self.expected_label.setText(
            f"<b>{ml(expected, 3)}</b> ({format_decimal(record.reservoir.volume_ml)} mL filled, "
            "less the "
            f"programmed delivery since{given})"
        )
        residual.addRow("Expected residual:", self.expected_label)
        self.measured_edit = value_edit("measuredResidual", "Measured residual in mL")
        self.measured_edit.setPlaceholderText("e.g. 3.4")
        residual.addRow("Measured residual:", with_unit(self.measured_edit, "mL"))
        self.measured_error = note("measuredError")
        residual.addRow("", self.measured_error)
        self.discrepancy_label = note("discrepancy")
        residual.addRow("Discrepancy:", self.discrepancy_label)
        self.discrepancy_reason = QLineEdit()
        self.discrepancy_reason.setObjectName("discrepancyReason")
        self.discrepancy_reason.setAccessibleName("Reason for accepting the refill discrepancy")
        self.discrepancy_reason.setPlaceholderText(
            "Required over the limit: what was checked, and why the refill goes ahead (recorded)"
        )
        residual.addRow("Reason:", self.discrepancy_reason)

        # 2. fill
        fill_box = QGroupBox("2. New fill")
        fill = QFormLayout(fill_box)
        self.drug_combo = QComboBox()
        self.drug_combo.setObjectName("refillDrug")
        self.drug_combo.setAccessibleName("Drug")
        for name, drug in c.library.drugs.items():
            self.drug_combo.addItem(drug.display_name, name)
        self.drug_combo.setCurrentIndex(max(self.drug_combo.findData(record.drug.name), 0))
        fill.addRow("Drug:", self.drug_combo)
        self.concentration_combo = QComboBox()
        self.concentration_combo.setObjectName("refillConcentration")
        self.concentration_combo.setAccessibleName("Concentration")
        self.other_edit = value_edit("otherConcentration", "Other concentration in mcg/mL")
        self.compounded_box = QCheckBox(
            "I confirm this is a dilution or compounded product, not a library concentration"
        )
        self.compounded_box.setObjectName("compoundedConfirmed")
        self.compounded_reason = QLineEdit()
        self.compounded_reason.setObjectName("compoundedReason")
        self.compounded_reason.setAccessibleName("Reason for confirming the compounded product")
        self.compounded_reason.setPlaceholderText(
            "Required: the product (pharmacy, label) and why it is used (recorded as an override)"
        )
        self.other_row = QWidget()
        other_layout = QVBoxLayout(self.other_row)
        other_layout.setContentsMargins(0, 0, 0, 0)
        other_layout.addWidget(with_unit(self.other_edit, "mcg/mL"))
        other_layout.addWidget(self.compounded_box)
        other_layout.addWidget(self.compounded_reason)
        fill.addRow("Concentration:", self.concentration_combo)
        fill.addRow("", self.other_row)
        self.concentration_note = note("concentrationNote")
        fill.addRow("", self.concentration_note)
        self.volume_edit = value_edit("volumeAdded", "Volume added in mL")
        self.volume_edit.setPlaceholderText(f"at most {c.pump.reservoir_ml}")
        fill.addRow("Volume added:", with_unit(self.volume_edit, "mL"))
        self.volume_error = note("volumeError")
        fill.addRow("", self.volume_error)

        # 3. bridge bolus
        self.bridge_box = QGroupBox("3. Bridge bolus (the concentration changes)")
        bridge = QVBoxLayout(self.bridge_box)
        self.bridge_label = note("bridgeDetails")
        self.give_bridge = QRadioButton("Give the bridge bolus")
        self.give_bridge.setObjectName("giveBridge")
        self.omit_bridge = QRadioButton("Give no bridge bolus")
        self.omit_bridge.setObjectName("omitBridge")
        group = QButtonGroup(self)
        group.addButton(self.give_bridge)
        group.addButton(self.omit_bridge)
        self.give_bridge.setChecked(True)
        self.omit_warning = note("noBridgeWarning")
        self.omit_reason = QLineEdit()
        self.omit_reason.setObjectName("noBridgeReason")
        self.omit_reason.setAccessibleName("Reason for giving no bridge bolus")
        self.omit_reason.setPlaceholderText("Required: why no bridge bolus is given (recorded)")
        bridge.addWidget(self.bridge_label)
        bridge.addWidget(self.give_bridge)
        bridge.addWidget(self.omit_bridge)
        bridge.addWidget(self.omit_warning)
        bridge.addWidget(self.omit_reason)

        # 4. after the refill
        after_box = QGroupBox("4. After the refill (the pending programme, refilled)")
        after = QVBoxLayout(after_box)
        self.dates_label = note("refillDates")
        self.findings_label = note("refillFindings")
        after.addWidget(self.dates_label)
        after.addWidget(self.findings_label)

        body = QWidget()
        body_layout = QVBoxLayout(body)
        for widget in (heading, residual_box, fill_box, self.bridge_box, after_box):
            body_layout.addWidget(widget)
        body_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)

        self.blocked_label = note("refillBlocked")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.confirm_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.confirm_button.setText("&Record refill")
        self.buttons.accepted.connect(self._accept_if_valid)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.blocked_label)
        layout.addWidget(self.buttons)
        fit_to_screen(self, QSize(760, 820))

        self._fill_concentrations()
        for edit in (
            self.measured_edit,
            self.volume_edit,
            self.other_edit,
            self.compounded_reason,
            self.discrepancy_reason,
            self.omit_reason,
        ):
            edit.textChanged.connect(self._update)
        self.drug_combo.currentIndexChanged.connect(self._on_drug)
        self.concentration_combo.currentIndexChanged.connect(self._update)
        self.compounded_box.toggled.connect(self._update)
        self.give_bridge.toggled.connect(self._update)
        self._update()
        self.measured_edit.setFocus()

    # ------------------------------------------------------------ choices

    def _fill_concentrations(self) -> None:
        drug = self.context.library.drug(self.drug_combo.currentData())
        keep = self.context.record.programme.drug.concentration_mcg_per_ml
        self.concentration_combo.blockSignals(True)
        self.concentration_combo.clear()
        for conc in drug.concentrations_mcg_per_ml:
            self.concentration_combo.addItem(f"{format_decimal(conc)} mcg/mL", str(conc))
        self.concentration_combo.addItem("Other (dilution or compounded)…", OTHER)
        index = self.concentration_combo.findData(str(keep))
        if index < 0 and drug.name == self.context.record.programme.drug.name:
            # The record holds a compounded product: offer the same, never a library one.
            index = self.concentration_combo.findData(OTHER)
            self.other_edit.setText(format_plain(keep))
        self.concentration_combo.setCurrentIndex(max(index, 0))
        self.concentration_combo.blockSignals(False)

    def _on_drug(self) -> None:
        self._fill_concentrations()
        self._update()

    # ------------------------------------------------------------ reading what was typed

    def _measured(self) -> Decimal | None:
        text = self.measured_edit.text()
        if not text.strip():
            _error(self.measured_error, "")
            return None
        try:
            value = parse_decimal(text, what="The measured residual")
        except EntryError as error:
            _error(self.measured_error, str(error))
            return None
        size = self.context.pump.reservoir_ml
        if value > size:
            _error(
                self.measured_error,
                f"The measured residual: {format_decimal(value)} mL is more than the "
                f"{format_decimal(size)} mL reservoir can "
                "hold. Check the syringe reading; nothing was changed.",
            )
            return None
        _error(self.measured_error, "")
        return value

    def _volume(self) -> Decimal | None:
        text = self.volume_edit.text()
        if not text.strip():
            _error(self.volume_error, "")
            return None
        try:
            value = parse_decimal(text, what="The volume added")
        except EntryError as error:
            _error(self.volume_error, str(error))
            return None
        pump = self.context.pump
        if value == 0:
            _error(self.volume_error, "The volume added: must be more than 0 mL.")
            return None
        overfill = overfill_finding(value, pump, "refill.volume_added_ml")
        if overfill is not None:
            # domain.md: "New volume may not exceed the reservoir size." Refused, never clamped.
            _error(
                self.volume_error,
                f"The volume added: {overfill.message} A refill may not exceed the reservoir: "
                f"type at most {format_decimal(pump.reservoir_ml)} mL. Nothing was changed or "
                "rounded.",
            )
            return None
        _error(self.volume_error, "")
        return value

    def _concentration(self) -> Decimal | None:
        """The new concentration, or None while it cannot be used. An "other" one outside the
        library needs the explicit confirmation (:attr:`confirming`: then the reason is still
        asked for by :meth:`_update`), unless it is already confirmed for this patient."""
        data = self.concentration_combo.currentData()
        other = data == OTHER
        self.other_row.setVisible(other)
        self.concentration_note.setText("")
        self.concentration_note.setVisible(other)
        self.confirming = None
        self.compounded_box.setVisible(other)
        self.compounded_reason.setVisible(other)
        self.compounded_reason.setEnabled(self.compounded_box.isChecked())
        if not other:
            return Decimal(str(data))
        text = self.other_edit.text()
        if not text.strip():
            self.concentration_note.setText("Type the concentration of the product.")
            return None
        try:
            value = parse_decimal(text, what="The concentration")
        except EntryError as error:
            self.concentration_note.setText(
                f"<span style='color:{RED}'>{escape(str(error))}</span>"
            )
            return None
        if value == 0:
            self.concentration_note.setText(
                f"<span style='color:{RED}'>The concentration: must be more than 0 mcg/mL.</span>"
            )
            return None
        drug = self.context.library.drug(self.drug_combo.currentData())
        if value in drug.concentrations_mcg_per_ml:
            self.compounded_box.setVisible(False)
            self.compounded_reason.setVisible(False)
            return value  # a library concentration typed in: nothing to confirm
        refusal = drug.compounded_refusal(value)
        if refusal is not None:  # the screening concentration: never a pump fill
            self.compounded_box.setVisible(False)
            self.compounded_reason.setVisible(False)
            self.concentration_note.setText(f"<span style='color:{RED}'>{escape(refusal)}.</span>")
            return None
        earlier = latest_for(self.context.compounded, drug.name, value)
        if earlier is not None:
            self.compounded_box.setVisible(False)
            self.compounded_reason.setVisible(False)
            self.concentration_note.setText(
                f"{format_decimal(value)} mcg/mL was confirmed as a compounded product for this "
                "patient by "
                f"{escape(earlier.by)} on {earlier.at:%Y-%m-%d %H:%M} "
                f"({escape(earlier.reason)})."
            )
            return value
        if not self.compounded_box.isChecked():
            self.concentration_note.setText(
                f"<span style='color:{AMBER}'>{format_decimal(value)} mcg/mL is not in the drug "
                "library: confirm "
                "explicitly that it is a dilution or compounded product.</span>"
            )
            return None
        self.concentration_note.setText(
            f"<span style='color:{AMBER}'>Confirming {format_decimal(value)} mcg/mL as a "
            "compounded product "
            "for this patient: an override, recorded with your name and the reason.</span>"
        )
        self.confirming = value
        return value

    # ------------------------------------------------------------ checks

    def _update(self) -> None:
        c = self.context
        problems: list[str] = []
        measured = self._measured()
        volume = self._volume()
        concentration = self._concentration()
        significant = self._show_discrepancy(measured)
        if measured is None:
            problems.append("Type the measured residual.")
        if significant and not self.discrepancy_reason.text().strip():
            problems.append("The discrepancy is over the limit: type the reason.")
        if volume is None:
            problems.append("Type a volume added within the reservoir.")
        if concentration is None:
            problems.append("Choose the concentration (an 'other' one confirmed).")
        if self.confirming is not None and not self.compounded_reason.text().strip():
            problems.append("Type the reason for confirming the compounded product.")
        changed = concentration is not None and (
            concentration != c.record.programme.drug.concentration_mcg_per_ml
        )
        if measured is not None and volume is not None and concentration is not None:
            # Every refill finding on the figures to be recorded, as storage will judge them.
            drug = c.library.drug(self.drug_combo.currentData())
            confirmed = set(c.check.confirmed_for(drug.name)) | concentrations_of(
                c.compounded, drug.name
            )
            if self.confirming is not None:  # confirmed with the refill, if it is recorded
                confirmed.add(self.confirming)
            figures = RefillFigures(
                self.expected_kept(), measured, volume, drug.name, concentration
            )
            problems += [
                f.message
                for f in refill_findings(figures, c.pump, drug, confirmed)
                if f.severity is Severity.HARD
            ]
        after: Programme | None = None
        if volume is not None and concentration is not None:
            after = after_refill(
                c.pending, c.at, volume, concentration, self.drug_combo.currentData()
            )
        self._show_after(after)
        if self.result_after is not None and self.result_after.hard:
            problems.append("A hard finding blocks the refilled programme (see 4).")
        self.bridge_box.setVisible(changed)
        if changed and concentration is not None:
            problems += self._show_bridge(concentration)
        else:
            self.bridge = None
        if problems:
            self.blocked_label.setText(
                f"<span style='color:{RED}'>Not yet: {escape(' '.join(problems))}</span>"
            )
        else:
            self.blocked_label.setText(
                f"<span style='color:{OK_COLOUR.name()}'>Ready to record. The pending programme "
                "becomes the refilled one (one undoable edit): then review, save and transmit "
                "it to the pump.</span>"
            )
        self.confirm_button.setEnabled(not problems)

    def _show_discrepancy(self, measured: Decimal | None) -> bool:
        c = self.context
        if measured is None:
            self.check = None
            self.discrepancy_label.setText("—")
            self.discrepancy_reason.setEnabled(False)
            return False
        check = check_refill(
            c.record.programme,
            c.pump,
            c.at,
            measured,
            c.record.given_outside_mcg,
            c.record.earlier,
            c.record.bridges,
        )
        self.check = check
        # The rule is applied to the figures recorded (the expected residual kept at 3
        # decimals), as storage applies it: refill_findings, one rule and one message.
        kept = self.expected_kept()
        finding = discrepancy_finding(kept, measured, c.pump)
        significant = finding is not None
        difference = exact(measured) - exact(kept)
        words = (
            "more left than expected"
            if difference > 0
            else "less left than expected"
            if difference < 0
            else "exactly as expected"
        )
        if finding is not None:
            self.discrepancy_label.setText(
                f"<span style='color:{AMBER}'><b>REFILL_DISCREPANCY</b> "
                f"({SEVERITY_WORDS[Severity.SOFT]}): {escape(finding.message)}</span>"
            )
        else:
            self.discrepancy_label.setText(
                f"<span style='color:{OK_COLOUR.name()}'>{ml(abs(difference), 3)} {words}: "
                f"within the {format_decimal(c.pump.refill_discrepancy_ml)} mL limit for the "
                f"{escape(c.pump.display_name)}.</span>"
            )
        self.discrepancy_reason.setEnabled(significant)
        return significant

    def expected_kept(self) -> Decimal:
        """The expected residual as recorded: exact to 3 decimals, at least 0."""
        return round_half_up(max(self.context.record.expected_ml, Fraction(0)), 3)

    def _show_after(self, after: Programme | None) -> None:
        c = self.context
        if after is None:
            self.result_after = None
            self.dates_label.setText("Shown once the volume and concentration are typed.")
            self.findings_label.setText("")
            return
        check = c.check.with_current(c.current)
        if self.confirming is not None:  # confirmed with the refill, if it is recorded
            check = check.with_confirmed({(after.drug.name, self.confirming)})
        result = check_programme(after, check, now=c.at)
        self.result_after = result
        p = result.projection

        def when(moment: datetime | None) -> str:
            return f"{moment:%Y-%m-%d %H:%M}" if moment else "never at this rate"

        self.dates_label.setText(
            f"{escape(summary_line(after))}, {format_decimal(after.reservoir.volume_ml)} mL of "
            f"{format_decimal(after.drug.concentration_mcg_per_ml)} mcg/mL from "
            f"{c.at:%Y-%m-%d %H:%M}.<br>"
            f"<b>Low-reservoir alarm:</b> {when(p.low_reservoir_alarm_at)} (at "
            f"{format_decimal(after.pump.low_reservoir_alarm_ml)} mL) · <b>Empty:</b> "
            f"{when(p.empty_at)} · "
            f"<b>Next refill:</b> {p.next_refill_at:%Y-%m-%d} (set by "
            f"{p.refill_limited_by.value})"
        )
        findings = by_severity(result.findings)
        self.findings_label.setText(
            "<br>".join(
                f"<span style='color:{SEVERITY_COLOURS[f.severity].name()}'><b>"
                f"{f.severity.value.upper()}</b> ({SEVERITY_WORDS[f.severity]}) {f.code.value}: "
                f"{escape(f.message)}</span>"
                for f in findings
            )
            or "No findings."
        )

    def _show_bridge(self, new_concentration: Decimal) -> list[str]:
        """Fill in the bridge-bolus section; returns what still blocks confirming."""
        c = self.context
        old = c.record.programme.drug.concentration_mcg_per_ml
        daily = (
            self.result_after.projection.daily_dose_mcg
            if self.result_after is not None
            else Fraction(0)
        )
        computable = c.catheter is not None and c.catheter_length_cm is not None and daily > 0
        self.bridge = None
        if daily <= 0:
            self.bridge_label.setText(
                "The refilled programme delivers nothing: no bridge bolus is needed."
            )
            for widget in (self.give_bridge, self.omit_bridge, self.omit_warning, self.omit_reason):
                widget.setVisible(False)
            return []
        for widget in (self.give_bridge, self.omit_bridge):
            widget.setVisible(True)
        if not computable:
            self.bridge_label.setText(
                f"<span style='color:{RED}'>No catheter model or implanted length is recorded "
                "for this pump: the bridge bolus cannot be computed. Record the catheter, or "
                "give no bridge bolus with a reason.</span>"
            )
            self.give_bridge.setEnabled(False)
            self.omit_bridge.setChecked(True)
        else:
            assert c.catheter is not None and c.catheter_length_cm is not None
            self.give_bridge.setEnabled(True)
            bridge = bridge_bolus(
                c.pump, c.catheter, c.catheter_length_cm, old, new_concentration, daily
            )
            self.bridge = bridge
            self.bridge_label.setText(
                escape(
                    bridge_text(
                        bridge,
                        pump=c.pump,
                        catheter=c.catheter,
                        length_cm=c.catheter_length_cm,
                        old_mcg_per_ml=old,
                        new_mcg_per_ml=new_concentration,
                        daily_dose_mcg=daily,
                    )
                )
            )
        omitted = self.omit_bridge.isChecked()
        self.omit_warning.setVisible(omitted)
        self.omit_reason.setVisible(omitted)
        if not omitted:
            return []
        effect = ""
        if computable:
            assert c.catheter is not None and c.catheter_length_cm is not None
            change = unbridged_change(
                c.pump, c.catheter, c.catheter_length_cm, old, new_concentration, daily
            )
            factor = num(change.dose_factor, 2)
            risk = "an OVERDOSE" if change.dose_factor > 1 else "an UNDER-DOSE (withdrawal risk)"
            effect = (
                f" the {ml(change.volume_ml, 4)} of old fluid reaches the patient at the new "
                f"flow: {factor}× the programmed dose, {risk}, for about "
                f"{duration_words(change.duration_min)}."
            )
        consequence = effect or (
            " the dose at the catheter tip is wrong until the old fluid has gone."
        )
        self.omit_warning.setText(
            f"<span style='color:{RED}'><b>⚠ CONCENTRATION CHANGE WITHOUT A BRIDGE BOLUS "
            f"({format_decimal(old)} → {format_decimal(new_concentration)} "
            f"mcg/mL)</b>:{escape(consequence)} Acknowledge it "
            "with a reason; it is recorded.</span>"
        )
        if not self.omit_reason.text().strip():
            return ["No bridge bolus: type the reason."]
        return []

    # ------------------------------------------------------------ result

    def _accept_if_valid(self) -> None:
        self._update()
        if self.confirm_button.isEnabled():
            self.accept()

    def outcome(self) -> RefillOutcome:
        """The refill as confirmed (call after ``accept``)."""
        c = self.context
        measured = self._measured()
        volume = self._volume()
        concentration = self._concentration()
        assert measured is not None and volume is not None and concentration is not None
        changed = concentration != c.record.programme.drug.concentration_mcg_per_ml
        significant = self.discrepancy_reason.isEnabled()
        give = changed and self.give_bridge.isChecked() and self.bridge is not None
        refill = RefillRecord(
            at=c.at,
            expected_residual_ml=self.expected_kept(),
            measured_residual_ml=measured,
            volume_added_ml=volume,
            concentration_mcg_per_ml=concentration,
            drug=str(self.drug_combo.currentData()),
            reason=self.discrepancy_reason.text().strip() if significant else "",
        )
        return RefillOutcome(
            refill=refill,
            bridge=self.bridge if give else None,
            bridge_omitted_reason=(self.omit_reason.text().strip() if changed and not give else ""),
            concentration_changed=changed,
            compounded_reason=(
                self.compounded_reason.text().strip() if self.confirming is not None else ""
            ),
        )
