"""A bounded, deterministic schemathesis run with Airflow 2.10.5's own v1 spec against the bridge.

Valid (positive) and invalid (negative) requests alike, a fixed number per
operation, the same at every run (each operation's hypothesis seed is
fixed). Operations come from the spec, so a newly served one is fuzzed
without a change here; each kind of credentials is one line of a table.

Refused credentials (REFUSED_CREDENTIALS: none, a wrong password, an
unknown user, a malformed header, a garbage Bearer token, an unknown
scheme): every one of the 89 operations but /health and /version, served
or 501, with generated ids and with path tricks in them, is a 401 with
Airflow's challenge, and not one request reaches Prefect: nothing gets
past authentication.

Accepted credentials (ACCEPTED_CREDENTIALS): every read operation of the
spec (and the two batch listings, which only read) gets schemathesis's
valid and invalid requests, sent to the Flask app over WSGI, in front of
the suite's real Prefect. Three checks:
- not_a_server_error: no 5xx, ever;
- positive_data_acceptance: a request the spec allows is not refused;
- negative_data_rejection: a request the spec forbids is refused.
A failure is allowed only where schemathesis_quirks.toml explains it: an
operation where Airflow 2.10.5 itself refuses what its spec allows (a
negative `limit`, an `order_by` outside its list, …), with the request parts
it refuses and the reason. Such a refusal counts as explained only if the
same request without those parts is served; a quirk that explains nothing
any more must leave the file.

Write operations (POST/PATCH/PUT/DELETE other than the batch listings) are
left out: valid ones create DAG runs that execute, variables, pools and
connections without bound, and their invalid bodies are covered by each
resource's API tests.

Path parameters are real ids (a DAG, a finished DAG run, its tasks), so the
requests reach the handlers rather than stopping at a 404.

Every response of both runs is checked against the spec (`make_app`).
"""

from __future__ import annotations

import base64
import contextlib
import copy
import tomllib
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from app.api_v1.not_implemented import served_operations
from conftest import AUTH, FANOUT, PASSWORD
from support.airflow_spec import load_v1_spec
from support.hostile_input import TRICKY_IDS

QUIRKS_FILE = Path(__file__).with_name("schemathesis_quirks.toml")
#: Examples per operation and mode (46 operations: under 400 requests), the same at every run (seeded hypothesis).
EXAMPLES = 4
#: Mixed into each operation's seed. With it, every quirk below is met by some example (the test demands it);
#: another schemathesis or hypothesis may draw other examples and need another value.
SEED = 1
#: Examples per operation and mode sent with refused credentials (87 operations: under 350 requests per kind).
REFUSED_EXAMPLES = 2
#: The operations Airflow serves without authentication (the spec lists no 401 for them).
PUBLIC_OPERATIONS = {"GET /health", "GET /version"}


def basic(username: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


@dataclass(frozen=True)
class Refused:
    """Credentials no request may get past, and how many generated requests per operation to send with them."""

    headers: dict[str, str]
    generated: int = REFUSED_EXAMPLES * 2  # all: valid and invalid
    tricks: int = len(TRICKY_IDS)  # path tricks per operation with an id in its path


#: One line per kind. A wrong password costs a password derivation (scrypt, ~50 ms) per request: fewer requests.
REFUSED_CREDENTIALS = {
    "no credentials": Refused({}),
    "wrong password": Refused(basic("admin", "not-" + PASSWORD), generated=1, tricks=1),
    "unknown user": Refused(basic("nobody", PASSWORD), generated=1, tricks=0),
    "malformed Basic header": Refused({"Authorization": "Basic not/base64!"}),
    "garbage Bearer token": Refused({"Authorization": "Bearer " + "x" * 40}),
    "unknown scheme": Refused({"Authorization": "Digest username=admin"}),
}
#: Credentials the read fuzz runs with: name -> the headers that carry them, for an app. One line per kind.
ACCEPTED_CREDENTIALS: dict[str, Callable[[Flask], dict[str, str]]] = {
    "admin (Basic)": lambda app: AUTH,
}
READ_ONLY_POSTS = {"/dags/~/dagRuns/list", "/dags/~/dagRuns/~/taskInstances/list"}
#: In a quirk's `drop`: the body keys the spec does not name (Airflow's marshmallow schemas refuse them).
BODY_EXTRAS = "<body keys not in the spec>"
CHECKS: dict[str, Callable] = {
    "not_a_server_error": not_a_server_error,
    "positive_data_acceptance": positive_data_acceptance,
    "negative_data_rejection": negative_data_rejection,
}


@dataclass(frozen=True)
class Quirk:
    """Where Airflow 2.10.5 refuses what its spec allows: the request parts it refuses, and why."""

    operation: str
    drop: tuple[str, ...]  # query parameters or body keys, or BODY_EXTRAS for body keys the spec does not name
    reason: str


def quirks() -> dict[str, Quirk]:
    """Airflow's quirks, and the bridge's own refusals the README lists (`[[refusal]]`), by operation."""
    data = tomllib.loads(QUIRKS_FILE.read_text())
    found: dict[str, Quirk] = {}
    for each in [*data["quirk"], *data.get("refusal", [])]:
        known = found.get(each["operation"])
        drop = (*known.drop, *each["drop"]) if known else tuple(each["drop"])
        found[each["operation"]] = Quirk(each["operation"], drop, each["reason"])
    return found


def read_operations(schema, app) -> list:
    """The served read operations (a 501 is a documented refusal, listed in the README, not fuzzed)."""
    served = {(op.method, op.path) for op in served_operations(app, "/api/v1")}
    operations = []
    for result in schema.get_all_operations():
        operation = result.ok()
        method = operation.method.upper()
        if (method == "GET" or operation.path in READ_ONLY_POSTS) and (method, operation.path) in served:
            operations.append(operation)
    return operations


def v1_schema():
    return schemathesis.openapi.from_dict(copy.deepcopy(load_v1_spec()))


def strategies(operation, fixed_path_parameters: dict[str, str] | None = None, *, negate: bool = True) -> list:
    """The operation's valid and invalid requests (no invalid one where there is nothing to negate)."""
    found = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE) if negate else (GenerationMode.POSITIVE,):
        try:
            found.append(operation.as_strategy(generation_mode=mode, path_parameters=fixed_path_parameters or {}))
        except Exception:  # noqa: BLE001 - nothing to negate (no parameters): no invalid request exists
            continue
    return found


