"""DAGs: which deployment a dag_id is, and which dag_id a deployment is.

The deployment-id -> name cache holds only facts Prefect never changes (a
deployment's name and flow are fixed for its id), so every replica may keep
its own: it saves the per-run name lookups on pages of runs across DAGs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from app.errors import NotFound
from app.prefect import PrefectClient, PrefectRequestError
from app.prefect.models import Deployment
from app.services.estate import EstateIndex
from app.services.kept_deployments import KeptDeployments
from app.services.pages import fetching, read_all
from app.translate.dag_ids import DagMapping, DeploymentName
from app.translate.paging import PREFECT_MAX_PAGE_SIZE


def names_filter(names: Sequence[DeploymentName]) -> dict[str, Any]:
    """Prefect criteria for deployments by name; may also match other pairings of the same names."""
    return {
        "flows": {"name": {"any_": sorted({name.flow for name in names})}},
        "deployments": {"name": {"any_": sorted({name.deployment for name in names})}},
    }


def dag_not_found(dag_id: str) -> NotFound:
    return NotFound(f"DAG with dag_id: '{dag_id}' not found", title="DAG not found")


class DagCatalog:
    def __init__(self, client: PrefectClient, mapping: DagMapping, *, estate_check_seconds: float = 1.0) -> None:
        self.client = client
        self.mapping = mapping
        self._names: dict[UUID, DeploymentName] = {}
        self._flow_names: dict[UUID, str] = {}
        self.estate = EstateIndex(client, mapping, self._flows, check_seconds=estate_check_seconds)
        self.kept = KeptDeployments()

    def deployment(self, dag_id: str) -> Deployment:
        """The deployment behind `dag_id` (one Prefect call), or a 404."""
        name = self.mapping.deployment_for(dag_id)
        if name is None:
            raise dag_not_found(dag_id)
        try:
            deployment = self.client.read_deployment_by_name(name.flow, name.deployment)
        except PrefectRequestError as error:
            if error.prefect_status == 404:
                raise dag_not_found(dag_id) from None
            raise
        self._remember(deployment, name.flow)
        return deployment

    def deployments(self, criteria: dict[str, Any]) -> list[tuple[Deployment, DeploymentName]]:
        """Every deployment matching `criteria`, with its name.

        A DAG's identity (its dag_id) exists only in the bridge, so Prefect
        can neither sort nor match on it: pages of DAGs are cut here, from
        the deployments Prefect has already filtered. One call per 200
        deployments, plus one for the names of flows not seen before.
        """
        body = {**criteria, "sort": "CREATED_DESC"}
        found = read_all(fetching(self.client.filter_deployments, body))
        flow_names = self._flows([deployment.flow_id for deployment in found])
        named = [(d, DeploymentName(flow_names[d.flow_id], d.name)) for d in found if d.flow_id in flow_names]
        for deployment, name in named:
            self._names[deployment.id] = name
        return named

    def deployments_by_id(self, deployment_ids: Sequence[UUID]) -> dict[UUID, Deployment]:
        """The deployments with these ids that still exist: one call per 200 ids."""
        found: dict[UUID, Deployment] = {}
        for start in range(0, len(deployment_ids), PREFECT_MAX_PAGE_SIZE):
            chunk = [str(each) for each in deployment_ids[start : start + PREFECT_MAX_PAGE_SIZE]]
            body = {"deployments": {"id": {"any_": chunk}}, "limit": len(chunk)}
            found.update((each.id, each) for each in self.client.filter_deployments(body))
        return found

    def dag_ids(self, deployment_ids: Iterable[UUID]) -> dict[UUID, str]:
        """dag_id per deployment id; unknown ids cost one batch call (two when their flows are new)."""
        wanted = set(deployment_ids)
        missing = [str(each) for each in wanted - self._names.keys()]
        if missing:
            found = self.client.filter_deployments({"deployments": {"id": {"any_": missing}}, "limit": len(missing)})
            flow_names = self._flows([deployment.flow_id for deployment in found])
            for deployment in found:
                if deployment.flow_id in flow_names:
                    self._remember(deployment, flow_names[deployment.flow_id])
        return {each: self.mapping.dag_id_for(self._names[each]) for each in wanted if each in self._names}

    def _flows(self, flow_ids: Iterable[UUID]) -> dict[UUID, str]:
        wanted = set(flow_ids)
        missing = wanted - self._flow_names.keys()
        if missing:
            self._flow_names.update({flow.id: flow.name for flow in self.client.read_flows(missing)})
        return {each: self._flow_names[each] for each in wanted if each in self._flow_names}

    def _remember(self, deployment: Deployment, flow_name: str) -> None:
        self._flow_names[deployment.flow_id] = flow_name
        self._names[deployment.id] = DeploymentName(flow_name, deployment.name)
