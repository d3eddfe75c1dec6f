"""The patient's scores over time, drawn in a panel under the dose-history plot with the same
date axis (linked), so a titration decision sees dose and response together (product.md,
"Assessments and screening"). One curve per score, updated with ``setData``; the overdose and
withdrawal signs seen at a visit are marks along the top."""

from __future__ import annotations

from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from programmer.assessment import (
    PAIN_MAX,
    Assessment,
    SignKind,
    signs_seen,
)
from ui.widgets.plots import (
    _add_legend,
    _PlotWithReadout,
    _styled_plot,
    from_timestamp,
    timestamp,
)

# Distinct in hue and in marker shape: colour is never the only signal.
SERIES = (
    ("mas", "Mean Modified Ashworth (0–4)", "#7c3aed", "o"),
    ("penn", "Penn spasm frequency (0–4)", "#0f766e", "s"),
    ("pain", "Pain (0–10)", "#b45309", "t"),
    ("goal", "Goal attainment (−2 to +2)", "#1d4ed8", "d"),
)
SIGN_COLOURS = {SignKind.OVERDOSE: "#b91c1c", SignKind.WITHDRAWAL: "#92400e"}
TOP = PAIN_MAX + 1.5  # the signs' marks, above every score
AXIS_WIDTH = 64  # both plots' left axes, so the linked dates line up on screen


def _value(a: Assessment, key: str) -> float | None:
    if key == "mas":
        return a.mean_ashworth
    raw = {"penn": a.penn, "pain": a.pain, "goal": a.goal_score}[key]
    return None if raw is None else float(raw)


class ScoresPlot(_PlotWithReadout):
    """Assessment scores by date; :meth:`link_to` shares the dose plot's date axis."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_styled_plot(pg.DateAxisItem("bottom", utcOffset=0)), parent)
        self.plot_widget.setAccessibleName("Assessment scores plot")
        item = self.plot_item
        item.setLabel("left", "Score")
        item.setLabel("bottom", "Date")
        _add_legend(item)
        self.curves: dict[str, pg.PlotDataItem] = {
            key: item.plot(
                pen=pg.mkPen(colour, width=2),
                symbol=symbol,
                symbolSize=9,
                symbolBrush=colour,
                name=name,
            )
            for key, name, colour, symbol in SERIES
        }
        self.sign_marks = {
            kind: item.plot(
                pen=None,
                symbol="x" if kind is SignKind.OVERDOSE else "+",
                symbolSize=14,
                symbolPen=pg.mkPen(colour, width=2),
                name=f"{kind.value.capitalize()} signs",
            )
            for kind, colour in SIGN_COLOURS.items()
        }
        item.setYRange(-2.5, TOP + 7, padding=0)  # headroom for the two-line legend
        item.getAxis("left").setWidth(AXIS_WIDTH)
        item.setMouseEnabled(x=True, y=False)
        self.assessments: list[Assessment] = []

    def link_to(self, other: pg.PlotItem) -> None:
        """Share ``other``'s date axis: same range, and the same left margin on screen."""
        self.plot_item.setXLink(other)
        other.getAxis("left").setWidth(AXIS_WIDTH)

    def set_assessments(self, assessments: Sequence[Assessment]) -> None:
        self.assessments = sorted(assessments, key=lambda a: a.at)
        for key, curve in self.curves.items():
            points = [
                (timestamp(a.at), v) for a in self.assessments if (v := _value(a, key)) is not None
            ]
            curve.setData(x=[p[0] for p in points], y=[p[1] for p in points])
        for kind, marks in self.sign_marks.items():
            seen = [timestamp(a.at) for a in self.assessments if signs_seen(a, kind)]
            offset = 0.0 if kind is SignKind.OVERDOSE else -0.6
            marks.setData(x=seen, y=[TOP + offset] * len(seen))
        self._include_assessments()

    def _include_assessments(self) -> None:
        """Widen the shared date range so every assessment is in view (the dose plot sets it
        from the versions alone: an assessment after the last change would fall off the right)."""
        if not self.assessments:
            return
        (left, right), _ = self.plot_item.vb.viewRange()
        first, last = timestamp(self.assessments[0].at), timestamp(self.assessments[-1].at)
        if left <= first and last <= right:
            return
        margin = max((max(right, last) - min(left, first)) * 0.03, 86400.0)
        self.plot_item.setXRange(min(left, first - margin), max(right, last + margin), padding=0)

    def readout_at(self, x: float) -> str:
        moment = from_timestamp(x)
        if not self.assessments:
            return ""
        nearest = min(self.assessments, key=lambda a: abs((a.at - moment).total_seconds()))
        if abs((nearest.at - moment).total_seconds()) > 3 * 86400:
            return ""
        return describe(nearest)


def describe(a: Assessment) -> str:
    """One line for the read-out: every score of the visit, and the signs seen."""
    parts = [f"{a.at:%Y-%m-%d}"]
    if a.ashworth:
        grades = ", ".join(f"{g} {v.value}" for g, v in a.ashworth.items())
        parts.append(f"MAS mean {a.mean_ashworth:.2f} ({grades})")
    if a.penn is not None:
        parts.append(f"Penn {a.penn}/4")
    if a.pain is not None:
        parts.append(f"pain {a.pain}/10")
    if a.goal_score is not None:
        parts.append(f"goal {a.goal_score:+d} ({a.goal})")
    for kind in SignKind:
        words = signs_seen(a, kind)
        if words:
            parts.append(f"{kind.value} signs: {', '.join(words)}")
    return "  ·  ".join(parts)
