"""DataFrame -> Altair chart. Drawing only: no Streamlit calls, no aggregation.

Each function takes a tidy DataFrame from the tracker library (the docstring names which)
and returns a chart with tooltips. Colours are mid-tone so lines and labels read on both
light and dark themes; Streamlit's theme supplies fonts, axes and backgrounds.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from tracker.schema import STANCES

STANCE_COLORS = {"pro_open": "#3d8fd9", "pro_closed": "#e8743b", "neutral": "#8f8f8f", "off_topic": "#c9a227"}
STANCE_SCALE = alt.Scale(domain=list(STANCE_COLORS), range=list(STANCE_COLORS.values()))
EVENT_COLOR = "#a06cd5"
HEAT = "#3d8fd9"
PERCENT = ".0%"
GRAIN_UNITS = {"day": "day", "week": "week", "month": "month"}
HEIGHT = 300


def _intensity(field: str, title: str, orient: str = "right") -> alt.Opacity:
    """Cell strength as the opacity of one mid-tone blue: faint cells fade into the background on
    light and dark themes alike (a white-to-blue ramp would make empty cells glow on dark)."""
    return alt.Opacity(f"{field}:Q", title=title, scale=alt.Scale(domain=[0, 1], range=[0.06, 1]),
                       legend=alt.Legend(format=PERCENT, symbolFillColor=HEAT, symbolStrokeColor=HEAT, symbolType="square",
                                         orient=orient, direction="horizontal" if orient == "bottom" else "vertical"))


def _label_color(field: str):
    """White on strong cells, mid grey on faint ones: readable on light and dark themes."""
    return alt.condition(f"datum.{field} > 0.45", alt.value("white"), alt.value("#9a9a9a"))


def _stance_color(title: str = "stance") -> alt.Color:
    legend = alt.Legend(orient="top", title=None, symbolOpacity=1)
    return alt.Color("stance:N", scale=STANCE_SCALE, sort=list(STANCES), legend=legend, title=title)


def _period_axis(field: str = "mid") -> alt.X:
    """The time axis. Points sit at the middle of their period (`mid`), bars and cells span it
    (`period` to `period_end`), so an event inside a period is drawn inside it."""
    return alt.X(f"{field}:T", title=None, axis=alt.Axis(format="%d %b %Y", labelAngle=0, tickCount=8))


def _timed(chart: alt.Chart, grain: str) -> alt.Chart:
    """Adds `period_end` (the start of the next period) and `mid` (the middle of the period)."""
    unit = GRAIN_UNITS[grain]
    start, end = "toDate(datum.period)", f"timeOffset('{unit}', toDate(datum.period), 1)"
    return chart.transform_calculate(period_end=end, mid=f"(time({start}) + time({end})) / 2")


def events_layer(events: pd.DataFrame | None) -> alt.LayerChart | None:
    """Dashed rules at the dates of `read_events` rows, with a marker on top to hover."""
    if events is None or events.empty:
        return None
    data = events.assign(day=events["date"].dt.strftime("%d %b %Y"))
    base = alt.Chart(data).encode(
        x=alt.X("date:T"),
        tooltip=[alt.Tooltip("day:N", title="date"), alt.Tooltip("event:N"), alt.Tooltip("description:N")])
    rules = base.mark_rule(color=EVENT_COLOR, strokeDash=[3, 3], opacity=0.55)
    marks = base.mark_point(shape="triangle-down", filled=True, size=70, color=EVENT_COLOR).encode(y=alt.value(4))
    return rules + marks


def _with_events(chart, events):
    layer = events_layer(events)
    return alt.layer(chart, layer).resolve_scale(color="independent") if layer is not None else chart


def stance_shares(shares: pd.DataFrame, events: pd.DataFrame | None = None, raw: bool = False,
                  grain: str = "week") -> alt.Chart:
    """Share of each stance per period from `trends.stance_over_time`: the corrected share, with
    the 95% band of the stance picked in the legend (pro_open at first), or (raw=True) the share
    of the classifier's labels. Point size shows how many comments the period holds."""
    picked = alt.selection_point(fields=["stance"], bind="legend", value=[{"stance": "pro_open"}])
    base = _timed(alt.Chart(shares), grain).encode(x=_period_axis(), color=_stance_color())
    value = "raw_share" if raw else "share"
    tooltip = [alt.Tooltip("period:T", title="period from", format="%d %b %Y"), alt.Tooltip("stance:N"),
               alt.Tooltip(f"{value}:Q", title="raw share" if raw else "share (corrected)", format=".1%")]
    tooltip += ([alt.Tooltip("n:Q", title="comments"), alt.Tooltip("total:Q", title="of")] if raw else
                [alt.Tooltip("low:Q", title="95% low", format=".1%"), alt.Tooltip("high:Q", title="95% high", format=".1%"),
                 alt.Tooltip("total:Q", title="comments in period")])
    y = alt.Y(f"{value}:Q", title="share of comments" + ("" if raw else " (corrected)"),
              axis=alt.Axis(format=PERCENT), scale=alt.Scale(domain=[0, 1]))
    lines = base.mark_line(strokeWidth=2).encode(
        y=y, opacity=alt.condition(picked, alt.value(1), alt.value(0.35))).add_params(picked)
    points = base.mark_circle().encode(
        y=y, tooltip=tooltip, size=_size("total", "comments in period"),
        opacity=alt.condition(picked, alt.value(1), alt.value(0.35)))
    chart = lines + points
    if not raw:
        band = base.mark_area(opacity=0.18).encode(y=alt.Y("low:Q"), y2="high:Q").transform_filter(picked)
        chart = band + chart
    return _with_events(chart, events).properties(height=HEIGHT)


