"""The estate index: a per-process summary of every deployment, kept fresh by change.

A DAG's identity (its dag_id) exists only in the bridge, so Prefect can
neither sort nor match on it: a page of DAGs in dag_id order needs the
whole estate's dag_ids. Reading every deployment per request costs one
call per 200 deployments; instead each process keeps this index of
summaries (what a listing filters and sorts by) and brings it up to date
with two calls whatever the estate's size, at most once per
`check_seconds` (1 s by default, `BRIDGE_ESTATE_CHECK_SECONDS`): most
listings make no check at all, and the one that finds the last check
older than that makes it first:

- `POST /deployments/count`: the number of deployments;
- `POST /deployments/filter` sorted UPDATED_DESC, five rows: the
  deployments created or changed most recently (pausing, resuming and
  editing all move `updated`). Prefect 3.8.8 has no `updated` filter, so
  the check pages down this order (then 200 rows a call) while the rows
  it reads are new or changed, and stops at a batch that holds nothing
  new or a deployment older than the newest `updated` seen before minus
  `UPDATED_SLACK`. Ten thousand deployments created since the last check
  cost one call per 200 of them, once.

A change whose transaction commits late, behind five unchanged rows that
were written after it, would be missed by this rule; a full read every
`FULL_READ_INTERVAL` bounds how long such a miss can last.

Deletions do not move `updated`; they show as a count that differs from
the index's size after catching up, and then the index is read again in
full (one call per 200 deployments, once per deletion per process). A
deletion and a creation between two checks keep Prefect's count, but the
catch-up adds the created one, so the index holds one more than the count
and is read in full too; a listing that meets a deleted id when it reads
its page drops it and has the next check read the index in full. Prefect's
deployment events were the
alternative; they are not emitted for every change in 3.8.8's server and
need their own paging, so the count is the rule.

Freshness: a change made through this process (a pause) is written into
the index at once (`note_paused`); a change made anywhere else is seen on
every process by its first listing `check_seconds` after the change at the
latest (the issue's bound is 5 s; Airflow's own is its DAG processor's
interval).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from uuid import UUID

from app.prefect import PrefectClient
from app.prefect.models import Deployment
from app.services.pages import fetching, read_all
from app.translate.dag_ids import DagMapping, DeploymentName
from app.translate.dags import dag_id_matcher
from app.translate.paging import PREFECT_MAX_PAGE_SIZE

#: Changes this close to the newest one seen are read again (timestamps of one-second resolution).
UPDATED_SLACK = timedelta(seconds=2)
#: A full read at least this often bounds the life of a change the catch-up missed (see the module docstring).
FULL_READ_INTERVAL = timedelta(minutes=5)
#: Rows of the first catch-up read: enough for the changes of a quiet moment, cheap when none.
FIRST_CATCH_UP_ROWS = 5


@dataclass(frozen=True, slots=True)
class DeploymentSummary:
    """What a DAG listing filters and sorts by; a page's full deployments are read by id or kept."""

    id: UUID
    name: DeploymentName
    dag_id: str
    paused: bool
    tags: frozenset[str]
    updated: datetime | None


@dataclass(frozen=True)
class EstateQuery:
    tags: list[str]
    paused: bool | None
    dag_id_pattern: str | None
    descending: bool = False
    #: The DAGs the caller may see (per-DAG access); None: every DAG.
    dag_ids: frozenset[str] | None = None


