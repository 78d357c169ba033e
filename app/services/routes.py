"""The routes in force, reloaded when the routes file changes: no restart, every worker on its own.

Each process checks the file's modification time and size at most every
BRIDGE_ROUTES_CHECK_SECONDS (a `stat`, no read), and re-reads it when they
change; a file whose bytes hash the same as the table in force changes
nothing. A new table that validates replaces the old one at once and the
change is logged DAG by DAG; one that does not is refused with a logged
error naming the problem, and the last good table stays in force (the
refusal is logged once per distinct bad file, not at every check). Replicas
each read the file they are given (a shared volume or a config map), so they
all converge within the check interval.

Service API for other parts of the bridge (compare, status page):
`route_for(dag_id)` -> Route, `all()` -> the named routes, `table()` -> the
table in force (default, routes, digest).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from app.translate.dag_ids import DagMapping
from app.translate.routes import Kind, Route, RoutesError, RouteTable, Side, parse_routes

log = logging.getLogger(__name__)


class RouteService:
    def __init__(
        self,
        path: Path | None,
        mapping: DagMapping,
        *,
        check_seconds: float = 2.0,
        airflow_has: Callable[[str], bool] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Load the table (a bad file stops the bridge here, at start).

        `airflow_has` answers whether the legacy Airflow has a DAG: with
        `default = "airflow"` it decides the route of an unnamed Prefect DAG.
        """
        self.path = path
        self.mapping = mapping
        self.check_seconds = check_seconds
        self._airflow_has = airflow_has or (lambda dag_id: False)
        self._clock = clock
        self._lock = threading.Lock()
        self._stat: tuple[int, int] | None = None
        self._refused: str | None = None
        self._table = RouteTable()
        if path is not None:
            self._stat = _stat(path)
            self._table = parse_routes(path.read_bytes(), mapping, source=str(path))
            log.info("routes: %d named DAG route(s) from %s, default %s", len(self._table.routes), path,
                     self._table.default)
        self._checked_at = clock()

    # -- the service API --------------------------------------------------------

    def table(self) -> RouteTable:
        """The table in force, re-read first when the file changed (at most every check interval)."""
        if self.path is not None and self._clock() - self._checked_at >= self.check_seconds:
            self.reload_if_changed()
        return self._table

    def all(self) -> dict[str, Route]:
        """The routes the file names, by dag_id."""
        return dict(self.table().routes)

    def route_for(self, dag_id: str) -> Route:
        """The route of `dag_id`; never a Prefect call.

        A named DAG: its route. An unnamed one (`unnamed_side`): a dag_id
        that names no Prefect deployment is the legacy Airflow's; one that
        does is Prefect's, unless `default` is airflow and the legacy Airflow
        has it (one legacy call).
        """
        table = self.table()
        named = table.named(dag_id)
        if named is not None:
            return named
        side = self.unnamed_side(dag_id, table.default, self._airflow_has)
        return Route(dag_id, Kind(side.value), side, named=False)

    def serves(self, side: Side, dag_id: str) -> bool:
        return self.route_for(dag_id).serving is side

    # -- reloading --------------------------------------------------------------

    def reload_if_changed(self) -> bool:
        """Re-read the file if its stat changed; True when a new table came into force."""
        with self._lock:
            self._checked_at = self._clock()
            try:
                stat = _stat(self.path)
            except OSError as error:
                return self._refuse(f"cannot read it ({type(error).__name__}: {error.strerror})", f"stat:{error}")
            if stat == self._stat:
                return False
            self._stat = stat
            try:
                data = self.path.read_bytes()
                table = parse_routes(data, self.mapping, source=str(self.path))
            except OSError as error:
                return self._refuse(f"cannot read it ({error.strerror})", f"read:{error}")
            except RoutesError as error:
                return self._refuse(str(error), str(error))
            self._refused = None
            if table.digest == self._table.digest:
                return False
            changes = table.changes_from(self._table)
            self._table = table
            log.info("routes: reloaded %s: %s", self.path, "; ".join(changes) or "no route changed")
            return True

    def _refuse(self, reason: str, key: str) -> bool:
        if key != self._refused:
            log.error("routes: refused %s, the last good routes stay in force: %s", self.path, reason)
            self._refused = key
        return False

    def unnamed_side(self, dag_id: str, default: Side, airflow_has: Callable[[str], bool]) -> Side:
        """The side serving a DAG the routes do not name (the one rule for routing and listings alike).

        A dag_id that names no Prefect deployment (neither an explicit dag_id
        of the DAG mapping nor of the automatic `flow.deployment` form) can
        only be the legacy Airflow's. One that does is Prefect's; with
        `default = "airflow"`, the legacy Airflow's if it has it.
        """
        if self.mapping.deployment_for(dag_id) is None:
            return Side.AIRFLOW
        if default is Side.PREFECT:
            return Side.PREFECT
        return Side.AIRFLOW if airflow_has(dag_id) else Side.PREFECT


def _stat(path: Path) -> tuple[int, int]:
    result = path.stat()
    return result.st_mtime_ns, result.st_size
