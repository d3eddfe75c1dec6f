"""How fast the clinic's database stays with 100,000 patients and 1,000,000 programme versions
(issue 3, "Done when"): search as you type, the browser's first page, opening a patient with its
history, saving a version durably, and the file size.

    .venv/bin/python bench/db.py [--patients N] [--versions N] [--keep DIR]

The database is built in a temporary folder with the real schema (``Database.open``), then
filled in bulk: patients, pumps, search entries and order, and programme versions are inserted
directly, in one transaction, all filed under one audit entry (the records are real, canonical
programme text; only the per-record audit hashes are skipped, so ``verify`` would not pass on it).
The measurements then go through the public ``Database`` API, as the window does.
Budgets: search < 20 ms median per keystroke, open < 50 ms, save < 30 ms.

The clinic worklist is measured on a second database of ``--worklist-patients`` (10,000) built
the same way: the one-off fill of the stored figures (what the schema-4 migration does), the
worklist as the window and ``itb-console worklist`` open it (budget < 500 ms), and, in the
same run, the baseline it replaces: projecting every patient's current programme on every open.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from db import audit, search
from db.database import Database
from db.programmes import acknowledgement_key
from programmer.finding import Severity
from programmer.programme import (
    DrugFill,
    Mode,
    Patient,
    Programme,
    Pump,
    Reservoir,
    SpasticityOrigin,
)
from programmer.programme_file import dumps

NOW = datetime(2026, 11, 22, 10, 0)
BUDGET_MS = {"search": 20.0, "open": 50.0, "save": 30.0, "worklist": 500.0}
SEED = 20261122

_FIRST = [
    "Anna",
    "Zoë",
    "Jürgen",
    "Sam",
    "Maria",
    "Peter",
    "Lena",
    "Tom",
    "Ruth",
    "Ines",
    "Jan",
    "Eva",
    "Ole",
    "Kai",
    "Mia",
    "Noah",
    "Emma",
    "Liam",
    "Olivia",
    "Lucas",
    "Sofia",
    "Hugo",
    "Chloé",
    "Léa",
    "Björn",
    "Åsa",
    "Søren",
    "Zoltán",
    "Amélie",
    "Noël",
    "José",
    "Inès",
    "Élodie",
    "Łukasz",
    "Ana",
    "Mateo",
    "Ida",
    "Elif",
    "Yusuf",
    "Aisha",
    "Omar",
    "Fatima",
    "Chen",
    "Wei",
    "Hana",
    "Kenji",
    "Priya",
    "Arjun",
    "Ravi",
    "Nia",
    "Kofi",
    "Ama",
    "Thabo",
    "Lars",
    "Freya",
    "Nils",
    "Greta",
    "Paolo",
    "Giulia",
    "Marco",
    "Chiara",
    "Pierre",
    "Camille",
    "Jules",
    "Manon",
    "Tomás",
    "Lucía",
]
_SYLLABLES = [
    "ber",
    "ger",
    "mül",
    "ler",
    "fisch",
    "er",
    "beck",
    "hoff",
    "mann",
    "schmidt",
    "mey",
    "wag",
    "ner",
    "schulz",
    "koch",
    "rich",
    "ter",
    "klein",
    "wolf",
    "schrö",
    "der",
    "neu",
    "braun",
    "krü",
    "lan",
    "ge",
    "werk",
    "mei",
    "leh",
    "gar",
    "cí",
    "mar",
    "tí",
    "lóp",
    "ez",
    "gon",
    "zá",
    "rod",
    "rí",
    "fer",
    "nán",
    "dez",
    "pé",
    "san",
    "chez",
    "ram",
    "tor",
    "res",
    "ngu",
    "yễn",
    "ko",
    "wal",
    "ski",
    "dvo",
    "řák",
    "no",
    "vák",
    "ad",
    "ey",
    "emi",
    "ok",
    "afor",
    "ros",
    "si",
    "lef",
    "èvre",
    "dub",
    "ois",
    "mor",
    "eau",
    "lau",
    "rent",
    "sim",
    "ón",
    "ber",
    "nard",
    "pet",
    "it",
    "dur",
    "and",
]


def _surnames(rng: random.Random, count: int) -> list[str]:
    names: set[str] = set()
    while len(names) < count:
        parts = rng.randint(2, 3)
        names.add("".join(rng.choice(_SYLLABLES) for _ in range(parts)).capitalize())
    return sorted(names)


def _name(rng: random.Random, surnames: list[str]) -> str:
    last = rng.choice(surnames)
    if rng.random() < 0.08:
        last += "-" + rng.choice(surnames)
    return f"{rng.choice(_FIRST)} {last}"


def _template_programme() -> Programme:
    return Programme(
        patient=Patient("@ID@", "@NAME@", date(1971, 3, 9), SpasticityOrigin.SPINAL),
        pump=Pump("synchromed-ii-40", "@SERIAL@", date(2024, 5, 2), date(2031, 5, 2), Decimal(2)),
        drug=DrugFill("baclofen", Decimal(2000)),
        reservoir=Reservoir(Decimal(40), datetime(2026, 11, 2, 10, 0)),
        mode=Mode.SIMPLE_CONTINUOUS,
        daily_dose_mcg=Decimal(400),
    )


def build(path: Path, patients: int, versions: int, *, spread_fills: bool = False) -> Database:
    """The real schema, then the records in bulk (one transaction). With ``spread_fills``
    each patient's reservoir was filled on a day of the last 180 (a clinic's mix of patients
    just refilled and patients due), instead of all on the same day."""
    import json

    rng = random.Random(SEED)
    surnames = _surnames(rng, 6000)
    database = Database.open(path, now=NOW)
    sdb = database._sdb
    conn = sdb.conn
    template = dumps(_template_programme())
    birth_line = '"birth_date": "1971-03-09"'
    dose_line = '"daily_dose_mcg": 400'
    fill_line = '"filled_at": "2026-11-02T10:00"'
    assert fill_line in template
    per_patient = [versions // patients] * patients
    for i in range(versions - sum(per_patient)):
        per_patient[i % patients] += 1
    started = time.perf_counter()
    sdb.execute("BEGIN IMMEDIATE")
    seq = audit.next_seq(sdb)
    audit.append(
        sdb,
        seq=seq,
        at=NOW,
        user="bench",
        action="bench.bulk_load",
        patient_id=None,
        details={"patients": patients, "versions": versions},
    )

    def patient_rows() -> Iterator[tuple[int, str, str, str, str, str]]:
        for n in range(1, patients + 1):
            pid = f"MRN-{n:07d}"
            name = _name(rng, surnames)
            birth = date(1940, 1, 1) + timedelta(days=rng.randint(0, 30_000))
            yield (
                n,
                pid,
                name,
                birth.isoformat(),
                search.sort_key(name),
                search.scan_text(name, pid),
            )

    people = list(patient_rows())
    conn.executemany(
        "INSERT INTO patient (num, id, name, birth_date, spasticity_origin, diagnosis, notes, "
        "sort_key, scan_text, created_at, audit_seq) "
        "VALUES (?, ?, ?, ?, 'spinal', '', '', ?, ?, ?, ?)",
        [(*person, NOW.isoformat(), seq) for person in people],
    )
    conn.executemany(
        "INSERT INTO patient_order (patient_num, sort_key, scan_text) VALUES (?, ?, ?)",
        [(n, sort_key, scan) for n, _, _, _, sort_key, scan in people],
    )
    conn.executemany(
        "INSERT INTO patient_search (rowid, name, ident) VALUES (?, ?, ?)",
        [(n, search.name_terms(name), search.id_terms(pid)) for n, pid, name, *_ in people],
    )
    conn.executemany(
        "INSERT INTO pump (patient_id, model, serial, implanted_on, replace_by, catheter_model, "
        "catheter_length_cm, low_reservoir_alarm_ml, recorded_at, recorded_by, audit_seq) "
        "VALUES (?, 'synchromed-ii-40', ?, '2024-05-02', '2031-05-02', NULL, NULL, '2', ?, "
        "'bench', ?)",
        [(pid, f"NGP{n:07d}", NOW.isoformat(), seq) for n, pid, *_ in people],
    )

    def version_rows() -> Iterator[tuple[object, ...]]:
        for (_, pid, name, birth, *_), count in zip(people, per_patient, strict=True):
            base = (
                template.replace("@ID@", pid)
                .replace("@NAME@", json.dumps(name, ensure_ascii=False)[1:-1])
                .replace("@SERIAL@", f"NGP{pid[4:]}")
                .replace(birth_line, f'"birth_date": "{birth}"')
            )
            if spread_fills:
                filled = NOW - timedelta(days=rng.randint(0, 180))
                base = base.replace(fill_line, f'"filled_at": "{filled:%Y-%m-%dT%H:%M}"')
            dose = rng.randrange(300, 800, 10)
            saved = NOW - timedelta(days=30 * count)
            for number in range(1, count + 1):
                dose = min(1500, max(100, dose + rng.randrange(-40, 60, 10)))
                text = base.replace(dose_line, f'"daily_dose_mcg": {dose}')
                yield (
                    pid,
                    number,
                    number - 1 if number > 1 else None,
                    text,
                    str(dose),
                    f"{dose}/2000" if dose % 2000 else str(dose // 2000),
                    (saved + timedelta(days=30 * number)).isoformat(),
                    seq,
                )

    conn.executemany(
        "INSERT INTO programme_version (patient_id, number, based_on, programme_json, mode, "
        "daily_dose_mcg, flow_ml_per_day, library_version, catalogue_version, findings, "
        "acknowledgements, saved_by, saved_at, reason, confirmed, audit_seq) "
        "VALUES (?, ?, ?, ?, 'simple-continuous', ?, ?, '2026.11-1', '2026.11-1', '[]', '{}', "
        "'bench', ?, 'bench load', 1, ?)",
        version_rows(),
    )
    sdb.execute("COMMIT")
    sdb.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    sdb.execute("ANALYZE")
    print(
        f"built {patients:,} patients and {versions:,} programme versions in "
        f"{time.perf_counter() - started:.1f} s"
    )
    return database


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def report(label: str, samples: list[float], budget: float | None) -> None:
    samples = sorted(samples)
    median = statistics.median(samples)
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    verdict = "" if budget is None else (" ok" if median < budget else " OVER BUDGET")
    limit = "" if budget is None else f" (budget {budget:g} ms median)"
    print(
        f"{label:<38} median {median:7.2f} ms   p95 {p95:7.2f} ms   max {samples[-1]:7.2f} ms"
        f"   n={len(samples)}{limit}{verdict}"
    )


def measure(database: Database, patients: int) -> None:
    rng = random.Random(SEED + 1)
    picks = [f"MRN-{rng.randint(1, patients):07d}" for _ in range(200)]
    names = {pid: database.patient(pid).patient.name for pid in picks[:60]}

    keystrokes: list[float] = []
    first_letters: list[float] = []
    for pid, name in names.items():
        for typed in (name, name.split()[-1], pid):
            for k in range(1, len(typed) + 1):
                ms = timed(partial(database.search_patients, typed[:k]))
                keystrokes.append(ms)
                if k == 1:
                    first_letters.append(ms)
        found = database.search_patients(name)
        assert any(s.id == pid for s in found) or len(found) == 50, (pid, name)
    report("search as you type, per keystroke", keystrokes, BUDGET_MS["search"])
    report("  of which first letter only", first_letters, None)
    first_page = [timed(partial(database.first_patients, 50)) for _ in range(50)]
    assert len(database.first_patients(50)) == 50
    report("first page by name (nothing typed)", first_page, BUDGET_MS["search"])

    def open_patient(pid: str) -> None:
        database.patient(pid)
        database.versions(pid)
        database.refills(pid)
        database.mark_opened(pid, NOW)

    report(
        "open a patient with its history",
        [timed(partial(open_patient, pid)) for pid in picks],
        BUDGET_MS["open"],
    )
    recent = [timed(lambda: database.recent_patients(30)) for _ in range(50)]
    assert len(database.recent_patients(30)) == 30
    report("recent patients (30 of 200 opened)", recent, None)

    saves: list[float] = []
    for i, pid in enumerate(picks[:100]):
        latest = database.latest_version(pid)
        assert latest is not None
        now = NOW + timedelta(days=1, minutes=i)
        dose = int(latest.programme.daily_dose_mcg or 400)
        new = latest.programme.with_changes(
            daily_dose_mcg=Decimal(dose + 10),
            reservoir=Reservoir(Decimal(40), now.replace(second=0, microsecond=0)),
        )
        acks = {
            acknowledgement_key(f): "bench"
            for f in database.check_programme(new, now=now).findings
            if f.severity is Severity.SOFT
        }
        saves.append(
            timed(
                partial(
                    database.save_programme,
                    new,
                    base_version=latest.number,
                    user="bench",
                    reason="bench",
                    acknowledgements=acks,
                    now=now,
                )
            )
        )
    report("save a version durably (save_programme)", saves, BUDGET_MS["save"])


def measure_worklist(database: Database) -> None:
    """The worklist from the stored figures, against re-projecting everyone (the baseline)."""
    from db import worklist as stored
    from programmer.worklist import worklist

    sdb = database._sdb
    fill = timed(partial(database.worklist, now=NOW, days=28))  # the bulk load left all stale
    print(f"{'fill the stored figures (one-off)':<38} {fill:9.0f} ms")
    for days in (28, 365):
        listed = len(database.worklist(now=NOW, days=days))
        samples = [timed(partial(database.worklist, now=NOW, days=days)) for _ in range(20)]
        report(f"worklist, {days} days ({listed:,} listed)", samples, BUDGET_MS["worklist"])

    def reprojected(days: int) -> int:
        ids = [row[0] for row in sdb.execute("SELECT id FROM patient").fetchall()]
        with database._read():
            figures = [
                stored.figures_of(sdb, pid, database._reference, database._settings) for pid in ids
            ]
        return len(worklist(figures, NOW, days))

    report(
        "baseline: re-project everyone, 28 days",
        [timed(partial(reprojected, 28)) for _ in range(2)],
        BUDGET_MS["worklist"],
    )
    # The whole integrity check, which projects everyone once to compare the stored figures
    # (db/integrity.py); the bulk load skips the per-record audit hashes, so it reports those.
    report("verify (the whole check)", [timed(database.verify)], None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--versions", type=int, default=1_000_000)
    parser.add_argument("--worklist-patients", type=int, default=10_000)
    parser.add_argument("--keep", metavar="DIR", help="build in DIR and keep the database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="itb-bench-") as temp:
        folder = Path(args.keep or temp)
        path = folder / "bench.sqlite"
        if path.exists():
            raise SystemExit(f"{path} exists; choose another --keep folder")
        database = build(path, args.patients, args.versions)
        database.close()
        reopen = time.perf_counter()
        database = Database.open(path, create=False, now=NOW)
        print(f"open the database: {(time.perf_counter() - reopen) * 1000:.1f} ms")
        try:
            measure(database, args.patients)
        finally:
            database.close()
        size = sum(p.stat().st_size for p in folder.glob("bench.sqlite*"))
        print(f"file size: {size / 1_000_000:,.0f} MB ({size / args.versions:,.0f} bytes/version)")
        count = args.worklist_patients
        database = build(folder / "worklist.sqlite", count, 2 * count, spread_fills=True)
        try:
            measure_worklist(database)
        finally:
            database.close()


if __name__ == "__main__":
    main()
