"""The worked examples of domain.md through ``itb-console check`` and ``project`` (product.md,
"Command line"): exit codes, the --json shape, ISO dates, what sets the refill date."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ui.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
CONSOLE = Path(sys.executable).parent / "itb-console"
NOW = "2026-11-22T10:00"
JSON_KEYS = {
    "daily_dose_mcg",
    "flow_ml_per_day",
    "low_reservoir_alarm_at",
    "empty_at",
    "next_refill_at",
    "refill_limited_by",
    # product.md, "Rules the table implies" (added with issue 9):
    "worst_day_mcg",
    "worst_case_flow_ml_per_day",
    "findings",
}
ISO_MINUTE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main(["--now", NOW, *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, dict[str, Any]]:
    code, out, err = run(capsys, *args, "--json")
    assert err == ""
    data: dict[str, Any] = json.loads(out)
    assert_product_shape(data)
    return code, data


def assert_product_shape(data: dict[str, Any]) -> None:
    """product.md: the keys, ISO 8601 dates, severity hard | soft | info."""
    assert set(data) - {"reservoir"} == JSON_KEYS
    assert isinstance(data["daily_dose_mcg"], int | float)
    assert isinstance(data["flow_ml_per_day"], int | float)
    for key in ("low_reservoir_alarm_at", "empty_at", "next_refill_at"):
        value = data[key]
        if value is not None or key == "next_refill_at":
            assert ISO_MINUTE.fullmatch(value), value
            datetime.fromisoformat(value)
    assert data["refill_limited_by"] in {"alarm", "stability", "replacement"}
    for finding in data["findings"]:
        assert set(finding) == {"code", "severity", "message", "field"}
        assert finding["severity"] in {"hard", "soft", "info"}
        assert re.fullmatch(r"[A-Z_]+", finding["code"])
        assert finding["message"] and finding["field"]


def write(tmp_path: Path, name: str, source: str, **changes: Any) -> Path:
    """A copy of an example with top-level sections changed (``pump={"replace_by": ...}``)."""
    data = json.loads((EXAMPLES / source).read_text("utf-8"))
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key].update(value)
        else:
            data[key] = value
    path = tmp_path / name
    path.write_text(json.dumps(data), "utf-8")
    return path


# ---------------------------------------------------------------- domain.md, "Refill arithmetic"


def test_domain_example_40_ml_2000_mcg_per_ml_400_mcg_per_day(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """40 mL of 2000 mcg/mL at 400 mcg/day on a 40 mL pump: 0.2 mL/day, the 2 mL alarm after
    exactly 190 days, empty after 200, next refill set by the 180-day stability limit."""
    code, data = run_json(capsys, "project", EXAMPLES / "domain-40ml-2000-400.json")
    assert code == 0
    fill = datetime(2026, 11, 22, 9, 30)
    assert data == {
        "daily_dose_mcg": 400.0,
        "flow_ml_per_day": 0.2,
        "low_reservoir_alarm_at": (fill + timedelta(days=190)).isoformat(timespec="minutes"),
        "empty_at": (fill + timedelta(days=200)).isoformat(timespec="minutes"),
        "next_refill_at": (fill + timedelta(days=180)).isoformat(timespec="minutes"),
        "refill_limited_by": "stability",
        "worst_day_mcg": 400.0,
        "worst_case_flow_ml_per_day": 0.2,
        "findings": [
            {
                "code": "REFILL_BEYOND_STABILITY",
                "severity": "info",
                "message": data["findings"][0]["message"],
                "field": "reservoir.filled_at",
            }
        ],
    }
    assert data["low_reservoir_alarm_at"] == "2027-05-31T09:30"
    assert data["empty_at"] == "2027-06-10T09:30"
    assert data["next_refill_at"] == "2027-05-21T09:30"


def test_domain_example_in_words(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "project", EXAMPLES / "domain-40ml-2000-400.json")
    assert code == 0 and err == ""
    assert "400.00 mcg/day" in out
    assert "0.2000 mL/day" in out
    assert "2027-05-31T09:30 (at 2.0 mL)" in out
    assert "2027-05-21T09:30 (limited by stability)" in out
    assert "REFILL_BEYOND_STABILITY" in out


def test_domain_example_check_passes_with_the_stability_info(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, data = run_json(capsys, "check", EXAMPLES / "domain-40ml-2000-400.json")
    assert code == 0
    assert [(f["code"], f["severity"]) for f in data["findings"]] == [
        ("REFILL_BEYOND_STABILITY", "info")
    ]
    assert data["refill_limited_by"] == "stability"


def test_refill_limited_by_the_pump_replacement_date(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(
        tmp_path, "soon.json", "domain-40ml-2000-400.json", pump={"replace_by": "2027-01-15"}
    )
    code, data = run_json(capsys, "project", path)
    assert code == 0  # soft: plan the replacement, not a block
    assert data["refill_limited_by"] == "replacement"
    assert data["next_refill_at"] == "2027-01-15T00:00"
    assert ("REPLACEMENT_BEFORE_REFILL", "soft", "pump.replace_by") in [
        (f["code"], f["severity"], f["field"]) for f in data["findings"]
    ]


def test_refill_limited_by_the_low_reservoir_alarm(capsys: pytest.CaptureFixture[str]) -> None:
    """examples/flexible.json: 290 mcg/day programmed + 4 x 20 mcg patient boluses (worst case)
    at 500 mcg/mL, 20 mL filled: the alarm, less the 7-day margin, comes first."""
    code, data = run_json(capsys, "project", EXAMPLES / "flexible.json")
    assert code == 0
    assert data["daily_dose_mcg"] == 290.0
    assert data["flow_ml_per_day"] == 0.58
    assert data["refill_limited_by"] == "alarm"
    alarm = datetime.fromisoformat(data["low_reservoir_alarm_at"])
    assert datetime.fromisoformat(data["next_refill_at"]) == alarm - timedelta(days=7)
    # 17.9 mL (less the 0.1 mL bolus) at 0.74 mL/day worst case: about 24.2 days
    assert timedelta(days=24) < alarm - datetime(2026, 11, 22, 9, 30) < timedelta(days=24.4)
    assert data["low_reservoir_alarm_at"] == "2026-12-16T14:45"


# ---------------------------------------------------------------- the per-hour/per-day trap


def test_60_mcg_per_h_for_60_mcg_per_day_is_a_hard_finding(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """domain.md: 60 mcg/h programmed for 60 mcg/day, a 24x overdose. Checked against the
    current 60 mcg/day programme it exits 1 with CHANGE_EXTREME (hard)."""
    code, data = run_json(
        capsys,
        "check",
        EXAMPLES / "trap-new-60-mcg-per-h.json",
        "--current",
        EXAMPLES / "trap-current-60-mcg-per-day.json",
    )
    assert code == 1
    extreme = [f for f in data["findings"] if f["code"] == "CHANGE_EXTREME"]
    assert extreme == [
        {
            "code": "CHANGE_EXTREME",
            "severity": "hard",
            "message": extreme[0]["message"],
            "field": "week.every_day",
        }
    ]
    assert "60 -> 1440 mcg/day" in extreme[0]["message"]
    assert data["daily_dose_mcg"] == 1440.0


def test_the_trap_programme_alone_is_not_blocked_so_the_current_one_matters(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """1440 mcg/day is under the 2000 mcg/day hard maximum: only the comparison with the
    current programme catches the trap."""
    code, data = run_json(capsys, "check", EXAMPLES / "trap-new-60-mcg-per-h.json")
    assert code == 0
    assert "CHANGE_EXTREME" not in [f["code"] for f in data["findings"]]


def test_the_trap_in_words_says_it_cannot_be_saved(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "check",
        EXAMPLES / "trap-new-60-mcg-per-h.json",
        "--current",
        EXAMPLES / "trap-current-60-mcg-per-day.json",
    )
    assert code == 1
    assert "HARD FINDING: cannot be saved" in out
    assert re.search(r"HARD\s+CHANGE_EXTREME\s+week\.every_day", out)


# ---------------------------------------------------------------- the other examples


@pytest.mark.parametrize(
    "name",
    [
        "flexible.json",
        "simple-continuous.json",
        "weekday-pattern.json",
        "domain-40ml-2000-400.json",
    ],
)
def test_examples_can_be_saved(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code, data = run_json(capsys, "check", EXAMPLES / name)
    assert code == 0
    assert all(f["severity"] != "hard" for f in data["findings"])


def test_weekday_pattern_daily_dose_is_the_week_mean(capsys: pytest.CaptureFixture[str]) -> None:
    # 410 mcg Monday to Friday, 480 mcg Saturday and Sunday
    _, data = run_json(capsys, "project", EXAMPLES / "weekday-pattern.json")
    assert data["daily_dose_mcg"] == pytest.approx((5 * 410 + 2 * 480) / 7)
    code, out, _ = run(capsys, "project", EXAMPLES / "weekday-pattern.json")
    assert code == 0 and "(mean over the week)" in out


def test_hard_finding_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, "over.json", "simple-continuous.json", daily_dose_mcg=2000.01)
    code, data = run_json(capsys, "check", path)
    assert code == 1
    assert ("DOSE_ABOVE_HARD_LIMIT", "hard") in [
        (f["code"], f["severity"]) for f in data["findings"]
    ]
    at_limit = write(tmp_path, "at.json", "simple-continuous.json", daily_dose_mcg=2000)
    assert run_json(capsys, "check", at_limit)[0] == 0


def test_project_reports_findings_but_exits_0(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(tmp_path, "over.json", "simple-continuous.json", daily_dose_mcg=2500)
    code, data = run_json(capsys, "project", path)
    assert code == 0
    assert "DOSE_ABOVE_HARD_LIMIT" in [f["code"] for f in data["findings"]]


def test_project_days_lists_the_reservoir_each_midnight(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, data = run_json(capsys, "project", EXAMPLES / "domain-40ml-2000-400.json", "--days", "3")
    assert code == 0
    assert data["reservoir"] == [
        {"date": "2026-11-22", "volume_ml": 40.0},
        {"date": "2026-11-23", "volume_ml": pytest.approx(40 - 14.5 / 24 * 0.2)},
        {"date": "2026-11-24", "volume_ml": pytest.approx(40 - (14.5 / 24 + 1) * 0.2)},
        {"date": "2026-11-25", "volume_ml": pytest.approx(40 - (14.5 / 24 + 2) * 0.2)},
    ]


def test_project_days_never_shows_a_negative_reservoir(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """An old fill (here 1990) is empty long ago: 0 mL, listed at once, not minutes later."""
    path = write(
        tmp_path,
        "old.json",
        "flexible.json",
        reservoir={"filled_at": "1990-01-01T00:00"},
        pump={"implanted_on": "1989-01-01"},
        boluses=[],
    )
    _, data = run_json(capsys, "project", path, "--days", "2")
    assert [r["date"] for r in data["reservoir"]] == ["1990-01-01", "2026-11-23", "2026-11-24"]
    assert [r["volume_ml"] for r in data["reservoir"][1:]] == [0.0, 0.0]


# ---------------------------------------------------------------- exit 2: the file cannot be read


def test_missing_file_exits_2_naming_it(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    code, out, err = run(capsys, "check", missing)
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert str(missing) in err and "no such file" in err


def test_unreadable_current_file_exits_2_naming_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "current.json"
    bad.write_text("{", "utf-8")
    code, out, err = run(capsys, "check", EXAMPLES / "flexible.json", "--current", bad)
    assert code == 2 and out == ""
    assert str(bad) in err and "not valid JSON" in err


def test_error_names_the_field(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, "bad.json", "flexible.json", pump={"model": "synchromed-iii"})
    code, _, err = run(capsys, "project", path)
    assert code == 2
    assert err.startswith(f"itb-console: {path}: pump.model: ")


def test_bad_arguments_exit_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["check"], ["project", "x.json", "--days", "0"], ["explode"]):
        code, _, err = run(capsys, *args)
        assert code == 2
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


# ---------------------------------------------------------------- the installed entry point


@pytest.mark.skipif(not CONSOLE.exists(), reason="itb-console is not installed in this venv")
def test_installed_itb_console_runs_the_trap_example() -> None:
    result = subprocess.run(
        [
            str(CONSOLE),
            "--now",
            NOW,
            "check",
            str(EXAMPLES / "trap-new-60-mcg-per-h.json"),
            "--current",
            str(EXAMPLES / "trap-current-60-mcg-per-day.json"),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env={**os.environ, "ITB_DEBUG": ""},
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert_product_shape(data)
    assert ("CHANGE_EXTREME", "hard") in [(f["code"], f["severity"]) for f in data["findings"]]


@pytest.mark.skipif(not CONSOLE.exists(), reason="itb-console is not installed in this venv")
def test_installed_itb_console_projects_the_domain_example() -> None:
    result = subprocess.run(
        [
            str(CONSOLE),
            "--now",
            NOW,
            "project",
            str(EXAMPLES / "domain-40ml-2000-400.json"),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["flow_ml_per_day"], data["refill_limited_by"]) == (0.2, "stability")


def test_window_without_a_display_says_so_in_one_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    result = subprocess.run(
        [sys.executable, "-m", "ui.cli", "--db", str(tmp_path / "x.sqlite")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "no display" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
