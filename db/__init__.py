"""Storage: the clinic's local SQLite database (patients, pumps, programme versions, refills,
audit trail) through sqlite-utils. Depends on ``programmer``; never on Qt."""
