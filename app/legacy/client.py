"""One long-lived HTTP client for a legacy Apache Airflow 2.x's stable REST API (v1).

It knows nothing of Prefect. Two ways in:

- `forward(...)`: a raw request whose answer is returned as it came (any
  status), for proxying a DAG the legacy Airflow serves;
- typed reads (`list_dags`, `list_dag_runs`, `iter_dag_runs`,
  `list_task_instances`) that raise on any answer but 200.

Failures of the legacy Airflow itself are its own exceptions, each a bridge
upstream error whose message names the legacy Airflow, so they render as a
502/503/504 in Airflow's problem+json and are never mistaken for Prefect's:
unreachable or 503 -> `LegacyAirflowUnavailable` (503), too slow ->
`LegacyAirflowTimeout` (504), anything else it gets wrong ->
`LegacyAirflowError` (502). Only requests that are safe to repeat (GET, HEAD)
are retried, on connection errors and 429/503; a trigger is never repeated.
Credentials go in the Authorization header only, never in a URL or a message.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from app.errors import UpstreamError, UpstreamTimeout, UpstreamUnavailable
from app.url_paths import segment as _segment

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RETRYABLE_STATUSES = frozenset({429, 503})
BACKOFF_SECONDS = 0.2
BACKOFF_CAP_SECONDS = 2.0
#: Airflow's default `[api] maximum_page_limit`: the largest page one read asks for.
PAGE_LIMIT = 100


class LegacyAirflowError(UpstreamError):
    """The legacy Airflow answered something the bridge cannot use (502)."""


class LegacyAirflowUnavailable(LegacyAirflowError, UpstreamUnavailable):
    """The legacy Airflow is down, unreachable or overloaded (503)."""


class LegacyAirflowTimeout(LegacyAirflowError, UpstreamTimeout):
    """The legacy Airflow did not answer in time (504)."""


class LegacyModel(BaseModel):
    # Keep every field Airflow sends: readers may want more than the typed ones.
    model_config = ConfigDict(extra="allow", frozen=True)


class LegacyDag(LegacyModel):
    dag_id: str
    is_paused: bool | None = None
    is_active: bool | None = None


class LegacyDagRun(LegacyModel):
    dag_id: str
    dag_run_id: str | None
    logical_date: datetime | None = None
    execution_date: datetime | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    state: str | None = None
    run_type: str | None = None
    conf: dict[str, Any] | None = None


class LegacyTaskInstance(LegacyModel):
    task_id: str
    dag_id: str
    dag_run_id: str | None = None
    map_index: int = -1
    state: str | None = None
    try_number: int | None = None
    max_tries: int | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    duration: float | None = None


class Page(LegacyModel):
    """One page of a collection: its items (raw JSON objects) and Airflow's `total_entries`."""

    items: list[dict[str, Any]]
    total_entries: int


