"""Each DAG's latest comparison, kept in Prefect where every replica of the bridge reads it.

A comparison of one DAG is a Prefect table artifact under a stable key
(`airflow-bridge-compare-<digest of the dag_id>`: artifact keys allow only
lower-case letters, digits and dashes): one row per disagreement, the
comparison's facts (dag_id, window, when, counts) in the artifact's
metadata, a readable summary as its description. Comparing again adds a
new version of the key, so Prefect's UI keeps the history and the status
page reads the latest of every DAG in one call per 200 DAGs.

Cost in Prefect calls: saving is one call per DAG; reading the latest of
every DAG is one call per 200 DAGs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.migration.comparison import DagComparison
from app.migration.report import finding_json, run_counts
from app.prefect import PrefectClient
from app.prefect.models import ArtifactCollection
from app.services.pages import fetching, read_all
from app.translate.dates import format_datetime

KEY_PREFIX = "airflow-bridge-compare-"


def artifact_key(dag_id: str) -> str:
    return KEY_PREFIX + hashlib.sha256(dag_id.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class StoredComparison:
    """What the status page shows of a DAG's latest comparison."""

    dag_id: str
    compared_at: str | None
    since: str | None
    until: str | None
    paired: int
    findings: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {
            "compared_at": self.compared_at,
            "since": self.since,
            "until": self.until,
            "paired_runs": self.paired,
            "mismatches": len(self.findings),
            "findings": self.findings,
        }


def artifact_body(dag: DagComparison, since: datetime, until: datetime, compared_at: datetime) -> dict[str, Any]:
    findings = [finding_json(finding) for finding in dag.findings]
    paired = run_counts(dag)["paired"]
    verdict = "the two sides agree" if dag.agrees else f"{len(findings)} disagreement(s)"
    description = (
        f"**Airflow vs Prefect, `{dag.dag_id}`**: {verdict}; {paired} run(s) paired, "
        f"logical dates {format_datetime(since)} to {format_datetime(until)}, compared {format_datetime(compared_at)}."
    )
    return {
        "key": artifact_key(dag.dag_id),
        "type": "table",
        "description": description,
        "data": findings,
        "metadata_": {
            "dag_id": dag.dag_id,
            "since": format_datetime(since),
            "until": format_datetime(until),
            "compared_at": format_datetime(compared_at),
            "paired": str(paired),
            "mismatches": str(len(findings)),
        },
    }


def stored_comparison(artifact: ArtifactCollection) -> StoredComparison | None:
    """The comparison an artifact holds; None for an artifact of the prefix that the bridge did not write."""
    metadata = artifact.metadata_ or {}
    if "dag_id" not in metadata or artifact_key(metadata["dag_id"]) != artifact.key:
        return None
    rows = artifact.data if isinstance(artifact.data, list) else []
    return StoredComparison(
        dag_id=metadata["dag_id"],
        compared_at=metadata.get("compared_at"),
        since=metadata.get("since"),
        until=metadata.get("until"),
        paired=int(metadata["paired"]) if metadata.get("paired", "").isdigit() else 0,
        findings=[row for row in rows if isinstance(row, dict)],
    )


class FindingStore:
    def __init__(self, client: PrefectClient) -> None:
        self.client = client

    def save(self, dag: DagComparison, since: datetime, until: datetime, compared_at: datetime) -> None:
        self.client.create_artifact(artifact_body(dag, since, until, compared_at))

    def latest(self) -> dict[str, StoredComparison]:
        """dag_id -> its latest stored comparison."""
        body = {"artifacts": {"key": {"like_": KEY_PREFIX + "%"}}, "sort": "KEY_ASC"}
        found = (stored_comparison(each) for each in read_all(fetching(self.client.filter_latest_artifacts, body)))
        return {each.dag_id: each for each in found if each is not None}
