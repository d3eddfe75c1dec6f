"""Adversary (careless upgrade): the worklist's stored figures outlive the reference data they
were computed with.

product.md, "Clinic worklist": every patient whose next refill falls within N days, "plus every
overdue one"; the refill-by date is limited by the drug's stability (domain.md, the library's
``stability_days``). db/worklist.py computes each patient's figures once per change of their
records and stores them; a new release of the console whose packaged drug library (or pump
catalogue, or projection) differs leaves every stored figure as the old release computed it,
until each patient happens to be written again, so a refill the new library makes overdue is
not on the worklist.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from db import migrations
from db import worklist as stored
from db.database import Database
from programmer.drug_library import default_drug_library
from programmer.pump_catalogue import default_pump_catalogue
from tests.db.factories import NOW, USER, open_new, patient, programme, pump_record, save
from tests.db.test_worklist import recomputed, stored_figures


def test_a_new_packaged_library_with_a_shorter_stability_moves_the_worklist(
    tmp_path: Path,
) -> None:
    path = tmp_path / "clinic.sqlite"
    with open_new(path) as database:
        database.create_patient(patient(), pump_record(), user=USER, now=NOW)
        save(database, programme())  # 20 mL at 0.2 mL/day: refill by the alarm, in February
    packaged = default_drug_library()
    drug = programme().drug.name
    shorter = dataclasses.replace(packaged.drug(drug), stability_days=30)
    upgraded = dataclasses.replace(
        packaged, version=f"{packaged.version}-next", drugs={**packaged.drugs, drug: shorter}
    )
    in_six_weeks = NOW + timedelta(days=42)  # past 30 days of stability
    with Database.open(path, now=in_six_weeks, library=upgraded) as database:
        listed = database.worklist(now=in_six_weeks, days=0)
    assert [item.status.value for item in listed] == ["overdue"], listed


def _tamper(database: Database) -> None:
    """A stored figure unlike what the records give (as an older release computed it)."""
    database._sdb.execute(
        "UPDATE worklist_figures SET next_refill_at = '2099-01-01T00:00:00', "
        "attention_at = '2099-01-01T00:00:00'"
    )


def test_figures_of_another_projection_code_are_computed_again_at_the_worklist_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A release whose projection differs (db.worklist.FIGURES_CODE_VERSION raised) leaves no
    figure the old code computed: the worklist read brings every one up to date first."""
    with open_new(tmp_path / "clinic.sqlite") as database:
        database.create_patient(patient(), pump_record(), user=USER, now=NOW)
        save(database, programme())
        _tamper(database)
        monkeypatch.setattr(stored, "FIGURES_CODE_VERSION", stored.FIGURES_CODE_VERSION + 1)
        listed = database.worklist(now=NOW, days=3660)
        assert stored_figures(database) == recomputed(database)
        assert [item.figures.next_refill_at for item in listed] != [datetime(2099, 1, 1)]


def test_a_new_packaged_pump_catalogue_moves_the_stored_figures_at_the_next_write(
    tmp_path: Path,
) -> None:
    """Another catalogue version is another basis: the next write (here a new patient) computes
    everyone's figures again, not only the patient it wrote."""
    path = tmp_path / "clinic.sqlite"
    with open_new(path) as database:
        database.create_patient(patient(), pump_record(), user=USER, now=NOW)
        save(database, programme())
        _tamper(database)
    packaged = default_pump_catalogue()
    upgraded = dataclasses.replace(packaged, version=f"{packaged.version}-next")
    with Database.open(path, now=NOW, catalogue=upgraded) as database:
        database.create_patient(
            patient("MRN-0043", "Carl Doe"), pump_record("NGP654321"), user=USER, now=NOW
        )
        assert not stored.out_of_date(database._sdb, database._reference)
        assert stored_figures(database) == recomputed(database)


def test_a_database_from_before_the_stamp_computes_every_figure_again(tmp_path: Path) -> None:
    """Migration 12 (``_stamp_worklist_figures``) leaves the stamp empty: figures stored by an
    older release are of an unknown basis, so the first worklist read computes them again."""
    path = tmp_path / "clinic.sqlite"
    with open_new(path) as database:
        database.create_patient(patient(), pump_record(), user=USER, now=NOW)
        save(database, programme())
        _tamper(database)
    version = next(
        m.version for m in migrations.MIGRATIONS if m.apply is migrations._stamp_worklist_figures
    )
    conn = sqlite3.connect(path, isolation_level=None)  # back to the schema before it
    conn.execute("DROP TABLE worklist_basis")
    conn.execute(f"PRAGMA user_version = {version - 1}")
    conn.close()
    with Database.open(path, now=NOW + timedelta(days=1)) as database:
        assert migrations.user_version(database._sdb) == migrations.schema_version()
        assert stored.out_of_date(database._sdb, database._reference)
        database.worklist(now=NOW, days=28)
        assert stored_figures(database) == recomputed(database)
        assert not stored.out_of_date(database._sdb, database._reference)
        assert database.verify().ok
