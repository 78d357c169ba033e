"""One long-lived HTTP client for Prefect's REST API (self-hosted or Cloud).

Every request goes through `_request`, the single choke point that applies
timeouts, retries and the mapping of upstream failures to bridge errors:

- connection errors, 429 and 503 are retried with exponential backoff, but
  only for requests that are safe to repeat (reads, filters, and writes that
  Prefect makes idempotent);
- a timeout is a 504, an unreachable or overloaded Prefect a 503, anything
  else Prefect gets wrong (5xx, a body that is not JSON) a 502;
- Prefect's 4xx answers become `PrefectRequestError`, which callers catch
  when they expect it (a 404 while looking something up) and which is
  otherwise a 502: the bridge asked Prefect something it should not have.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any, TypeVar
from urllib.parse import parse_qs, quote, urlsplit
from uuid import UUID

import httpx
from pydantic import BaseModel, ValidationError

from app.errors import UpstreamError, UpstreamTimeout, UpstreamUnavailable
from app.prefect.models import (
    Artifact,
    ArtifactCollection,
    BlockDocument,
    BlockSchema,
    BlockType,
    ConcurrencyLimit,
    Deployment,
    EventPage,
    Flow,
    FlowRun,
    FlowRunPage,
    HistoryInterval,
    LogEntry,
    SetStateResult,
    State,
    TaskRun,
    Variable,
)
from app.url_paths import segment as _segment

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
RETRYABLE_STATUSES = frozenset({429, 503})
# A busy SQLite-backed Prefect refuses writes (503) for a second or more at a
# time; with five retries these give it up to ten seconds before the bridge gives up.
BACKOFF_SECONDS = 0.2
BACKOFF_CAP_SECONDS = 4.0


class Retry(Enum):
    """How far a request may be repeated after a failure."""

    NEVER = "never"  # a repeat could apply the change twice
    REFUSED = "refused"  # only when Prefect refused it (429/503) or never received it: nothing was applied
    ALWAYS = "always"  # repeating is harmless (reads, idempotent writes)


class PrefectRequestError(UpstreamError):
    """Prefect refused a request with a 4xx answer."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"Prefect refused the request ({status}): {detail}")
        self.prefect_status = status
        self.prefect_detail = detail


