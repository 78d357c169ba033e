"""Which Prefect deployment each Airflow DAG is.

A deployment is named by its flow and its own name (`etl/demo`). Explicit
entries in the mapping file give chosen dag_ids (and owners/description
overrides; a DAG with no owners shows the default owner, never none);
every other deployment is exposed under an automatic dag_id:

    dag_id = escape(flow name) + "." + escape(deployment name)

`escape` keeps ASCII letters, digits and `-`; writes `_` as `__`; and writes
every other character as `_` plus the two hex digits of each of its UTF-8
bytes (a space is `_20`, a dot `_2e`). The result matches Airflow's dag_id
pattern `^[A-Za-z0-9_.-]+$`, contains exactly one `.`, and decodes back to
the names, so distinct deployments never share a dag_id and a dag_id finds
its deployment without a search: `etl/demo` is `etl.demo`, `my_flow/nightly
run` is `my__flow.nightly_20run`.

A deployment with an explicit entry is served only under its explicit
dag_id. An explicit dag_id that reads as the automatic id of another
deployment would be ambiguous, so it is refused when the bridge starts.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from app.translate.permissions import AccessControlError, Permission, access_control_grants

DAG_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+$")
DAG_ID_MAX_LENGTH = 250  # Airflow's ID_LEN
_KEPT = re.compile(r"[A-Za-z0-9-]")


class MappingError(ValueError):
    """The mapping file cannot be used; the message says which entry and why."""


@dataclass(frozen=True)
class DeploymentName:
    flow: str
    deployment: str

    def __str__(self) -> str:
        return f"{self.flow}/{self.deployment}"


@dataclass(frozen=True)
class DagEntry:
    dag_id: str
    target: DeploymentName
    owners: tuple[str, ...] | None = None
    description: str | None = None
    #: Airflow's `access_control`, read: role -> the `DAG:<dag_id>` / `DAG Run:<dag_id>` permissions it gets.
    access: tuple[tuple[str, frozenset[Permission]], ...] = ()


def escape(name: str) -> str:
    parts = []
    for char in name:
        if _KEPT.fullmatch(char):
            parts.append(char)
        elif char == "_":
            parts.append("__")
        else:
            parts.append("".join(f"_{byte:02x}" for byte in char.encode()))
    return "".join(parts)


def unescape(text: str) -> str | None:
    """The name `text` escapes, or None when `text` is not an escaped name."""
    out = bytearray()
    position = 0
    while position < len(text):
        char = text[position]
        if char != "_":
            if not _KEPT.fullmatch(char):
                return None
            out += char.encode()
            position += 1
        elif text[position + 1 : position + 2] == "_":
            out += b"_"
            position += 2
        else:
            digits = text[position + 1 : position + 3]
            if not re.fullmatch(r"[0-9a-f]{2}", digits):
                return None
            out.append(int(digits, 16))
            position += 3
    try:
        name = out.decode()
    except UnicodeDecodeError:
        return None
    return name if escape(name) == text else None  # only the canonical spelling


def automatic_dag_id(name: DeploymentName) -> str:
    return f"{escape(name.flow)}.{escape(name.deployment)}"


def parse_automatic_dag_id(dag_id: str) -> DeploymentName | None:
    flow, dot, deployment = dag_id.partition(".")
    if not dot:
        return None
    flow_name, deployment_name = unescape(flow), unescape(deployment)
    if not flow_name or not deployment_name:
        return None
    return DeploymentName(flow_name, deployment_name)


#: Airflow's `[operators] default_owner`: the owner of a task defined without one.
DEFAULT_OWNER = "airflow"


@dataclass(frozen=True)
class DagMapping:
    entries: tuple[DagEntry, ...] = ()
    #: The owner of a DAG whose entry names none (BRIDGE_DEFAULT_OWNER).
    default_owner: str = DEFAULT_OWNER
    _by_id: dict[str, DagEntry] = field(init=False, repr=False, compare=False)
    _by_target: dict[DeploymentName, DagEntry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {entry.dag_id: entry for entry in self.entries})
        object.__setattr__(self, "_by_target", {entry.target: entry for entry in self.entries})

    def grants_by_role(self) -> dict[str, frozenset[Permission]]:
        """role -> every per-DAG permission the entries' `access_control` gives it."""
        grants: dict[str, frozenset[Permission]] = {}
        for entry in self.entries:
            for role, permissions in entry.access:
                grants[role] = grants.get(role, frozenset()) | permissions
        return grants

    def entry_for(self, name: DeploymentName) -> DagEntry | None:
        return self._by_target.get(name)

    def owners_for(self, name: DeploymentName) -> list[str]:
        """The entry's owners; else (no entry, or an empty list) the default owner, as Airflow never shows none."""
        entry = self._by_target.get(name)
        return list(entry.owners) if entry and entry.owners else [self.default_owner]

    def dag_id_for(self, name: DeploymentName) -> str:
        entry = self._by_target.get(name)
        return entry.dag_id if entry else automatic_dag_id(name)

    def deployment_for(self, dag_id: str) -> DeploymentName | None:
        """The deployment a dag_id names, or None when it names none."""
        entry = self._by_id.get(dag_id)
        if entry:
            return entry.target
        name = parse_automatic_dag_id(dag_id)
        if name is None or name in self._by_target:
            return None  # an explicitly mapped deployment has only its explicit id
        return name


