"""What the patient felt, scored at a visit (product.md, "Assessments and screening"): the
Modified Ashworth Scale per muscle group, the Penn Spasm Frequency Scale, pain 0-10, one goal
scored -2..+2 (goal attainment), and the overdose and withdrawal signs of domain.md as a
checklist.

Every value is parsed here from what was typed, and refused with a message naming the field
when it is not one of the scale's values (a MAS of 5, a pain of 7.5): never rounded or clamped.
The window's fields and the database call the same functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cache
from pathlib import Path

from programmer.errors import EngineError, ReferenceDataError
from programmer.reference_data import load_toml

PENN_MAX = 4  # Penn Spasm Frequency Scale: 0 (no spasms) to 4 (more than 10 an hour)
PAIN_MAX = 10
GOAL_MIN, GOAL_MAX = -2, 2  # goal attainment scaling
MAX_GOAL_TEXT = 500
MAX_NOTES = 2000


class AssessmentValueError(EngineError):
    """A typed value that is not on its scale; ``field`` names where it was typed."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class AshworthGrade(StrEnum):
    """Modified Ashworth Scale grades (Bohannon and Smith): 0, 1, 1+, 2, 3, 4."""

    G0 = "0"
    G1 = "1"
    G1_PLUS = "1+"
    G2 = "2"
    G3 = "3"
    G4 = "4"

    @property
    def plotted(self) -> float:
        """Where the grade sits on a numeric axis: 1+ between 1 and 2, as usually charted."""
        return 1.5 if self is AshworthGrade.G1_PLUS else float(self.value)


class SignKind(StrEnum):
    OVERDOSE = "overdose"
    WITHDRAWAL = "withdrawal"


@dataclass(frozen=True, slots=True)
class Sign:
    key: str
    kind: SignKind
    words: str


@dataclass(frozen=True, slots=True)
class AssessmentScales:
    """The reference data (programmer/data/assessment.toml): muscle groups and signs."""

    version: str
    muscle_groups: tuple[str, ...]  # "Hip flexors, left", "Hip flexors, right", ...
    signs: tuple[Sign, ...]

    def sign(self, key: str) -> Sign:
        for s in self.signs:
            if s.key == key:
                return s
        raise KeyError(key)


def load_scales(path: Path | None = None) -> AssessmentScales:
    data, where = load_toml(path, "assessment.toml")
    groups = data.get("muscle_groups")
    if not isinstance(groups, list) or not groups or not all(isinstance(g, str) for g in groups):
        raise ReferenceDataError(f"{where}: muscle_groups must be a list of names")
    signs: list[Sign] = []
    table = data.get("signs", {})
    for kind in SignKind:
        entries = table.get(kind.value)
        if not isinstance(entries, dict) or not entries:
            raise ReferenceDataError(f"{where}: [signs.{kind.value}] must list the signs")
        signs += [Sign(str(key), kind, str(words)) for key, words in entries.items()]
    return AssessmentScales(
        version=str(data.get("version", "")),
        muscle_groups=tuple(f"{g}, {side}" for g in groups for side in ("left", "right")),
        signs=tuple(signs),
    )


@cache
def default_scales() -> AssessmentScales:
    return load_scales()


# ------------------------------------------------------------ typed values


def parse_ashworth(text: str, field: str) -> AshworthGrade | None:
    """A Modified Ashworth grade as typed ("1+" also as "1 +"); blank: not assessed."""
    value = "".join(text.split())
    if not value:
        return None
    try:
        return AshworthGrade(value)
    except ValueError:
        raise AssessmentValueError(
            f"'{text.strip()}' is not a Modified Ashworth grade: type 0, 1, 1+, 2, 3 or 4",
            field,
        ) from None


