"""Shadow runs: a trigger of a DAG routed `shadow` also starts the same run on the other system.

The authoritative side answers the client; then the bridge starts a run
with the same dag_run_id, logical date and conf on the other side. The
pairing is recorded in Prefect, where every replica reads it (never on one
replica's disk):

- on the Prefect run of the pair, as labels (`PAIR_LABELS`): which side was
  authoritative, the legacy run (dag_id/dag_run_id) it pairs with, the
  legacy Airflow it ran on, and `airflow.shadow.error` when the other side
  refused the run;
- when the Prefect side is the shadow and refused the run (so there is no
  Prefect run to label), as an artifact with key `SHADOW_FAILURE_KEY`
  holding the same facts.

The shadow run starts once the authoritative answer has gone to the
client (app/api_v1/routing.py), so it never delays or changes that answer;
a shadow that fails is logged and recorded. Cost on top of the
trigger itself: one call to the other side, one Prefect call to find the
run and one to label it (or one to create the artifact).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.errors import BridgeError
from app.legacy import LegacyAirflowClient
from app.prefect import PrefectClient
from app.services.dag_runs import DagRunService, Trigger
from app.translate.routes import Side

log = logging.getLogger(__name__)

AUTHORITATIVE_LABEL = "airflow.shadow.authoritative"
LEGACY_RUN_LABEL = "airflow.shadow.legacy_run"
LEGACY_AIRFLOW_LABEL = "airflow.shadow.legacy_airflow"
ERROR_LABEL = "airflow.shadow.error"
PAIR_LABELS = (AUTHORITATIVE_LABEL, LEGACY_RUN_LABEL, LEGACY_AIRFLOW_LABEL, ERROR_LABEL)
SHADOW_FAILURE_KEY = "airflow-shadow-failure"


@dataclass(frozen=True)
class Pairing:
    """What Prefect records about one shadowed run (read back by compare and the status page)."""

    dag_id: str
    dag_run_id: str
    authoritative: Side
    legacy_run: str
    error: str | None


class ShadowRuns:
    def __init__(self, prefect: PrefectClient, dag_runs: DagRunService, legacy: LegacyAirflowClient) -> None:
        self.prefect = prefect
        self.dag_runs = dag_runs
        self.legacy = legacy

    def after_legacy_trigger(self, dag_id: str, answer: dict[str, Any]) -> None:
        """The legacy Airflow (authoritative) made run `answer`: make the same run in Prefect."""
        try:
            self._mirror_in_prefect(dag_id, answer)
        except Exception:  # runs after the answer has gone: nobody else would see it
            log.exception("shadow run of %s/%s in Prefect failed", dag_id, answer.get("dag_run_id"))

    def after_prefect_trigger(self, dag_id: str, answer: dict[str, Any]) -> None:
        """Prefect (authoritative) made run `answer`: make the same run on the legacy Airflow."""
        try:
            self._mirror_on_legacy(dag_id, answer)
        except Exception:  # runs after the answer has gone: nobody else would see it
            log.exception("shadow run of %s/%s on the legacy Airflow failed", dag_id, answer.get("dag_run_id"))

    def _mirror_in_prefect(self, dag_id: str, answer: dict[str, Any]) -> None:
        dag_run_id = answer["dag_run_id"]
        trigger = Trigger(
            dag_run_id=dag_run_id,
            logical_date=datetime.fromisoformat(answer["logical_date"]),
            conf=answer.get("conf") or {},
            note=None,
        )
        try:
            self.dag_runs.trigger(dag_id, trigger)
        except BridgeError as error:
            log.warning("shadow run of %s/%s in Prefect refused: %s", dag_id, dag_run_id, error)
            self._record_failure(dag_id, dag_run_id, Side.AIRFLOW, str(error))
            return
        self._label(dag_id, dag_run_id, Side.AIRFLOW, error=None)

    def _mirror_on_legacy(self, dag_id: str, answer: dict[str, Any]) -> None:
        dag_run_id = answer["dag_run_id"]
        body = {"dag_run_id": dag_run_id, "logical_date": answer["logical_date"], "conf": answer.get("conf") or {}}
        error = None
        try:
            response = self.legacy.post_json(f"/dags/{dag_id}/dagRuns", body)
            if response.status_code != 200:
                error = f"{self.legacy.name} answered {response.status_code}: {_detail(response)}"
        except BridgeError as failure:
            error = str(failure)
        if error:
            log.warning("shadow run of %s/%s on the legacy Airflow refused: %s", dag_id, dag_run_id, error)
        self._label(dag_id, dag_run_id, Side.PREFECT, error=error)

    def pairing(self, dag_id: str, dag_run_id: str) -> Pairing | None:
        """The recorded pairing of a run, from its Prefect run's labels (one Prefect call); None if unpaired."""
        labels = self.dag_runs.find_flow_run(dag_id, dag_run_id).labels
        if AUTHORITATIVE_LABEL not in labels:
            return None
        return Pairing(dag_id, dag_run_id, Side(labels[AUTHORITATIVE_LABEL]), labels.get(LEGACY_RUN_LABEL, ""),
                       labels.get(ERROR_LABEL))

    def _label(self, dag_id: str, dag_run_id: str, authoritative: Side, *, error: str | None) -> None:
        labels = {
            AUTHORITATIVE_LABEL: authoritative.value,
            LEGACY_RUN_LABEL: f"{dag_id}/{dag_run_id}",
            LEGACY_AIRFLOW_LABEL: self.legacy.name,
        }
        if error:
            labels[ERROR_LABEL] = error[:500]  # a label is a note, not a log
        try:
            run = self.dag_runs.find_flow_run(dag_id, dag_run_id)
            self.prefect.update_flow_run_labels(run.id, labels)
        except BridgeError as failure:
            log.error("could not record the shadow pairing of %s/%s in Prefect: %s", dag_id, dag_run_id, failure)

    def _record_failure(self, dag_id: str, dag_run_id: str, authoritative: Side, error: str) -> None:
        data = {
            "dag_id": dag_id,
            "dag_run_id": dag_run_id,
            AUTHORITATIVE_LABEL: authoritative.value,
            LEGACY_RUN_LABEL: f"{dag_id}/{dag_run_id}",
            LEGACY_AIRFLOW_LABEL: self.legacy.name,
            ERROR_LABEL: error,
        }
        body = {"key": SHADOW_FAILURE_KEY, "type": "airflow-shadow", "data": data,
                "description": f"Shadow run of {dag_id}/{dag_run_id} refused by Prefect"}
        try:
            self.prefect.create_artifact(body)
        except BridgeError as failure:
            log.error("could not record the shadow failure of %s/%s in Prefect: %s", dag_id, dag_run_id, failure)


def _detail(response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    return str(body.get("detail") or body.get("title")) if isinstance(body, dict) else response.reason_phrase
