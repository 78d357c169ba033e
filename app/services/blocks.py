"""The bridge's own Prefect block types, registered on first use.

Registering is idempotent: an existing block type (Prefect's 409) is read
by its slug, and Prefect answers an existing block schema for the same
fields. The ids are kept per process once known, so a block type costs two
or three Prefect calls once per process, and none after.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from app.prefect import PrefectClient, PrefectRequestError


@dataclass(frozen=True)
class BlockKind:
    """A registered block type and the schema of its documents."""

    slug: str
    block_type_id: UUID
    block_schema_id: UUID


class BlockTypes:
    def __init__(self, client: PrefectClient) -> None:
        self.client = client
        self._known: dict[str, BlockKind] = {}
        self._lock = threading.Lock()

    def ensure(self, block_type: Mapping[str, Any], schema_fields: Mapping[str, Any]) -> BlockKind:
        slug = block_type["slug"]
        with self._lock:
            if slug not in self._known:
                self._known[slug] = self._register(block_type, schema_fields)
            return self._known[slug]

    def _register(self, block_type: Mapping[str, Any], schema_fields: Mapping[str, Any]) -> BlockKind:
        try:
            type_id = self.client.create_block_type(block_type).id
        except PrefectRequestError as error:
            if error.prefect_status != 409:
                raise
            type_id = self.client.read_block_type_by_slug(block_type["slug"]).id
        schema = self.client.create_block_schema({"block_type_id": str(type_id), "fields": dict(schema_fields)})
        return BlockKind(block_type["slug"], type_id, schema.id)
