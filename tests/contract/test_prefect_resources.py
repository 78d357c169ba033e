"""PrefectClient's variable, block and concurrency-limit methods against a real Prefect 3.8.8 server.

Every object made here has a unique name and is deleted afterwards.
"""

import uuid

import pytest

from app.prefect import PrefectRequestError
from app.services.blocks import BlockTypes


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def refused_with(status: int, call, *args, **kwargs) -> PrefectRequestError:
    with pytest.raises(PrefectRequestError) as raised:
        call(*args, **kwargs)
    assert raised.value.prefect_status == status, raised.value.prefect_detail
    return raised.value


def test_variables_create_read_count_update_delete(prefect_client):
    first, second = unique("contract-a"), unique("contract-b")
    created = prefect_client.create_variable(first, "one", ["t"])
    prefect_client.create_variable(second, {"json": True}, [])
    try:
        assert (created.name, created.value, created.tags) == (first, "one", ["t"])
        refused_with(409, prefect_client.create_variable, first, "again", [])
        refused_with(422, prefect_client.create_variable, "Upper.Case", "x", [])
        total = prefect_client.count_variables({})
        assert total >= 2 and len(prefect_client.filter_variables({"limit": 200})) == min(total, 200)
        newest = prefect_client.filter_variables({"sort": "CREATED_DESC", "limit": 2})
        assert [each.name for each in newest] == [second, first]
        by_name = [each.name for each in prefect_client.filter_variables({"sort": "NAME_ASC", "limit": 200})]
        assert by_name == sorted(by_name)
        prefect_client.update_variable(first, {"value": "two", "tags": []})
        assert prefect_client.read_variable_by_name(first).value == "two"
        assert prefect_client.read_variable_by_name(second).value == {"json": True}
    finally:
        prefect_client.delete_variable(first)
        prefect_client.delete_variable(second)
    refused_with(404, prefect_client.read_variable_by_name, first)
    refused_with(404, prefect_client.delete_variable, first)


def test_block_type_registration_is_idempotent(prefect_client):
    slug = unique("contract-type")
    block_type = {"name": slug, "slug": slug}
    fields = {"title": "T", "type": "object", "properties": {"secret": {"type": "string"}}, "secret_fields": ["secret"]}
    kind = BlockTypes(prefect_client).ensure(block_type, fields)
    again = BlockTypes(prefect_client).ensure(block_type, fields)  # another process: 409 on the type, same schema
    assert again == kind
    refused_with(409, prefect_client.create_block_type, block_type)
    assert prefect_client.read_block_type_by_slug(slug).id == kind.block_type_id


def test_block_documents_keep_secrets_and_page_by_name(prefect_client):
    slug = unique("contract-docs")
    fields = {"title": "T", "type": "object", "properties": {}, "secret_fields": ["secret"]}
    kind = BlockTypes(prefect_client).ensure({"name": slug, "slug": slug}, fields)
    ids = {"block_type_id": str(kind.block_type_id), "block_schema_id": str(kind.block_schema_id)}
    documents = [
        prefect_client.create_block_document({**ids, "name": name, "data": {"secret": "s", "plain": name}})
        for name in ("b-doc", "a-doc")
    ]
    of_type = {"block_types": {"slug": {"any_": [slug]}}}
    try:
        refused_with(409, prefect_client.create_block_document, {**ids, "name": "a-doc", "data": {}})
        refused_with(422, prefect_client.create_block_document, {**ids, "name": "Not_Valid", "data": {}})
        assert prefect_client.count_block_documents(of_type) == 2
        page = prefect_client.filter_block_documents({**of_type, "sort": "NAME_DESC", "offset": 1, "limit": 1})
        assert [each.name for each in page] == ["a-doc"] and page[0].data["secret"] == "********"
        hidden = prefect_client.read_block_document(slug, "b-doc")
        assert hidden.data == {"secret": "********", "plain": "b-doc"}
        prefect_client.update_block_document(hidden.id, {"plain": "changed"})
        shown = prefect_client.read_block_document(slug, "b-doc", include_secrets=True)
        assert shown.data == {"secret": "s", "plain": "changed"}
    finally:
        for document in documents:
            prefect_client.delete_block_document(document.id)
    refused_with(404, prefect_client.read_block_document, slug, "b-doc")


def test_concurrency_limits(prefect_client):
    first, second = unique("contract limit"), unique("contract limit")
    one = prefect_client.create_concurrency_limit(first, 3)
    two = prefect_client.create_concurrency_limit(second, 1)
    try:
        assert (one.name, one.limit, one.active, one.active_slots) == (first, 3, True, 0)
        refused_with(409, prefect_client.create_concurrency_limit, first, 1)
        assert prefect_client.read_concurrency_limit(first).id == one.id
        listed = prefect_client.filter_concurrency_limits(offset=0, limit=200)
        names = [each.name for each in listed]
        assert {first, second} <= set(names) and names == sorted(names)
        refused_with(409, prefect_client.update_concurrency_limit, one.id, {"name": second})
        prefect_client.update_concurrency_limit(one.id, {"name": first + " renamed", "limit": 5})
        renamed = prefect_client.read_concurrency_limit(first + " renamed")
        assert (renamed.id, renamed.limit) == (one.id, 5)
    finally:
        prefect_client.delete_concurrency_limit(one.id)
        prefect_client.delete_concurrency_limit(two.id)
    refused_with(404, prefect_client.read_concurrency_limit, first)
