"""The pump's battery / replacement state from its replace-by date (domain.md, "Pumps": after
the replacement warning the pump stops within 90 days; plan replacement about 6 months ahead)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

# domain.md: "plan replacement about 6 months ahead".
PLANNING_DAYS = 183


class BatteryLevel(StrEnum):
    OK = "ok"
    PLAN_REPLACEMENT = "plan-replacement"
    REPLACE_NOW = "replace-now"


@dataclass(frozen=True, slots=True)
class BatteryState:
    level: BatteryLevel
    days_left: int
    words: str


def battery_state(
    replace_by: date, today: date, planning_days: int = PLANNING_DAYS
) -> BatteryState:
    """How urgent the pump's replacement is on ``today``."""
    days = (replace_by - today).days
    if days <= 0:
        return BatteryState(
            BatteryLevel.REPLACE_NOW,
            days,
            f"past its replace-by date ({-days} days ago): replace now",
        )
    if days <= planning_days:
        return BatteryState(
            BatteryLevel.PLAN_REPLACEMENT,
            days,
            f"replace-by in {days} days: plan the replacement now",
        )
    years = days / 365.25
    return BatteryState(BatteryLevel.OK, days, f"replace-by in {years:.1f} years")
