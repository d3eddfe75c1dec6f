"""The bolus workflows (issue: programmer workflows): a single bolus planned in the pending
programme, a priming or bridge bolus given on the pump now (recorded), and the patient-bolus
settings in the programme editor."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from db.database import BolusGivenRecord, BolusKind
from programmer import schedule_edit as se
from programmer.boluses import bridge_minutes
from programmer.simulated_pump import SessionError
from programmer.words import format_decimal, format_number
from ui.pump.bolus_dialog import BolusChoice, BolusContext, BolusDialog, BolusTab
from ui.pump.controller import PumpController, mcg, minute
from ui.pump.prompts import run_dialog


class BolusFlow(PumpController):
    """The Pump menu's bolus entries: the bolus dialog on one of its tabs."""

    def boluses(self, tab: BolusTab = BolusTab.SINGLE) -> BolusChoice | None:
        """The bolus dialog on ``tab``; returns what was done (None: nothing)."""
        if not self._ready():
            return None
        session = self.session
        document = session.document
        assert document is not None
        now = minute(session.clock())
        catheter, length = self._catheter()
        record = session.current.programme if session.current is not None else None
        context = BolusContext(
            patient=self._patient_words(),
            now=now,
            pump=document.pump,
            pending=document.pending,
            result=document.result,
            current=document.current,
            record=record,
            catheter=catheter,
            catheter_length_cm=length,
            check=document.context,
            bridge_given_at=self._bridge_given_since(),
        )
        dialog = BolusDialog(context, tab, self._parent)
        if not run_dialog(session.prompter, dialog) or dialog.choice is None:
            return None
        choice = dialog.choice
        if choice is BolusChoice.SINGLE:
            assert dialog.single is not None
            bolus = dialog.single
            document.edit(
                f"Add bolus {bolus.start:%Y-%m-%d %H:%M}", partial(se.add_bolus, bolus=bolus)
            )
            self.status_message.emit(
                f"Bolus planned: {format_decimal(bolus.dose_mcg)} mcg over {bolus.duration_min} "
                "min from "
                f"{bolus.start:%Y-%m-%d %H:%M}. Review, save and transmit to give it.",
                15000,
            )
        elif choice is BolusChoice.PRIMING:
            if not self._give_priming(dialog):
                return None
        elif choice is BolusChoice.BRIDGE:
            if not self._give_bridge(dialog):
                return None
        else:
            self.editor_field_requested.emit("patient_bolus.dose_mcg")
        return choice

    def _bridge_given_since(self) -> datetime | None:
        """When a bridge bolus was recorded since the last refill on record (None: not)."""
        refills = self._db.refills(self._patient_id)
        if not refills:
            return None
        last = refills[-1].at
        given = [
            b.at
            for b in self._db.boluses_given(self._patient_id)
            if b.kind is BolusKind.BRIDGE and b.at >= last
        ]
        return given[-1] if given else None

    def _give_priming(self, dialog: BolusDialog) -> bool:
        session = self.session
        priming = dialog.priming
        chosen = dialog.catheter_choice()
        assert priming is not None and chosen is not None
        catheter, length = chosen
        conc = dialog.context.pending.drug.concentration_mcg_per_ml
        volume = format_number(priming.volume_ml, 4)
        dose = format_number(priming.dose_mcg, 2)
        if not session.prompter.confirm(
            "Priming bolus: only under supervision",
            f"Give a priming bolus to {self._patient_words()}'s pump now?\n\n"
            f"{volume} mL (pump {format_number(priming.pump_volume_ml, 4)} mL + catheter "
            f"{format_number(priming.catheter_volume_ml, 4)} mL), {dose} mcg at "
            f"{format_decimal(conc)} mcg/mL, "
            f"over {priming.duration_min} min.\n\nOnly after implant or replacement of the pump "
            "or catheter, under supervision, with the patient monitored.",
        ):
            return False
        pump = self._pump_now()
        if pump is None:
            return False
        words = (
            f"Priming bolus {volume} mL ({dose} mcg at {format_decimal(conc)} mcg/mL): pump "
            f"{format_number(priming.pump_volume_ml, 4)} mL + {catheter.display_name} {length} "
            f"cm"
        )
        try:
            pump.give_priming_bolus(priming.volume_ml, words)
        except (SessionError, ValueError) as exc:
            session.prompter.warn("Priming bolus not given", str(exc))
            return False
        given = BolusGivenRecord(
            at=minute(session.clock()),
            kind=BolusKind.PRIMING,
            dose_mcg=mcg(priming.dose_mcg),
            duration_min=priming.duration_min,
            reason=f"{words}; given under supervision",
        )
        if not self._store(
            pump,
            "bolus.given",
            {
                "kind": "priming",
                "volume_ml": str(mcg(priming.volume_ml)),
                "catheter_cm": str(length),
            },
            (given,),
        ):
            return False
        self._show(pump)
        self.status_message.emit(f"Priming bolus given: {volume} mL, {dose} mcg.", 15000)
        return True

    def _give_bridge(self, dialog: BolusDialog) -> bool:
        session = self.session
        bridge = dialog.bridge
        record = dialog.context.record
        assert bridge is not None and record is not None
        old = record.drug.concentration_mcg_per_ml
        new = dialog.context.pending.drug.concentration_mcg_per_ml
        pump = self._pump_now()
        if pump is None:
            return False
        words = (
            f"Bridge bolus {old} → {new} mcg/mL: {format_number(bridge.volume_ml, 4)} mL of old "
            f"fluid at {format_number(bridge.flow_ml_per_day, 4)} mL/day; pump programmed for "
            f"{format_number(bridge.programmed_dose_mcg, 2)} mcg"
        )
        try:  # the pump gives the old fluid at the old dose's flow, not the programme's
            pump.give_bridge_bolus(bridge.volume_ml, bridge.duration_min, words)
        except (SessionError, ValueError) as exc:
            session.prompter.warn("Bridge bolus not given", str(exc))
            return False
        given = BolusGivenRecord(
            at=minute(session.clock()),
            kind=BolusKind.BRIDGE,
            dose_mcg=mcg(bridge.delivered_mcg),
            duration_min=bridge_minutes(bridge),
            reason=words,
        )
        if not self._store(pump, "bolus.given", {"kind": "bridge"}, (given,)):
            return False
        self._show(pump)
        return True
