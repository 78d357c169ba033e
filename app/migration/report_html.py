"""A comparison as one self-contained HTML page: a summary, and per DAG a duration chart and its findings (pure)."""

from __future__ import annotations

from app.migration.comparison import Comparison, DagComparison, Pair
from app.migration.html import AIRFLOW_COLOUR, BAD_COLOUR, PREFECT_COLOUR, badge, escape, html_table, moment, page
from app.migration.report import run_counts

#: The chart shows at most this many pairs (the latest), so bars stay readable.
CHART_PAIRS = 60
_HEIGHT, _TOP, _BOTTOM, _LEFT = 220, 16, 34, 56
#: Width of one pair's slot: wide for a few runs, at least 24 px for many.
_PLOT_WIDTH, _MIN_SLOT, _MAX_SLOT = 720, 24, 60


def as_html(comparison: Comparison) -> str:
    since, until = moment(comparison.since), moment(comparison.until)
    disagreeing = sum(1 for dag in comparison.dags if not dag.agrees)
    verdict = badge("agree", "ok") if comparison.agrees else badge(f"{disagreeing} DAG(s) disagree", "bad")
    summary = html_table(
        ("DAG", "verdict", "Airflow runs", "Prefect runs", "paired", "pending", "findings", "duration tolerance"),
        [_summary_row(dag) for dag in comparison.dags],
        numeric=(2, 3, 4, 5, 6),
    )
    body = [
        "<h1>Airflow vs Prefect</h1>",
        f'<p class="sub">Runs with a logical date from {escape(since)} to {escape(until)} &middot; {verdict}</p>',
        f'<section class="card" id="summary"><h2>Summary</h2>{summary}</section>',
        *(dag_section(dag) for dag in comparison.dags),
    ]
    return page("Airflow vs Prefect comparison", "\n".join(body))


def _summary_row(dag: DagComparison) -> list[str]:
    runs = run_counts(dag)
    verdict = badge("agrees", "ok") if dag.agrees else badge("disagrees", "bad")
    return [
        f'<a href="#dag-{escape(dag.dag_id)}"><code>{escape(dag.dag_id)}</code></a>',
        verdict,
        str(runs["airflow"]),
        str(runs["prefect"]),
        str(runs["paired"]),
        str(runs["pending"]),
        str(len(dag.findings)),
        escape(_tolerance_text(dag)),
    ]


def _tolerance_text(dag: DagComparison) -> str:
    tolerance = dag.tolerance
    if not tolerance.learned:
        return (
            f"{tolerance.ratio:.2f}x (fallback: {tolerance.airflow_samples}/{tolerance.prefect_samples} "
            "successful runs, too few to measure the noise)"
        )
    return (
        f"{tolerance.ratio:.2f}x (learned: spread {tolerance.airflow_spread:.3f} in Airflow, "
        f"{tolerance.prefect_spread:.3f} in Prefect)"
    )


def dag_section(dag: DagComparison) -> str:
    findings = html_table(
        ("dag_run_id", "logical date", "kind", "task", "Airflow", "Prefect", "detail"),
        (
            [
                f"<code>{escape(finding.dag_run_id)}</code>",
                escape(moment(finding.logical_date)),
                badge(finding.kind, "bad"),
                escape(finding.task or ""),
                escape(finding.airflow or "-"),
                escape(finding.prefect or "-"),
                escape(finding.detail),
            ]
            for finding in dag.findings
        ),
    )
    status = badge("agrees", "ok") if dag.agrees else badge(f"{len(dag.findings)} finding(s)", "bad")
    details = findings if dag.findings else "<p>No disagreement.</p>"
    return (
        f'<section class="card dag" id="dag-{escape(dag.dag_id)}">'
        f"<h2><code>{escape(dag.dag_id)}</code> {status}</h2>"
        f'<p class="sub">Duration tolerance {escape(_tolerance_text(dag))}; '
        f"differences under {dag.tolerance.min_difference:g} s never count.</p>"
        f"{duration_chart(dag)}{details}</section>"
    )


def duration_chart(dag: DagComparison) -> str:
    """Bars of each pair's run durations, Airflow's beside Prefect's; a red dot under a pair with a finding."""
    pairs = list(dag.pairs)[-CHART_PAIRS:]
    flagged = {finding.dag_run_id for finding in dag.findings}
    longest = max((run.duration or 0.0 for pair in pairs for run in (pair.airflow, pair.prefect) if run), default=0.0)
    scale = longest or 1.0
    plot = _HEIGHT - _TOP - _BOTTOM
    slot = min(_MAX_SLOT, max(_MIN_SLOT, _PLOT_WIDTH / max(len(pairs), 1)))
    width = round(_LEFT + slot * max(len(pairs), 1) + 10)
    parts = [
        f'<svg class="chart" role="img" aria-label="run durations of {escape(dag.dag_id)}" '
        f'viewBox="0 0 {width} {_HEIGHT}" width="{width}" height="{_HEIGHT}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>Run durations of {escape(dag.dag_id)}: Airflow beside Prefect</title>",
    ]
    for fraction in (0.0, 0.5, 1.0):
        y = _TOP + plot * (1 - fraction)
        parts.append(f'<line x1="{_LEFT}" x2="{width - 6}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e1e4ea"/>')
        parts.append(f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{longest * fraction:.0f}s</text>')
    for index, pair in enumerate(pairs):
        x = _LEFT + slot * index + (slot - 17) / 2
        parts += _bars(pair, x, plot, scale)
        if pair.dag_run_id in flagged:
            centre = f'cx="{x + 8.5:.1f}" cy="{_HEIGHT - _BOTTOM + 10}"'
            parts.append(f'<circle class="flag" {centre} r="4" fill="{BAD_COLOUR}"/>')
    if pairs:
        parts.append(_axis_label(_LEFT, "start", pairs[0]))
    if len(pairs) > 1:
        parts.append(_axis_label(width - 8, "end", pairs[-1]))
    parts.append("</svg>")
    legend = (
        f'<p class="legend"><span><i style="background:{AIRFLOW_COLOUR}"></i>Airflow</span>'
        f'<span><i style="background:{PREFECT_COLOUR}"></i>Prefect</span>'
        f'<span><i style="background:{BAD_COLOUR};border-radius:5px"></i>pair with a finding</span></p>'
    )
    return legend + '<div style="overflow-x:auto">' + "".join(parts) + "</div>"


def _axis_label(x: float, anchor: str, pair: Pair) -> str:
    return f'<text x="{x:.1f}" y="{_HEIGHT - 4}" text-anchor="{anchor}">{escape(moment(pair.logical_date))}</text>'


def _bars(pair: Pair, x: float, plot: float, scale: float) -> list[str]:
    bars = []
    sides = ((0, pair.airflow, AIRFLOW_COLOUR, "Airflow"), (9, pair.prefect, PREFECT_COLOUR, "Prefect"))
    for offset, run, colour, side in sides:
        if run is None or run.duration is None:
            continue
        height = max(plot * run.duration / scale, 1.0)
        y = _TOP + plot - height
        label = f"{side} {run.dag_run_id}: {run.state}, {run.duration:.1f}s"
        bars.append(
            f'<rect class="bar {side.lower()}" x="{x + offset:.1f}" y="{y:.1f}" width="8" height="{height:.1f}" '
            f'fill="{colour}"><title>{escape(label)}</title></rect>'
        )
    return bars
