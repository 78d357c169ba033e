"""Deployments and flow runs a test makes for itself, straight through Prefect's REST API.

No process serves these deployments: their runs stay where the test puts
them (scheduled, or forced into a state), so a test controls every run.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from support.prefect_stack import prefect_call


@dataclass(frozen=True)
class TestDeployment:
    __test__ = False  # a helper, not a test class for pytest to collect

    api_url: str
    id: str
    flow: str
    name: str

    @property
    def dag_id(self) -> str:
        """The automatic dag_id (flow and deployment names are letters, digits and dashes)."""
        return f"{self.flow}.{self.name}"

    def create_run(self, state: str | None = None, *, scheduled_for: datetime | None = None) -> str:
        """A flow run of the deployment, forced into `state` (a Prefect state type) if given; its id."""
        body: dict[str, Any] = {}
        if scheduled_for is not None:
            body["state"] = {"type": "SCHEDULED", "state_details": {"scheduled_time": scheduled_for.isoformat()}}
        run = self._call("POST", f"/deployments/{self.id}/create_flow_run", json=body)["id"]
        if state is not None:
            self.set_state(run, state)
        return run

    def set_state(self, flow_run_id: str, state: str) -> None:
        self._call("POST", f"/flow_runs/{flow_run_id}/set_state", json={"state": {"type": state}, "force": True})

    def run_ids(self) -> set[str]:
        body = {"flow_runs": {"deployment_id": {"any_": [self.id]}}, "limit": 200}
        return {run["id"] for run in self._call("POST", "/flow_runs/filter", json=body)}

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return prefect_call(method, f"{self.api_url}{path}", **kwargs).raise_for_status().json()


def create_deployment(api_url: str, prefix: str, **fields: Any) -> TestDeployment:
    """A new deployment of a new flow named `<prefix>-<random>`, with `fields` (Prefect's DeploymentCreate)."""
    flow = f"{prefix}-{uuid.uuid4().hex[:8]}"
    flow_id = prefect_call("POST", f"{api_url}/flows/", json={"name": flow}).raise_for_status().json()["id"]
    body = {"name": "d", "flow_id": flow_id, **fields}
    deployment = prefect_call("POST", f"{api_url}/deployments/", json=body).raise_for_status().json()
    return TestDeployment(api_url, deployment["id"], flow, "d")
