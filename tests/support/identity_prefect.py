"""An in-memory Prefect that keeps block documents: enough of Prefect's API for the user store.

For tests whose Prefect is scripted (failures injected through an
httpx.MockTransport): authentication reads its users from here instead
(`create_app(..., identity_transport=identity_transport())`). It counts
its filter calls, so tests can hold the store to one read per bound.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import httpx

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


class InMemoryBlocks:
    """Block documents in memory, enough of Prefect's API for the store; counts the reads (filters)."""

    def __init__(self) -> None:
        self.documents: dict[tuple[str, str], dict] = {}  # (block type slug, name) -> document
        self.reads = 0
        self.slugs: dict[str, str] = {}  # block type id -> slug

    def handle(self, request: httpx.Request) -> httpx.Response:
        path, body = request.url.path.removeprefix("/api/"), json.loads(request.content or b"{}")
        if path == "block_documents/filter":
            return httpx.Response(200, json=self._filter(body))
        if path == "block_types/":
            type_id = next((id_ for id_, slug in self.slugs.items() if slug == body["slug"]), str(uuid.uuid4()))
            self.slugs[type_id] = body["slug"]
            return httpx.Response(201, json={"id": type_id, "slug": body["slug"]})
        if path == "block_schemas/":
            return httpx.Response(201, json={"id": str(uuid.uuid4()), "block_type_id": body["block_type_id"]})
        if path == "block_documents/":
            slug = self.slugs[body["block_type_id"]]
            if (slug, body["name"]) in self.documents:
                return httpx.Response(409, json={"detail": "exists"})
            row = {"id": str(uuid.uuid4()), "name": body["name"], "created": NOW.isoformat(), "data": body["data"],
                   "block_type_id": body["block_type_id"], "block_schema_id": body["block_schema_id"]}
            self.documents[(slug, body["name"])] = row
            return httpx.Response(201, json=row)
        if request.method == "GET" and "/block_documents/name/" in path:
            slug, name = path.split("/")[2], path.rsplit("/", 1)[1]
            row = self.documents.get((slug, name))
            return httpx.Response(200, json=row) if row else httpx.Response(404, json={"detail": "no"})
        if request.method in ("PATCH", "DELETE"):
            key = next((key for key, each in self.documents.items() if each["id"] == path.rsplit("/", 1)[1]), None)
            if key is None:
                return httpx.Response(404, json={"detail": "no"})
            if request.method == "DELETE":
                del self.documents[key]
            else:
                self.documents[key]["data"].update(body["data"])
            return httpx.Response(204)
        return httpx.Response(404, json={"detail": "not here"})


    def _filter(self, body: dict) -> list[dict]:
        """By block type slug, then by type id and/or name (`operator`: and_, Prefect's default, or or_)."""
        slugs = body["block_types"]["slug"]["any_"]
        criteria = body.get("block_documents") or {}
        names = criteria.get("name", {}).get("any_")
        type_ids = criteria.get("block_type_id", {}).get("any_")
        self.reads += 1
        rows = []
        for (slug, name), row in sorted(self.documents.items(), key=lambda item: item[0][1]):
            tests = [test for test in (names and name in names, type_ids and row["block_type_id"] in type_ids)
                     if test is not None]
            matched = any(tests) if criteria.get("operator") == "or_" else all(tests)
            if slug in slugs and matched:
                rows.append(row)
        return rows[body.get("offset", 0) :][: body.get("limit", 200)]


def identity_transport() -> httpx.MockTransport:
    return httpx.MockTransport(InMemoryBlocks().handle)
