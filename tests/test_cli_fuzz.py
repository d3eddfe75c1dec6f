"""Fuzzing ``itb-console check`` with malformed and hostile files (product.md: "the file cannot be
read: one clear line on stderr naming the file and what is wrong; never a traceback").

Every file ends in exit 2 with exactly one non-empty stderr line that names it, or, when the
mutation still is a valid programme, in exit 0 or 1 with the JSON report. Never a traceback,
never the "internal error" exit 3. The bulk runs in-process through ``ui.cli.main`` (fast); a
handful go through the installed ``itb-console`` to prove the real entry point.
"""

from __future__ import annotations

import copy
import json
import os
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from programmer import programme_file as pf
from programmer.errors import ProgrammeFileError
from ui.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
CONSOLE = Path(sys.executable).parent / "itb-console"
NOW = "2026-11-22T10:00"
SEED = 20261122


def example_text(name: str = "flexible.json") -> str:
    return (ROOT / "examples" / name).read_text("utf-8")


def example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(example_text())
    return data


def assert_clean_outcome(code: int, out: str, err: str, path: Path) -> None:
    """Exit 2 with one line naming the file, or 0/1 with a report and a readable programme."""
    assert "Traceback" not in out + err
    assert code in (0, 1, 2), (code, err)
    if code == 2:
        assert out == ""
        lines = [line for line in err.split("\n") if line.strip()]
        assert len(lines) == 1 and err.endswith("\n") and err.count("\n") == 1, err
        assert lines[0].startswith("itb-console: ")
        assert str(path) in lines[0]
        assert len(lines[0]) < len(str(path)) + 300, lines[0]
        return
    assert err == ""
    report = json.loads(out)
    assert report["findings"] is not None
    assert (code == 1) == any(f["severity"] == "hard" for f in report["findings"])
    pf.load(path)  # a 0/1 outcome means the file really is a programme