def _size(field: str, title: str) -> alt.Size:
    return alt.Size(f"{field}:Q", title=title, scale=alt.Scale(range=[12, 160]), legend=None)


def net_index(index: pd.DataFrame, events: pd.DataFrame | None = None, grain: str = "week") -> alt.Chart:
    """Net stance index per period from `trends.net_stance_index` (corrected, and raw dashed)."""
    long = index.melt(id_vars=["period", "n_sides"], value_vars=["index", "raw_index"], var_name="estimate",
                      value_name="value").dropna(subset=["value"])
    long["estimate"] = long["estimate"].map({"index": "corrected", "raw_index": "raw"})
    base = _timed(alt.Chart(long), grain).encode(x=_period_axis())
    y = alt.Y("value:Q", title="pro_open − pro_closed", scale=alt.Scale(domain=[-1, 1]))
    line = base.mark_line(color=STANCE_COLORS["pro_open"]).encode(
        y=y, strokeDash=alt.StrokeDash("estimate:N", legend=alt.Legend(orient="top", title=None),
                                       scale=alt.Scale(domain=["corrected", "raw"], range=[[1, 0], [4, 3]])),
        opacity=alt.Opacity("estimate:N", scale=alt.Scale(domain=["corrected", "raw"], range=[1, 0.6]), legend=None))
    points = base.mark_circle(color=STANCE_COLORS["pro_open"]).transform_filter("datum.estimate == 'corrected'").encode(
        y=y, size=_size("n_sides", "comments taking a side"),
        tooltip=[alt.Tooltip("period:T", title="period from", format="%d %b %Y"),
                 alt.Tooltip("value:Q", title="net index (corrected)", format="+.2f"),
                 alt.Tooltip("n_sides:Q", title="comments taking a side")])
    zero = alt.Chart(pd.DataFrame({"value": [0]})).mark_rule(color="#8f8f8f").encode(y="value:Q")
    return _with_events(zero + line + points, events).properties(height=220)


def volume(volumes: pd.DataFrame, by: str = "source", events: pd.DataFrame | None = None,
           grain: str = "week") -> alt.Chart:
    """Comments per period, stacked by `by`, from `trends.volume_over_time`."""
    color = (alt.Color("stance:N", scale=STANCE_SCALE, legend=alt.Legend(orient="top", title=None))
             if by == "stance" else alt.Color(f"{by}:N", legend=alt.Legend(orient="top", title=None)))
    stacked = _timed(alt.Chart(volumes), grain).transform_stack(
        stack="n", groupby=["period"], sort=[alt.SortField(by)], as_=["bottom", "top"])
    bars = stacked.mark_rect(x2Offset=-1).encode(
        x=_period_axis("period"), x2="period_end:T", y=alt.Y("top:Q", title="comments"), y2="bottom:Q", color=color,
        tooltip=[alt.Tooltip("period:T", title="period from", format="%d %b %Y"), f"{by}:N",
                 alt.Tooltip("n:Q", title="comments")])
    return _with_events(bars, events).properties(height=220)