def _each_case(operation, strategy, examples: int, test: Callable[[Any], None]) -> None:
    """Run `test` on `examples` cases of `strategy` (none where every part of the request is fixed).

    The same cases at every run: the seed is the operation's, so neither
    the run's order nor an edit of this file changes them.
    """

    @seed(zlib.crc32(f"{SEED} {operation.label}".encode()))
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case) -> None:
        test(case)

    with contextlib.suppress(Unsatisfiable):  # every part of the request is fixed: no invalid request to send
        run()


# --- refused credentials: nothing gets past authentication ------------------------------------------------------


@pytest.fixture(scope="module")
def refused_requests() -> dict[str, list]:
    """Per operation but the public ones: its generated requests, valid then invalid.

    Generated once (generation is most of the cost) and sent with each kind of refused credentials.
    """
    found: dict[str, list] = {}
    for operation in v1_schema().get_all_operations():
        operation = operation.ok()
        if operation.label in PUBLIC_OPERATIONS:
            continue
        cases = found.setdefault(operation.label, [])
        for strategy in strategies(operation, negate=_negatable(operation)):
            _each_case(operation, strategy, REFUSED_EXAMPLES, cases.append)
    return found


@dataclass(frozen=True)
class PathTrick:
    method: str
    path: str  # as sent: percent-encoded

    def call(self, *, app: Flask, headers: dict[str, str]):
        return app.test_client().open("/api/v1" + self.path, method=self.method, headers=headers)


@pytest.mark.parametrize("kind", REFUSED_CREDENTIALS)
def test_no_request_gets_past_authentication(make_app, prefect_calls, refused_requests, kind):
    refused = REFUSED_CREDENTIALS[kind]
    # A throttle that never answers 429 here: every refused credential must be seen to be a 401.
    app = make_app(prefect_transport=prefect_calls, login_failure_burst=1000, login_failures_per_minute=6000)
    assert len(refused_requests) == 87
    let_through: dict[str, set[int]] = {}
    sent = 0
    for label, cases in refused_requests.items():
        operation = cases[0].operation
        tricks = [PathTrick(operation.method.upper(), path)
                  for path in _with_path_tricks(operation, TRICKY_IDS[: refused.tricks])]
        for request in [*cases[: refused.generated], *tricks]:
            status, challenge = _answer(request.call(app=app, headers=refused.headers))
            sent += 1
            if status != 401 or challenge != 'Basic realm="Airflow"':
                let_through.setdefault(label, set()).add(status)
    print(f"{kind}: {sent} requests, each a 401")  # the fuzz's size, shown with -s
    assert not let_through, f"{kind}: answers other than a 401 with Airflow's challenge: {let_through}"
    assert prefect_calls.calls == [], f"{kind}: requests that reached Prefect: {prefect_calls.calls[:5]}"