def check_file(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> int:
    code = main(["--now", NOW, "check", str(path), "--json", *extra])
    out, err = capsys.readouterr()
    assert_clean_outcome(code, out, err, path)
    return code


# ---------------------------------------------------------------- hostile files, one by one


def _replace(old: str, new: str) -> Callable[[], bytes]:
    def make() -> bytes:
        text = example_text()
        assert old in text
        return text.replace(old, new, 1).encode("utf-8")

    return make


def _doc(change: Callable[[dict[str, Any]], None]) -> Callable[[], bytes]:
    def make() -> bytes:
        doc = example()
        change(doc)
        return json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogatepass")

    return make


HOSTILE: dict[str, Callable[[], bytes]] = {
    "empty": lambda: b"",
    "whitespace-2mb": lambda: b" \n\t" * 700_000,
    "deep-nesting-lists": lambda: b"[" * 100_000 + b"]" * 100_000,
    "deep-nesting-objects": lambda: b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "deep-nesting-in-field": _replace(
        '"boluses": [', '"boluses": ' + "[" * 100_000 + "]" * 99_999 + ", ["
    ),
    "number-1e999999": _replace('"volume_ml": 20.0', '"volume_ml": 1e999999'),
    "number-minus-1e999999": _replace('"volume_ml": 20.0', '"volume_ml": -1e999999'),
    "number-1e-999999": _replace('"rate_mcg_per_h": 10.0', '"rate_mcg_per_h": 1e-999999'),
    "integer-5000-digits": _replace('"volume_ml": 20.0', '"volume_ml": 1' + "0" * 5000),
    "decimal-900k-digits": _replace('"volume_ml": 20.0', '"volume_ml": ' + "9" * 900_000 + ".5"),
    "nan": _replace('"volume_ml": 20.0', '"volume_ml": NaN'),
    "infinity": _replace('"dose_mcg": 50.0', '"dose_mcg": Infinity'),
    "minus-infinity": _replace('"rate_mcg_per_h": 60.0', '"rate_mcg_per_h": -Infinity'),
    "minus-zero-volume": _replace('"volume_ml": 20.0', '"volume_ml": -0'),
    "minus-zero-rate": _replace('"rate_mcg_per_h": 60.0', '"rate_mcg_per_h": -0.0'),
    "minus-zero-lockout": _replace('"lockout_min": 120', '"lockout_min": -0'),
    "latin-1": lambda: example_text().replace("Jane Doe", "Jane Doé").encode("latin-1"),
    "utf-16-bom": lambda: example_text().encode("utf-16"),
    "utf-16-be": lambda: example_text().encode("utf-16-be"),
    "utf-32": lambda: example_text().encode("utf-32"),
    "utf-8-bom": lambda: b"\xef\xbb\xbf" + example_text().encode("utf-8"),
    "random-bytes": lambda: random.Random(SEED).randbytes(5000),
    "nul-bytes": lambda: b"\x00" * 100,
    "truncated": lambda: example_text()[:300].encode("utf-8"),
    "top-level-list": lambda: b"[" + example_text().encode("utf-8") + b"]",
    "top-level-string": lambda: b'"itb-programme/1"',
    "duplicate-key": _replace('"mode": "flexible",', '"mode": "stopped",\n  "mode": "flexible",'),
    "duplicate-nested-key": _replace(
        '"serial": "NGP123456",', '"serial": "A",\n    "serial": "B",'
    ),
    "lone-surrogate-escape": _replace('"Jane Doe"', '"Jane \\ud800 Doe"'),
    "control-character-escape": _replace('"Jane Doe"', '"Jane\\u0000Doe"'),
    "newline-in-unknown-key": _doc(lambda d: d["patient"].update({"bad\nkey\u2028": 1})),
    "newline-in-choice": _doc(lambda d: d.update(mode="flexible\nstopped")),
    "huge-unknown-key": _doc(lambda d: d.update({"k" * 500_000: 1})),
    "fullwidth-digits-time": _doc(lambda d: d["week"]["every_day"][1].update(start="０７:００")),
    "mode-simple-with-week": _doc(lambda d: d.update(mode="simple-continuous")),
    "mode-flexible-with-dose": _doc(lambda d: d.update(daily_dose_mcg=400)),
    "mode-stopped-with-week": _doc(lambda d: d.update(mode="stopped")),
    "week-both-forms": _doc(lambda d: d["week"].update(mon=[])),
    "week-six-days": _doc(
        lambda d: d.update(
            week={k: d["week"]["every_day"] for k in ("mon", "tue", "wed", "thu", "fri", "sat")}
        )
    ),
    "week-empty": _doc(lambda d: d.update(week={})),
    "steps-97": _doc(lambda d: d["week"].update(every_day=d["week"]["every_day"] * 33)),
    "boluses-201": _doc(lambda d: d.update(boluses=d["boluses"] * 201)),
    "year-0": _doc(lambda d: d["reservoir"].update(filled_at="0000-01-01T00:00")),
    "year-9999-fill": _doc(lambda d: d["reservoir"].update(filled_at="9999-12-31T23:59")),
    "year-1-fill": _doc(
        lambda d: (
            d["patient"].update(birth_date="0001-01-01"),
            d["pump"].update(implanted_on="0001-01-01"),
            d["reservoir"].update(filled_at="0001-01-01T00:00", volume_ml=1),
        )
    ),
    "tiny-flow-forever": _doc(
        lambda d: (
            d["pump"].update(model="prometra-ii-40", low_reservoir_alarm_ml=3),
            d["week"].update(every_day=[{"start": "00:00", "rate_mcg_per_h": 0.000001}]),
            d.update(patient_bolus=None, boluses=[]),
        )
    ),
    "february-30": _doc(lambda d: d["patient"].update(birth_date="1971-02-30")),
}
for _key in ("", "patient", "pump", "drug", "reservoir", "week", "patient_bolus"):
    HOSTILE[f"unknown-key-in-{_key or 'top'}"] = _doc(
        lambda d, k=_key: (d[k] if k else d).update({"extra": True})
    )
HOSTILE["unknown-key-in-step"] = _doc(lambda d: d["week"]["every_day"][0].update(extra=1))
HOSTILE["unknown-key-in-bolus"] = _doc(lambda d: d["boluses"][0].update(extra=1))


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file_gives_exit_2_or_a_clean_report(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str
) -> None:
    path = tmp_path / f"{name}.json"
    path.write_bytes(HOSTILE[name]())
    check_file(capsys, path)


@pytest.mark.parametrize(
    "name",
    ["empty", "deep-nesting-lists", "utf-16-bom", "number-1e999999", "nan", "duplicate-key"],
)
def test_hostile_file_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str
) -> None:
    path = tmp_path / f"{name}.json"
    path.write_bytes(HOSTILE[name]())
    assert check_file(capsys, path) == 2


