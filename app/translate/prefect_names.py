"""Airflow ids as Prefect names, and back: reversible and collision-free.

Prefect restricts names Airflow does not:

- variable names: lowercase letters, digits, `_` and `-`, at most 255 characters;
- block document names: lowercase letters, digits and `-`;
- global concurrency limit names: anything but `/ % & > <`.

Variable keys and connection ids are written with `-` as the escape character:

    kept as is         a-z 0-9, and `_` in variable names
    capital letter     `-` + the letter in lower case       `MY_VAR`  -> `-m-y_-v-a-r`
    `_ . - space / :`  `-` + 0 1 2 3 4 5                    `my.conf` -> `my-1conf`
    anything else      `--` + two hex digits per UTF-8 byte  `café`   -> `caf--c3--a9`

so `postgres_default` is the block `postgres-0default` and `Env.HOST` the
variable `-env-1-h-o-s-t`. Pool names keep every character except the five
Prefect bans and `~`, which are written `~` + two hex digits (`a/b` -> `a~2fb`);
`default_pool` is the limit `default_pool`.

Only one spelling of each id is produced (the canonical one), so distinct ids
never share a name. A name made in Prefect that is no canonical spelling (the
variable `my-9`, say) still belongs to exactly one id: `prefect:` + the name
(`prefect:my-9`), which maps back to it. Every Prefect object is therefore
reachable from Airflow, and every Airflow id names at most one Prefect object.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

#: Airflow ids for Prefect names that are no canonical spelling of an id.
FOREIGN_PREFIX = "prefect:"
#: Short escapes for the punctuation Airflow ids use most.
PUNCTUATION = "_.- /:"
_HEX = re.compile(r"[0-9a-f]{2}")


@dataclass(frozen=True)
class NameCodec:
    """One reversible mapping between Airflow ids and one kind of Prefect name."""

    kind: str  # what the names are, for error messages: "variable name"
    valid: re.Pattern[str]  # the names Prefect accepts
    escape: Callable[[str], str]
    unescape: Callable[[str], str | None]  # None: not an escaped id
    max_length: int | None = None

    def to_prefect(self, airflow_id: str) -> str:
        """The Prefect name of `airflow_id` (it may be too long for Prefect: see `fits`)."""
        if airflow_id.startswith(FOREIGN_PREFIX):
            name = airflow_id.removeprefix(FOREIGN_PREFIX)
            if self.valid.fullmatch(name) and self.to_airflow(name) == airflow_id:
                return name
        return self.escape(airflow_id)

    def to_airflow(self, name: str) -> str:
        """The Airflow id whose Prefect name is `name`."""
        airflow_id = self.unescape(name)
        # Recursion ends: a `prefect:` id escapes to a name longer than its own tail.
        if airflow_id is not None and self.escape(airflow_id) == name and self.to_prefect(airflow_id) == name:
            return airflow_id
        return FOREIGN_PREFIX + name

    def fits(self, name: str) -> bool:
        return self.valid.fullmatch(name) is not None and (self.max_length is None or len(name) <= self.max_length)


def _dash_escaper(kept: str) -> tuple[Callable[[str], str], Callable[[str], str | None]]:
    kept_char = re.compile(f"[{kept}]")

    def escape(text: str) -> str:
        parts = []
        for char in text:
            if kept_char.fullmatch(char):
                parts.append(char)
            elif "A" <= char <= "Z":
                parts.append("-" + char.lower())
            elif char in PUNCTUATION:
                parts.append(f"-{PUNCTUATION.index(char)}")
            else:
                parts.append("".join(f"--{byte:02x}" for byte in char.encode()))
        return "".join(parts)

    def unescape(name: str) -> str | None:
        out = bytearray()
        position = 0
        while position < len(name):
            char, following = name[position], name[position + 1 : position + 2]
            if char != "-":
                out += char.encode()
                position += 1
            elif "a" <= following <= "z":
                out += following.upper().encode()
                position += 2
            elif following.isdigit() and int(following) < len(PUNCTUATION):
                out += PUNCTUATION[int(following)].encode()
                position += 2
            elif following == "-" and _HEX.fullmatch(name[position + 2 : position + 4]):
                out.append(int(name[position + 2 : position + 4], 16))
                position += 4
            else:
                return None
        try:
            return out.decode()
        except UnicodeDecodeError:
            return None

    return escape, unescape


def _tilde_escape(text: str) -> str:
    return "".join(f"~{ord(char):02x}" if char in "/%&><~" else char for char in text)


def _tilde_unescape(name: str) -> str | None:
    def replace(match: re.Match[str]) -> str:
        return chr(int(match.group(1), 16))

    if re.search(r"~(?![0-9a-f]{2})", name):
        return None
    return re.sub(r"~([0-9a-f]{2})", replace, name)


VARIABLE_NAMES = NameCodec("variable name", re.compile(r"[a-z0-9_-]+"), *_dash_escaper("a-z0-9_"), max_length=255)
BLOCK_DOCUMENT_NAMES = NameCodec("block document name", re.compile(r"[a-z0-9-]+"), *_dash_escaper("a-z0-9"))
CONCURRENCY_LIMIT_NAMES = NameCodec("concurrency limit name", re.compile(r"[^/%&><]+"), _tilde_escape, _tilde_unescape)
