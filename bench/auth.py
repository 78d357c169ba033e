"""What authentication costs a request: the same request with and without Basic credentials.

    .venv/bin/python bench/auth.py [--requests 5000]

In-process (Flask's test client), on `GET /api/v1/providers`, which makes no
Prefect call, so the difference between the two apps is the authentication
alone: one app with auth on (requests carry the admin's Basic header), one
with BRIDGE_AUTH=false. Interleaved in rounds so both see the same machine
load. Also prints the cost of the first request of a credential (its one
scrypt verification), which later requests skip for BRIDGE_AUTH_CACHE_SECONDS.

For comparison only (not measured here): real Airflow 2.10 re-checks the
pbkdf2 hash of the password on every Basic-authenticated request, about
65 ms per request (issue 10's figure).
"""

from __future__ import annotations

import argparse
import base64
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import create_app  # noqa: E402
from app.services import auth  # noqa: E402
from app.settings import Settings  # noqa: E402

PASSWORD = "bench-password"
PATH = "/api/v1/providers"
AIRFLOW_BASIC_AUTH_MS = 65.0
ROUNDS = 20


def timed(client, headers: dict[str, str], count: int) -> list[float]:
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.get(PATH, headers=headers)
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000, help="requests per side")
    args = parser.parse_args()
    # An unreachable Prefect: the operation timed never calls it.
    base = {"prefect_api_url": "http://127.0.0.1:9/api", "admin_password": PASSWORD}
    anonymous = create_app(Settings(**base, auth_enabled=False)).test_client()
    authenticated = create_app(Settings(**base)).test_client()
    header = {"Authorization": "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()}

    start = time.perf_counter()
    timed(authenticated, header, 1)
    first = time.perf_counter() - start
    auth._VERDICTS.clear()
    start = time.perf_counter()
    timed(authenticated, header, 1)
    first_again = time.perf_counter() - start

    per_round = max(args.requests // ROUNDS, 1)
    off, on = [], []
    for _ in range(ROUNDS):
        off += timed(anonymous, {}, per_round)
        on += timed(authenticated, header, per_round)

    def ms(value: float) -> str:
        return f"{value * 1000:.3f} ms"

    p50_off, p50_on = statistics.median(off), statistics.median(on)
    mean_off, mean_on = statistics.fmean(off), statistics.fmean(on)
    print(f"GET {PATH}, {len(on)} requests per side, in-process")
    print(f"  without auth (BRIDGE_AUTH=false)   p50 {ms(p50_off)}   mean {ms(mean_off)}")
    print(f"  with Basic auth (verdict cached)   p50 {ms(p50_on)}   mean {ms(mean_on)}")
    print(f"  authentication costs              p50 {ms(p50_on - p50_off)}   mean {ms(mean_on - mean_off)}")
    print(f"  first request of a credential (one scrypt check): {ms(min(first, first_again))}")
    print(f"  real Airflow 2.10 (reference, not measured): ~{AIRFLOW_BASIC_AUTH_MS:.0f} ms on every request")
    verdict = "within" if p50_on - p50_off < 0.001 else "NOT within"
    print(f"  goal: authenticated within 1 ms of anonymous: {verdict}")


if __name__ == "__main__":
    main()
