"""The facts a check of a programme is made against, gathered once (style.md: "A rule's inputs are
gathered once: a frozen context ... built in one place by storage and handed to every caller").

Storage builds it (``Database.check_context``); the command line builds it from the packaged data
and the files it is given (:meth:`CheckContext.packaged`). Every screen, dialog, the report and
the command line pass it to :func:`programmer.findings.check_programme`, so they can never
disagree about the library, the confirmed concentrations or the history a check uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from programmer.drug_library import DrugLibrary, default_drug_library
from programmer.programme import Programme
from programmer.projection import ClinicSettings, RanBefore
from programmer.pump_catalogue import PumpCatalogue, default_pump_catalogue


@dataclass(frozen=True, slots=True)
class CheckContext:
    """Everything but the programme and ``now`` that a check depends on.

    ``current``: the confirmed programme in force (change limits, same-fill concentration).
    ``last_therapy``: the newest confirmed programme that delivered therapy (the restart rule).
    ``day_before``: the programme in force 24 hours before now (titration is at most one change
    a day: product.md, "Rules the table implies"). ``earlier``: the programmes that ran on the
    current one's fill before it took over, oldest first (the reservoir holds what they left).
    ``confirmed``: (drug, concentration) pairs confirmed as compounded products for the patient.
    ``bridge_decisions``: when a bridge decision was recorded for a concentration change at a
    refill, the bridge bolus given or the typed reason for giving none (domain.md, bridge bolus):
    a new fill at another concentration with none at or after its fill time is flagged.
    """

    library: DrugLibrary
    catalogue: PumpCatalogue
    settings: ClinicSettings = field(default_factory=ClinicSettings)
    confirmed: frozenset[tuple[str, Decimal]] = frozenset()
    current: Programme | None = None
    last_therapy: Programme | None = None
    day_before: Programme | None = None
    earlier: tuple[RanBefore, ...] = ()
    bridge_decisions: tuple[datetime, ...] = ()

    @classmethod
    def packaged(
        cls,
        *,
        current: Programme | None = None,
        last_therapy: Programme | None = None,
        day_before: Programme | None = None,
        settings: ClinicSettings | None = None,
        confirmed: Iterable[tuple[str, Decimal]] = (),
        library: DrugLibrary | None = None,
        catalogue: PumpCatalogue | None = None,
        bridge_decisions: Iterable[datetime] = (),
    ) -> CheckContext:
        """A context on the program's packaged library and catalogue (the command line, whose
        files have no database; tests), with the history given."""
        return cls(
            library=library or default_drug_library(),
            catalogue=catalogue or default_pump_catalogue(),
            settings=settings or ClinicSettings(),
            confirmed=frozenset(confirmed),
            current=current,
            last_therapy=last_therapy,
            day_before=day_before,
            bridge_decisions=tuple(bridge_decisions),
        )

    def confirmed_for(self, drug: str) -> frozenset[Decimal]:
        """The concentrations of ``drug`` confirmed as compounded products."""
        return frozenset(conc for name, conc in self.confirmed if name == drug)

    def with_current(self, current: Programme | None) -> CheckContext:
        """The same facts checked against another current programme (an editor after a save,
        before storage has built the next context)."""
        if current is self.current:
            return self
        return replace(self, current=current)

    def with_confirmed(self, pairs: Iterable[tuple[str, Decimal]]) -> CheckContext:
        """The same facts with more confirmed compounded concentrations (a confirmation made
        with a refill, before it is stored)."""
        return replace(self, confirmed=self.confirmed | frozenset(pairs))
