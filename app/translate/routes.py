"""Which system serves each DAG during a gradual migration: the routes file, parsed and checked.

    # mappings/routes.toml
    default = "prefect"          # a DAG both systems have and no entry names: which one serves it

    [[route]]
    dag_id = "example_etl"
    route = "shadow"             # prefect | airflow | shadow
    authoritative = "airflow"    # shadow only: the side that answers; a trigger also runs on the other

A DAG no entry names is served by the system that has it; `default` only
decides for a dag_id both have. Pure: no I/O beyond what the caller hands in.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from app.translate.dag_ids import DAG_ID_MAX_LENGTH, DAG_ID_PATTERN, DagMapping


class RoutesError(ValueError):
    """The routes file cannot be used; the message names the entry and why."""


class Side(StrEnum):
    PREFECT = "prefect"
    AIRFLOW = "airflow"

    @property
    def other(self) -> Side:
        return Side.AIRFLOW if self is Side.PREFECT else Side.PREFECT


class Kind(StrEnum):
    PREFECT = "prefect"
    AIRFLOW = "airflow"
    SHADOW = "shadow"


@dataclass(frozen=True)
class Route:
    """How one DAG is served. `named` is False for a DAG the routes file does not name."""

    dag_id: str
    kind: Kind
    authoritative: Side
    named: bool = True

    @property
    def serving(self) -> Side:
        """The side that answers every request for this DAG."""
        return self.authoritative

    @property
    def shadow(self) -> Side | None:
        """The side that also runs each trigger, for a shadowed DAG."""
        return self.authoritative.other if self.kind is Kind.SHADOW else None

    def describe(self) -> str:
        return f"shadow (authoritative: {self.authoritative})" if self.kind is Kind.SHADOW else str(self.kind)


@dataclass(frozen=True)
class RouteTable:
    default: Side = Side.PREFECT
    routes: Mapping[str, Route] = field(default_factory=dict)
    #: sha256 of the file's bytes ("" for no file): tells a changed file from a touched one.
    digest: str = ""

    def named(self, dag_id: str) -> Route | None:
        return self.routes.get(dag_id)

    def served_by(self, side: Side) -> frozenset[str]:
        """The named dag_ids `side` serves."""
        return frozenset(dag_id for dag_id, route in self.routes.items() if route.serving is side)

    def changes_from(self, old: RouteTable) -> list[str]:
        """What changed, one line per DAG (for the log)."""
        lines = [f"default {old.default} -> {self.default}"] if old.default is not self.default else []
        for dag_id in sorted(set(old.routes) | set(self.routes)):
            before, after = old.routes.get(dag_id), self.routes.get(dag_id)
            if before != after:
                lines.append(f"{dag_id}: {_describe(before)} -> {_describe(after)}")
        return lines


def _describe(route: Route | None) -> str:
    return route.describe() if route else "unnamed"


def parse_routes(data: bytes, mapping: DagMapping, *, source: str = "routes") -> RouteTable:
    """The table in `data` (TOML), checked against the DAG mapping; RoutesError names what is wrong."""
    try:
        document = tomllib.loads(data.decode())
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise RoutesError(f"{source}: not valid TOML: {error}") from None
    unknown = set(document) - {"default", "route"}
    if unknown:
        raise RoutesError(f"{source}: unknown key(s) {', '.join(sorted(unknown))} (expected 'default' and [[route]])")
    default = _side(document.get("default", Side.PREFECT.value), f"{source}: default")
    raw_routes = document.get("route", [])
    if not isinstance(raw_routes, list):
        raise RoutesError(f"{source}: 'route' must be an array of tables ([[route]])")
    routes: dict[str, Route] = {}
    for number, raw in enumerate(raw_routes, start=1):
        route = _route(raw, mapping, f"{source}: route {number}")
        if route.dag_id in routes:
            raise RoutesError(f"{source}: route {number}: dag_id '{route.dag_id}' is routed twice")
        routes[route.dag_id] = route
    return RouteTable(default, routes, hashlib.sha256(data).hexdigest())


def _route(raw: Any, mapping: DagMapping, where: str) -> Route:
    if not isinstance(raw, dict):
        raise RoutesError(f"{where}: expected a table with dag_id and route")
    unknown = set(raw) - {"dag_id", "route", "authoritative"}
    if unknown:
        raise RoutesError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    dag_id = raw.get("dag_id")
    if not isinstance(dag_id, str) or not DAG_ID_PATTERN.match(dag_id) or len(dag_id) > DAG_ID_MAX_LENGTH:
        raise RoutesError(f"{where}: 'dag_id' must be an Airflow dag_id (letters, digits, '_', '.', '-')")
    where = f"{where} ({dag_id})"
    try:
        kind = Kind(raw.get("route"))
    except ValueError:
        raise RoutesError(f"{where}: 'route' must be one of prefect, airflow, shadow") from None
    if kind is Kind.SHADOW:
        if "authoritative" not in raw:
            raise RoutesError(f"{where}: a shadow route needs 'authoritative' = \"prefect\" or \"airflow\"")
        authoritative = _side(raw["authoritative"], f"{where}: authoritative")
    else:
        authoritative = Side(kind.value)
        if "authoritative" in raw and raw["authoritative"] != kind.value:
            raise RoutesError(f"{where}: 'authoritative' applies to shadow routes only")
    if kind is not Kind.AIRFLOW and mapping.deployment_for(dag_id) is None:
        raise RoutesError(
            f"{where}: route '{kind}' needs a Prefect deployment, and '{dag_id}' names none "
            "(give it one in the DAG mapping file)"
        )
    return Route(dag_id, kind, authoritative)


def _side(value: Any, where: str) -> Side:
    try:
        return Side(value)
    except ValueError:
        raise RoutesError(f"{where}: must be \"prefect\" or \"airflow\"") from None
