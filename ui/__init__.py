"""User interfaces: the PySide6 window and the ``itb-console`` command line, thin shells over
the engine (``programmer``) and the storage (``db``)."""
