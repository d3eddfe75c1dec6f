"""Issue 9's hazards through ``itb-console check`` and ``project`` (product.md, "Command line",
"Rules the table implies"): --last-therapy, the added JSON figures, reservoir rows that follow a
change between refills, and file messages that name the field."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.test_cli import EXAMPLES, run, run_json, write

SIMPLE = "simple-continuous.json"


def test_check_last_therapy_makes_a_trap_restart_from_stopped_hard(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Hazard 2: stopped now, 60 mcg/day the last therapy; 700 mcg/day (in the usual range,
    soft without the history) is over 3x it: exit 1 with CHANGE_EXTREME."""
    stopped = write(tmp_path, "stopped.json", SIMPLE, mode="stopped", daily_dose_mcg=None)
    last = write(tmp_path, "last.json", SIMPLE, daily_dose_mcg=60)
    restart = write(tmp_path, "restart.json", SIMPLE, daily_dose_mcg=700)
    code, data = run_json(capsys, "check", restart, "--current", stopped, "--last-therapy", last)
    assert code == 1
    assert "CHANGE_EXTREME" in [f["code"] for f in data["findings"]]
    code, data = run_json(capsys, "check", restart, "--current", stopped)
    assert "CHANGE_EXTREME" not in [f["code"] for f in data["findings"]]


def test_check_current_refuses_a_concentration_changed_on_the_same_fill(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Hazard 1 on the command line."""
    source = json.loads((EXAMPLES / SIMPLE).read_text("utf-8"))
    other = 1000 if source["drug"]["concentration_mcg_per_ml"] != 1000 else 500
    changed = write(tmp_path, "changed.json", SIMPLE, drug={"concentration_mcg_per_ml": other})
    code, data = run_json(capsys, "check", changed, "--current", EXAMPLES / SIMPLE)
    assert code == 1
    assert "CONCENTRATION_CHANGED_WITHOUT_REFILL" in [f["code"] for f in data["findings"]]


def test_json_has_the_worst_day_and_the_worst_case_flow(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Hazard 13: examples/flexible.json, 290 mcg/day + 4 x 20 mcg patient boluses."""
    _, data = run_json(capsys, "check", EXAMPLES / "flexible.json")
    planned = sum(
        b["dose_mcg"] for b in json.loads((EXAMPLES / "flexible.json").read_text())["boluses"]
    )
    assert data["worst_day_mcg"] >= 290 + 80
    assert data["worst_day_mcg"] <= 290 + 80 + planned
    assert data["worst_case_flow_ml_per_day"] > data["flow_ml_per_day"]


def test_project_days_rows_follow_a_change_between_refills(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Hazard 11: 40 mL at 0.2 mL/day since the fill; at now (100 days on) the dose doubles.
    The rows start from what is left (20 mL), not from a fill re-run at the new rate."""
    current = EXAMPLES / "domain-40ml-2000-400.json"
    fill = json.loads(current.read_text("utf-8"))["reservoir"]["filled_at"]
    doubled = write(tmp_path, "doubled.json", "domain-40ml-2000-400.json", daily_dose_mcg=800)
    now = (datetime.fromisoformat(fill) + timedelta(days=100)).isoformat(timespec="minutes")
    code, out, _ = run(
        capsys, "--now", now, "project", doubled, "--current", current, "--days", "2", "--json"
    )
    assert code == 0
    rows = json.loads(out)["reservoir"]
    # The next midnight after now: 20 mL at the fill's 09:30 + 100 days, then 0.4 mL/day.
    assert 19.5 < rows[1]["volume_ml"] < 20.0
    assert rows[2]["volume_ml"] == pytest.approx(rows[1]["volume_ml"] - 0.4, abs=1e-6)


@pytest.mark.parametrize(
    ("replace", "field"),
    [
        (('"volume_ml": 20.0', '"volume_ml": NaN'), "reservoir.volume_ml"),
        (('"volume_ml": 20.0', '"volume_ml": -Infinity'), "reservoir.volume_ml"),
        (('"mode": "flexible",', '"mode": "flexible",\n  "mode": "stopped",'), "mode"),
    ],
)
def test_nan_infinity_and_duplicate_keys_name_the_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, replace: tuple[str, str], field: str
) -> None:
    """Hazard 13: the one line on stderr names the field, like every other message."""
    text = (EXAMPLES / "flexible.json").read_text("utf-8")
    assert replace[0] in text
    path = tmp_path / "bad.json"
    path.write_text(text.replace(*replace), "utf-8")
    code, out, err = run(capsys, "check", path)
    assert code == 2 and out == ""
    assert f": {field}: " in err and len(err.strip().splitlines()) == 1
