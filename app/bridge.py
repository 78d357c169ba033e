"""The bridge's long-lived parts, built once per app and kept in `app.extensions`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from flask import current_app

from app.legacy import LegacyAirflowClient, legacy_client_from_settings
from app.migration.findings import FindingStore
from app.migration.service import MigrationService
from app.prefect import PrefectClient
from app.services.auth import Authenticator, FailureThrottle
from app.services.blocks import BlockTypes
from app.services.catalog import DagCatalog
from app.services.connections import ConnectionService
from app.services.dag_runs import DagRunService
from app.services.dag_stats import DagStatsService
from app.services.dags import DagService
from app.services.event_logs import EventLogService
from app.services.merged import MergedListings
from app.services.pools import PoolService
from app.services.roles import RoleService
from app.services.routes import RouteService
from app.services.shadow import ShadowRuns
from app.services.task_instances import TaskInstanceService
from app.services.users import EnvironmentAdmin, UserStore
from app.services.variables import VariableService
from app.settings import Settings
from app.translate.dag_ids import load_mapping
from app.translate.states import StateTable, load_state_table

EXTENSION = "airflow_prefect_bridge"
log = logging.getLogger(__name__)
#: Seconds authentication waits for Prefect at most (then the request fails: 504), and its retries of a busy Prefect.
IDENTITY_TIMEOUT = 5.0
IDENTITY_RETRIES = 3


@dataclass
class Bridge:
    settings: Settings
    prefect: PrefectClient
    catalog: DagCatalog
    dags: DagService
    dag_runs: DagRunService
    states: StateTable
    task_instances: TaskInstanceService
    variables: VariableService
    connections: ConnectionService
    pools: PoolService
    dag_stats: DagStatsService
    event_logs: EventLogService
    migration: MigrationService
    #: Built-in and custom roles: what each role name means (app/services/roles.py).
    roles: RoleService
    #: Gradual migration: the legacy Airflow (None: Prefect serves every DAG) and the routes in force.
    legacy: LegacyAirflowClient | None = None
    routes: RouteService | None = None
    merged: MergedListings | None = None
    shadow: ShadowRuns | None = None
    #: None: authentication is off (BRIDGE_AUTH=false).
    auth: Authenticator | None = None
    #: The users and API tokens every replica shares (kept in Prefect).
    users: UserStore | None = None

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        legacy_transport: httpx.BaseTransport | None = None,
        identity_transport: httpx.BaseTransport | None = None,
    ) -> Bridge:
        """Validate the mapping and state table (failing at start) and wire the services."""
        prefect = PrefectClient(
            settings.prefect_api_url,
            api_key=settings.prefect_api_key.get_secret_value() if settings.prefect_api_key else None,
            timeout=settings.prefect_timeout,
            connect_timeout=settings.prefect_connect_timeout,
            retries=settings.prefect_retries,
            transport=transport,
        )
        states = load_state_table()
        catalog = DagCatalog(
            prefect,
            load_mapping(settings.mapping_file, default_owner=settings.default_owner),
            estate_check_seconds=settings.estate_check_seconds,
        )
        dag_runs = DagRunService(prefect, catalog, states)
        block_types = BlockTypes(prefect)
        roles = RoleService(prefect, block_types, catalog.mapping.grants_by_role())
        users = _user_store(settings, identity_transport, roles.exists)
        legacy = legacy_client_from_settings(settings, transport=legacy_transport)
        dags = DagService(prefect, catalog)
        task_instances = TaskInstanceService(prefect, catalog, dag_runs, states)
        event_logs = EventLogService(prefect, catalog)
        routes = _routes(settings, catalog, legacy)
        dag_stats = DagStatsService(prefect, catalog, states)
        merged = None
        if legacy is not None:
            merged = MergedListings(catalog, dags, dag_runs, task_instances, event_logs, dag_stats, legacy, routes)
        migration = MigrationService(
            dags=dags,
            dag_runs=dag_runs,
            task_instances=task_instances,
            findings=FindingStore(prefect),
            legacy=legacy,
            routes=routes,
        )
        return cls(
            settings=settings,
            prefect=prefect,
            catalog=catalog,
            dags=dags,
            dag_runs=dag_runs,
            states=states,
            task_instances=task_instances,
            variables=VariableService(prefect),
            connections=ConnectionService(prefect, block_types),
            pools=PoolService(prefect, block_types),
            dag_stats=dag_stats,
            event_logs=event_logs,
            legacy=legacy,
            routes=routes,
            merged=merged,
            shadow=ShadowRuns(prefect, dag_runs, legacy) if legacy else None,
            migration=migration,
            roles=roles,
            auth=_authenticator(settings, users),
            users=users,
        )


def _routes(settings: Settings, catalog: DagCatalog, legacy: LegacyAirflowClient | None) -> RouteService:
    def airflow_has(dag_id: str) -> bool:
        return legacy is not None and legacy.read_dag(dag_id) is not None

    return RouteService(
        settings.routes_file, catalog.mapping, check_seconds=settings.routes_check_seconds, airflow_has=airflow_has
    )


def _user_store(
    settings: Settings, transport: httpx.BaseTransport | None, role_exists: Callable[[str], bool]
) -> UserStore:
    """The users, through a Prefect client of their own.

    Authentication must fail fast (few retries, a short timeout) rather than
    queue behind an operation's slow calls, and its periodic re-read is the
    bridge's overhead, not part of any operation's Prefect calls.
    """
    client = PrefectClient(
        settings.prefect_api_url,
        api_key=settings.prefect_api_key.get_secret_value() if settings.prefect_api_key else None,
        timeout=min(settings.prefect_timeout, IDENTITY_TIMEOUT),
        connect_timeout=settings.prefect_connect_timeout,
        retries=min(settings.prefect_retries, IDENTITY_RETRIES),
        transport=transport,
    )
    admin = None
    if settings.auth_enabled and settings.admin_password is not None:
        admin = EnvironmentAdmin(settings.admin_username, settings.admin_password.get_secret_value())
    return UserStore(
        client,
        BlockTypes(client),
        check_seconds=settings.identity_check_seconds,
        role_exists=role_exists,
        admin=admin,
    )


def _authenticator(settings: Settings, users: UserStore) -> Authenticator | None:
    if not settings.auth_enabled:
        log.warning("BRIDGE_AUTH=false: the API is open to anyone who can reach it, with an admin's rights")
        return None
    throttle = FailureThrottle(settings.login_failure_burst, settings.login_failures_per_minute)
    return Authenticator(users, cache_seconds=settings.auth_cache_seconds, throttle=throttle)


def current_bridge() -> Bridge:
    return current_app.extensions[EXTENSION]
