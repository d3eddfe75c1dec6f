"""The visit, the unit of work at the pump (product.md, "The visit"): started, its steps kept as
they happen, finished only with the pump running the visit's final programme, or with an
explicit "left unchanged" and its reason. A pump left stopped by a programming session cut off
half-way never finishes a visit (domain.md: "an update is complete only when the pump is running
the new programme again")."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from programmer.errors import EngineError

MAX_REASON = 2000


class VisitOutcome(StrEnum):
    RUNNING_FINAL = "running-final"  # the pump runs the newest confirmed programme
    LEFT_UNCHANGED = "left-unchanged"  # explicitly, with a reason


class VisitRefused(EngineError):
    """The visit cannot be finished as asked; the message says what to do."""


@dataclass(frozen=True, slots=True)
class PumpAtFinish:
    """What the stored pump says when the visit is to finish. ``read`` False: the pump was
    never interrogated, so nothing is known of what it runs."""

    read: bool
    running: bool = False
    in_session: bool = False
    runs_final: bool = False  # its programme is the newest confirmed version


def finish_outcome(pump: PumpAtFinish, left_unchanged_reason: str | None) -> VisitOutcome:
    """How the visit may finish, or :class:`VisitRefused` saying why not."""
    reason = (left_unchanged_reason or "").strip()
    if pump.read and pump.in_session:
        raise VisitRefused(
            "The pump is stopped by an unfinished programming session: finish the transmission "
            "(or resume the previous programme) before finishing the visit."
        )
    if pump.read and pump.running and pump.runs_final:
        return VisitOutcome.RUNNING_FINAL
    if len(reason) > MAX_REASON:
        raise VisitRefused(f"The reason is at most {MAX_REASON} characters.")
    if reason:
        return VisitOutcome.LEFT_UNCHANGED
    if not pump.read:
        why = "the pump was not interrogated, so it is not known to run the final programme"
    elif not pump.running:
        why = "the pump is not running"
    else:
        why = "the pump does not run the visit's final programme (transmit it first)"
    raise VisitRefused(
        f"The visit cannot finish: {why}. Transmit and read back, or finish it as "
        '"left unchanged" with a reason.'
    )
