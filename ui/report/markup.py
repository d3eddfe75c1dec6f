"""The session report as the HTML subset ``QTextDocument`` lays out (tables, headings, colours).

The two plots are placeholders (``<img src="plot:rate">``, ``plot:reservoir``) of a fixed size:
:mod:`ui.report.pdf` finds where the document laid them out and paints the plot widgets there
as vectors. Colour never carries meaning alone: a changed value also says "changed", a finding
its severity in words (style.md; ui/theme.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from programmer.finding import Severity
from ui.report.parts import (
    TRAINING_MARK,
    BolusLine,
    DaySchedule,
    FindingLine,
    Item,
    SessionReport,
)
from ui.theme import (
    GRID_BORDER,
    HEAD_BACKGROUND,
    NOTE_COLOUR,
    PAPER,
    REPORT_HEADING_COLOUR,
    REPORT_LABEL_COLOUR,
    REPORT_TEXT_COLOUR,
    TRAINING_COLOUR,
)

# Paper is white whatever the screen's palette is.
CHANGED_BACKGROUND = PAPER.changed_background
SEVERITY_BACKGROUNDS = PAPER.severity_background
SEVERITY_COLOURS = PAPER.severity_text

RATE_PLOT = "plot:rate"
RESERVOIR_PLOT = "plot:reservoir"
PLOTS = (RATE_PLOT, RESERVOIR_PLOT)

STYLE = f"""
body {{ color: {REPORT_TEXT_COLOUR}; }}
h1 {{ font-size: 15pt; margin-top: 0px; margin-bottom: 2px; }}
h2 {{ font-size: 11.5pt; margin-top: 12px; margin-bottom: 4px; color: {REPORT_HEADING_COLOUR}; }}
h3 {{ font-size: 9.5pt; margin-top: 8px; margin-bottom: 2px; }}
h4 {{ font-size: 9pt; margin-top: 6px; margin-bottom: 2px; }}
p {{ margin-top: 2px; margin-bottom: 2px; }}
table.grid {{ border-collapse: collapse; border-color: {GRID_BORDER}; }}
table.grid th {{ background-color: {HEAD_BACKGROUND}; text-align: left; font-weight: bold; }}
table.items td.label {{ color: {REPORT_LABEL_COLOUR}; font-weight: bold; }}
.note {{ color: {NOTE_COLOUR}; font-size: 8pt; }}
.num {{ text-align: right; }}
.code {{ font-size: 8pt; font-weight: bold; }}
"""


def _e(text: str) -> str:
    return escape(text, quote=True)


def _items(items: Sequence[Item], label_width: str = "34%") -> str:
    rows = "".join(
        f"<tr><td class='label' width='{label_width}'>{_e(i.label)}</td><td>{_e(i.value)}</td></tr>"
        for i in items
    )
    return f"<table class='items' width='100%' cellspacing='0' cellpadding='2'>{rows}</table>"


def _grid(headers: Sequence[str | tuple[str, int]], body: str, width: str = "100%") -> str:
    """A bordered table; a header given as (text, percent) also sets its column's width."""
    head = "".join(
        f"<th width='{h[1]}%'>{_e(h[0])}</th>" if isinstance(h, tuple) else f"<th>{_e(h)}</th>"
        for h in headers
    )
    return (
        f"<table class='grid' width='{width}' border='1' cellspacing='0' cellpadding='3'>"
        f"<thead><tr>{head}</tr></thead>{body}</table>"
    )


def _comparison(report: SessionReport) -> str:
    before = (
        f"Version {report.previous_version} (before)"
        if report.previous_version is not None
        else "Before (none)"
    )
    after = f"Version {report.version} (this version)"
    shade = CHANGED_BACKGROUND.name()
    body = []
    for row in report.comparison:
        attrs = f" bgcolor='{shade}'" if row.changed else ""
        mark = "<b>changed</b>" if row.changed else ""
        body.append(
            f"<tr{attrs}><td>{_e(row.label)}</td><td>{_e(row.before)}</td>"
            f"<td>{'<b>' if row.changed else ''}{_e(row.after)}{'</b>' if row.changed else ''}"
            f"</td><td>{mark}</td></tr>"
        )
    changed = len(report.changed_rows)
    intro = (
        f"<p>{changed} value{'s' if changed != 1 else ''} changed: each is shaded, in bold and "
        "marked <b>changed</b>.</p>"
        if report.previous_version is not None
        else "<p>The patient's first programme: nothing to compare with.</p>"
    )
    return intro + _grid((("Value", 27), (before, 31), (after, 31), ("", 11)), "".join(body))


