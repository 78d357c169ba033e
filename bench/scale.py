"""How listing costs grow with the estate: the bridge against the direct Prefect calls, at each size.

    make bench-scale   # or: .venv/bin/python bench/scale.py --sizes 10,100,1000,10000 --runs 100000

Starts its own Prefect server (fresh SQLite database) and the bridge under
gunicorn, seeds finished flow runs on the first ten deployments (inserted
in bulk with Prefect's own ORM by bench/seed_runs.py: the REST API makes
about 30 a second here; no flow executes), then grows the estate to each
size in `--sizes` (deployments of one flow, created concurrently through
Prefect's REST API) and times each listing both ways, interleaved so both
see the same machine load. The direct side is the cheapest Prefect
call(s) that give the same answer: a deployments page and its count; the
runs page with its total (`/flow_runs/paginate`); for dagStats, the
requested DAGs that have runs and one history (counts per state) for each.
Prints p50/p95 and the bridge/direct ratios per size, then the memory of
an estate index holding the largest estate (tracemalloc, measured in this
process). Timings are only ever printed here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.embedded import free_port, start_bridge, start_prefect_server  # noqa: E402
from app.prefect import PrefectClient  # noqa: E402
from app.services.catalog import DagCatalog  # noqa: E402
from app.services.estate import EstateQuery  # noqa: E402
from app.translate.dag_ids import load_mapping  # noqa: E402

PASSWORD = "bench-password"
FLOW = "scale"
TAGS = ("team-a", "team-b", "team-c", "team-d")
Case = tuple[Callable[[], httpx.Response], Callable[[], httpx.Response]]


def send(client: httpx.Client, method: str, path: str, body: Any = None) -> Any:
    """One Prefect request, repeated while SQLite is busy (503) or the loaded server is slow."""
    for attempt in range(30):
        try:
            response = client.request(method, path, json=body)
        except httpx.TransportError:  # a timeout, or a connection the loaded server dropped
            time.sleep(min(2.0, 0.2 * 2**attempt))
            continue
        if response.status_code != 503:
            return response.raise_for_status().json()
        time.sleep(min(2.0, 0.1 * 2**attempt))
    raise RuntimeError(f"{method} {path}: Prefect stayed busy")


def seed_deployments(prefect: httpx.Client, flow_id: str, numbers: range, workers: int) -> None:
    def create(number: int) -> None:
        body = {"name": f"d{number:05d}", "flow_id": flow_id, "tags": [TAGS[number % len(TAGS)]]}
        send(prefect, "POST", "/deployments/", {**body, "paused": number % 3 == 0})

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(create, numbers))


def seed_runs(prefect_home: Path, flow_id: str, deployment_ids: list[str], count: int) -> None:
    """Finished runs, inserted in bulk into the server's database by Prefect's ORM (bench/seed_runs.py)."""
    command = [sys.executable, str(Path(__file__).with_name("seed_runs.py")), flow_id, str(count), *deployment_ids]
    environ = {"PREFECT_HOME": str(prefect_home), "PATH": "/usr/bin:/bin"}
    subprocess.run(command, env=environ, check=True)


def timed(call: Callable[[], httpx.Response]) -> float:
    began = time.perf_counter()
    call().raise_for_status()
    return (time.perf_counter() - began) * 1000


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def both(*requests: Callable[[], httpx.Response]) -> Callable[[], httpx.Response]:
    """Several direct calls as one timed case (the last answer is returned)."""

    def call() -> httpx.Response:
        for request in requests[:-1]:
            request().raise_for_status()
        return requests[-1]()

    return call


def cases(
    bridge: httpx.Client, prefect: httpx.Client, size: int, stats_ids: list[str], stats_deployments: list[str]
) -> dict:
    def deployments(criteria: dict, sort: str, offset: int = 0) -> Callable[[], httpx.Response]:
        page = {**criteria, "sort": sort, "offset": offset, "limit": 100}
        return both(
            lambda: prefect.post("/deployments/count", json=criteria),
            lambda: prefect.post("/deployments/filter", json=page),
        )

    def next_page(side: str) -> int:
        """Each side's next offset: a new page every time (the bridge keeps the deployments of pages it listed)."""
        offsets[side] = (offsets[side] + 100) % max(100, size)
        return offsets[side]

    offsets = {"bridge": -100, "direct": -100}

    now = datetime.now(UTC)
    runs = {
        "flow_runs": {"deployment_id": {"is_null_": False}, "expected_start_time": {"before_": now.isoformat()}},
        "sort": "EXPECTED_START_TIME_ASC",
        "page": 1,
        "limit": 100,
    }
    visible = {"expected_start_time": {"before_": now.isoformat()}}
    end = now + timedelta(minutes=1)
    start = datetime(1, 1, 1, tzinfo=UTC)
    history = {
        "history_start": start.isoformat(),
        "history_end": end.isoformat(),
        "history_interval_seconds": (end - start).total_seconds(),
    }

    def count_stats_runs() -> httpx.Response:
        """The requested DAGs that have runs, then one history (runs per state) of each."""
        body = {"deployments": {"id": {"any_": stats_deployments}}, "flow_runs": visible, "limit": 200}
        response = prefect.post("/deployments/filter", json=body)
        for deployment in response.raise_for_status().json():
            scoped = {**visible, "deployment_id": {"any_": [deployment["id"]]}}
            response = prefect.post("/flow_runs/history", json={**history, "flow_runs": scoped})
            response.raise_for_status()
        return response

    stats_query = "&".join(f"dag_ids={dag_id}" for dag_id in stats_ids)
    tagged = {"deployments": {"tags": {"any_": ["team-b"]}, "paused": {"eq_": False}}}
    pattern = {"deployments": {"flow_or_deployment_name": {"like_": "d001"}}}
    found: dict[str, Case] = {
        "dags?limit=100": (lambda: bridge.get("/dags?limit=100"), deployments({}, "NAME_ASC")),
        "dags?limit=100, new pages": (
            lambda: bridge.get(f"/dags?limit=100&offset={next_page('bridge')}"),
            lambda: deployments({}, "NAME_ASC", next_page("direct"))(),
        ),
        "dags?order_by=-dag_id": (lambda: bridge.get("/dags?limit=100&order_by=-dag_id"), deployments({}, "NAME_DESC")),
        "dags?tags&paused=false": (
            lambda: bridge.get("/dags?limit=100&tags=team-b&paused=false"),
            deployments(tagged, "NAME_ASC"),
        ),
        "dags?dag_id_pattern": (
            lambda: bridge.get("/dags?limit=100&dag_id_pattern=d001"),
            deployments(pattern, "NAME_ASC"),
        ),
        "dagStats (100 DAGs)": (lambda: bridge.get(f"/dagStats?{stats_query}"), count_stats_runs),
        "dags/~/dagRuns?limit=100": (
            lambda: bridge.get("/dags/~/dagRuns?limit=100"),
            lambda: prefect.post("/flow_runs/paginate", json=runs),
        ),
    }
    return found


