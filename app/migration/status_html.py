"""The migration status page: progress, a bar of DAGs by route, and a row per DAG (pure)."""

from __future__ import annotations

from app.migration.html import AIRFLOW_COLOUR, PREFECT_COLOUR, badge, escape, html_table, moment, page
from app.migration.status import DagStatus, LastRun, MigrationStatus

ROUTE_COLOURS = {"airflow": AIRFLOW_COLOUR, "shadow": "#8e44ad", "prefect": PREFECT_COLOUR}
STATE_BADGES = {"success": "ok", "failed": "bad"}


def status_html(status: MigrationStatus) -> str:
    total = len(status.dags)
    percent = 100 * status.migrated / total if total else 0.0
    mismatched = sum(1 for dag in status.dags if dag.mismatches)
    rows = [_row(dag) for dag in status.dags]
    table = html_table(
        ("DAG", "route", "last Airflow run", "last Prefect run", "last comparison", "mismatches"),
        rows,
        numeric=(5,),
    )
    body = [
        "<h1>Migration to Prefect</h1>",
        f'<p class="sub">{status.migrated} of {total} DAGs migrated ({percent:.0f}%) &middot; '
        f"{mismatched} DAG(s) with mismatches &middot; as of {escape(moment(status.generated_at))}</p>",
        *([f'<p class="warning">{escape(status.airflow_error)}</p>'] if status.airflow_error else []),
        '<section class="card" id="progress"><h2>Progress</h2>',
        f'<p class="big">{status.migrated} / {total} <small class="sub">DAGs served from Prefect</small></p>',
        f'<div class="progress" role="progressbar" aria-valuenow="{percent:.0f}" aria-valuemin="0" '
        f'aria-valuemax="100"><div style="width:{percent:.1f}%"></div></div>',
        "<h3>DAGs by route</h3>",
        route_chart(status),
        "</section>",
        f'<section class="card" id="dags"><h2>DAGs</h2>{table}</section>',
        mismatch_section(status),
        '<p class="sub">JSON: <code>GET /migration.json</code>. Comparisons come from '
        "<code>airflow-prefect-bridge compare</code>, kept in Prefect as artifacts.</p>",
    ]
    return page("Migration status", "\n".join(body))


def mismatch_section(status: MigrationStatus) -> str:
    """Each disagreement of each DAG's latest comparison, one row each."""
    rows, ids = [], []
    for dag in status.dags:
        for index, finding in enumerate(dag.comparison.findings if dag.comparison else []):
            ids.append(f"finding-{dag.dag_id}-{index}")
            rows.append(
                [
                    f"<code>{escape(dag.dag_id)}</code>",
                    f"<code>{escape(finding.get('dag_run_id'))}</code>",
                    badge(str(finding.get("kind")), "bad"),
                    escape(finding.get("task") or ""),
                    escape(finding.get("airflow") or "-"),
                    escape(finding.get("prefect") or "-"),
                ]
            )
    headers = ("DAG", "dag_run_id", "kind", "task", "Airflow", "Prefect")
    content = html_table(headers, rows, row_ids=ids) if rows else "<p>None found.</p>"
    return f'<section class="card" id="mismatches"><h2>Mismatches</h2>{content}</section>'


def route_chart(status: MigrationStatus) -> str:
    """One horizontal bar split by route (airflow, shadow, prefect), with its legend."""
    counts = status.by_route()
    total = sum(counts.values()) or 1
    width, height = 600, 18
    parts = [
        f'<svg class="routes" role="img" aria-label="DAGs by route" viewBox="0 0 {width} {height}" '
        f'width="100%" height="{height}" preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg">'
        "<title>DAGs by route</title>"
    ]
    x = 0.0
    for kind, count in counts.items():
        span = width * count / total
        if count:
            parts.append(
                f'<rect x="{x:.1f}" y="0" width="{span:.1f}" height="{height}" fill="{ROUTE_COLOURS[kind]}">'
                f"<title>{escape(kind)}: {count}</title></rect>"
            )
        x += span
    parts.append("</svg>")
    legend = "".join(
        f'<span><i style="background:{ROUTE_COLOURS[kind]}"></i>{escape(kind)} {count}</span>'
        for kind, count in counts.items()
    )
    return "".join(parts) + f'<p class="legend">{legend}</p>'


def _row(dag: DagStatus) -> list[str]:
    comparison = dag.comparison
    if comparison is None:
        compared, mismatches = '<span class="sub">never</span>', "-"
    else:
        compared = escape(moment(comparison.compared_at))
        count = len(comparison.findings)
        mismatches = badge(str(count), "bad" if count else "ok")
    return [
        f"<code>{escape(dag.dag_id)}</code>",
        badge(dag.route.describe(), dag.route.kind.value),
        _run(dag.last_airflow, dag.in_airflow),
        _run(dag.last_prefect, dag.in_prefect),
        compared,
        mismatches,
    ]


def _run(run: LastRun | None, present: bool) -> str:
    if not present:
        return '<span class="sub">not there</span>'
    if run is None:
        return '<span class="sub">no recent run</span>'
    state = badge(run.state or "none", STATE_BADGES.get(run.state or "", "muted"))
    when = escape(moment(run.logical_date))
    return f"{state} <code>{escape(run.dag_run_id)}</code><br><small>{when}</small>"
