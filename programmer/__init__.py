"""The ITB programmer engine: units, drug library, pump catalogue, programmes, findings and
projection. Pure Python: no Qt, no database, no clock (callers pass ``now``)."""