def load_mapping(path: Path | None, *, default_owner: str = DEFAULT_OWNER) -> DagMapping:
    if path is None:
        return DagMapping(default_owner=default_owner)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise MappingError(f"{path}: {error}") from None
    return parse_mapping(data.get("dag", []), source=str(path), default_owner=default_owner)


def parse_mapping(
    raw_entries: Iterable[dict], *, source: str = "mapping", default_owner: str = DEFAULT_OWNER
) -> DagMapping:
    entries = [_entry(raw, f"{source}: dag entry {number}") for number, raw in enumerate(raw_entries, start=1)]
    _check_unique(entries, source)
    return DagMapping(tuple(entries), default_owner)


def _entry(raw: dict, where: str) -> DagEntry:
    if not isinstance(raw, dict):
        raise MappingError(f"{where}: expected a table with dag_id, flow and deployment")
    unknown = set(raw) - {"dag_id", "flow", "deployment", "owners", "description", "access_control"}
    if unknown:
        raise MappingError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    for key in ("dag_id", "flow", "deployment"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise MappingError(f"{where}: '{key}' must be a non-empty string")
    dag_id = raw["dag_id"]
    if not DAG_ID_PATTERN.match(dag_id) or len(dag_id) > DAG_ID_MAX_LENGTH:
        raise MappingError(
            f"{where}: dag_id '{dag_id}' is not a valid Airflow dag_id "
            f"(letters, digits, '_', '.', '-'; at most {DAG_ID_MAX_LENGTH} characters)"
        )
    owners = raw.get("owners")
    if owners is not None and (not isinstance(owners, list) or not all(isinstance(o, str) for o in owners)):
        raise MappingError(f"{where}: 'owners' must be a list of strings")
    description = raw.get("description")
    if description is not None and not isinstance(description, str):
        raise MappingError(f"{where}: 'description' must be a string")
    target = DeploymentName(raw["flow"], raw["deployment"])
    owned = tuple(owners) if owners is not None else None
    return DagEntry(dag_id, target, owned, description, _access(dag_id, raw.get("access_control", {}), where))


def _access(dag_id: str, access_control: object, where: str) -> tuple[tuple[str, frozenset[Permission]], ...]:
    if not isinstance(access_control, dict):
        raise MappingError(f"{where}: 'access_control' must be a table of role = actions")
    try:
        return tuple(sorted(access_control_grants(dag_id, access_control).items()))
    except AccessControlError as error:
        raise MappingError(f"{where}: access_control: {error}") from None


def _check_unique(entries: list[DagEntry], source: str) -> None:
    seen_ids: dict[str, DagEntry] = {}
    seen_targets: dict[DeploymentName, DagEntry] = {}
    for entry in entries:
        if entry.dag_id in seen_ids:
            raise MappingError(f"{source}: dag_id '{entry.dag_id}' is mapped twice")
        if entry.target in seen_targets:
            other = seen_targets[entry.target].dag_id
            raise MappingError(f"{source}: deployment '{entry.target}' is mapped twice ('{other}', '{entry.dag_id}')")
        reads_as = parse_automatic_dag_id(entry.dag_id)
        if reads_as is not None and reads_as != entry.target:
            raise MappingError(
                f"{source}: dag_id '{entry.dag_id}' is the automatic dag_id of deployment '{reads_as}'; "
                "choose another dag_id for this entry"
            )
        seen_ids[entry.dag_id] = entry
        seen_targets[entry.target] = entry
