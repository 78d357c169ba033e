"""Connections: Airflow connections kept as Prefect block documents (rules: app/translate/connections.py).

Upstream cost: a page is two calls (count, then the rows); reading one is
one call; creating is one (plus the block type's registration, once per
process); updating and deleting are two.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from app.errors import Conflict, NotFound
from app.prefect import PrefectClient, PrefectRequestError
from app.prefect.models import BlockDocument
from app.services.blocks import BlockTypes
from app.services.pages import fetching, read_bounded, read_window
from app.translate.airflow import Connection
from app.translate.connections import (
    BLOCK_SCHEMA_FIELDS,
    BLOCK_TYPE,
    block_document_to_connection,
    check_connection_id,
    connection_data,
    connection_sort,
    sort_connections,
)
from app.translate.paging import Page
from app.translate.prefect_names import BLOCK_DOCUMENT_NAMES

OF_THIS_TYPE = {"block_types": {"slug": {"any_": [BLOCK_TYPE["slug"]]}}}


@dataclass(frozen=True)
class ConnectionPage:
    connections: list[Connection]
    total: int


def connection_not_found(connection_id: str) -> NotFound:
    return NotFound(f"The Connection with connection_id: `{connection_id}` was not found", title="Connection not found")


class ConnectionService:
    def __init__(self, client: PrefectClient, block_types: BlockTypes) -> None:
        self.client = client
        self.block_types = block_types

    def list_connections(self, order_by: str | None, page: Page) -> ConnectionPage:
        """A page in Prefect's name order (count and rows: two calls); other orders sorted here.

        Prefect sorts block documents by name only: for the other orders the
        bridge reads every connection (one call per 200, at most SCAN_LIMIT).
        """
        sort = connection_sort(order_by)
        if sort is None:
            body = {**OF_THIS_TYPE, "sort": "NAME_ASC", "include_secrets": False}
            rows = read_bounded(fetching(self.client.filter_block_documents, body), "connections")
            pairs = [(row.created, block_document_to_connection(row)) for row in rows]
            ordered = sort_connections(pairs, order_by or "")
            return ConnectionPage(ordered[page.offset : page.offset + page.limit], len(ordered))
        total = self.client.count_block_documents(OF_THIS_TYPE)

        body = {**OF_THIS_TYPE, "sort": sort, "include_secrets": False}
        rows = read_window(fetching(self.client.filter_block_documents, body), page) if page.offset < total else []
        return ConnectionPage([block_document_to_connection(row) for row in rows], total)

    def get(self, connection_id: str) -> Connection:
        """The connection with its secrets (callers decide what to show)."""
        return block_document_to_connection(self._read(connection_id))

    def create(self, connection: Connection) -> Connection:
        check_connection_id(connection.connection_id)
        kind = self.block_types.ensure(BLOCK_TYPE, BLOCK_SCHEMA_FIELDS)
        body = {
            "name": BLOCK_DOCUMENT_NAMES.to_prefect(connection.connection_id),
            "data": connection_data(connection),
            "block_type_id": str(kind.block_type_id),
            "block_schema_id": str(kind.block_schema_id),
        }
        try:
            self.client.create_block_document(body)
        except PrefectRequestError as error:
            if error.prefect_status == 409:
                raise Conflict(f"Connection already exist. ID: {connection.connection_id}") from None
            raise
        return connection

    def update(self, connection_id: str, changes: dict[str, Any]) -> Connection:
        """Set the given Airflow fields; the others are left as they are."""
        document = self._read(connection_id)
        if changes:
            self.client.update_block_document(document.id, changes)
        return replace(block_document_to_connection(document), **changes)

    def delete(self, connection_id: str) -> None:
        document = self._read(connection_id)
        try:
            self.client.delete_block_document(document.id)
        except PrefectRequestError as error:
            if error.prefect_status == 404:
                raise connection_not_found(connection_id) from None
            raise

    def _read(self, connection_id: str) -> BlockDocument:
        name = BLOCK_DOCUMENT_NAMES.to_prefect(connection_id)
        if not BLOCK_DOCUMENT_NAMES.fits(name):
            raise connection_not_found(connection_id)
        try:
            return self.client.read_block_document(BLOCK_TYPE["slug"], name, include_secrets=True)
        except PrefectRequestError as error:
            if error.prefect_status == 404:
                raise connection_not_found(connection_id) from None
            raise
