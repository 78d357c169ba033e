"""What authentication costs a request: the same request anonymous, with Basic credentials, with a Bearer token.

    .venv/bin/python bench/auth.py [--requests 5000] [--airflow]

Starts a Prefect server (fresh database): users and tokens live there, and
each app re-reads them at most every BRIDGE_IDENTITY_CHECK_SECONDS (2 s by
default), so that re-read is part of what is measured. In-process (Flask's
test client), on `GET /api/v1/providers`, which makes no Prefect call of its
own, so the difference between the apps is authentication alone: one app
with BRIDGE_AUTH=false, one with auth on whose requests carry the admin's
Basic header or a token from POST /auth/token. Interleaved in rounds so all
three see the same machine load. Also prints the cost of the first request
of a credential (its one scrypt verification; for a token, a SHA-256, plus
one Prefect read on a replica that has not seen it yet), which later
requests skip for BRIDGE_AUTH_CACHE_SECONDS.

For comparison, real Airflow 2.10 re-checks the pbkdf2 hash of the
password on every Basic-authenticated request (about 65 ms). With
`--airflow` the same run starts the suite's real Airflow 2.10.5 (installed
once from tests/legacy_airflow/requirements.txt) and measures it the same
way over HTTP: `GET /api/v1/providers` without credentials (its 401 checks
no hash) against the same request with the admin's Basic header.
"""

from __future__ import annotations

import argparse
import base64
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import create_app  # noqa: E402
from app.embedded import start_prefect_server  # noqa: E402
from app.services import auth  # noqa: E402
from app.settings import Settings  # noqa: E402

PASSWORD = "bench-password"
PATH = "/api/v1/providers"
AIRFLOW_BASIC_AUTH_MS = 65.0
ROUNDS = 20
AIRFLOW_REQUESTS = 100


def timed(client, headers: dict[str, str], count: int) -> list[float]:
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.get(PATH, headers=headers)
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    return samples


def first_request(client, headers: dict[str, str]) -> float:
    """The cheapest of three first requests of a credential (the verdict cache emptied before each)."""
    costs = []
    for _ in range(3):
        auth._VERDICTS.clear()
        costs.append(min(timed(client, headers, 1)))
    return min(costs)


def basic_header(username: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def ms(value: float) -> str:
    return f"{value * 1000:.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000, help="requests per side")
    parser.add_argument("--airflow", action="store_true", help="also measure a real Airflow 2.10.5 (see above)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-auth-") as home:
        server, api_url = start_prefect_server(Path(home))
        try:
            run(api_url, args.requests)
        finally:
            server.stop()
        if args.airflow:
            measure_airflow(Path(home))


def run(api_url: str, requests: int) -> None:
    base = {"prefect_api_url": api_url, "admin_password": PASSWORD}
    anonymous = create_app(Settings(**base, auth_enabled=False)).test_client()
    authenticated = create_app(Settings(**base)).test_client()
    basic = basic_header("admin", PASSWORD)
    login = authenticated.post("/auth/token", json={"username": "admin", "password": PASSWORD})
    assert login.status_code == 201, login.get_json()
    bearer = {"Authorization": f"Bearer {login.get_json()['access_token']}"}
    first_basic, first_bearer = first_request(authenticated, basic), first_request(authenticated, bearer)

    per_round = max(requests // ROUNDS, 1)
    off, on_basic, on_bearer = [], [], []
    for _ in range(ROUNDS):
        off += timed(anonymous, {}, per_round)
        on_basic += timed(authenticated, basic, per_round)
        on_bearer += timed(authenticated, bearer, per_round)

    p50_off = statistics.median(off)
    print(f"GET {PATH}, {len(off)} requests per side, in-process, users and tokens in Prefect")
    print(f"  anonymous (BRIDGE_AUTH=false)   p50 {ms(p50_off)}   mean {ms(statistics.fmean(off))}")
    worst = 0.0
    for name, samples in (("Basic (verdict cached)", on_basic), ("Bearer (verdict cached)", on_bearer)):
        p50 = statistics.median(samples)
        worst = max(worst, p50 - p50_off)
        print(f"  {name:<30}  p50 {ms(p50)}   mean {ms(statistics.fmean(samples))}   "
              f"costs p50 {ms(p50 - p50_off)}   mean {ms(statistics.fmean(samples) - statistics.fmean(off))}")
    print(f"  first request of a Basic credential (one scrypt check): {ms(first_basic)}")
    print(f"  first request of a Bearer token this process issued (a SHA-256, no Prefect call): {ms(first_bearer)}")
    print(f"  real Airflow 2.10 (reference; --airflow measures it): ~{AIRFLOW_BASIC_AUTH_MS:.0f} ms on every request")
    verdict = "within" if worst < 0.001 else "NOT within"
    print(f"  goal: authenticated within 1 ms of anonymous (p50): {verdict}")


def measure_airflow(home: Path) -> None:
    """The same comparison on a real Airflow 2.10.5, over HTTP, interleaved."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from support.legacy_airflow import start_legacy_airflow

    airflow = start_legacy_airflow(home)
    try:
        with httpx.Client(base_url=airflow.api_url, timeout=30, trust_env=False) as client:
            basic = basic_header(airflow.username, airflow.password)
            off, on = [], []
            for _ in range(AIRFLOW_REQUESTS):
                off.append(_timed_http(client, {}, 401))
                on.append(_timed_http(client, basic, 200))
    finally:
        airflow.stop()
    p50_off, p50_on = statistics.median(off), statistics.median(on)
    print(f"real Airflow 2.10.5 over HTTP, GET {PATH}, {AIRFLOW_REQUESTS} requests per side")
    print(f"  without credentials (401)   p50 {ms(p50_off)}")
    print(f"  Basic credentials (200)     p50 {ms(p50_on)}   costs p50 {ms(p50_on - p50_off)}")


def _timed_http(client: httpx.Client, headers: dict[str, str], status: int) -> float:
    start = time.perf_counter()
    response = client.get(PATH.removeprefix("/api/v1"), headers=headers)
    elapsed = time.perf_counter() - start
    assert response.status_code == status, response.status_code
    return elapsed


if __name__ == "__main__":
    main()
