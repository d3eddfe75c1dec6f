"""Compounded concentrations (product.md, CONCENTRATION_UNKNOWN: "confirming a compounded value is
a separate, logged override"; domain.md: every override logged with who, when and why). Without
the confirmation a concentration outside the library blocks saving and refilling; with it, the
patient's programme and refill go through and the override is in the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from db.database import (
    ConfirmationRefusedError,
    Database,
    HardFindingError,
    InvalidRecordError,
    RefillRecord,
    UnknownPatientError,
)
from db.users import Role, User
from programmer.finding import Code
from tests.db.factories import (
    NOW,
    USER,
    later,
    open_new,
    patient,
    programme,
    pump,
    pump_record,
    save,
)

PID = "MRN-0042"
COMPOUNDED = Decimal("1500")
REASON = "Pharmacy-compounded 1500 mcg/mL (batch 42): keeps the refill interval"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    with open_new(tmp_path / "clinic.sqlite") as database:
        database.create_patient(patient(), pump_record(), user=USER, now=NOW)
        save(database, programme())  # 2000 mcg/mL on record
        yield database


def confirm(database: Database, conc: Decimal = COMPOUNDED, **kwargs: object) -> None:
    options: dict[str, object] = {"reason": REASON, "user": USER, "now": later(1)}
    options.update(kwargs)
    database.confirm_compounded(PID, "baclofen", conc, **options)  # type: ignore[arg-type]


def test_unconfirmed_compounded_concentration_blocks_saving(database: Database) -> None:
    odd = programme(concentration="1500", filled_at=later(2))  # a refill
    result = database.check_programme(odd, now=later(2))
    assert Code.CONCENTRATION_UNKNOWN in [f.code for f in result.findings]
    with pytest.raises(HardFindingError) as refused:
        save(database, odd, base=1, now=later(2))
    assert [f.code for f in refused.value.findings] == [Code.CONCENTRATION_UNKNOWN]
    assert "confirmed explicitly" in refused.value.findings[0].message
    assert [v.number for v in database.versions(PID)] == [1]


def test_confirmed_compounded_concentration_saves_and_the_override_is_audited_with_who_and_why(
    database: Database,
) -> None:
    confirm(database, user="dr.test", now=later(1))
    entry = database.audit_entries(patient_id=PID)[-1]
    assert (entry.action, entry.user, entry.at) == (
        "override.compounded_concentration",
        "dr.test",
        later(1),
    )
    assert entry.details["reason"] == REASON
    assert entry.details["concentration_mcg_per_ml"] == "1500"
    assert entry.details["drug"] == "baclofen"
    [stored] = database.compounded_confirmations(PID)
    assert (stored.concentration_mcg_per_ml, stored.by, stored.at, stored.reason) == (
        COMPOUNDED,
        "dr.test",
        later(1),
        REASON,
    )

    odd = programme(
        concentration="1500.0", filled_at=later(2)
    )  # the same concentration, however it is written
    result = database.check_programme(odd, now=later(2))
    assert Code.CONCENTRATION_UNKNOWN not in [f.code for f in result.findings]
    assert save(database, odd, base=1, now=later(2)) == 2
    current = database.current_version(PID)
    assert current is not None and current.programme.drug.concentration_mcg_per_ml == 1500
    saved = database.audit_entries(patient_id=PID)[-1]
    assert saved.action == "programme.saved"
    assert saved.details["compounded_concentration"] == {
        "concentration_mcg_per_ml": "1500",
        "confirmed_by": "dr.test",
        "confirmed_at": later(1).isoformat(),
        "reason": REASON,
    }
    assert database.verify().ok


def test_the_screening_concentration_can_never_be_confirmed_for_a_pump_fill(
    database: Database,
) -> None:
    before = len(database.audit_entries())
    with pytest.raises(ConfirmationRefusedError, match="screening by lumbar puncture only"):
        confirm(database, Decimal("50"))
    with pytest.raises(ConfirmationRefusedError, match="screening"):
        confirm(database, Decimal("50.00"))
    assert database.compounded_confirmations(PID) == []
    assert len(database.audit_entries()) == before
    with pytest.raises(HardFindingError):
        save(database, programme(concentration="50"), base=1, now=later(2))


def test_a_confirmation_is_for_that_patient_and_concentration_only(database: Database) -> None:
    other = patient("MRN-0043", "John Roe")
    database.create_patient(other, pump_record("NGP999999"), user=USER, now=NOW)
    confirm(database)
    result = database.check_programme(
        programme(who=other, device=pump("NGP999999"), concentration="1500"), now=later(2)
    )
    assert Code.CONCENTRATION_UNKNOWN in [f.code for f in result.findings]
    result = database.check_programme(programme(concentration="1200"), now=later(2))
    assert Code.CONCENTRATION_UNKNOWN in [f.code for f in result.findings]


def test_a_confirmation_needs_a_reason_a_patient_and_a_concentration_outside_the_library(
    database: Database,
) -> None:
    with pytest.raises(InvalidRecordError, match="reason"):
        confirm(database, reason="   ")
    with pytest.raises(UnknownPatientError):
        database.confirm_compounded(
            "MRN-9", "baclofen", COMPOUNDED, reason=REASON, user=USER, now=NOW
        )
    with pytest.raises(ConfirmationRefusedError, match="nothing to confirm"):
        confirm(database, Decimal("1000"))
    with pytest.raises(InvalidRecordError, match="concentration"):
        confirm(database, Decimal("0"))
    with pytest.raises(InvalidRecordError, match="not in the drug library"):
        database.confirm_compounded(PID, "morphine", COMPOUNDED, reason=REASON, user=USER, now=NOW)
    assert database.compounded_confirmations(PID) == []


def test_only_an_active_clinician_or_administrator_confirms(database: Database) -> None:
    admin = database.first_administrator("admin", "correct horse battery", NOW)
    database.add_user("dr.lee", Role.CLINICIAN, "staple clinic 2026", by=admin, now=NOW)
    database.add_user("dr.gone", Role.CLINICIAN, "staple clinic 2026", by=admin, now=NOW)
    database.set_active("dr.gone", False, by=admin, now=NOW)
    for who in ("dr.gone", "somebody", User("somebody", Role.ADMINISTRATOR)):
        with pytest.raises(ConfirmationRefusedError, match="clinician or an administrator"):
            confirm(database, user=who)
    confirm(database, user=User("DR.LEE", Role.CLINICIAN))
    confirm(database, Decimal("1200"), user=admin)
    assert [(c.by, c.concentration_mcg_per_ml) for c in database.compounded_confirmations(PID)] == [
        ("dr.lee", COMPOUNDED),
        ("admin", Decimal("1200")),
    ]


def test_a_refill_at_a_compounded_concentration_needs_the_confirmation(
    database: Database,
) -> None:
    refill = RefillRecord(
        at=later(30),
        expected_residual_ml=Decimal(5),
        measured_residual_ml=Decimal(5),
        volume_added_ml=Decimal(20),
        concentration_mcg_per_ml=COMPOUNDED,
        drug="baclofen",
    )
    with pytest.raises(HardFindingError, match="nor confirmed as a compounded product"):
        database.record_refill(PID, refill, user=USER, now=later(30))
    confirm(database)
    database.record_refill(PID, refill, user=USER, now=later(31))
    assert [r.concentration_mcg_per_ml for r in database.refills(PID)] == [COMPOUNDED]
    screening = RefillRecord(
        at=later(40),
        expected_residual_ml=Decimal(5),
        measured_residual_ml=Decimal(5),
        volume_added_ml=Decimal(20),
        concentration_mcg_per_ml=Decimal(50),
        drug="baclofen",
    )
    with pytest.raises(HardFindingError, match="screening by lumbar puncture only"):
        database.record_refill(PID, screening, user=USER, now=later(40))