class EstateIndex:
    def __init__(
        self,
        client: PrefectClient,
        mapping: DagMapping,
        flow_names: Callable[[Iterable[UUID]], dict[UUID, str]],
        *,
        check_seconds: float = 1.0,
    ) -> None:
        self.client = client
        self.check_seconds = check_seconds
        self.mapping = mapping
        self._flow_names = flow_names
        self._lock = threading.Lock()
        self._summaries: dict[UUID, DeploymentSummary] = {}
        self._ordered: tuple[DeploymentSummary, ...] | None = None
        self._newest: datetime | None = None
        self._loaded = False
        self._next_full_read = 0.0
        self._next_check = 0.0
        self._stale = False

    # -- reading ---------------------------------------------------------------------

    def current(self) -> tuple[DeploymentSummary, ...]:
        """Every deployment in dag_id order; checked against Prefect first when a check is due."""
        with self._lock:
            now = time.monotonic()
            if not self._loaded or self._stale or now > self._next_full_read:
                self._load_all()
                self._next_check = now + self.check_seconds
            elif now >= self._next_check:
                self._catch_up()
                # Counted from the check's start: what commits during a check is caught by the next one.
                self._next_check = now + self.check_seconds
            if self._ordered is None:
                self._ordered = tuple(sorted(self._summaries.values(), key=lambda each: (each.dag_id, str(each.id))))
            return self._ordered

    def ids_of(self, dag_ids: Iterable[str]) -> dict[str, UUID]:
        """The deployment id of each dag_id the estate has, in request order, after a check."""
        by_dag_id = {each.dag_id: each.id for each in self.current()}
        return {dag_id: by_dag_id[dag_id] for dag_id in dict.fromkeys(dag_ids) if dag_id in by_dag_id}

    def select(self, query: EstateQuery) -> list[DeploymentSummary]:
        """The deployments matching Airflow's `tags` (any of), `paused` and `dag_id_pattern`, in dag_id order."""
        wanted_tags = set(query.tags)
        matches = dag_id_matcher(query.dag_id_pattern)
        found = list(self.current())
        filtered = wanted_tags or query.paused is not None or query.dag_id_pattern or query.dag_ids is not None
        if filtered:  # else (the commonest listing) no row of the estate needs testing
            found = [
                each
                for each in found
                if (not wanted_tags or wanted_tags & each.tags)
                and (query.paused is None or each.paused == query.paused)
                and matches(each.dag_id)
                and (query.dag_ids is None or each.dag_id in query.dag_ids)
            ]
        if query.descending:
            found.reverse()
        return found

    # -- changes known without asking Prefect -------------------------------------------

    def note_paused(self, deployment_id: UUID, paused: bool) -> None:
        """A pause or resume this process made: shown by the next listing here, without a check."""
        with self._lock:
            summary = self._summaries.get(deployment_id)
            if summary is not None and summary.paused != paused:
                self._put(replace(summary, paused=paused))

    def observe(self, deployments: Iterable[Deployment]) -> None:
        """Deployments a listing just read in full: their pause and tags, so its filters agree with its page.

        Their `updated` is left as it was, for the next check still to see them
        as changed and read on past them (see `_catch_up`).
        """
        with self._lock:
            for deployment in deployments:
                summary = self._summaries.get(deployment.id)
                tags = frozenset(deployment.tags)
                if summary is not None and (summary.paused, summary.tags) != (deployment.paused, tags):
                    self._put(replace(summary, paused=deployment.paused, tags=tags))

    def forget(self, deployment_ids: Iterable[UUID]) -> None:
        """Deployments found gone: dropped now, and the whole index read again at the next check."""
        with self._lock:
            for each in deployment_ids:
                if self._summaries.pop(each, None) is not None:
                    self._ordered = None
            self._stale = True

    def memory_rows(self) -> list[DeploymentSummary]:
        """The summaries held (for measuring the index's memory)."""
        return list(self._summaries.values())

    # -- synchronising -------------------------------------------------------------------

    def _load_all(self) -> None:
        found = read_all(fetching(self.client.filter_deployments, {"sort": "UPDATED_DESC"}))
        self._summaries = {}
        self._newest = None
        self._upsert(found)
        self._ordered = None
        self._loaded = True
        self._stale = False
        self._next_full_read = time.monotonic() + FULL_READ_INTERVAL.total_seconds()

    def _catch_up(self) -> None:
        count = self.client.count_deployments({})
        since = self._newest - UPDATED_SLACK if self._newest else None
        offset, size = 0, FIRST_CATCH_UP_ROWS
        while True:
            batch = self.client.filter_deployments({"sort": "UPDATED_DESC", "offset": offset, "limit": size})
            changed = self._upsert(batch)
            offset += len(batch)
            older = since is None or any(d.updated is not None and d.updated < since for d in batch)
            if len(batch) < size or older or not changed:
                break
            size = PREFECT_MAX_PAGE_SIZE
        if count != len(self._summaries):
            self._load_all()

    def _upsert(self, deployments: list[Deployment]) -> bool:
        """Writes the deployments' summaries; whether any was new or changed."""
        changed = False
        flow_names = self._flow_names(d.flow_id for d in deployments)
        for deployment in deployments:
            if deployment.flow_id not in flow_names:
                continue
            name = DeploymentName(flow_names[deployment.flow_id], deployment.name)
            summary = DeploymentSummary(
                id=deployment.id,
                name=name,
                dag_id=self.mapping.dag_id_for(name),
                paused=deployment.paused,
                tags=frozenset(deployment.tags),
                updated=deployment.updated,
            )
            if self._summaries.get(deployment.id) != summary:
                self._put(summary)
                changed = True
            if deployment.updated is not None and (self._newest is None or deployment.updated > self._newest):
                self._newest = deployment.updated
        return changed

    def _put(self, summary: DeploymentSummary) -> None:
        self._summaries[summary.id] = summary
        self._ordered = None
