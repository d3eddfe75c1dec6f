"""The refill workflow (issue: programmer workflows): the refill dialog; on confirmation the
refill (and the bridge-bolus decision) is recorded and the pending programme becomes the
refilled one, as one undoable edit, for the normal review, save and transmit."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

from db.database import BolusGivenRecord, BolusKind, CompoundedConfirmation, DatabaseError
from programmer.boluses import bridge_minutes
from programmer.programme import Programme
from programmer.refill import after_refill
from programmer.words import format_decimal, format_number
from ui.pump.controller import PumpController, mcg, minute
from ui.pump.prompts import run_dialog


def _fill_words(programme: Programme) -> str:
    """The fill a programme is computed from, for the undo and redo menu entries."""
    fill, drug = programme.reservoir, programme.drug
    return (
        f"{format_decimal(fill.volume_ml)} mL of {format_decimal(drug.concentration_mcg_per_ml)} "
        "mcg/mL filled "
        f"{fill.filled_at:%Y-%m-%d %H:%M}"
    )


def compounded_pairs(confirmed: list[CompoundedConfirmation]) -> frozenset[tuple[str, Decimal]]:
    """(drug, concentration) of the patient's confirmed compounded products, as the programme
    document takes them."""
    return frozenset((c.drug, c.concentration_mcg_per_ml) for c in confirmed)


class RefillFlow(PumpController):
    """The Pump menu's "Refill…"."""

    def refill(self) -> bool:
        """The refill dialog; on confirmation the refill (and bridge-bolus decision) is
        recorded and the pending programme becomes the refilled one, as one undoable edit, for
        the normal review, save and transmit. True when recorded."""
        if not self._ready():
            return False
        session = self.session
        document = session.document
        assert document is not None and session.record is not None
        now = minute(session.clock())
        record = self._record(now)
        if record is None or session.current is None:
            session.prompter.warn(
                "No programme on record",
                "A refill is checked against the programme on record: save one first.",
            )
            return False
        catheter, length = self._catheter()
        try:
            compounded = tuple(self._db.compounded_confirmations(self._patient_id))
        except DatabaseError as exc:
            session.prompter.warn("Refill not possible", str(exc))
            return False
        from ui.pump.refill_dialog import RefillContext, RefillDialog

        context = RefillContext(
            patient=self._patient_words(),
            at=now,
            pump=self._db.catalogue.pump(record.programme.pump.model),
            record=record,
            pending=document.pending,
            current=document.current,
            catheter=catheter,
            catheter_length_cm=length,
            check=document.context,
            compounded=compounded,
        )
        dialog = RefillDialog(context, self._parent)
        if not run_dialog(session.prompter, dialog):
            return False
        outcome = dialog.outcome()
        refill = outcome.refill
        if outcome.compounded_reason:
            # The explicit confirmation in the dialog is the logged override that lets the
            # refill and the refilled programme take a concentration outside the library.
            try:
                self._db.confirm_compounded(
                    self._patient_id,
                    refill.drug,
                    refill.concentration_mcg_per_ml,
                    reason=outcome.compounded_reason,
                    user=session.account or session.user,
                    now=now,
                )
                confirmed = self._db.compounded_confirmations(self._patient_id)
            except DatabaseError as exc:
                session.prompter.warn("Compounded concentration not confirmed", str(exc))
                return False
            document.set_compounded(compounded_pairs(confirmed))
        bridge_record = None
        if outcome.bridge is not None:
            b = outcome.bridge
            old = record.programme.drug.concentration_mcg_per_ml
            bridge_record = BolusGivenRecord(
                at=now,
                kind=BolusKind.BRIDGE,
                dose_mcg=mcg(b.delivered_mcg),
                duration_min=bridge_minutes(b),
                reason=(
                    f"Bridge bolus with the refill, {old} → {refill.concentration_mcg_per_ml} "
                    f"mcg/mL: {format_number(b.volume_ml, 4)} mL of old fluid at "
                    f"{format_number(b.flow_ml_per_day, 4)} mL/day; pump programmed for "
                    f"{format_number(b.programmed_dose_mcg, 2)} mcg"
                ),
            )
        try:
            self._db.record_refill_visit(
                self._patient_id,
                refill,
                bridge=bridge_record,
                bridge_omitted_reason=outcome.bridge_omitted_reason,
                user=session.user,
                now=now,
            )
        except DatabaseError as exc:
            session.prompter.warn("Refill not recorded", str(exc))
            return False
        # The bridge decision just recorded is part of what the refilled programme is checked
        # against (CONCENTRATION_CHANGED_WITHOUT_BRIDGE), as the save will see it.
        try:
            document.set_context(self._db.check_context(self._patient_id, now))
        except DatabaseError as exc:
            session.prompter.warn("Refill recorded, record not read again", str(exc))
        document.edit(
            "Reservoir",
            partial(
                after_refill,
                at=now,
                volume_added_ml=refill.volume_added_ml,
                concentration_mcg_per_ml=refill.concentration_mcg_per_ml,
                drug_name=refill.drug,
            ),
            value=_fill_words,
        )
        self.refresh_banner()  # the pump holds the new fill only once it is transmitted
        self.status_message.emit(
            f"Refill recorded: {format_decimal(refill.volume_added_ml)} mL of "
            f"{format_decimal(refill.concentration_mcg_per_ml)} "
            "mcg/mL. Review and save the refilled programme, then transmit it to the pump.",
            15000,
        )
        return True
