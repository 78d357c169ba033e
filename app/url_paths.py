"""URL path segments that name exactly what they were given (README "Hostile input").

Shared by the bridge's two upstream clients (Prefect, the legacy Airflow)
and its proxy: an id is always one segment, whatever characters it holds.
"""

from __future__ import annotations

from urllib.parse import quote


def segment(value: str) -> str:
    """Percent-encode a name for use as one URL path segment.

    A name that is all dots (`.`, `..`) is encoded dot by dot: written plain,
    every HTTP client (httpx too) would resolve it as a dot-segment and ask
    for the parent path instead of the resource named so.
    """
    if value and value.strip(".") == "":
        return "%2E" * len(value)
    return quote(value, safe="")


def path(text: str) -> str:
    """A decoded path, each segment encoded so (`/dags/a b/..` -> `/dags/a%20b/%2E%2E`)."""
    return "/".join(segment(part) if part else part for part in text.split("/"))
