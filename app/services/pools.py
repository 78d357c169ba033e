"""Pools: Airflow pools kept as Prefect global concurrency limits (rules: app/translate/pools.py).

Upstream cost: Prefect can neither count nor sort limits, so a page of
pools reads every limit (one call per 200, sorted and paged here) plus one
call for the page's descriptions. Reading one pool is two calls; writing
is three or four.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.errors import BadRequest, Conflict, NotFound
from app.prefect import PrefectClient, PrefectRequestError
from app.prefect.models import BlockDocument, ConcurrencyLimit
from app.services.blocks import BlockTypes
from app.services.pages import read_all
from app.translate.airflow import Pool
from app.translate.ordering import Order
from app.translate.paging import Page
from app.translate.pools import (
    BLOCK_SCHEMA_FIELDS,
    BLOCK_TYPE,
    DEFAULT_POOL,
    DEFAULT_POOL_SLOTS,
    check_pool_name,
    limit_to_pool,
    metadata_document_name,
    pool_name,
    sorted_limits,
)
from app.translate.prefect_names import CONCURRENCY_LIMIT_NAMES


@dataclass(frozen=True)
class PoolPage:
    pools: list[Pool]
    total: int


def pool_not_found(name: str) -> NotFound:
    return NotFound(f"Pool with name:'{name}' not found")


def pool_exists(name: str) -> Conflict:
    return Conflict(f"Pool: {name} already exists")


class PoolService:
    def __init__(self, client: PrefectClient, block_types: BlockTypes) -> None:
        self.client = client
        self.block_types = block_types

    def list_pools(self, order: Order, page: Page) -> PoolPage:
        limits = self._every_limit()
        if DEFAULT_POOL not in {pool_name(limit) for limit in limits}:
            limits.append(self._create_default_pool())
        rows = sorted_limits(limits, order)[page.offset : page.offset + page.limit]
        metadata = self._metadata_of(rows)
        return PoolPage([limit_to_pool(row, metadata.get(metadata_document_name(row.id))) for row in rows], len(limits))

    def get(self, name: str) -> Pool:
        limit = self._limit(name)
        return limit_to_pool(limit, self._metadata(limit))

    def create(self, name: str, slots: int, metadata: dict[str, Any]) -> Pool:
        check_pool_name(name)
        try:
            limit = self.client.create_concurrency_limit(CONCURRENCY_LIMIT_NAMES.to_prefect(name), slots)
        except PrefectRequestError as error:
            if error.prefect_status == 409:
                raise pool_exists(name) from None
            raise
        if metadata.get("description") is not None or metadata.get("include_deferred"):
            self._save_metadata(limit, None, metadata)
        return limit_to_pool(limit, metadata)

    def update(self, name: str, changes: dict[str, Any]) -> Pool:
        """Apply the given Airflow fields (name, slots, description, include_deferred)."""
        limit = self._limit(name)
        limit_changes: dict[str, Any] = {}
        if "name" in changes and changes["name"] != name:
            check_pool_name(changes["name"])
            limit_changes["name"] = CONCURRENCY_LIMIT_NAMES.to_prefect(changes["name"])
        if "slots" in changes:
            limit_changes["limit"] = changes["slots"]
        if limit_changes:
            try:
                self.client.update_concurrency_limit(limit.id, limit_changes)
            except PrefectRequestError as error:
                if error.prefect_status == 409:
                    raise pool_exists(changes["name"]) from None
                raise
            limit = limit.model_copy(update=limit_changes)
        document = self._metadata_document(limit)
        metadata = None if document is None else document.data
        metadata_changes = {key: changes[key] for key in ("description", "include_deferred") if key in changes}
        if metadata_changes:
            metadata = self._save_metadata(limit, document, metadata_changes)
        return limit_to_pool(limit, metadata)

    def delete(self, name: str) -> None:
        if name == DEFAULT_POOL:
            raise BadRequest("Default Pool can't be deleted")
        limit = self._limit(name)
        try:
            self.client.delete_concurrency_limit(limit.id)
        except PrefectRequestError as error:
            if error.prefect_status == 404:
                raise pool_not_found(name) from None
            raise
        document = self._metadata_document(limit)
        if document is not None:
            self.client.delete_block_document(document.id)

    # -- helpers ----------------------------------------------------------------

    def _every_limit(self) -> list[ConcurrencyLimit]:
        return read_all(lambda offset, limit: self.client.filter_concurrency_limits(offset=offset, limit=limit))

    def _limit(self, name: str) -> ConcurrencyLimit:
        prefect_name = CONCURRENCY_LIMIT_NAMES.to_prefect(name)
        if not CONCURRENCY_LIMIT_NAMES.fits(prefect_name):
            raise pool_not_found(name)
        try:
            return self.client.read_concurrency_limit(prefect_name)
        except PrefectRequestError as error:
            if error.prefect_status != 404:
                raise
        if name != DEFAULT_POOL:
            raise pool_not_found(name)
        return self._create_default_pool()

    def _create_default_pool(self) -> ConcurrencyLimit:
        """Airflow's default_pool exists from the start: here, from its first use."""
        try:
            return self.client.create_concurrency_limit(DEFAULT_POOL, DEFAULT_POOL_SLOTS)
        except PrefectRequestError as error:
            if error.prefect_status != 409:
                raise
        return self.client.read_concurrency_limit(DEFAULT_POOL)  # another request made it first

    def _metadata_of(self, limits: list[ConcurrencyLimit]) -> dict[str, dict[str, Any]]:
        if not limits:
            return {}
        body = {
            "block_types": {"slug": {"any_": [BLOCK_TYPE["slug"]]}},
            "block_documents": {"name": {"any_": [metadata_document_name(limit.id) for limit in limits]}},
            "limit": len(limits),
        }
        return {document.name or "": document.data for document in self.client.filter_block_documents(body)}

    def _metadata_document(self, limit: ConcurrencyLimit) -> BlockDocument | None:
        try:
            return self.client.read_block_document(BLOCK_TYPE["slug"], metadata_document_name(limit.id))
        except PrefectRequestError as error:
            if error.prefect_status == 404:
                return None
            raise

    def _metadata(self, limit: ConcurrencyLimit) -> dict[str, Any] | None:
        document = self._metadata_document(limit)
        return None if document is None else document.data

    def _save_metadata(
        self, limit: ConcurrencyLimit, document: BlockDocument | None, changes: dict[str, Any]
    ) -> dict[str, Any]:
        """Write description and include_deferred into the limit's document (made on first need)."""
        current = limit_to_pool(limit, None if document is None else document.data)
        merged = {"description": current.description, "include_deferred": current.include_deferred, **changes}
        if document is not None:
            self.client.update_block_document(document.id, merged)
            return merged
        kind = self.block_types.ensure(BLOCK_TYPE, BLOCK_SCHEMA_FIELDS)
        body = {
            "name": metadata_document_name(limit.id),
            "data": merged,
            "block_type_id": str(kind.block_type_id),
            "block_schema_id": str(kind.block_schema_id),
        }
        self.client.create_block_document(body)
        return merged