def measure(label: str, case: Case, requests: int) -> tuple[float, float, float, float]:
    through_bridge, direct = case
    for _ in range(8):  # warm both paths: connections, each gunicorn worker's index
        through_bridge().raise_for_status(), direct().raise_for_status()
    bridge_ms, direct_ms = [], []
    for _ in range(requests):
        bridge_ms.append(timed(through_bridge))
        direct_ms.append(timed(direct))
    return (
        statistics.median(bridge_ms),
        statistics.median(direct_ms),
        percentile(bridge_ms, 0.95),
        percentile(direct_ms, 0.95),
    )


def allocated(action: Callable[[], Any]) -> int:
    """Bytes `action` leaves allocated (tracemalloc, this process)."""
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    action()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    return sum(stat.size_diff for stat in after.compare_to(before, "filename"))


def index_memory(api_url: str) -> tuple[int, int, float, int, int]:
    """An estate index loaded here from the whole estate: (deployments, bytes, ms per in-memory selection,
    deployments kept for pages at the most, their bytes)."""
    client = PrefectClient(api_url, timeout=60)
    catalog = DagCatalog(client, load_mapping(None), estate_check_seconds=3600)  # the selections below: no check
    grown = allocated(catalog.estate.current)
    held = catalog.estate.current()
    query = EstateQuery(tags=["team-b"], paused=False, dag_id_pattern="d001", descending=True)
    began = time.perf_counter()
    for _ in range(20):
        catalog.estate.select(query)
    selection_ms = (time.perf_counter() - began) * 1000 / 20
    ids = [each.id for each in held[: catalog.kept.max_kept]]
    kept = allocated(lambda: catalog.kept.keep(catalog.deployments_by_id(ids).values()))
    client.close()
    return len(held), grown, selection_ms, len(ids), kept


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,100,1000,10000", help="estate sizes (deployments), ascending")
    parser.add_argument("--runs", type=int, default=100_000, help="finished flow runs to seed")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per case, side and size")
    parser.add_argument("--workers", type=int, default=4, help="concurrent seeding requests")
    args = parser.parse_args()
    sizes = [int(each) for each in args.sizes.split(",")]

    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bridge-scale-")))
        server, api_url = start_prefect_server(workdir / "prefect-home")
        stack.enter_context(server)
        port = free_port()
        environ = {
            "PREFECT_API_URL": api_url,
            "BRIDGE_PORT": str(port),
            "BRIDGE_ADMIN_PASSWORD": PASSWORD,
            "PATH": "/usr/bin:/bin",
        }
        stack.enter_context(start_bridge(environ, workdir))
        prefect = stack.enter_context(httpx.Client(base_url=api_url, timeout=60))
        bridge = stack.enter_context(
            httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", auth=("admin", PASSWORD), timeout=120)
        )
        flow_id = send(prefect, "POST", "/flows/", {"name": FLOW})["id"]

        began = time.monotonic()
        seed_deployments(prefect, flow_id, range(10), args.workers)
        first = send(prefect, "POST", "/deployments/filter", {"sort": "NAME_ASC", "limit": 10})
        seed_runs(workdir / "prefect-home", flow_id, [each["id"] for each in first], args.runs)
        print(f"seeded {args.runs} finished flow runs in {time.monotonic() - began:.0f} s")

        print(f"{args.requests} sequential requests per case, side and size; p50/p95 in ms")
        header = f"{'deployments':>11}  {'case':<28}{'bridge p50':>11}{'direct p50':>11}{'ratio':>7}"
        print(header + f"{'bridge p95':>11}{'direct p95':>11}{'ratio':>7}")
        seeded = 10
        for size in sizes:
            began = time.monotonic()
            seed_deployments(prefect, flow_id, range(seeded, size), args.workers)
            seeded = max(seeded, size)
            seconds = time.monotonic() - began
            hundred = send(prefect, "POST", "/deployments/filter", {"sort": "NAME_ASC", "limit": 100})
            stats_ids = [f"{FLOW}.{each['name']}" for each in hundred]
            for label, case in cases(bridge, prefect, size, stats_ids, [each["id"] for each in hundred]).items():
                b50, d50, b95, d95 = measure(label, case, args.requests)
                line = f"{size:>11}  {label:<28}{b50:>11.1f}{d50:>11.1f}{b50 / d50:>7.2f}"
                print(line + f"{b95:>11.1f}{d95:>11.1f}{b95 / d95:>7.2f}", flush=True)
            print(f"{'':>11}  (grew the estate to {size} deployments in {seconds:.0f} s)", flush=True)
        held, grown, selection_ms, kept, kept_bytes = index_memory(api_url)
        print(f"estate index memory at {held} deployments: {grown / 1e6:.1f} MB ({grown / held:.0f} bytes each)")
        print(f"deployments kept for pages, {kept} at most: {kept_bytes / 1e6:.1f} MB ({kept_bytes / kept:.0f} B each)")
        print(f"filtering and ordering the {held} summaries in memory: {selection_ms:.1f} ms a listing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
