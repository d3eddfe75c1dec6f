"""Seeding: the demonstration patients and the training database, clients of storage.

Nothing here reaches behind :class:`db.database.Database`; storage never imports this package.
A new database is seeded by handing :func:`demo_patients.seed_demo_patients` to
``Database.open(..., on_create=...)``."""