def composition(frame: pd.DataFrame) -> alt.Chart:
    """Comments per source, coloured by language, from `views.composition`."""
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("source:N", sort="-x", title=None), x=alt.X("sum(n):Q", title="comments", axis=alt.Axis(tickCount=5)),
        color=alt.Color("lang:N", legend=alt.Legend(orient="top", title="language")),
        tooltip=["source:N", alt.Tooltip("lang:N", title="language"), alt.Tooltip("n:Q", title="comments")],
    ).properties(height=alt.Step(26))


def shift_series(shares: pd.DataFrame, label: str, segments: pd.DataFrame, shifts: pd.DataFrame,
                 events: pd.DataFrame | None = None, grain: str = "week") -> alt.Chart:
    """One stance's corrected share (from `stance_over_time`) with the levels between detected
    shifts (`views.shift_segments`) and a rule at each shift (`shifts.detect_shifts`)."""
    series = shares[shares["stance"] == label]
    color = STANCE_COLORS.get(label, "#8f8f8f")
    base = _timed(alt.Chart(series), grain).encode(x=_period_axis())
    band = base.mark_area(opacity=0.15, color=color).encode(y=alt.Y("low:Q"), y2="high:Q")
    line = base.mark_line(point=alt.OverlayMarkDef(size=30), color=color).encode(
        y=alt.Y("share:Q", title=f"{label} share (corrected)", axis=alt.Axis(format=PERCENT),
                scale=alt.Scale(domain=[0, 1])),
        tooltip=[alt.Tooltip("period:T", title="period from", format="%d %b %Y"),
                 alt.Tooltip("share:Q", format=".1%"), alt.Tooltip("low:Q", title="95% low", format=".1%"),
                 alt.Tooltip("high:Q", title="95% high", format=".1%"), alt.Tooltip("total:Q", title="comments")])
    chart = band + line
    if not segments.empty:
        levels = alt.Chart(segments).mark_rule(strokeWidth=3, color=color, opacity=0.6).encode(
            x="start:T", x2="end:T", y="share:Q",
            tooltip=[alt.Tooltip("start:T", format="%d %b %Y"), alt.Tooltip("end:T", format="%d %b %Y"),
                     alt.Tooltip("share:Q", title="level", format=".1%")])
        cuts = alt.Chart(shifts).mark_rule(color="#d62728", strokeWidth=2).encode(
            x="period:T", tooltip=[alt.Tooltip("period:T", title="shift", format="%d %b %Y"),
                                   alt.Tooltip("delta:Q", title="change", format="+.1%")])
        chart = chart + levels + cuts
    return _with_events(chart, events).properties(height=HEIGHT)


def argument_heatmap(counts: pd.DataFrame, stance: str, grain: str = "week") -> alt.Chart:
    """How often `stance`'s comments use each argument, per period (`trends.argument_counts`):
    one row per argument, one cell per period, darker when more of the stance's comments use it."""
    data = counts[counts["stance"] == stance]
    return _timed(alt.Chart(data), grain).mark_rect(x2Offset=-1, y2Offset=-1, color=HEAT).encode(
        x=_period_axis("period"), x2="period_end:T", y=alt.Y("argument:N", title=None),
        opacity=_intensity("share", f"share of {stance}"),
        tooltip=[alt.Tooltip("period:T", title="period from", format="%d %b %Y"), "argument:N",
                 alt.Tooltip("share:Q", title=f"share of {stance} comments", format=".1%"),
                 alt.Tooltip("n:Q", title="comments"), alt.Tooltip("total:Q", title=f"{stance} comments")],
    ).properties(height=alt.Step(24), title=alt.TitleParams(stance, anchor="start", fontSize=14))