def parse_whole(text: str, field: str, low: int, high: int, scale: str) -> int | None:
    """A whole number from ``low`` to ``high`` as typed (a sign allowed); blank: not scored."""
    value = text.strip()
    if not value:
        return None
    digits = value[1:] if value[:1] in "+-" else value
    if not digits.isdigit() or not digits.isascii():
        raise AssessmentValueError(
            f"'{value}' is not a whole number: {scale} is scored {low} to {high}", field
        )
    number = int(value)
    if not low <= number <= high:
        raise AssessmentValueError(f"{scale} is scored {low} to {high}, not {number}", field)
    return number


def parse_penn(text: str) -> int | None:
    return parse_whole(text, "penn", 0, PENN_MAX, "the Penn Spasm Frequency Scale")


def parse_pain(text: str) -> int | None:
    return parse_whole(text, "pain", 0, PAIN_MAX, "pain")


def parse_goal_score(text: str) -> int | None:
    return parse_whole(text, "goal_score", GOAL_MIN, GOAL_MAX, "goal attainment")


# ------------------------------------------------------------ the record


@dataclass(frozen=True, slots=True)
class Assessment:
    """One visit's scores. Anything may be left out, but not everything."""

    at: datetime
    ashworth: Mapping[str, AshworthGrade] = field(default_factory=dict)  # muscle group -> grade
    penn: int | None = None
    pain: int | None = None
    goal: str = ""
    goal_score: int | None = None
    signs: frozenset[str] = frozenset()  # keys of AssessmentScales.signs
    notes: str = ""
    by: str = ""

    @property
    def mean_ashworth(self) -> float | None:
        """The mean grade over the groups scored (1+ as 1.5), for the trend beside the dose."""
        if not self.ashworth:
            return None
        return sum(g.plotted for g in self.ashworth.values()) / len(self.ashworth)


def _check_range(value: object, field: str, low: int, high: int, scale: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise AssessmentValueError(f"{scale} is scored {low} to {high}, not {value!r}", field)


def check_assessment(a: Assessment, scales: AssessmentScales | None = None) -> None:
    """Refuse (:class:`AssessmentValueError`) a record holding a value off its scale, an
    unknown muscle group or sign, a goal score without its goal, or nothing at all."""
    scales = scales or default_scales()
    for group, grade in a.ashworth.items():
        if group not in scales.muscle_groups:
            raise AssessmentValueError(f"'{group}' is not a muscle group on the form", "ashworth")
        if not isinstance(grade, AshworthGrade):
            raise AssessmentValueError(
                f"{group}: '{grade}' is not a Modified Ashworth grade (0, 1, 1+, 2, 3, 4)",
                f"ashworth.{group}",
            )
    _check_range(a.penn, "penn", 0, PENN_MAX, "the Penn Spasm Frequency Scale")
    _check_range(a.pain, "pain", 0, PAIN_MAX, "pain")
    _check_range(a.goal_score, "goal_score", GOAL_MIN, GOAL_MAX, "goal attainment")
    if a.goal_score is not None and not a.goal.strip():
        raise AssessmentValueError("a goal attainment score needs the goal it scores", "goal")
    if len(a.goal) > MAX_GOAL_TEXT:
        raise AssessmentValueError(f"the goal is at most {MAX_GOAL_TEXT} characters", "goal")
    if len(a.notes) > MAX_NOTES:
        raise AssessmentValueError(f"the notes are at most {MAX_NOTES} characters", "notes")
    known = {s.key for s in scales.signs}
    unknown = sorted(a.signs - known)
    if unknown:
        raise AssessmentValueError(f"unknown sign(s): {', '.join(unknown)}", "signs")
    if not (a.ashworth or a.signs or a.goal.strip()) and all(
        v is None for v in (a.penn, a.pain, a.goal_score)
    ):
        raise AssessmentValueError("the assessment records nothing: score at least one item", "")


def signs_seen(a: Assessment, kind: SignKind, scales: AssessmentScales | None = None) -> list[str]:
    """The words of the ticked signs of ``kind``, in the form's order."""
    scales = scales or default_scales()
    return [s.words for s in scales.signs if s.kind is kind and s.key in a.signs]