def test_hostile_files_that_still_are_programmes_are_checked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for name in (
        "utf-8-bom",
        "minus-zero-volume",
        "minus-zero-rate",
        "year-9999-fill",
        "year-1-fill",
        "tiny-flow-forever",
    ):
        path = tmp_path / f"{name}.json"
        path.write_bytes(HOSTILE[name]())
        assert check_file(capsys, path) in (0, 1), name


def test_directory_missing_file_and_symlink_loop_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    loop = tmp_path / "loop.json"
    loop.symlink_to(loop)
    for path in (tmp_path, tmp_path / "missing.json", loop):
        assert check_file(capsys, path) == 2


def test_hostile_current_file_exits_2_naming_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    current = tmp_path / "current.json"
    current.write_bytes(HOSTILE["utf-16-bom"]())
    code = main(
        ["--now", NOW, "check", str(ROOT / "examples" / "flexible.json"), "--current", str(current)]
    )
    out, err = capsys.readouterr()
    assert_clean_outcome(code, out, err, current)
    assert code == 2


# ---------------------------------------------------------------- wrong types in every field


def _leaf_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [prefix] + [p for k, v in value.items() for p in _leaf_paths(v, (*prefix, k))]
    if isinstance(value, list):
        return [prefix] + [p for i, v in enumerate(value) for p in _leaf_paths(v, (*prefix, i))]
    return [prefix]


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    for key in path[:-1]:
        doc = doc[key]
    doc[path[-1]] = value


WRONG_TYPES: list[Any] = [None, True, 0, -1, 1.5, "", "text", [], {}, [1], {"a": 1}]