def _day(day: DaySchedule) -> str:
    body = "".join(
        f"<tr><td>{_e(s.start)}</td><td>{_e(s.end)}</td><td class='num'>{_e(s.rate)}</td>"
        f"<td class='num'>{_e(s.dose)}</td></tr>"
        for s in day.steps
    )
    body += (
        f"<tr><td colspan='3'><b>24-h total</b> ({_e(day.flow)})</td>"
        f"<td class='num'><b>{_e(day.total)}</b></td></tr>"
    )
    return f"<h4>{_e(day.title)}</h4>" + _grid(
        ("Start", "End", "Rate", "Step dose"), body, width="75%"
    )


def _schedules(report: SessionReport) -> str:
    parts = []
    for table in report.schedules:
        parts.append(f"<h3>{_e(table.heading)}</h3>")
        parts.extend(_day(day) for day in table.days)
    return "".join(parts)


def _refills(report: SessionReport) -> str:
    if not report.refills:
        return "<p>No refill is recorded for this reservoir fill.</p>"
    body = []
    for r in report.refills:
        flag = ""
        if r.significant:
            colour = SEVERITY_COLOURS[Severity.SOFT].name()
            flag = f"<br><b><font color='{colour}'>over the {_e(r.limit)} limit</font></b>"
        body.append(
            f"<tr><td>{_e(r.at)}<br>{_e(r.by)}</td><td class='num'>{_e(r.expected)}</td>"
            f"<td class='num'>{_e(r.measured)}</td><td>{_e(r.discrepancy)}{flag}</td>"
            f"<td class='num'>{_e(r.volume_added)}</td><td>{_e(r.concentration)}</td></tr>"
        )
        if r.reason:
            body.append(f"<tr><td colspan='6'><b>Reason given:</b> {_e(r.reason)}</td></tr>")
    return _grid(
        (
            ("Refilled", 20),
            ("Expected residual", 12),
            ("Measured residual", 12),
            ("Discrepancy", 22),
            ("Added", 9),
            ("Concentration", 25),
        ),
        "".join(body),
    )


def _bolus_rows(lines: Sequence[BolusLine], *, given: bool) -> str:
    body = []
    for b in lines:
        who = f"<br>{_e(b.by)}" if b.by else ""
        last = _e(b.reason) if given else _e(b.volume)
        body.append(
            f"<tr><td>{_e(b.when)}{who}</td><td>{_e(b.kind)}</td><td class='num'>{_e(b.dose)}"
            f"</td><td class='num'>{_e(b.duration)}</td><td>{last}</td></tr>"
        )
    headers = (
        ("When", 20),
        ("Kind", 20),
        ("Dose", 12),
        ("Duration", 12),
        ("Reason" if given else "Volume", 36),
    )
    return _grid(headers, "".join(body))


def _boluses(report: SessionReport) -> str:
    parts = ["<h3>Planned in this programme</h3>"]
    if report.planned_boluses:
        parts.append(_bolus_rows(report.planned_boluses, given=False))
    else:
        parts.append("<p>No bolus planned.</p>")
    parts.append(
        f"<p><b>Patient-activated bolus:</b> {_e(report.patient_bolus or 'none')}</p>"
        "<h3>Given (recorded)</h3>"
    )
    if report.boluses_given:
        parts.append(_bolus_rows(report.boluses_given, given=True))
        if report.boluses_given_not_shown:
            parts.append(
                f"<p class='note'>{report.boluses_given_not_shown} earlier bolus(es) not shown.</p>"
            )
    else:
        parts.append("<p>No bolus recorded.</p>")
    return "".join(parts)