def argument_matrix(matrix: pd.DataFrame) -> alt.Chart:
    """Argument x stance heatmap from `trends.argument_stance_matrix` (share of each stance's
    comments using the argument)."""
    base = alt.Chart(matrix).encode(
        x=alt.X("stance:N", sort=list(STANCES), title=None, axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("argument:N", title=None))
    cells = base.mark_rect(color=HEAT).encode(
        opacity=_intensity("share_of_stance", "share of stance"),
        tooltip=["argument:N", "stance:N", alt.Tooltip("n:Q", title="comments"),
                 alt.Tooltip("share_of_stance:Q", title="share of the stance's comments", format=".1%")])
    text = base.mark_text(fontSize=12).encode(text=alt.Text("share_of_stance:Q", format=PERCENT),
                                              color=_label_color("share_of_stance"))
    return (cells + text).properties(height=alt.Step(30))


def argument_change(change: pd.DataFrame) -> alt.Chart:
    """Change in how often each side uses each argument (`views.argument_change`), in points."""
    return alt.Chart(change).mark_bar().encode(
        y=alt.Y("argument:N", title=None), yOffset=alt.YOffset("stance:N", sort=list(STANCES)),
        x=alt.X("delta:Q", title="change in the share of the stance's comments using it", axis=alt.Axis(format="+.0%")),
        color=alt.Color("stance:N", scale=STANCE_SCALE,
                        legend=alt.Legend(orient="top", title=None, values=sorted(set(change["stance"]), key=list(STANCES).index))),
        tooltip=["stance:N", "argument:N", alt.Tooltip("before:Q", format=".1%"), alt.Tooltip("after:Q", format=".1%"),
                 alt.Tooltip("delta:Q", title="change", format="+.1%"),
                 alt.Tooltip("n_before:Q", title="comments before"), alt.Tooltip("n_after:Q", title="comments after")],
    ).properties(height=alt.Step(12))


def group_shares(shares: pd.DataFrame, by: str, stance: str, events: pd.DataFrame | None = None,
                 grain: str = "week") -> alt.Chart:
    """One stance's corrected share per period, one line per `by` value (source or lang), from
    `stance_over_time(..., by=by)`; the 95% band of the group picked in the legend (of the only
    group, when there is one)."""
    data = shares[shares["stance"] == stance]
    picked = alt.selection_point(fields=[by], bind="legend")
    band_filter = {"param": picked.name, "empty": bool(data[by].nunique() <= 1)}
    legend = alt.Legend(orient="top", title=None, symbolOpacity=1)
    base = _timed(alt.Chart(data), grain).encode(x=_period_axis(), color=alt.Color(f"{by}:N", legend=legend))
    y = alt.Y("share:Q", title=f"{stance} share (corrected)", axis=alt.Axis(format=PERCENT), scale=alt.Scale(domain=[0, 1]))
    band = base.mark_area(opacity=0.18).encode(y="low:Q", y2="high:Q").transform_filter(band_filter)
    lines = base.mark_line(strokeWidth=2).encode(
        y=y, opacity=alt.condition(picked, alt.value(1), alt.value(0.25))).add_params(picked)
    points = base.mark_circle().encode(
        y=y, size=_size("total", "comments"), opacity=alt.condition(picked, alt.value(1), alt.value(0.25)),
        tooltip=[f"{by}:N", alt.Tooltip("period:T", title="period from", format="%d %b %Y"),
                 alt.Tooltip("share:Q", format=".1%"), alt.Tooltip("low:Q", title="95% low", format=".1%"),
                 alt.Tooltip("high:Q", title="95% high", format=".1%"), alt.Tooltip("total:Q", title="comments")])
    return _with_events(band + lines + points, events).properties(height=HEIGHT)


def trajectories(frame: pd.DataFrame, grain: str = "week") -> alt.Chart:
    """Authors' leaning per period from `authors.author_stances` (+1 all pro_open, -1 all pro_closed)."""
    data = frame.dropna(subset=["leaning"])
    highlight = alt.selection_point(fields=["author"], on="pointerover", bind="legend")
    base = _timed(alt.Chart(data), grain).encode(
        x=_period_axis(), y=alt.Y("leaning:Q", title="leaning (pro_open − pro_closed)", scale=alt.Scale(domain=[-1.05, 1.05])),
        color=alt.Color("author:N", legend=alt.Legend(orient="right", title=None)),
        opacity=alt.condition(highlight, alt.value(1), alt.value(0.2)),
        tooltip=["author:N", "source:N", alt.Tooltip("period:T", title="period from", format="%d %b %Y"),
                 alt.Tooltip("leaning:Q", format="+.2f"), alt.Tooltip("comments:Q"),
                 alt.Tooltip("pro_open:Q"), alt.Tooltip("pro_closed:Q")])
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="#8f8f8f").encode(y="y:Q")
    lines = base.mark_line(point=alt.OverlayMarkDef(size=40)).add_params(highlight)
    return (zero + lines).properties(height=HEIGHT)


