"""The one place storage gathers what a check of a patient's programme is made against (issue 9:
"One check context"): the active library, the catalogue, the clinic settings, the confirmed
compounded concentrations and the programme history, as a frozen
:class:`~programmer.check_context.CheckContext`. ``Database.check_context`` calls it; the save
path and every screen check with what it returns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from sqlite_utils import Database as SqliteDatabase

from db import clinic_settings, compounded, programmes, treatments
from db.records import ProgrammeVersion
from programmer.check_context import CheckContext
from programmer.dose_checks import delivers_therapy
from programmer.projection import ClinicSettings
from programmer.refill import earlier_on_fill
from programmer.schedule import daily_doses

# Titration is at most one change a day (domain.md): the change limits also compare with the
# programme in force this long before now.
DAY_BEFORE = timedelta(hours=24)


def build(
    sdb: SqliteDatabase,
    patient_id: str,
    now: datetime,
    *,
    reference: programmes.Reference,
    default_settings: ClinicSettings,
    before_version: int | None = None,
) -> CheckContext:
    """The context for a check of ``patient_id``'s programme at ``now``, read in ``sdb``'s
    transaction (the save path passes its own, so what is checked is what is recorded): the
    library and catalogue of ``reference``, the active clinic settings (``default_settings``
    while none is stored), the patient's confirmed compounded concentrations and programme
    history. ``before_version``: only the versions before that one (the history as at its
    save, a report), with the clinic settings in force at ``now``."""
    settings = clinic_settings.in_force(
        sdb, None if before_version is None else now, default_settings
    )
    versions = programmes.read_all(sdb, patient_id, reference)
    if before_version is not None:
        versions = [v for v in versions if v.number < before_version]
    confirmed = compounded.confirmations(sdb, patient_id)
    context = from_versions(
        versions,
        now,
        reference=reference,
        settings=settings,
        confirmed=frozenset((c.drug, c.concentration_mcg_per_ml) for c in confirmed),
    )
    # The bridge boluses given and the bridges omitted with a typed reason at a refill: a new
    # fill at another concentration needs one (domain.md, bridge bolus).
    return replace(context, bridge_decisions=tuple(treatments.bridge_decisions(sdb, patient_id)))


def from_versions(
    versions: Sequence[ProgrammeVersion],
    now: datetime,
    *,
    reference: programmes.Reference,
    settings: ClinicSettings,
    confirmed: frozenset[tuple[str, Decimal]] = frozenset(),
) -> CheckContext:
    """The history part of the context from the patient's versions (oldest first): the current
    (newest confirmed) one, the newest confirmed one that delivered therapy, the one in force
    24 hours before ``now``, and the ones that ran on the current one's fill before it."""
    catalogue = reference.catalogue
    history = [v for v in versions if v.confirmed]
    current = history[-1].programme if history else None
    last_therapy = None
    for v in reversed(history):
        try:
            pump = catalogue.pump(v.programme.pump.model)
        except KeyError:
            continue
        if delivers_therapy(v.programme, daily_doses(v.programme, pump)):
            last_therapy = v.programme
            break
    in_force = [v for v in history if v.saved_at <= now - DAY_BEFORE]
    day_before = in_force[-1].programme if in_force else None
    try:
        earlier = earlier_on_fill([(v.saved_at, v.programme) for v in history], catalogue)
    except KeyError:
        earlier = ()
    return CheckContext(
        library=reference.library,
        catalogue=catalogue,
        settings=settings,
        confirmed=frozenset(confirmed),
        current=current,
        last_therapy=last_therapy,
        day_before=day_before,
        earlier=earlier,
    )