def test_every_field_with_every_wrong_type(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    base = example()
    paths = [p for p in _leaf_paths(base) if p]
    outcomes = {0: 0, 1: 0, 2: 0}
    for n, path_in_doc in enumerate(paths):
        for m, wrong in enumerate(WRONG_TYPES):
            doc = copy.deepcopy(base)
            _set(doc, path_in_doc, wrong)
            path = tmp_path / f"wrong-{n}-{m}.json"
            path.write_text(json.dumps(doc), "utf-8")
            outcomes[check_file(capsys, path)] += 1
    assert outcomes[2] > 0.8 * sum(outcomes.values())


# ---------------------------------------------------------------- mutated variants of the examples

JUNK: list[Any] = [
    None,
    True,
    False,
    0,
    -0.0,
    -1,
    0.5,
    13,
    1440,
    1e308,
    "",
    " ",
    "x",
    "00:00",
    "23:59",
    "24:00",
    "2026-11-22",
    "2026-11-22T09:30",
    "flexible",
    "every_day",
    "synchromed-ii-40",
    [],
    {},
    [{"start": "00:00", "rate_mcg_per_h": 1}],
    {"every_day": []},
]


class Mutator:
    """Seeded structural and textual mutations of a programme document."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def mutate(self, doc: dict[str, Any]) -> str:
        doc = copy.deepcopy(doc)
        for _ in range(self.rng.choice([1, 1, 1, 2, 3])):
            self.rng.choice(
                [self.delete, self.retype, self.swap, self.add_key, self.grow, self.nudge]
            )(doc)
        text = json.dumps(doc, indent=2)
        if self.rng.random() < 0.25:
            text = self.mangle(text)
        return text

    def _pick(self, doc: dict[str, Any], *, containers: bool = False) -> tuple[Any, ...]:
        paths = [p for p in _leaf_paths(doc) if p]
        if containers:
            paths = [()] + [p for p in paths if isinstance(self._get(doc, p), dict | list)]
        return self.rng.choice(paths) if paths else ()

    @staticmethod
    def _get(doc: Any, path: tuple[Any, ...]) -> Any:
        for key in path:
            doc = doc[key]
        return doc

    def delete(self, doc: dict[str, Any]) -> None:
        path = self._pick(doc)
        if path:
            del self._get(doc, path[:-1])[path[-1]]

    def retype(self, doc: dict[str, Any]) -> None:
        path = self._pick(doc)
        if path:
            _set(doc, path, copy.deepcopy(self.rng.choice(JUNK)))

    def swap(self, doc: dict[str, Any]) -> None:
        a, b = self._pick(doc), self._pick(doc)
        if a and b and a[: len(b)] != b and b[: len(a)] != a:
            va, vb = self._get(doc, a), self._get(doc, b)
            _set(doc, a, vb)
            _set(doc, b, va)

    def add_key(self, doc: dict[str, Any]) -> None:
        target = self._get(doc, self._pick(doc, containers=True))
        if isinstance(target, dict):
            target[self.rng.choice(["extra", "mon", "every_day", "format", "start", "x\ny"])] = 1
        elif isinstance(target, list):
            target.append(copy.deepcopy(self.rng.choice(JUNK)))

    def grow(self, doc: dict[str, Any]) -> None:
        target = self._get(doc, self._pick(doc, containers=True))
        if isinstance(target, list) and target:
            target.insert(
                self.rng.randrange(len(target) + 1), copy.deepcopy(self.rng.choice(target))
            )

    def nudge(self, doc: dict[str, Any]) -> None:
        path = self._pick(doc)
        if not path:
            return
        value = self._get(doc, path)
        if isinstance(value, bool) or value is None:
            return
        if isinstance(value, int | float):
            _set(
                doc,
                path,
                self.rng.choice([value * 10, value / 10, value + 0.001, -value, value * 24]),
            )
        elif isinstance(value, str) and value:
            i = self.rng.randrange(len(value))
            _set(doc, path, value[:i] + self.rng.choice("09:-T\x00é") + value[i + 1 :])

    def mangle(self, text: str) -> str:
        lines = text.split("\n")
        choice = self.rng.randrange(4)
        i = self.rng.randrange(len(lines))
        if choice == 0:  # a duplicated line: often a duplicate key
            lines.insert(i, lines[i])
        elif choice == 1:
            del lines[i]
        elif choice == 2:
            return text[: self.rng.randrange(len(text))]
        else:
            lines[i] = lines[i].replace(",", "", 1)
        return "\n".join(lines)


MUTANTS_PER_EXAMPLE = 200


@pytest.mark.parametrize("source", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_mutated_examples_give_exit_2_or_a_clean_report(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, source: Path
) -> None:
    base = json.loads(source.read_text("utf-8"))
    mutator = Mutator(SEED + sum(source.name.encode()))
    outcomes = {0: 0, 1: 0, 2: 0}
    for n in range(MUTANTS_PER_EXAMPLE):
        path = tmp_path / f"mutant-{n}.json"
        path.write_text(mutator.mutate(base), "utf-8")
        outcomes[check_file(capsys, path)] += 1
        if n % 4 == 0:  # the project command reads the same files and prints more of them
            code = main(["--now", NOW, "project", str(path), "--days", "3"])
            _, err = capsys.readouterr()
            assert code in (0, 2) and "Traceback" not in err, err
            if code == 2:
                assert err.count("\n") == 1
    assert outcomes[2] > 0  # the mutator does break files
    assert sum(outcomes.values()) == MUTANTS_PER_EXAMPLE


def test_loader_agrees_with_the_command_line(tmp_path: Path) -> None:
    """What the CLI refuses with exit 2 is exactly what programme_file refuses."""
    mutator = Mutator(SEED)
    for n in range(100):
        path = tmp_path / f"m{n}.json"
        path.write_text(mutator.mutate(example()), "utf-8")
        try:
            pf.load(path)
            readable = True
        except ProgrammeFileError:
            readable = False
        code = main(["--now", NOW, "check", str(path)])
        assert (code != 2) == readable


# ---------------------------------------------------------------- through the installed command


@pytest.mark.skipif(not CONSOLE.exists(), reason="itb-console is not installed in this venv")
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("deep-nesting-lists", 2),
        ("utf-16-bom", 2),
        ("number-1e999999", 2),
        ("newline-in-unknown-key", 2),
        ("lone-surrogate-escape", 2),
        ("year-9999-fill", 1),  # a fill after now: FILL_TIME_AFTER_NOW, hard
    ],
)
def test_installed_command_on_hostile_files(tmp_path: Path, name: str, expected: int) -> None:
    path = tmp_path / f"{name}.json"
    path.write_bytes(HOSTILE[name]())
    result = subprocess.run(
        [str(CONSOLE), "--now", NOW, "check", str(path), "--json"],
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "ITB_DEBUG"},
        timeout=60,
    )
    assert_clean_outcome(result.returncode, result.stdout, result.stderr, path)
    assert result.returncode == expected, result.stderr


@pytest.mark.skipif(not CONSOLE.exists(), reason="itb-console is not installed in this venv")
def test_installed_command_on_a_directory_and_a_missing_file(tmp_path: Path) -> None:
    for path in (tmp_path, tmp_path / "missing.json"):
        result = subprocess.run(
            [str(CONSOLE), "check", str(path)],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert_clean_outcome(result.returncode, result.stdout, result.stderr, path)
        assert result.returncode == 2
