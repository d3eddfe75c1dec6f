"""Storage: the clinic's local SQLite database (patients, pumps, programme versions, refills,
audit trail) through sqlite-utils. Depends on ``programmer``; never on Qt."""

import sys

# sqlite-utils imports numpy if it can, only to map numpy column types; the console never stores
# numpy values, and numpy costs about 50 ms of every start-up (issue: start-up within 1.5x a bare
# window). sqlite-utils supports numpy's absence, so it is imported as if numpy were not
# installed; numpy itself stays importable for the plots.
if "sqlite_utils" not in sys.modules and "numpy" not in sys.modules:
    sys.modules["numpy"] = None  # type: ignore[assignment]  # `import numpy` raises ImportError
    try:
        import sqlite_utils  # noqa: F401
    finally:
        del sys.modules["numpy"]
