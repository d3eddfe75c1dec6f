"""Adversary: a patient id that reads exactly like another patient's.

db/names.py (issue 10): "a patient stored as 'Jane Doe' with a right-to-left override shows as
'Jane Doe' beside the real one", which is why names and ids refuse hidden characters (db/patients.py
``check_patient``). A Cyrillic "М" (U+041C) for the Latin "M" does the same without any hidden
character: a second "Jane Doe (МRN-0042)" beside the real one, which a search for "MRN-0042" does
not find, so programmes, refills and the worklist can be split between two records nobody can
tell apart (product.md, "Users and records": records a clinician must be able to trust).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from db import patient_changes
from db.errors import InvalidRecordError, PatientExistsError
from programmer.programme_file import dumps, loads
from tests.db.factories import NOW, USER, open_new, patient, programme, pump_record, save


def test_a_patient_id_that_reads_like_an_existing_one_is_refused(tmp_path: Path) -> None:
    with open_new(tmp_path / "clinic.sqlite") as database:
        database.create_patient(patient(), pump_record(), user=USER, now=NOW)
        twin = dataclasses.replace(patient(), id="\u041cRN-0042")
        with pytest.raises(InvalidRecordError):
            database.create_patient(twin, pump_record(), user=USER, now=NOW)


@pytest.mark.parametrize(
    "patient_id",
    ["\u041cRN-0042", "MRN\u20100042", "\uff2dRN-0042", "MRN-\u0660042"],
    ids=["cyrillic-M", "unicode-hyphen", "fullwidth-M", "arabic-indic-zero"],
)
def test_a_patient_id_that_is_not_plain_ascii_is_refused_for_a_new_patient(
    tmp_path: Path, patient_id: str
) -> None:
    with open_new(tmp_path / "clinic.sqlite") as database:
        with pytest.raises(InvalidRecordError, match="plain ASCII") as refused:
            database.create_patient(patient(patient_id), pump_record(), user=USER, now=NOW)
        assert refused.value.field == "patient.id"
        assert database.search_patients("0042") == []


def test_a_patient_name_stays_unicode_beside_a_plain_id(tmp_path: Path) -> None:
    with open_new(tmp_path / "clinic.sqlite") as database:
        database.create_patient(
            patient("NHS 943 476 5919", "Zoë Lefèvre"), pump_record(), user=USER, now=NOW
        )
        assert database.patient("NHS 943 476 5919").patient.name == "Zoë Lefèvre"


def test_a_patient_id_differing_only_by_case_from_a_stored_one_is_refused(tmp_path: Path) -> None:
    """The search finds an id in any case, so "mrn-0042" beside "MRN-0042" is one id twice."""
    with open_new(tmp_path / "clinic.sqlite") as database:
        database.create_patient(patient(), pump_record(), user=USER, now=NOW)
        with pytest.raises(PatientExistsError, match="reads the same as 'MRN-0042'"):
            database.create_patient(patient("mrn-0042"), pump_record(), user=USER, now=NOW)


def test_a_stored_look_alike_id_keeps_its_record_and_blocks_its_plain_twin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An id stored before the rule (added here with the rule switched off, as an older console
    did) stays usable: its programmes are saved; the plain "MRN-0042" reading like it is refused."""
    legacy = patient("\u041cRN-0042")
    with open_new(tmp_path / "clinic.sqlite") as database:
        with monkeypatch.context() as older_console:
            older_console.setattr(patient_changes, "patient_id_problem", lambda text: None)
            database.create_patient(legacy, pump_record(), user=USER, now=NOW)
        assert save(database, programme(who=legacy)) == 1
        with pytest.raises(PatientExistsError, match="reads the same as"):
            database.create_patient(patient(), pump_record(), user=USER, now=NOW)


def test_a_programme_file_with_a_look_alike_patient_id_is_refused_as_a_new_patient(
    tmp_path: Path,
) -> None:
    """An imported file (or a first save) of a patient not yet stored creates the record: the
    id is refused there; the file format itself reads any id, so a record stored before the rule
    still exports and saves (its canonical text is read back on every save)."""
    document = json.loads(dumps(programme()))
    document["patient"]["id"] = "\u041cRN-0042"
    imported = loads(json.dumps(document))
    with open_new(tmp_path / "clinic.sqlite") as database:
        with pytest.raises(InvalidRecordError, match="plain ASCII"):
            save(database, imported)
        assert database.search_patients("0042") == []
