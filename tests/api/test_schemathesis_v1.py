"""A bounded, deterministic schemathesis run with Airflow 2.10.5's own v1 spec against the bridge.

Every read operation of the spec (and the two batch listings, which only
read) gets schemathesis's valid and invalid requests, sent to the Flask app
over WSGI, in front of the suite's real Prefect. Three checks:
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
"""

from __future__ import annotations

import contextlib
import copy
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from app.api_v1.not_implemented import served_operations
from conftest import AUTH, FANOUT
from support.airflow_spec import load_v1_spec

QUIRKS_FILE = Path(__file__).with_name("schemathesis_quirks.toml")
#: Examples per operation and mode (46 operations: under 400 requests), deterministic (derandomized hypothesis).
EXAMPLES = 4
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


def test_the_bridge_answers_airflows_spec_as_airflow_does(app, fanout_run):
    schema = schemathesis.openapi.from_dict(copy.deepcopy(load_v1_spec()))
    real_ids = {"dag_id": FANOUT, "dag_run_id": fanout_run.dag_run_id, "task_id": "square", "username": "admin"}
    run = Fuzzing(app, quirks())
    operations = read_operations(schema, app)
    assert len(operations) > 40
    for operation in operations:
        names = {parameter.name for parameter in operation.path_parameters}
        fixed = {name: value for name, value in real_ids.items() if name in names}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed)
            except Exception:  # noqa: BLE001 - nothing to negate (no parameters): no invalid request exists
                continue
            run.exercise(operation, strategy)
    assert not run.failures, "checks failed beyond Airflow's quirks:\n" + "\n".join(
        f"{label} {check}: {example}" for (label, check), example in sorted(run.failures.items())
    )
    unused = sorted(set(run.quirks) - run.quirks_seen)
    assert not unused, f"quirks that no longer explain any refusal, remove them from {QUIRKS_FILE.name}: {unused}"


@dataclass
class Fuzzing:
    app: Any
    quirks: dict[str, Quirk]
    failures: dict[tuple[str, str], str] = field(default_factory=dict)
    quirks_seen: set[str] = field(default_factory=set)

    def exercise(self, operation, strategy) -> None:
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def run(case) -> None:
            response = case.call(app=self.app, headers=AUTH)
            for name, check in CHECKS.items():
                try:
                    case.validate_response(response, checks=[check])
                except (AssertionError, BaseExceptionGroup):
                    if not (name == "positive_data_acceptance" and self._explained(operation, case)):
                        self.failures.setdefault((operation.label, name), _describe(case, response))

        with contextlib.suppress(Unsatisfiable):  # every part of the request is fixed: no invalid request to send
            run()

    def _explained(self, operation, case) -> bool:
        """Whether the refusal is Airflow's quirk: without the parts Airflow refuses, the request is served."""
        quirk = self.quirks.get(operation.label)
        if quirk is None:
            return False
        query = {key: value for key, value in (case.query or {}).items() if key not in quirk.drop}
        kwargs: dict[str, Any] = {"headers": AUTH, "query_string": query}
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
