"""Catheter choices follow the pump's maker (issue 12): the new-patient form and the bolus
dialog offer only the catheters that connect to the chosen pump."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from programmer.drug_library import default_drug_library
from programmer.pump_catalogue import default_pump_catalogue, load_pump_catalogue
from ui.patient_form import PatientForm
from ui.pump.bolus_dialog import BolusDialog

from .test_pump_support import pump_window, trigger
from .window_helpers import NOW


def offered(combo) -> list[str]:  # type: ignore[no-untyped-def]
    return [combo.itemData(i) for i in range(combo.count()) if combo.itemData(i) is not None]


def test_the_catalogue_pairs_each_pump_with_its_maker_s_catheters() -> None:
    catalogue = default_pump_catalogue()
    for pump in catalogue.pumps.values():
        catheters = catalogue.catheters_for(pump.model)
        assert catheters and all(c.maker == pump.maker for c in catheters)
    assert [c.model for c in catalogue.catheters_for("prometra-ii-20")] == ["prometra-catheter"]


def test_a_catalogue_from_before_makers_were_recorded_still_loads(tmp_path: Path) -> None:
    text = (Path(__file__).parents[2] / "programmer/data/pump_catalogue.toml").read_text()
    lines = text.splitlines()
    # Drop the catheters' maker lines only (the pumps always had theirs).
    start = next(i for i, line in enumerate(lines) if line.startswith("[[catheter]]"))
    kept = lines[:start] + [line for line in lines[start:] if not line.startswith("maker = ")]
    old = tmp_path / "catalogue.toml"
    old.write_text("\n".join(kept) + "\n")
    catalogue = load_pump_catalogue(old)
    assert {c.maker for c in catalogue.catheters.values()} == {""}
    assert len(catalogue.catheters_for("synchromed-ii-20")) == len(catalogue.catheters)


def test_the_new_patient_form_offers_the_pump_maker_s_catheters(qtbot: QtBot) -> None:
    form = PatientForm(NOW, library=default_drug_library(), catalogue=default_pump_catalogue())
    qtbot.addWidget(form)
    catalogue = default_pump_catalogue()
    for i in range(form.pump_model.count()):
        form.pump_model.setCurrentIndex(i)
        pump = catalogue.pump(form.pump_model.currentData())
        assert offered(form.catheter) == [c.model for c in catalogue.catheters_for(pump.model)]


def test_the_bolus_dialog_offers_the_pump_maker_s_catheters(qtbot: QtBot, tmp_path: Path) -> None:
    window, prompter = pump_window(qtbot, tmp_path)
    assert window.open_patient("DEMO-0001")  # a SynchroMed II with an Ascenda catheter
    prompter.dialogs.append(lambda dialog: False)
    trigger(qtbot, window, "primingBolus")
    dialog = prompter.shown[-1]
    assert isinstance(dialog, BolusDialog)
    assert offered(dialog.catheter_combo) == ["ascenda-8781"]
    assert dialog.catheter_combo.currentData() == "ascenda-8781"
