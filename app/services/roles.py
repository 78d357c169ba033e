"""Roles: Airflow's built-in ones, fixed in code, and custom ones kept in Prefect.

A custom role is a document of the bridge's block type `airflow-bridge-role`, named after the role
(the reversible block-document spelling of app/translate/prefect_names.py), holding its name and its
(action, resource) pairs, so every replica reads the same roles.

Cost of a permission check (`permissions_of`, at every request): built-in roles are a dict lookup.
A custom role is read from this process's copy of every custom role, which is read again (one
Prefect call per 200 roles) when it is older than `refresh_seconds`: a role changed through another
replica counts here within that bound, and the check costs at most one Prefect call every
`refresh_seconds`, never one per request. Changes made through this replica count at once. The
role operations themselves (GET /roles, ...) read Prefect every time.

Built-in roles cannot be changed or deleted (400): their meaning is Airflow's, and a change kept in
one place while the code defines them would drift between versions. To grant more, make a custom role.

Per-DAG access declared in the mapping (`access_control`, app/translate/dag_ids.py) adds its
`DAG:<dag_id>` / `DAG Run:<dag_id>` permissions to the roles it names, as Airflow syncs a DAG's
access_control into its roles.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.errors import BadRequest, Conflict, NotFound
from app.prefect import PrefectClient, PrefectRequestError
from app.prefect.models import BlockDocument
from app.services.blocks import BlockTypes
from app.services.pages import fetching, read_all
from app.translate.paging import Page
from app.translate.permissions import BUILTIN_ROLES, Permission, unknown_permission
from app.translate.prefect_names import BLOCK_DOCUMENT_NAMES

BLOCK_TYPE = {
    "name": "Airflow Bridge Role",
    "slug": "airflow-bridge-role",
    "description": "A custom Airflow role (name and permissions) kept by the Airflow-to-Prefect bridge.",
}
BLOCK_SCHEMA_FIELDS = {
    "title": "AirflowBridgeRole",
    "description": BLOCK_TYPE["description"],
    "type": "object",
    "properties": {
        "name": {"title": "Name", "type": "string"},
        "permissions": {"title": "Permissions", "type": "array", "items": {"type": "array"}},
    },
    "required": ["name", "permissions"],
    "block_type_slug": BLOCK_TYPE["slug"],
    "secret_fields": [],
    "block_schema_references": {},
}
OF_THIS_TYPE = {"block_types": {"slug": {"any_": [BLOCK_TYPE["slug"]]}}}
#: Airflow's role ids: FAB creates Admin and Public first, then ROLE_CONFIGS' Viewer, User, Op.
BUILTIN_ORDER = ("Admin", "Public", "Viewer", "User", "Op")
ROLE_ORDER_KEYS = ("name", "role_id")
ROLE_NAME_MAX_LENGTH = 64
#: How old this process's copy of the custom roles may be when a permission check reads it.
REFRESH_SECONDS = 5.0


@dataclass(frozen=True)
class Role:
    name: str
    permissions: frozenset[Permission]
    builtin: bool = False


@dataclass(frozen=True)
class RolePage:
    roles: list[Role]
    total: int


def role_not_found(name: str) -> NotFound:
    return NotFound(f"Role with name {name!r} was not found", title="Role not found")


class RoleService:
    def __init__(
        self,
        client: PrefectClient,
        block_types: BlockTypes,
        mapping_grants: Mapping[str, frozenset[Permission]],
        *,
        refresh_seconds: float = REFRESH_SECONDS,
    ) -> None:
        self.client = client
        self.block_types = block_types
        self.mapping_grants = dict(mapping_grants)
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._custom: dict[str, frozenset[Permission]] = {}
        self._read_at: float | None = None
        self._builtin_cache: dict[tuple[str, ...], frozenset[Permission]] = {}

    # -- the contract with authentication ------------------------------------------------------------

    def exists(self, name: str) -> bool:
        return name in BUILTIN_ROLES or name in self._custom_roles()

    def permissions_of(self, role_names: Iterable[str]) -> frozenset[Permission]:
        """Every (action, resource) the roles grant, mapping grants included; unknown names grant nothing."""
        names = tuple(role_names)
        cached = self._builtin_cache.get(names)
        if cached is not None:
            return cached
        if all(name in BUILTIN_ROLES for name in names):
            found = self._union(names, {})
            self._builtin_cache[names] = found  # a few role combinations: a dict lookup from then on
            return found
        return self._union(names, self._custom_roles())

    def _union(self, names: tuple[str, ...], custom: Mapping[str, frozenset[Permission]]) -> frozenset[Permission]:
        found: set[Permission] = set()
        for name in names:
            found |= BUILTIN_ROLES.get(name) or custom.get(name) or frozenset()
            found |= self.mapping_grants.get(name, frozenset())
        return frozenset(found)

    # -- the role operations ------------------------------------------------------------------------

    def list_roles(self, order_by: str, page: Page) -> RolePage:
        """Built-in roles first in role_id order (Airflow's ids), then custom roles by creation; or by name."""
        roles = self._all_roles()
        if order_by == "name":
            roles.sort(key=lambda role: role.name)
        return RolePage(roles[page.offset : page.offset + page.limit], len(roles))

    def get(self, name: str) -> Role:
        for role in self._all_roles():
            if role.name == name:
                return role
        raise role_not_found(name)

    def create(self, name: str, permissions: list[Permission]) -> Role:
        _check_name(name)
        if name in BUILTIN_ROLES or self._read_document(name) is not None:
            raise _already_exists(name)
        _check_known(permissions)
        kind = self.block_types.ensure(BLOCK_TYPE, BLOCK_SCHEMA_FIELDS)
        body = {
            "name": self._document_name(name),
            "data": _role_data(name, frozenset(permissions)),
            "block_type_id": str(kind.block_type_id),
            "block_schema_id": str(kind.block_schema_id),
        }
        try:
            self.client.create_block_document(body)
        except PrefectRequestError as error:
            if error.prefect_status == 409:
                raise _already_exists(name) from None
            raise
        return self._remember(name, frozenset(permissions))

    def update(self, name: str, new_name: str | None, added: list[Permission] | None) -> Role:
        """Airflow's patch_role: permissions are added to the role's (bulk_sync_roles never removes one); a rename."""
        _refuse_builtin(name)
        document = self._read_document(name)
        if document is None:
            raise role_not_found(name)
        permissions = _permissions_of_document(document)
        if added is not None:
            _check_known(added)
            permissions |= frozenset(added)
        if new_name is not None and new_name != name:
            return self._rename(document, name, new_name, permissions)
        self.client.update_block_document(document.id, _role_data(name, permissions))
        return self._remember(name, permissions)

    def delete(self, name: str) -> None:
        _refuse_builtin(name)
        document = self._read_document(name)
        if document is None:
            raise role_not_found(name)
        try:
            self.client.delete_block_document(document.id)
        except PrefectRequestError as error:
            if error.prefect_status != 404:
                raise
        with self._lock:
            self._custom.pop(name, None)

    # -- storage ----------------------------------------------------------------------------------------

    def _rename(self, document: BlockDocument, name: str, new_name: str, permissions: frozenset[Permission]) -> Role:
        # A block document's name is fixed: the role moves to a document under the new name.
        if new_name in BUILTIN_ROLES or self._read_document(new_name) is not None:
            raise _already_exists(new_name)
        role = self.create(new_name, sorted(permissions))
        self.client.delete_block_document(document.id)
        with self._lock:
            self._custom.pop(name, None)
        return role

    def _all_roles(self) -> list[Role]:
        """Every role, built-in first (Airflow's role_id order), then custom roles by creation: one call per 200."""
        documents = read_all(fetching(self.client.filter_block_documents, {**OF_THIS_TYPE, "sort": "NAME_ASC"}))
        documents.sort(key=lambda document: (document.created is None, document.created, document.name))
        custom = {document.data.get("name", ""): _permissions_of_document(document) for document in documents}
        self._replace_custom(custom)
        builtin = [self._role(name, BUILTIN_ROLES[name], builtin=True) for name in BUILTIN_ORDER]
        return builtin + [self._role(name, permissions) for name, permissions in custom.items()]

    def _role(self, name: str, permissions: frozenset[Permission], *, builtin: bool = False) -> Role:
        return Role(name, permissions | self.mapping_grants.get(name, frozenset()), builtin)

    def _read_document(self, name: str) -> BlockDocument | None:
        document_name = self._document_name(name)
        if not BLOCK_DOCUMENT_NAMES.fits(document_name):
            return None
        try:
            return self.client.read_block_document(BLOCK_TYPE["slug"], document_name)
        except PrefectRequestError as error:
            if error.prefect_status == 404:
                return None
            raise

    @staticmethod
    def _document_name(name: str) -> str:
        return BLOCK_DOCUMENT_NAMES.to_prefect(name)

    def _custom_roles(self) -> dict[str, frozenset[Permission]]:
        with self._lock:
            fresh = self._read_at is not None and time.monotonic() - self._read_at < self.refresh_seconds
            if fresh:
                return self._custom
        documents = read_all(fetching(self.client.filter_block_documents, {**OF_THIS_TYPE, "sort": "NAME_ASC"}))
        return self._replace_custom(
            {document.data.get("name", ""): _permissions_of_document(document) for document in documents}
        )

    def _replace_custom(self, custom: dict[str, frozenset[Permission]]) -> dict[str, frozenset[Permission]]:
        with self._lock:
            self._custom = custom
            self._read_at = time.monotonic()
            return custom

    def _remember(self, name: str, permissions: frozenset[Permission]) -> Role:
        with self._lock:
            self._custom = {**self._custom, name: permissions}
        return self._role(name, permissions)


def _role_data(name: str, permissions: frozenset[Permission]) -> dict:
    return {"name": name, "permissions": [list(pair) for pair in sorted(permissions)]}


def _permissions_of_document(document: BlockDocument) -> frozenset[Permission]:
    pairs = document.data.get("permissions") or []
    return frozenset((str(pair[0]), str(pair[1])) for pair in pairs if isinstance(pair, list) and len(pair) == 2)


def _check_known(permissions: list[Permission]) -> None:
    problem = unknown_permission(permissions)
    if problem:
        raise BadRequest(problem)


def _check_name(name: str) -> None:
    """Airflow's `ab_role.name` is a String(64); an empty name has no Prefect document name."""
    if len(name) > ROLE_NAME_MAX_LENGTH:
        raise BadRequest(f"{{'name': ['Longer than maximum length {ROLE_NAME_MAX_LENGTH}.']}}")
    if not name:
        raise BadRequest("{'name': ['Shorter than minimum length 1.']}")


def _refuse_builtin(name: str) -> None:
    if name in BUILTIN_ROLES:
        raise BadRequest(
            f"Role {name!r} is one of Airflow's built-in roles (Public, Viewer, User, Op, Admin), which the bridge "
            "keeps as Airflow 2.10 defines them; create a custom role instead"
        )


def _already_exists(name: str) -> Conflict:
    return Conflict(f"Role with name {name!r} already exists; please update with the PATCH endpoint")
