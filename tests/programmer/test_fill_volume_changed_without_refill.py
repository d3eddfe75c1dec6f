"""Adversarial clinical review: the volume of a fill already in the pump, rewritten.

Rule (product.md, CONCENTRATION_CHANGED_WITHOUT_REFILL: "the reservoir is the same fill (same
`filled_at`): the pump still holds the old drug"; domain.md, "Refill arithmetic": the expected
residual and the refill date follow from the volume at the last refill; failure patterns:
"decimal point and extra-zero errors", "entries typed into the wrong field"). A saved programme
on the same fill (same ``filled_at``) with another ``reservoir.volume_ml`` rewrites how much the
pump was filled with; only a refill changes it. The engine (programmer/findings.py::
_check_same_fill) guards the concentration of the same fill but not its volume, and the
projection then drops the current programme's delivery on the fill (``current.reservoir ==
programme.reservoir`` is false) and projects the new volume from the old fill time. Reproduced:
a 40 mL SynchroMed II filled with 20 mL of 500 mcg/mL 60 days ago at 100 mcg/day; the same
programme with "volume_ml": 40 on the same fill moves the next refill from 2026-12-15 to
2027-03-22 and the alarm from 2026-12-22 to 2027-04-01 with no finding on the volume, via
`check --current`, `import` or any save: the pump alarms, then empties, three months before the
refill date the console prints. Where it should live once: _check_same_fill (a hard finding,
like the concentration's), so the editor, import and the CLI all meet it.
"""

from __future__ import annotations

from datetime import timedelta

from programmer.check_context import CheckContext
from programmer.findings import check_programme
from tests.programmer.factories import NOW, programme

FILLED = NOW - timedelta(days=60)


def _on_fill(volume: str):
    return programme(
        model="synchromed-ii-40",
        concentration="500",
        volume=volume,
        filled_at=FILLED,
        daily_dose="100",
    )


def test_fill_volume_cannot_change_without_a_refill():
    current = _on_fill("20")
    rewritten = _on_fill("40")
    result = check_programme(rewritten, CheckContext.packaged(current=current), now=NOW)
    on_volume = [f for f in result.findings if f.field == "reservoir.volume_ml"]
    assert on_volume, (
        f"refill by {result.projection.next_refill_at:%Y-%m-%d} from a rewritten 40 mL fill, "
        f"findings {[f.code.value for f in result.findings]}"
    )
