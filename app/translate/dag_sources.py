"""A DAG's "source" as far as Prefect knows it.

Prefect's server stores no flow code: a deployment records where its flow
is loaded from (the entrypoint `path/to/file.py:function`, the working
directory `path`, and the pull steps that fetch the code onto a worker).
The bridge answers that record, as Python comments, so a reader sees where
the source lives instead of a made-up file.
"""

from __future__ import annotations

import json

from app.prefect.models import Deployment


def source_text(deployment: Deployment) -> str:
    lines = [
        f"# DAG source: Prefect deployment '{deployment.name}' ({deployment.id}).",
        "# Prefect stores no flow code on the server; the flow is loaded from:",
        f"# entrypoint: {deployment.entrypoint or '(none)'}",
        f"# path: {deployment.path or '(none)'}",
        f"# pull steps: {json.dumps(deployment.pull_steps or [], sort_keys=True)}",
    ]
    return "\n".join(lines) + "\n"