def _answer(response) -> tuple[int, str | None]:
    """Status and WWW-Authenticate of a Flask response or schemathesis's (lower-case names, lists of values)."""
    if isinstance(response.headers, dict):
        return response.status_code, next(iter(response.headers.get("www-authenticate", [])), None)
    return response.status_code, response.headers.get("WWW-Authenticate")


def _negatable(operation) -> bool:
    """Whether the spec lets any part of the request be invalid: a body, a query, a path id that is not any string.

    (Asking schemathesis for an invalid request where none exists costs a second of vain generation.)
    """
    typed_path = any(each.definition.get("schema") != {"type": "string"} for each in operation.path_parameters)
    return bool(len(operation.body) or list(operation.query) or typed_path)


def _with_path_tricks(operation, tricks: list[str]) -> list[str]:
    """The operation's path with each trick (as sent: percent-encoded) in every path parameter."""
    if not operation.path_parameters:
        return []
    paths = []
    for tricky in tricks:
        path = operation.path
        for parameter in operation.path_parameters:
            path = path.replace("{" + parameter.name + "}", tricky)
        paths.append(path)
    return paths


# --- accepted credentials: Airflow's answers --------------------------------------------------------------------


@pytest.mark.parametrize("kind", ACCEPTED_CREDENTIALS)
def test_the_bridge_answers_airflows_spec_as_airflow_does(app, fanout_run, kind):
    schema = v1_schema()
    real_ids = {"dag_id": FANOUT, "dag_run_id": fanout_run.dag_run_id, "task_id": "square", "username": "admin"}
    run = Fuzzing(app, quirks(), ACCEPTED_CREDENTIALS[kind](app))
    operations = read_operations(schema, app)
    assert len(operations) > 40
    for operation in operations:
        names = {parameter.name for parameter in operation.path_parameters}
        fixed = {name: value for name, value in real_ids.items() if name in names}
        for strategy in strategies(operation, fixed):
            run.exercise(operation, strategy)
    print(f"{kind}: {run.sent} requests")  # the fuzz's size, shown with -s
    assert not run.failures, "checks failed beyond Airflow's quirks:\n" + "\n".join(
        f"{label} {check}: {example}" for (label, check), example in sorted(run.failures.items())
    )
    unused = sorted(set(run.quirks) - run.quirks_seen)
    assert not unused, f"quirks that no longer explain any refusal, remove them from {QUIRKS_FILE.name}: {unused}"


@dataclass
class Fuzzing:
    app: Any
    quirks: dict[str, Quirk]
    headers: dict[str, str]
    failures: dict[tuple[str, str], str] = field(default_factory=dict)
    quirks_seen: set[str] = field(default_factory=set)
    sent: int = 0

    def exercise(self, operation, strategy) -> None:
        def send_and_check(case) -> None:
            response = case.call(app=self.app, headers=self.headers)
            self.sent += 1
            for name, check in CHECKS.items():
                try:
                    case.validate_response(response, checks=[check])
                except (AssertionError, BaseExceptionGroup):
                    if not (name == "positive_data_acceptance" and self._explained(operation, case)):
                        self.failures.setdefault((operation.label, name), _describe(case, response))

        _each_case(operation, strategy, EXAMPLES, send_and_check)

    def _explained(self, operation, case) -> bool:
        """Whether the refusal is Airflow's quirk: without the parts Airflow refuses, the request is served."""
        quirk = self.quirks.get(operation.label)
        if quirk is None:
            return False
        query = {key: value for key, value in (case.query or {}).items() if key not in quirk.drop}
        kwargs: dict[str, Any] = {"headers": self.headers, "query_string": query}
        if isinstance(case.body, dict):
            names = _body_properties(operation)
            extras = BODY_EXTRAS in quirk.drop
            kwargs["json"] = {
                key: value
                for key, value in case.body.items()
                if key not in quirk.drop and (not extras or key in names)
            }
        path = "/api/v1" + case.formatted_path
        response = self.app.test_client().open(path, method=case.method, **kwargs)
        self.sent += 1
        served = response.status_code < 400 or response.status_code == 404
        if served:
            self.quirks_seen.add(operation.label)
        return served


def _body_properties(operation) -> set[str]:
    """The keys the spec names in the operation's JSON body."""
    spec = load_v1_spec()
    body = spec["paths"][operation.path][operation.method.lower()].get("requestBody", {})
    schema = body.get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return set(schema.get("properties", {}))


def _describe(case, response) -> str:
    body = "" if not isinstance(case.body, dict | list) else f" body={case.body!r}"
    return f"{case.method} {case.formatted_path} query={case.query}{body} -> {response.status_code}"


def test_each_quirk_says_why():
    for quirk in quirks().values():
        assert quirk.drop and len(quirk.reason) > 40, quirk