class PrefectClient:
    def __init__(
        self,
        api_url: str,
        *,
        api_key: str | None = None,
        timeout: float = 10.0,
        connect_timeout: float = 3.0,
        retries: int = 5,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Accept": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self.retries = retries
        self._http = httpx.Client(
            base_url=api_url.rstrip("/") + "/",
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            transport=transport,
            trust_env=True,  # HTTP(S)_PROXY and NO_PROXY, as for any Prefect client
        )

    def close(self) -> None:
        self._http.close()

    # -- health -------------------------------------------------------------

    def is_healthy(self) -> bool:
        """True when Prefect answers its health check; never raises."""
        try:
            return self._request("GET", "health", retry=Retry.NEVER) is True
        except UpstreamError:
            return False

    # -- flows and deployments ---------------------------------------------

    def read_flows(self, flow_ids: Iterable[UUID]) -> list[Flow]:
        ids = sorted({str(flow_id) for flow_id in flow_ids})
        if not ids:
            return []
        body = {"flows": {"id": {"any_": ids}}, "limit": len(ids)}
        return _parse_list(Flow, self._request("POST", "flows/filter", json=body))

    def read_deployment_by_name(self, flow_name: str, deployment_name: str) -> Deployment:
        path = f"deployments/name/{_segment(flow_name)}/{_segment(deployment_name)}"
        return _parse(Deployment, self._request("GET", path))

    def read_deployment(self, deployment_id: UUID) -> Deployment:
        return _parse(Deployment, self._request("GET", f"deployments/{deployment_id}"))

    def filter_deployments(self, body: Mapping[str, Any]) -> list[Deployment]:
        return _parse_list(Deployment, self._request("POST", "deployments/filter", json=body))

    def count_deployments(self, body: Mapping[str, Any]) -> int:
        return _count(self._request("POST", "deployments/count", json=body))

    def set_deployment_paused(self, deployment_id: UUID, paused: bool) -> None:
        action = "pause_deployment" if paused else "resume_deployment"
        self._request("POST", f"deployments/{deployment_id}/{action}")

    def create_flow_run(self, deployment_id: UUID, body: Mapping[str, Any]) -> tuple[FlowRun, bool]:
        """Create a run of a deployment; returns (run, created).

        With an idempotency key Prefect answers 200 and the existing run when
        the key was used before, which makes the request safe to retry.
        """
        retry = Retry.ALWAYS if body.get("idempotency_key") else Retry.REFUSED
        response = self._send("POST", f"deployments/{deployment_id}/create_flow_run", json=body, retry=retry)
        return _parse(FlowRun, _json(response)), response.status_code == 201

    # -- flow runs ----------------------------------------------------------

    def read_flow_run(self, flow_run_id: UUID) -> FlowRun:
        return _parse(FlowRun, self._request("GET", f"flow_runs/{flow_run_id}"))

    def filter_flow_runs(self, body: Mapping[str, Any]) -> list[FlowRun]:
        return _parse_list(FlowRun, self._request("POST", "flow_runs/filter", json=body))

    def count_flow_runs(self, body: Mapping[str, Any]) -> int:
        return _count(self._request("POST", "flow_runs/count", json=body))

    def flow_run_history(self, body: Mapping[str, Any]) -> list[HistoryInterval]:
        """Runs counted per state type and name, per interval of expected start (one SQL aggregate)."""
        return _parse_list(HistoryInterval, self._request("POST", "flow_runs/history", json=body))

    def paginate_flow_runs(self, body: Mapping[str, Any]) -> FlowRunPage:
        return _parse(FlowRunPage, self._request("POST", "flow_runs/paginate", json=body))

    def set_flow_run_state(self, flow_run_id: UUID, state: Mapping[str, Any], *, force: bool = False) -> SetStateResult:
        body = {"state": dict(state), "force": force}
        # Refused requests (SQLite busy: 503) change nothing and are repeated;
        # a timeout may have changed the state, so it is not.
        result = self._request("POST", f"flow_runs/{flow_run_id}/set_state", json=body, retry=Retry.REFUSED)
        return _parse(SetStateResult, result)

    def update_flow_run_labels(self, flow_run_id: UUID, labels: Mapping[str, Any]) -> None:
        """Merge `labels` into the run's labels (repeating it is harmless)."""
        self._request("PATCH", f"flow_runs/{flow_run_id}/labels", json=dict(labels))

    def delete_flow_run(self, flow_run_id: UUID) -> None:
        """Delete a run; one that is already gone counts as deleted, so a retry is harmless."""
        try:
            self._request("DELETE", f"flow_runs/{flow_run_id}", retry=Retry.ALWAYS)
        except PrefectRequestError as error:
            if error.prefect_status != 404:
                raise

    def bulk_delete_flow_runs(self, criteria: Mapping[str, Any], limit: int) -> list[UUID]:
        """Delete up to `limit` (at most 50) runs matching the FlowRunFilter `criteria`, with their task runs and
        logs; the ids deleted. Repeating is harmless: it deletes what still matches."""
        body = {"flow_runs": dict(criteria), "limit": limit}
        answer = self._request("POST", "flow_runs/bulk_delete", json=body, retry=Retry.ALWAYS)
        return [UUID(each) for each in (answer or {}).get("deleted", [])]

    # -- task runs, their logs and artifacts ---------------------------------

    def filter_task_runs(self, body: Mapping[str, Any]) -> list[TaskRun]:
        return _parse_list(TaskRun, self._request("POST", "task_runs/filter", json=body))

    def count_task_runs(self, body: Mapping[str, Any]) -> int:
        return _count(self._request("POST", "task_runs/count", json=body))

    def read_task_run_states(self, task_run_id: UUID) -> list[State]:
        """The task run's state history, oldest first."""
        states = _parse_list(State, self._request("GET", f"task_run_states/?task_run_id={task_run_id}"))
        return sorted(states, key=lambda state: (state.timestamp is None, state.timestamp))

    def set_task_run_state(self, task_run_id: UUID, state: Mapping[str, Any]) -> SetStateResult:
        body = {"state": dict(state), "force": True}
        result = self._request("POST", f"task_runs/{task_run_id}/set_state", json=body, retry=Retry.REFUSED)
        return _parse(SetStateResult, result)

    def filter_logs(self, body: Mapping[str, Any]) -> list[LogEntry]:
        return _parse_list(LogEntry, self._request("POST", "logs/filter", json=body))

    def filter_artifacts(self, body: Mapping[str, Any]) -> list[Artifact]:
        return _parse_list(Artifact, self._request("POST", "artifacts/filter", json=body))

    def read_latest_artifact(self, key: str) -> Artifact | None:
        """The latest version of the artifact `key`, or None when there is none."""
        try:
            return _parse(Artifact, self._request("GET", f"artifacts/{_segment(key)}/latest"))
        except PrefectRequestError as error:
            if error.prefect_status == 404:
                return None
            raise
    def filter_latest_artifacts(self, body: Mapping[str, Any]) -> list[ArtifactCollection]:
        """The latest artifact of each key the filter selects."""
        return _parse_list(ArtifactCollection, self._request("POST", "artifacts/latest/filter", json=body))

    def create_artifact(self, body: Mapping[str, Any]) -> Artifact:
        """A new artifact (with a key: a new version of it). Not repeated after a timeout: it could be made twice."""
        return _parse(Artifact, self._request("POST", "artifacts/", json=dict(body), retry=Retry.REFUSED))

    # -- variables ------------------------------------------------------------

    def read_variable_by_name(self, name: str) -> Variable:
        return _parse(Variable, self._request("GET", f"variables/name/{_segment(name)}"))

    def filter_variables(self, body: Mapping[str, Any]) -> list[Variable]:
        return _parse_list(Variable, self._request("POST", "variables/filter", json=body))

    def count_variables(self, body: Mapping[str, Any]) -> int:
        return _count(self._request("POST", "variables/count", json=body))

    def create_variable(self, name: str, value: Any, tags: list[str]) -> Variable:
        """Create a variable; a name in use is Prefect's 409. Repeated only when
        Prefect refused it, so a retried create never meets its own first attempt."""
        body = {"name": name, "value": value, "tags": tags}
        return _parse(Variable, self._request("POST", "variables/", json=body, retry=Retry.REFUSED))

    def update_variable(self, name: str, changes: Mapping[str, Any]) -> None:
        """Set the given fields (absolute values: repeating it is harmless)."""
        self._request("PATCH", f"variables/name/{_segment(name)}", json=dict(changes))

    def delete_variable(self, name: str) -> None:
        """Delete a variable; Prefect's 404 (also for a repeat that found it gone) reaches the caller."""
        self._request("DELETE", f"variables/name/{_segment(name)}", retry=Retry.REFUSED)

    # -- blocks ---------------------------------------------------------------

    def read_block_type_by_slug(self, slug: str) -> BlockType:
        return _parse(BlockType, self._request("GET", f"block_types/slug/{_segment(slug)}"))

    def create_block_type(self, body: Mapping[str, Any]) -> BlockType:
        """Register a block type; an existing slug is Prefect's 409 (read it then)."""
        return _parse(BlockType, self._request("POST", "block_types/", json=dict(body), retry=Retry.REFUSED))

    def create_block_schema(self, body: Mapping[str, Any]) -> BlockSchema:
        """Register a block schema; Prefect answers the existing one for the same fields, so it repeats safely."""
        return _parse(BlockSchema, self._request("POST", "block_schemas/", json=dict(body), retry=Retry.ALWAYS))

    def read_block_document(self, block_type_slug: str, name: str, *, include_secrets: bool = False) -> BlockDocument:
        path = f"block_types/slug/{_segment(block_type_slug)}/block_documents/name/{_segment(name)}"
        secrets = "true" if include_secrets else "false"
        return _parse(BlockDocument, self._request("GET", f"{path}?include_secrets={secrets}"))

    def filter_block_documents(self, body: Mapping[str, Any]) -> list[BlockDocument]:
        return _parse_list(BlockDocument, self._request("POST", "block_documents/filter", json=body))

    def count_block_documents(self, body: Mapping[str, Any]) -> int:
        return _count(self._request("POST", "block_documents/count", json=body))

    def create_block_document(self, body: Mapping[str, Any]) -> BlockDocument:
        """Create a named block document; a name in use (per block type) is Prefect's 409."""
        return _parse(BlockDocument, self._request("POST", "block_documents/", json=dict(body), retry=Retry.REFUSED))

    def update_block_document(self, block_document_id: UUID, data: Mapping[str, Any]) -> None:
        """Merge `data` into the document's data (absolute values: repeating it is harmless)."""
        body = {"data": dict(data), "merge_existing_data": True}
        self._request("PATCH", f"block_documents/{block_document_id}", json=body)

    def delete_block_document(self, block_document_id: UUID) -> None:
        self._request("DELETE", f"block_documents/{block_document_id}", retry=Retry.REFUSED)

    # -- global concurrency limits --------------------------------------------

    def read_concurrency_limit(self, name: str) -> ConcurrencyLimit:
        return _parse(ConcurrencyLimit, self._request("GET", f"v2/concurrency_limits/{_segment(name)}"))

    def filter_concurrency_limits(self, *, offset: int, limit: int) -> list[ConcurrencyLimit]:
        """A page of every limit, in name order: Prefect filters and sorts them by nothing else."""
        body = {"offset": offset, "limit": limit}
        return _parse_list(ConcurrencyLimit, self._request("POST", "v2/concurrency_limits/filter", json=body))

    def create_concurrency_limit(self, name: str, limit: int) -> ConcurrencyLimit:
        """Create a limit; a name in use is Prefect's 409."""
        body = {"name": name, "limit": limit}
        return _parse(ConcurrencyLimit, self._request("POST", "v2/concurrency_limits/", json=body, retry=Retry.REFUSED))

    def update_concurrency_limit(self, limit_id: UUID, changes: Mapping[str, Any]) -> None:
        """Set the given fields (absolute values: repeating it is harmless); a name in use is Prefect's 409."""
        self._request("PATCH", f"v2/concurrency_limits/{limit_id}", json=dict(changes))

    def delete_concurrency_limit(self, limit_id: UUID) -> None:
        self._request("DELETE", f"v2/concurrency_limits/{limit_id}", retry=Retry.REFUSED)

    # -- events ---------------------------------------------------------------

    def filter_events(self, body: Mapping[str, Any]) -> EventPage:
        """The first page of events matching `body` (at most 50 per page)."""
        return _parse(EventPage, self._request("POST", "events/filter", json=body))

    def next_events(self, next_page: str) -> EventPage:
        """The page after one whose `next_page` link is given (a read: repeating it is harmless)."""
        tokens = parse_qs(urlsplit(next_page).query).get("page-token")
        if not tokens:
            raise UpstreamError("Prefect answered a next_page link without a page token")
        path = "events/filter/next?page-token=" + quote(tokens[0], safe="")
        return _parse(EventPage, self._request("GET", path))

    # -- the one request path -------------------------------------------------

    def _request(self, method: str, path: str, *, json: Any = None, retry: Retry | None = None) -> Any:
        # Reads and filters are safe to repeat; so are PATCH and pause/resume,
        # which set absolute values. Other writes say how far they may repeat.
        safe = method in {"GET", "PATCH"} or path.endswith(("/filter", "/count", "/paginate", "_deployment"))
        policy = retry or (Retry.ALWAYS if safe else Retry.NEVER)
        return _json(self._send(method, path, json=json, retry=policy))

    def _send(self, method: str, path: str, *, json: Any, retry: Retry) -> httpx.Response:
        attempts = 1 + (self.retries if retry is not Retry.NEVER else 0)
        for attempt in range(1, attempts + 1):
            last = attempt == attempts
            response = None
            try:
                response = self._http.request(method, path, json=json)
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                # The request never reached Prefect: repeating it is always safe.
                if last:
                    raise UpstreamUnavailable(f"Prefect is unreachable: {type(error).__name__}") from None
            except httpx.TimeoutException:
                # Prefect may have acted on it: only an idempotent request repeats.
                if last or retry is not Retry.ALWAYS:
                    raise UpstreamTimeout(f"Prefect did not answer {method} /{path} in time") from None
            except httpx.TransportError as error:
                if last or retry is not Retry.ALWAYS:
                    raise UpstreamUnavailable(f"Prefect is unreachable: {type(error).__name__}") from None
            else:
                if response.status_code not in RETRYABLE_STATUSES or last:
                    return _checked(method, path, response)
                log.info("Prefect answered %s to %s /%s; retrying", response.status_code, method, path)
            time.sleep(_backoff(attempt, response))
        raise AssertionError("unreachable")  # pragma: no cover


def _backoff(attempt: int, response: httpx.Response | None) -> float:
    """Exponential backoff, honouring Retry-After when Prefect sends one."""
    if response is not None:
        try:
            return min(float(response.headers["Retry-After"]), BACKOFF_CAP_SECONDS)
        except (KeyError, ValueError):
            pass
    # Full jitter: concurrent requests refused together must not retry together.
    return random.uniform(0, min(BACKOFF_SECONDS * 2**attempt, BACKOFF_CAP_SECONDS))


def _checked(method: str, path: str, response: httpx.Response) -> httpx.Response:
    status = response.status_code
    if status < 400:
        return response
    if status in RETRYABLE_STATUSES:
        raise UpstreamUnavailable(f"Prefect is overloaded or unavailable ({status} on {method} /{path})")
    if status in (401, 403):
        raise UpstreamError(f"Prefect refused the bridge's credentials ({status}); check PREFECT_API_KEY")
    if status >= 500:
        raise UpstreamError(f"Prefect failed on {method} /{path} ({status})")
    raise PrefectRequestError(status, _error_detail(response))


def _error_detail(response: httpx.Response) -> str:
    """Prefect's own words for a 4xx: `detail`, or `exception_detail` messages."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    if isinstance(body, dict):
        problems = body.get("exception_detail")
        if isinstance(problems, list) and problems:
            return "; ".join(str(problem.get("msg", problem)) for problem in problems if isinstance(problem, dict))
        for key in ("detail", "exception_message"):
            if isinstance(body.get(key), str):
                return body[key]
    return response.reason_phrase


def _json(response: httpx.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except (ValueError, json.JSONDecodeError):
        raise UpstreamError("Prefect answered with a body that is not JSON") from None


def _count(count: Any) -> int:
    if isinstance(count, bool) or not isinstance(count, int):
        raise UpstreamError("Prefect answered a count that is not an integer")
    return count


def _parse(model: type[M], data: Any) -> M:
    """Prefect's answer as a typed model; an answer of the wrong shape is Prefect's fault (502)."""
    try:
        return model.model_validate(data)
    except ValidationError:
        raise UpstreamError(f"Prefect answered with an unexpected {model.__name__}") from None


def _parse_list(model: type[M], data: Any) -> list[M]:
    if not isinstance(data, list):
        raise UpstreamError(f"Prefect answered with something other than a list of {model.__name__}")
    return [_parse(model, item) for item in data]
