"""Adversarial clinical review: the concentration `itb-console project` prints.

Rule (RULES.md quality bar and product.md "Quality bars": never round a typed value silently;
domain.md, "Baclofen": "Any other value is a dilution or a compounded product and must be
confirmed explicitly"; "wrong concentration entered or compounded" is a known failure
pattern). The concentration is the factor of every dose; a dilution of 2000 mcg/mL by three is
666.67 mcg/mL. `project` (ui/commands/programme.py: ``format_number(conc, 0)``) prints it as
"baclofen 667 mcg/mL", while the editor's drug line (ui/widgets/entry.py::format_fixed) and the
Overview (format_decimal) show it as typed, and the engine's finding says "666.67". Paths
compared: the CLI's project header against the file and the window. Where it should live
once: one exact concentration formatter (format_decimal / format_fixed), used by the CLI too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ui.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "simple-continuous.json"


def test_project_prints_a_compounded_concentration_as_typed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(EXAMPLE.read_text("utf-8"))
    data["drug"]["concentration_mcg_per_ml"] = 666.67
    path = tmp_path / "diluted.json"
    path.write_text(json.dumps(data), "utf-8")
    main(["--now", "2026-11-22T10:00", "project", str(path)])
    out = capsys.readouterr().out
    header = out.splitlines()[0]
    assert "666.67 mcg/mL" in header, header
