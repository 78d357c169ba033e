"""Latency of the bridge against the same reads made directly to Prefect.

    make bench            # or: .venv/bin/python bench/latency.py --requests 200 --runs 300

Starts a Prefect server (fresh database) with the demo deployments, seeds
finished runs, starts the bridge under gunicorn, then times each read both
ways in the same run, interleaved so both see the same machine load. The
direct side sends the Prefect requests the bridge itself sends for that
read. Prints p50/p95 per case and the bridge/direct ratios. Timings are
only ever printed here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.embedded import free_port, serve_demo_flows, start_bridge, start_prefect_server  # noqa: E402

PASSWORD = "bench-password"


def seed_runs(prefect: httpx.Client, deployment_id: str, count: int) -> list[str]:
    """Finished runs, created directly in Prefect as the bridge would name them."""
    names = []
    for index in range(count):
        name = f"bench-{index:05d}"
        body = {
            "name": name,
            "tags": ["airflow-bridge"],
            "idempotency_key": f"airflow-bridge/{deployment_id}/{name}",
            "state": {"type": "COMPLETED"},
        }
        for attempt in range(5):  # SQLite answers 503 when busy: wait and repeat (the key makes it safe)
            response = prefect.post(f"/deployments/{deployment_id}/create_flow_run", json=body)
            if response.status_code != 503:
                break
            time.sleep(0.1 * 2**attempt)
        response.raise_for_status()
        names.append(name)
    return names


def timed(call: Callable[[], httpx.Response]) -> float:
    began = time.perf_counter()
    response = call()
    elapsed = time.perf_counter() - began
    response.raise_for_status()
    return elapsed


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per case and side")
    parser.add_argument("--runs", type=int, default=300, help="finished runs to seed")
    args = parser.parse_args()

    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bridge-bench-")))
        server, api_url = start_prefect_server(workdir / "prefect-home")
        stack.enter_context(server)
        stack.enter_context(serve_demo_flows(api_url, workdir))
        port = free_port()
        environ = {
            "PREFECT_API_URL": api_url,
            "BRIDGE_PORT": str(port),
            "BRIDGE_ADMIN_PASSWORD": PASSWORD,
            "BRIDGE_MAPPING_FILE": str(Path(__file__).resolve().parents[1] / "mappings" / "dags.toml"),
            "PATH": "/usr/bin:/bin",
        }
        stack.enter_context(start_bridge(environ, workdir))

        prefect = stack.enter_context(httpx.Client(base_url=api_url, timeout=30))
        bridge = stack.enter_context(
            httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", auth=("admin", PASSWORD), timeout=30)
        )
        deployment = prefect.get("/deployments/name/etl/demo").json()
        names = seed_runs(prefect, deployment["id"], args.runs)
        now = datetime.now(UTC).isoformat()
        scope = {"flows": {"name": {"any_": ["etl"]}}, "deployments": {"name": {"any_": ["demo"]}}}
        visible = {"expected_start_time": {"before_": now}}
        one = names[len(names) // 2]

        cases: dict[str, tuple[Callable[[], httpx.Response], Callable[[], httpx.Response]]] = {
            "list 100 runs of a DAG": (
                lambda: bridge.get("/dags/example_etl/dagRuns?limit=100"),
                lambda: prefect.post(
                    "/flow_runs/paginate",
                    json={**scope, "flow_runs": visible, "sort": "EXPECTED_START_TIME_ASC", "page": 1, "limit": 100},
                ),
            ),
            "read one run": (
                lambda: bridge.get(f"/dags/example_etl/dagRuns/{one}"),
                lambda: prefect.post(
                    "/flow_runs/filter",
                    json={
                        **scope,
                        "flow_runs": {"name": {"any_": [one]}, "tags": {"all_": ["airflow-bridge"]}, **visible},
                        "limit": 1,
                    },
                ),
            ),
            "read one DAG": (
                lambda: bridge.get("/dags/example_etl"),
                lambda: prefect.get("/deployments/name/etl/demo"),
            ),
        }
        print(f"{args.requests} sequential requests per case and side; {args.runs} seeded runs")
        columns = ("bridge p50", "direct p50", "ratio", "bridge p95", "direct p95", "ratio")
        print(f"{'case':<26}" + "".join(f"{name:>{8 if name == 'ratio' else 12}}" for name in columns))
        for label, (through_bridge, direct) in cases.items():
            for _ in range(5):  # warm both paths: connections, caches
                through_bridge(), direct()
            bridge_ms: list[float] = []
            direct_ms: list[float] = []
            for _ in range(args.requests):
                bridge_ms.append(timed(through_bridge) * 1000)
                direct_ms.append(timed(direct) * 1000)
            b50, d50 = statistics.median(bridge_ms), statistics.median(direct_ms)
            b95, d95 = percentile(bridge_ms, 0.95), percentile(direct_ms, 0.95)
            print(
                f"{label:<26}{b50:>10.1f}ms{d50:>10.1f}ms{b50 / d50:>8.2f}{b95:>10.1f}ms{d95:>10.1f}ms{b95 / d95:>8.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
