"""Full deployments of the DAG pages listed lately, so that listing them again costs no Prefect call.

A page of DAGs needs its deployments in full (schedules, parameters,
description), which the estate index does not hold (estate.py). The ones
a listing read are kept here, at most `MAX_KEPT` (the most recently
read), and serve a later listing while they are still what the index
knows: the same `updated`, pause and tags as their summary (the index's
check sees within its interval every change that moves `updated`:
editing, pausing, resuming), and at most `KEPT_SECONDS` old, which bounds
the life of a change that does not move `updated` (a schedule edited on
its own; Airflow itself re-reads a DAG file every 30 s by default).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from app.prefect.models import Deployment
from app.services.estate import DeploymentSummary

#: Deployments kept at most: a few pages of 100 for each of a few dashboards.
MAX_KEPT = 2000
#: A kept deployment is read again after this long even when its summary has not changed.
KEPT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class _Kept:
    deployment: Deployment
    read_at: float


class KeptDeployments:
    def __init__(self, *, max_kept: int = MAX_KEPT, seconds: float = KEPT_SECONDS) -> None:
        self.max_kept = max_kept
        self.seconds = seconds
        self._lock = threading.Lock()
        self._kept: OrderedDict[UUID, _Kept] = OrderedDict()

    def current(self, summaries: Iterable[DeploymentSummary]) -> dict[UUID, Deployment]:
        """The kept deployments of these summaries that are young enough and still match them."""
        oldest = time.monotonic() - self.seconds
        found: dict[UUID, Deployment] = {}
        with self._lock:
            for summary in summaries:
                kept = self._kept.get(summary.id)
                if kept is not None and kept.read_at >= oldest and _matches(kept.deployment, summary):
                    found[summary.id] = kept.deployment
        return found

    def keep(self, deployments: Iterable[Deployment]) -> None:
        """Deployments just read from Prefect; the oldest kept ones go past `max_kept`."""
        now = time.monotonic()
        with self._lock:
            for deployment in deployments:
                self._kept.pop(deployment.id, None)
                self._kept[deployment.id] = _Kept(deployment, now)
            while len(self._kept) > self.max_kept:
                self._kept.popitem(last=False)


def _matches(deployment: Deployment, summary: DeploymentSummary) -> bool:
    return (deployment.updated, deployment.paused, frozenset(deployment.tags)) == (
        summary.updated,
        summary.paused,
        summary.tags,
    )
