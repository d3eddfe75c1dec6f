"""The parts of the storage facade :class:`db.database.Database`: its lifecycle
(:mod:`db.facade.store`) and, on top of it, one part per area. Nothing here holds a rule: each
method hands its transaction to the table module whose rule it is."""