class LegacyAirflowClient:
    def __init__(
        self,
        url: str,
        *,
        username: str,
        password: str,
        timeout: float = 10.0,
        connect_timeout: float = 3.0,
        retries: int = 2,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        base = url.rstrip("/")
        if base.endswith(API_PREFIX):
            base = base[: -len(API_PREFIX)]
        parts = urlsplit(base)
        #: How messages name it: scheme, host and port only (never credentials or paths).
        self.name = f"the legacy Airflow at {parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}"
        self.retries = retries
        self._http = httpx.Client(
            base_url=base + API_PREFIX,
            auth=httpx.BasicAuth(username, password),
            headers={"Accept": "application/json"},
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            transport=transport,
            trust_env=True,
        )

    def close(self) -> None:
        self._http.close()

    # -- proxying -------------------------------------------------------------

    def forward(
        self,
        method: str,
        path: str,
        *,
        query: str | bytes = b"",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send `method path?query` (path relative to /api/v1) and return the answer, whatever its status.

        Only transport failures raise. `headers` should carry just what the
        legacy Airflow needs to read the request (Content-Type, Accept); the
        bridge's own credentials replace the client's.
        """
        url = path + ("?" + (query.decode() if isinstance(query, bytes) else query) if query else "")
        return self._send(method, url, content=body, headers=dict(headers or {}), check=False)

    # -- typed reads ----------------------------------------------------------

    def is_healthy(self) -> bool:
        """True when the legacy Airflow's metadatabase is healthy; never raises."""
        try:
            return self._get_json("/health").get("metadatabase", {}).get("status") == "healthy"
        except UpstreamError:
            return False

    def list_dags(self, *, offset: int = 0, limit: int = PAGE_LIMIT, **params: Any) -> Page:
        """One page of `GET /dags` (params as Airflow names them, e.g. order_by, only_active)."""
        data = self._get_json("/dags", {**params, "offset": offset, "limit": limit})
        return self._page(data, "dags")

    def iter_dags(self, **params: Any) -> Iterator[LegacyDag]:
        """Every DAG, page by page (one call per 100 DAGs)."""
        for item in self.read_pages("/dags", "dags", params):
            yield _parse(LegacyDag, item, self.name)

    def read_dag(self, dag_id: str) -> LegacyDag | None:
        """The DAG, or None when the legacy Airflow does not know it."""
        response = self._send("GET", f"/dags/{_segment(dag_id)}", check=False)
        if response.status_code == 404:
            return None
        return _parse(LegacyDag, self._checked_json(response, "GET", "/dags/{dag_id}"), self.name)

    def list_dag_runs(self, dag_id: str, *, offset: int = 0, limit: int = PAGE_LIMIT, **params: Any) -> Page:
        """One page of `GET /dags/{dag_id}/dagRuns` (`~` for every DAG); params as Airflow names them."""
        data = self._get_json(f"/dags/{_segment(dag_id)}/dagRuns", {**params, "offset": offset, "limit": limit})
        return self._page(data, "dag_runs")

    def iter_dag_runs(
        self,
        dag_id: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        order_by: str = "execution_date",
    ) -> Iterator[LegacyDagRun]:
        """Every run of `dag_id` whose logical date is in [start, end], page by page (one call per 100 runs)."""
        params: dict[str, Any] = {"order_by": order_by}
        if start is not None:
            params["execution_date_gte"] = start.isoformat()
        if end is not None:
            params["execution_date_lte"] = end.isoformat()
        for item in self.read_pages(f"/dags/{_segment(dag_id)}/dagRuns", "dag_runs", params):
            yield _parse(LegacyDagRun, item, self.name)

    def read_dag_run(self, dag_id: str, dag_run_id: str) -> LegacyDagRun | None:
        path = f"/dags/{_segment(dag_id)}/dagRuns/{_segment(dag_run_id)}"
        response = self._send("GET", path, check=False)
        if response.status_code == 404:
            return None
        data = self._checked_json(response, "GET", "/dags/{dag_id}/dagRuns/{dag_run_id}")
        return _parse(LegacyDagRun, data, self.name)

    def list_task_instances(self, dag_id: str, dag_run_id: str) -> list[LegacyTaskInstance]:
        """Every task instance of one run (one call per 100)."""
        path = f"/dags/{_segment(dag_id)}/dagRuns/{_segment(dag_run_id)}/taskInstances"
        return [_parse(LegacyTaskInstance, item, self.name) for item in self.read_pages(path, "task_instances", {})]

    def list_event_logs(self, *, offset: int = 0, limit: int = PAGE_LIMIT, **params: Any) -> Page:
        """One page of `GET /eventLogs` (params as Airflow names them)."""
        return self._page(self._get_json("/eventLogs", {**params, "offset": offset, "limit": limit}), "event_logs")

    def list_dag_runs_batch(self, body: Mapping[str, Any]) -> Page:
        """One page of `POST /dags/~/dagRuns/list` (its `page_limit` is not capped by Airflow)."""
        return self._post_page("/dags/~/dagRuns/list", "dag_runs", body)

    def list_task_instances_batch(self, body: Mapping[str, Any]) -> Page:
        """One page of `POST /dags/~/dagRuns/~/taskInstances/list` (`page_limit` not capped either)."""
        return self._post_page("/dags/~/dagRuns/~/taskInstances/list", "task_instances", body)

    def _post_page(self, path: str, key: str, body: Mapping[str, Any]) -> Page:
        response = self._send("POST", path, json=dict(body), check=False)
        return self._page(self._checked_json(response, "POST", path), key)

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """The JSON answer of a GET that must succeed (any other status is a LegacyAirflowError)."""
        return self._get_json(path, params)

    def iter_task_instances(
        self, dag_id: str, *, start: datetime | None = None, end: datetime | None = None
    ) -> Iterator[LegacyTaskInstance]:
        """Task instances of every run of `dag_id` with a logical date in [start, end] (one call per 100)."""
        params: dict[str, Any] = {}
        if start is not None:
            params["execution_date_gte"] = start.isoformat()
        if end is not None:
            params["execution_date_lte"] = end.isoformat()
        for item in self.read_pages(f"/dags/{_segment(dag_id)}/dagRuns/~/taskInstances", "task_instances", params):
            yield _parse(LegacyTaskInstance, item, self.name)

    def post_json(self, path: str, body: Mapping[str, Any]) -> httpx.Response:
        """POST a JSON body once (never repeated) and return the answer, whatever its status."""
        return self._send("POST", path, json=dict(body), check=False)

    # -- paging and the one request path -------------------------------------

    def read_pages(self, path: str, key: str, params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        """Every item of the collection at `path` (its list under `key`), as raw JSON objects, 100 a call."""
        offset = 0
        while True:
            page = self._page(self._get_json(path, {**params, "offset": offset, "limit": PAGE_LIMIT}), key)
            yield from page.items
            offset += len(page.items)
            if not page.items or offset >= page.total_entries:
                return

    def _page(self, data: Any, key: str) -> Page:
        if not isinstance(data, dict) or not isinstance(data.get(key), list):
            raise LegacyAirflowError(f"{self.name} answered a page without '{key}'")
        total = data.get("total_entries")
        if isinstance(total, bool) or not isinstance(total, int):
            raise LegacyAirflowError(f"{self.name} answered a page without an integer total_entries")
        return Page(items=data[key], total_entries=total)

    def _get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        response = self._send("GET", path, params=_query(params or {}), check=False)
        return self._checked_json(response, "GET", path)

    def _checked_json(self, response: httpx.Response, method: str, what: str) -> Any:
        if response.status_code != 200:
            raise LegacyAirflowError(f"{self.name} answered {response.status_code} to {method} {what}")
        try:
            return response.json()
        except ValueError:
            raise LegacyAirflowError(f"{self.name} answered {method} {what} with a body that is not JSON") from None

    def _send(self, method: str, url: str, *, check: bool, **kwargs: Any) -> httpx.Response:
        repeatable = method.upper() in SAFE_METHODS
        attempts = 1 + (self.retries if repeatable else 0)
        for attempt in range(1, attempts + 1):
            last = attempt == attempts
            response = None
            try:
                response = self._http.request(method, url, **kwargs)
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                if last:
                    raise LegacyAirflowUnavailable(f"{self.name} is unreachable ({type(error).__name__})") from None
            except httpx.TimeoutException:
                # It may have acted on the request: never repeat, say so.
                raise LegacyAirflowTimeout(f"{self.name} did not answer {method} in time") from None
            except httpx.TransportError as error:
                if last or not repeatable:
                    raise LegacyAirflowUnavailable(f"{self.name} is unreachable ({type(error).__name__})") from None
            else:
                if response.status_code not in RETRYABLE_STATUSES or last:
                    if check and response.status_code >= 400:
                        raise LegacyAirflowError(f"{self.name} answered {response.status_code} to {method}")
                    return response
                log.info("%s answered %s to %s; retrying", self.name, response.status_code, method)
            time.sleep(random.uniform(0, min(BACKOFF_SECONDS * 2**attempt, BACKOFF_CAP_SECONDS)))
        raise AssertionError("unreachable")  # pragma: no cover


def _query(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Query pairs as Airflow reads them: lists repeat the key, booleans are lower case, None is left out."""
    pairs = []
    for key, value in params.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            if item is None:
                continue
            pairs.append((key, str(item).lower() if isinstance(item, bool) else str(item)))
    return pairs


def _parse(model: type[LegacyModel], data: Any, name: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError:
        raise LegacyAirflowError(f"{name} answered an unexpected {model.__name__}") from None
