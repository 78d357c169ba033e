"""`airflow-prefect-bridge compare`: the side-by-side comparison, for people and for CI gates.

Exit status: 0 the sides agree, 1 they disagree (a CI job can gate a
cut-over on it), 2 a usage or configuration error, 3 a system could not be
read (unreachable, too slow, or an answer the bridge cannot use), 4 the
command itself failed (a bug: the trace is printed).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from pathlib import Path

from app.errors import UpstreamError
from app.migration.comparison import DEFAULT_MIN_DIFFERENCE, Comparison
from app.migration.report import as_json, as_text
from app.migration.report_html import as_html
from app.migration.service import UnknownDags
from app.migration.window import WindowError, window
from app.settings import Settings, SettingsError

EXIT_AGREE = 0
EXIT_MISMATCH = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_FAILURE = 4  # a fault of the command itself: never mistaken for "the sides disagree"
FORMATS = {
    "table": as_text,
    "json": lambda comparison: json.dumps(as_json(comparison), indent=2) + "\n",
    "html": as_html,
}


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "compare",
        help="compare DAG runs in the legacy Airflow and in Prefect; exit 1 when they disagree",
        description="Read the runs of the chosen DAGs from the legacy Airflow (BRIDGE_LEGACY_AIRFLOW_*) and from "
        "Prefect (PREFECT_API_URL, through the bridge's translation), join them by dag_run_id and logical date, "
        "and report runs on one side only, state and task differences, and durations beyond the tolerance learned "
        "from each side's run-to-run spread. Each DAG's findings are kept in Prefect for the status page. "
        "Exit status: 0 agree, 1 disagree, 2 usage or configuration error, 3 a system could not be read, "
        "4 the command failed.",
    )
    parser.add_argument(
        "--dag",
        action="append",
        dest="dags",
        metavar="DAG_ID",
        help="a DAG to compare (repeatable); default: every DAG routed shadow, else every DAG on both sides",
    )
    parser.add_argument("--since", help="start of the window: ISO date or duration back from now (7d, 12h); default 7d")
    parser.add_argument("--until", help="end of the window: ISO date or duration back from now; default now")
    parser.add_argument("--format", choices=sorted(FORMATS), default="table", help="output format (default: table)")
    parser.add_argument("--output", type=Path, help="write the report to this file instead of standard output")
    parser.add_argument(
        "--min-difference",
        type=float,
        default=DEFAULT_MIN_DIFFERENCE,
        metavar="SECONDS",
        help=f"durations closer than this never count as different (default: {DEFAULT_MIN_DIFFERENCE:g})",
    )
    parser.add_argument(
        "--no-store", dest="store", action="store_false", help="do not keep the findings in Prefect (a dry run)"
    )


def run_compare(arguments: argparse.Namespace) -> int:
    try:
        since, until = window(arguments.since, arguments.until)
        # The command serves nothing, so the API's own credentials are not needed here.
        settings = Settings.from_env({**os.environ, "BRIDGE_AUTH": "false"})
    except (WindowError, SettingsError) as error:
        return _fail(EXIT_USAGE, str(error))
    if not settings.legacy_airflow_url:
        return _fail(EXIT_USAGE, "BRIDGE_LEGACY_AIRFLOW_URL is not set: there is no legacy Airflow to compare with")

    from app.bridge import Bridge  # the whole bridge only once the arguments are known to be good

    bridge = Bridge.build(settings)
    try:
        comparison = bridge.migration.compare(
            arguments.dags, since, until, min_difference=arguments.min_difference, store=arguments.store
        )
    except UnknownDags as error:
        return _fail(EXIT_USAGE, str(error))
    except UpstreamError as error:
        return _fail(EXIT_UNREACHABLE, str(error))
    except Exception:  # noqa: BLE001 - any other fault must not exit 1, which means "they disagree"
        traceback.print_exc()
        return _fail(EXIT_FAILURE, "failed; the trace above says where")
    finally:
        bridge.prefect.close()
        if bridge.migration.legacy is not None:
            bridge.migration.legacy.close()
    write_report(comparison, arguments.format, arguments.output)
    return EXIT_AGREE if comparison.agrees else EXIT_MISMATCH


def write_report(comparison: Comparison, format_name: str, output: Path | None) -> None:
    report = FORMATS[format_name](comparison)
    if output is None:
        sys.stdout.write(report)
    else:
        output.write_text(report, encoding="utf-8")
        print(f"report written to {output}", file=sys.stderr)


def _fail(status: int, message: str) -> int:
    print(f"airflow-prefect-bridge compare: {message}", file=sys.stderr)
    return status