def confusion(frame: pd.DataFrame) -> alt.Chart:
    """Confusion matrix heatmap from `views.card_confusion` (rows true, columns predicted)."""
    base = alt.Chart(frame).encode(
        x=alt.X("predicted:N", title="predicted", axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("true:N", title="true"))
    cells = base.mark_rect(color=HEAT).encode(
        opacity=_intensity("share_of_true", "share of the true class", orient="bottom"),
        tooltip=["true:N", "predicted:N", alt.Tooltip("n:Q", title="comments"),
                 alt.Tooltip("share_of_true:Q", title="share of true class", format=".1%")])
    text = base.mark_text(fontSize=13).encode(text="n:Q", color=_label_color("share_of_true"))
    return (cells + text).properties(height=alt.Step(44), width=alt.Step(90))


def reliability(frame: pd.DataFrame) -> alt.Chart:
    """Reliability diagram from `views.card_reliability`: accuracy against confidence per bin;
    the dashed diagonal is perfect calibration."""
    diagonal = alt.Chart(pd.DataFrame({"x": [0, 1], "y": [0, 1]})).mark_line(
        strokeDash=[4, 4], color="#8f8f8f").encode(x="x:Q", y="y:Q")
    base = alt.Chart(frame).encode(
        x=alt.X("confidence:Q", title="mean confidence in bin", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format=PERCENT)),
        y=alt.Y("accuracy:Q", title="accuracy in bin", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format=PERCENT)))
    line = base.mark_line(color=STANCE_COLORS["pro_open"])
    points = base.mark_circle(color=STANCE_COLORS["pro_open"], opacity=0.9).encode(
        size=alt.Size("count:Q", title="predictions in bin", scale=alt.Scale(range=[20, 300]),
                      legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("bin_low:Q", title="bin from", format=".1f"), alt.Tooltip("bin_high:Q", title="to", format=".1f"),
                 alt.Tooltip("count:Q", title="predictions"), alt.Tooltip("confidence:Q", format=".1%"),
                 alt.Tooltip("accuracy:Q", format=".1%")])
    return (diagonal + line + points).properties(height=320, width=360)


def per_class_f1(frame: pd.DataFrame) -> alt.Chart:
    """F1 per label and scope (all, each language) from `views.card_per_class`."""
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("label:N", title=None), yOffset="scope:N",
        x=alt.X("f1:Q", title="F1 (cross-validated)", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("scope:N", legend=alt.Legend(orient="top", title=None)),
        tooltip=["scope:N", "label:N", alt.Tooltip("precision:Q", format=".2f"), alt.Tooltip("recall:Q", format=".2f"),
                 alt.Tooltip("f1:Q", format=".2f"), alt.Tooltip("support:Q")],
    ).properties(height=alt.Step(14))


def drift(history: pd.DataFrame, threshold: float = 0.3) -> alt.LayerChart:
    """Drift score per classify run (from tracker.drift.drift_over_time) with the warning threshold."""
    points = alt.Chart(history).mark_line(point=True).encode(
        x=alt.X("finished_at:T", title="classify run"),
        y=alt.Y("score:Q", scale=alt.Scale(domain=[0, 1]), title="drift score"),
        tooltip=[alt.Tooltip("finished_at:T", title="run finished"), "run_id", "classified",
                 alt.Tooltip("score:Q", format=".2f"), alt.Tooltip("unseen_words:Q", format=".2f"),
                 alt.Tooltip("confidence:Q", format=".2f"), alt.Tooltip("languages:Q", format=".2f")],
    )
    rule = alt.Chart(pd.DataFrame({"threshold": [threshold]})).mark_rule(strokeDash=[6, 4], color="#d62728").encode(
        y="threshold:Q")
    return (points + rule).properties(height=220)
