"""Listings over both systems during a gradual migration: DAGs, runs, task instances, event logs, DAG stats.

Who serves a DAG (`serving_sides`): the rule of single-DAG requests
(`RouteService.unnamed_side`), so a listing never shows a DAG from a side
its requests do not go to. A dag_id present on both sides is listed once,
from the side that serves it, and each side's `total_entries` counts only
the DAGs it serves, so the merged total is exact.

Costs, per merged page (o = offset, l = limit; A = the legacy Airflow's DAG
count, which does not grow with history):

- `GET /dags`: Prefect as for its own listing (2 calls for up to 200
  deployments), and ceil(A/100) legacy calls: both DAG lists are read whole, as the bridge
  already does for Prefect's deployments. With `default = "airflow"` and a
  filter, ceil(A/100) more to learn which DAGs the legacy Airflow has at all.
- runs across DAGs (`GET /dags/~/dagRuns`, `POST /dags/~/dagRuns/list`):
  the first o+l runs of each side, in the same order: Prefect's usual page
  calls for a window of o+l (one or a few calls of up to 200) plus 1-2 for
  its deployments, and on the legacy side ceil(A/100) calls for its dag_ids
  plus one batch call (`dag_ids` = the DAGs it serves, `page_limit` o+l,
  not capped by Airflow). Never more than o+l runs from either side.
- task instances across DAGs (`GET /dags/~/dagRuns/~/taskInstances`, its
  batch form): Prefect's rows first, then the legacy Airflow's; each side
  reads only its part of the page's window (Prefect's own page calls, one
  legacy batch call) after the same scopes as runs.
- the event log of every DAG (`GET /eventLogs` without dag_id): the first
  o+l entries of each side, merged by time (see `event_logs_page`).
- `GET /dagStats`: the requested dag_ids split by side (no call with
  `default = "prefect"`), Prefect's own cost for its part, one legacy call
  for the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from app.errors import BadRequest
from app.legacy import LegacyAirflowClient
from app.legacy.client import PAGE_LIMIT
from app.services import legacy_filters
from app.services.catalog import DagCatalog
from app.services.dag_runs import DagRunService
from app.services.dag_stats import DagStatsService
from app.services.dags import DagQuery, DagService
from app.services.event_logs import EventLogService
from app.services.routes import RouteService
from app.services.task_instances import TaskInstanceService
from app.translate.airflow import Dag, DagRun, EventLog, TaskInstance
from app.translate.dag_runs import RunQuery
from app.translate.event_logs import EventLogQuery
from app.translate.merging import Row, dag_id_key, legacy_run_order, merge_window, row_key, run_order
from app.translate.paging import Page
from app.translate.routes import Side
from app.translate.task_instances import TaskInstanceQuery


@dataclass(frozen=True)
class Scopes:
    """The dag_ids each side lists: `prefect` None means every Prefect DAG (no restriction to send)."""

    prefect: list[str] | None
    legacy: list[str]


@dataclass(frozen=True)
class MergedPage:
    rows: list[Row]
    total: int


class MergedListings:
    def __init__(
        self,
        catalog: DagCatalog,
        dags: DagService,
        dag_runs: DagRunService,
        task_instances: TaskInstanceService,
        event_logs: EventLogService,
        dag_stats: DagStatsService,
        legacy: LegacyAirflowClient,
        routes: RouteService,
    ) -> None:
        self.catalog = catalog
        self.dags = dags
        self.dag_runs = dag_runs
        self.task_instances = task_instances
        self.event_logs = event_logs
        self.dag_stats = dag_stats
        self.legacy = legacy
        self.routes = routes

    # -- who serves what ----------------------------------------------------------

    def serving_sides(
        self, dag_ids: Iterable[str], *, legacy_dag_ids: Callable[[], set[str]] | None = None
    ) -> dict[str, Side]:
        """The side serving each dag_id, by the same rule as single-DAG requests (RouteService).

        No Prefect call; with `default = "airflow"` the legacy Airflow's
        dag_ids (ceil(A/100) calls, once) when an unnamed dag_id names a deployment.
        """
        table = self.routes.table()
        in_legacy = cache(legacy_dag_ids or self.legacy_dag_ids)
        sides = {}
        for dag_id in dict.fromkeys(dag_ids):
            named = table.named(dag_id)
            if named is not None:
                sides[dag_id] = named.serving
            else:
                sides[dag_id] = self.routes.unnamed_side(dag_id, table.default, lambda d: d in in_legacy())
        return sides

    def legacy_dag_ids(self) -> set[str]:
        """Every dag_id the legacy Airflow has (ceil(A/100) calls)."""
        return {row["dag_id"] for row in self.legacy.read_pages("/dags", "dags", {"fields": "dag_id"})}

    def prefect_dag_ids(self) -> list[str]:
        """Every dag_id Prefect has, from the estate index (its check: two calls when nothing changed)."""
        return [each.dag_id for each in self.catalog.estate.current()]

    # -- listings -------------------------------------------------------------------

    def dags_page(
        self, query: DagQuery, page: Page, to_json: Callable[[Dag], Row], *, only_active: bool | None = None
    ) -> MergedPage:
        """A page of DAGs from both systems, in dag_id order.

        `only_active` is the legacy side's only (every deployment is an
        active DAG). Prefect's side costs the index's check and one call for
        the deployments of at most `offset + limit` DAGs; the legacy side is
        read whole (ceil(A/100) calls).
        """
        legacy_params = legacy_filters.dag_params(query, only_active)
        prefect_found = self.dags.matching(query)
        order = "-dag_id" if query.descending else "dag_id"
        legacy_rows = list(self.legacy.read_pages("/dags", "dags", {**legacy_params, "order_by": order}))
        listed_in_legacy = {row["dag_id"] for row in legacy_rows}
        # A filter may hide the legacy copy of a DAG both have: then only the whole list tells.
        filtered = any(value not in (None, [], "") for value in legacy_params.values())
        sides = self.serving_sides(
            [each.dag_id for each in prefect_found] + [row["dag_id"] for row in legacy_rows],
            legacy_dag_ids=self.legacy_dag_ids if filtered else lambda: listed_in_legacy,
        )
        prefect_found = [each for each in prefect_found if sides[each.dag_id] is Side.PREFECT]
        prefect_rows = [to_json(dag) for dag in self.dags.to_dags(prefect_found[: page.offset + page.limit])]
        legacy_rows = [row for row in legacy_rows if sides[row["dag_id"]] is Side.AIRFLOW]
        rows = merge_window(prefect_rows, legacy_rows, dag_id_key, page, descending=query.descending)
        return MergedPage(rows, len(prefect_found) + len(legacy_rows))

    def runs_page(
        self,
        dag_ids: Sequence[str] | None,
        query: RunQuery,
        page: Page,
        to_json: Callable[[DagRun], Row],
    ) -> MergedPage:
        """A page of runs across DAGs (`dag_ids` None: every DAG) from both systems."""
        window = Page(0, page.offset + page.limit)
        scopes = self.scopes(dag_ids)
        prefect_rows, prefect_total = [], 0
        if scopes.prefect != []:
            found = self.dag_runs.list_runs(scopes.prefect, query, window)
            prefect_rows, prefect_total = [to_json(run) for run in found.runs], found.total
        legacy_rows, legacy_total = [], 0
        if scopes.legacy:
            if query.updated_at.gte or query.updated_at.lte:
                raise BadRequest(
                    "updated_at_gte/updated_at_lte cannot select the legacy Airflow's runs in a listing across "
                    "DAGs: its batch listing ignores them (as Airflow 2.10 does); ask per DAG instead"
                )
            body = {
                **legacy_filters.run_filters(query),
                "dag_ids": scopes.legacy,
                "order_by": legacy_run_order(query.order_by),
                "page_offset": 0,
                "page_limit": window.limit,
            }
            found_legacy = self.legacy.list_dag_runs_batch(body)
            legacy_rows, legacy_total = found_legacy.items, found_legacy.total_entries
        field, descending = run_order(query.order_by)
        rows = merge_window(prefect_rows, legacy_rows, row_key(field), page, descending=descending)
        return MergedPage(rows, prefect_total + legacy_total)

    def task_instances_page(
        self,
        dag_ids: Sequence[str] | None,
        dag_run_ids: Sequence[str] | None,
        query: TaskInstanceQuery,
        page: Page,
        to_json: Callable[[TaskInstance], Row],
    ) -> MergedPage:
        """A page of task instances across DAGs: Prefect's (in Prefect's order), then the legacy Airflow's.

        Neither side's order is one the other can produce, so the merged
        listing is the one followed by the other: still every task instance
        exactly once, and each side reads only the page's window of its own
        rows (Prefect's usual calls; one legacy batch call after the scopes).
        """
        scopes = self.scopes(dag_ids)
        prefect_rows, prefect_total = [], 0
        if scopes.prefect != []:
            found = self.task_instances.list_across(scopes.prefect, dag_run_ids, query, page)
            prefect_rows, prefect_total = [to_json(each) for each in found.instances], found.total
        legacy_rows, legacy_total = [], 0
        if scopes.legacy:
            wanted = page.limit - len(prefect_rows)
            body = {
                **legacy_filters.instance_filters(query),
                "dag_ids": scopes.legacy,
                "page_offset": max(0, page.offset - prefect_total),
                "page_limit": max(wanted, 1),  # Airflow's minimum; the total is what a full page needs
            }
            if dag_run_ids:
                body["dag_run_ids"] = list(dag_run_ids)
            found_legacy = self.legacy.list_task_instances_batch(body)
            legacy_rows, legacy_total = found_legacy.items[: max(wanted, 0)], found_legacy.total_entries
        return MergedPage(prefect_rows + legacy_rows, prefect_total + legacy_total)

    def event_logs_page(
        self,
        query: EventLogQuery,
        page: Page,
        to_json: Callable[[EventLog], Row],
        *,
        run_id: str | None = None,
        owner: str | None = None,
    ) -> MergedPage:
        """The event logs of both systems (every DAG), merged by `when`.

        An event log is an audit trail, not a DAG's state: every entry of
        both systems is listed, a shadowed DAG's from both. The first o+l
        entries of each side: Prefect's event pages up to o+l (its cap of
        1000 applies), ceil((o+l)/100) legacy calls. `event_log_id` and
        `when` both order by time here (Airflow's ids count up in time).
        With an `owner`, Prefect has nothing to list: its events name no user.
        """
        window = Page(0, page.offset + page.limit)
        prefect_rows, prefect_total = [], 0
        if owner is None:
            found = self.event_logs.list_entries(query, window, dag_id=None, run_id=run_id)
            prefect_rows, prefect_total = [to_json(entry) for entry in found.entries], found.total
        descending = query.order_by.startswith("-")
        legacy_rows: list[Row] = []
        params = {
            **legacy_filters.event_log_params(query, run_id=run_id, owner=owner),
            "order_by": "-when" if descending else "when",
        }
        legacy_total = 0
        while len(legacy_rows) < window.limit:
            legacy_page = self.legacy.list_event_logs(
                offset=len(legacy_rows), limit=min(PAGE_LIMIT, window.limit - len(legacy_rows)), **params
            )
            legacy_rows += legacy_page.items
            legacy_total = legacy_page.total_entries
            if not legacy_page.items or len(legacy_rows) >= legacy_total:
                break
        rows = merge_window(prefect_rows, legacy_rows, row_key("when"), page, descending=descending)
        return MergedPage(rows, prefect_total + legacy_total)

    def stats_of(self, dag_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        """Run counts per state of each known dag_id, from the side serving it, in request order."""
        sides = self.serving_sides(dag_ids)
        prefect_ids = [dag_id for dag_id in dag_ids if sides[dag_id] is Side.PREFECT]
        legacy_ids = [dag_id for dag_id in dag_ids if sides[dag_id] is Side.AIRFLOW]
        counts: dict[str, dict[str, int]] = {}
        if prefect_ids:
            counts.update(self.dag_stats.stats(prefect_ids))
        if legacy_ids:
            for row in self.legacy.get_json("/dagStats", {"dag_ids": ",".join(legacy_ids)}).get("dags", []):
                counts[row["dag_id"]] = {each["state"]: each["count"] for each in row["stats"]}
        return {dag_id: counts[dag_id] for dag_id in dict.fromkeys(dag_ids) if dag_id in counts}

    def scopes(self, dag_ids: Sequence[str] | None) -> Scopes:
        """The DAGs (of `dag_ids`, None: all) each side serves: ceil(A/100) legacy calls, 1-2 Prefect calls."""
        prefect_ids = self.prefect_dag_ids()
        legacy_ids = self.legacy_dag_ids()
        sides = self.serving_sides([*prefect_ids, *legacy_ids], legacy_dag_ids=lambda: legacy_ids)
        requested = set(dag_ids) if dag_ids is not None else None
        prefect = [d for d in prefect_ids if sides[d] is Side.PREFECT and (requested is None or d in requested)]
        legacy = [d for d in legacy_ids if sides[d] is Side.AIRFLOW and (requested is None or d in requested)]
        unrestricted = requested is None and len(prefect) == len(prefect_ids)
        return Scopes(prefect=None if unrestricted else prefect, legacy=sorted(legacy))