def _finding(f: FindingLine) -> str:
    colour = SEVERITY_COLOURS[f.severity].name()
    background = SEVERITY_BACKGROUNDS[f.severity].name()
    if f.needs_reason:
        reason = _e(f.reason) if f.reason else "<b>no reason recorded</b>"
    else:
        reason = "— (none needed)"
    return (
        f"<tr><td bgcolor='{background}'><b><font color='{colour}'>"
        f"{_e(f.severity.value.upper())}</font></b> {_e(f.severity_words)}<br>"
        f"<span class='code'>{_e(f.code)}</span><br><span class='note'>{_e(f.field)}</span>"
        f"</td><td>{_e(f.message)}</td><td>{reason}</td></tr>"
    )


def _findings(report: SessionReport) -> str:
    if not report.findings:
        return "<p>No findings: the programme is within every limit checked.</p>"
    return _grid(
        (("Finding", 31), ("What it means", 41), ("Reason given", 28)),
        "".join(_finding(f) for f in report.findings),
    )


def _plot(name: str, width: float, height: float) -> str:
    return (
        f"<p style='margin-top:4px; margin-bottom:4px'>"
        f"<img src='{name}' width='{width:.0f}' height='{height:.0f}'></p>"
    )


def report_html(report: SessionReport, *, plot_width: float, plot_height: float) -> str:
    """The whole report body (the page header and footer are painted separately)."""
    training = (
        f"<p><b><font color='{TRAINING_COLOUR}'>{_e(TRAINING_MARK)}</font></b></p>"
        if report.training
        else ""
    )
    draft = (
        f"<p><b><font color='{SEVERITY_COLOURS[Severity.HARD].name()}'>This version is NOT "
        "CONFIRMED: it is a draft, not the programme the pump runs.</font></b></p>"
        if not report.confirmed
        else ""
    )
    before = (
        f"<br><b>Before (version {report.previous_version}):</b> {_e(report.summary_before)}"
        if report.summary_before is not None
        else ""
    )
    parts = [
        f"<h1>{_e(report.title)}</h1>",
        f"<p>{_e(report.clinic)} — {_e(report.patient_line)} — version {report.version}, "
        f"saved {report.saved_at:%Y-%m-%d %H:%M} by {_e(report.saved_by)}</p>",
        training,
        draft,
        f"<p><b>This version:</b> {_e(report.summary_after)}{before}</p>",
        f"<p><b>Why:</b> {_e(report.reason)}</p>",
        "<h2>Patient, pump and drug</h2>",
        "<table width='100%' cellspacing='0' cellpadding='0'><tr>"
        f"<td width='50%' valign='top'>{_items(report.patient)}{_items(report.drug)}</td>"
        f"<td width='50%' valign='top'>{_items(report.pump)}</td></tr></table>",
        "<h2>Session</h2>",
        _items(report.session, label_width="20%"),
        "<h2>Programme: before and after</h2>",
        _comparison(report),
        "<h2>Schedule</h2>",
        _schedules(report),
        "<h2>Rate profile</h2>",
        _plot(RATE_PLOT, plot_width, plot_height),
        "<p class='note'>Rate in mcg/h over the day: this version solid blue, the version "
        "before dashed grey; planned boluses as triangles on top of the rate they add to.</p>",
        "<h2>Reservoir projection</h2>",
        _items(report.projection, label_width="20%"),
        _plot(RESERVOIR_PLOT, plot_width, plot_height),
        "<p class='note'>Reservoir volume in mL from the fill (worst case: every patient bolus "
        "used), with the low-reservoir alarm level and the next-refill and empty dates.</p>",
        "<h2>Refill</h2>",
        _refills(report),
        "<h2>Boluses</h2>",
        _boluses(report),
        "<h2>Findings and the reasons given</h2>",
        _findings(report),
        "<h2>Signature</h2>",
        "<p>Programmed by: ______________________________ &nbsp;&nbsp; Date: ______________</p>",
    ]
    return f"<html><head><style>{STYLE}</style></head><body>{''.join(parts)}</body></html>"
