"""Reading Airflow v1 query strings and JSON bodies, with Airflow's errors.

Airflow 2 checks every query parameter against its spec: an unknown one is a
400, and so is a value of the wrong type. Handlers declare the parameters
they take with `query(...)` and read typed values from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from flask import request
from werkzeug.exceptions import BadRequest as WerkzeugBadRequest

from app.bridge import current_bridge
from app.errors import BadRequest, NotAcceptable
from app.translate.dag_runs import DateRange
from app.translate.dates import parse_body_datetime, parse_query_datetime
from app.translate.ordering import parse_order_by
from app.translate.paging import Page, check_limit, check_offset

PAGING = ("limit", "offset")
#: What Airflow answers documents (config, DAG sources) in, in its order of preference.
DOCUMENT_MEDIA_TYPES = ("text/plain", "application/json")
TRUE_WORDS = {"true": True, "false": False}
#: Arrays and objects a request body may nest (README "Hostile input"); the body itself is level 1.
MAX_JSON_DEPTH = 64


class Query:
    """The request's query string, checked against the parameters an operation takes."""

    def __init__(self, allowed: Iterable[str]) -> None:
        self.args = request.args
        extra = sorted(set(self.args) - set(allowed))
        if extra:
            raise BadRequest(f"Extra query parameter(s) {', '.join(extra)} not in spec")

    def text(self, name: str, default: str | None = None) -> str | None:
        """The value as given (an empty value stays empty: Airflow reads `order_by=` as ''); `default` if absent."""
        return self.args.get(name, default)

    def texts(self, name: str) -> list[str]:
        # Repeated keys (`state=a&state=b`), as the clients send arrays;
        # comma lists are accepted too, as Airflow's form style allows.
        return [part for value in self.args.getlist(name) for part in value.split(",") if part]

    def integer(self, name: str) -> int | None:
        value = self.args.get(name)
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            raise BadRequest(f"'{value}' is not of type 'integer' - '{name}'") from None

    def number(self, name: str) -> float | None:
        value = self.args.get(name)
        if value is None:
            return None
        try:
            return float(value)
        except ValueError:
            raise BadRequest(f"'{value}' is not of type 'number' - '{name}'") from None

    def boolean(self, name: str) -> bool | None:
        value = self.args.get(name)
        if value is None:
            return None
        if value.lower() not in TRUE_WORDS:
            raise BadRequest(f"'{value}' is not of type 'boolean' - '{name}'")
        return TRUE_WORDS[value.lower()]

    def date(self, name: str) -> datetime | None:
        value = self.args.get(name)
        return None if value is None else parse_query_datetime(name, value)

    def date_range(self, prefix: str) -> DateRange:
        return DateRange(gte=self.date(f"{prefix}_gte"), lte=self.date(f"{prefix}_lte"))

    def page(self) -> Page:
        """`offset` and `limit` by Airflow's rules, with this app's maximum and fallback page limits."""
        settings = current_bridge().settings
        limit = check_limit(
            self.integer("limit"), maximum=settings.maximum_page_limit, fallback=settings.fallback_page_limit
        )
        return Page(offset=check_offset(self.integer("offset")), limit=limit)


class Body:
    """The request's JSON object body, checked against the keys an operation takes.

    Airflow loads bodies with marshmallow schemas: a key the schema does not
    know, or a value of the wrong type, is a 400 naming the key.
    """

    def __init__(self, allowed: Iterable[str] | None) -> None:
        """`allowed`: the keys the operation takes; None when it reads some and ignores the rest."""
        data = _json_body()
        if not isinstance(data, dict):
            raise BadRequest(f"{data!r} is not of type 'object'")
        unknown = sorted(set(data) - set(allowed)) if allowed is not None else []
        if unknown:
            raise BadRequest(str({key: ["Unknown field."] for key in unknown}))
        self.data = data

    def text(self, name: str, default: str | None = None) -> str | None:
        return self._typed(name, default, str, "string")

    def not_null(self, names: Iterable[str]) -> None:
        """Marshmallow's rule for fields without `allow_none`: an explicit null is a 400."""
        nulls = [name for name in names if name in self.data and self.data[name] is None]
        if nulls:
            raise BadRequest(str({name: ["Field may not be null."] for name in nulls}))

    def texts(self, name: str, *, nulls: bool = False) -> list[str]:
        """A list of strings; with `nulls`, null items too (marshmallow's `List(Str(allow_none=True))`)."""
        value = self._typed(name, [], list, "list")
        if not all(isinstance(each, str) or (nulls and each is None) for each in value):
            raise _invalid(name, "list of strings")
        return value

    def integer(self, name: str, default: int) -> int:
        return self._typed(name, default, int, "integer")

    def boolean(self, name: str, default: bool | None) -> bool | None:
        return self._typed(name, default, bool, "boolean")

    def number(self, name: str) -> float | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _invalid(name, "number")
        return float(value)

    def mapping(self, name: str) -> dict[str, Any]:
        return self._typed(name, {}, dict, "mapping type")

    def date(self, name: str) -> datetime | None:
        value = self.data.get(name)
        return None if value is None else parse_body_datetime(name, value)

    def date_range(self, prefix: str) -> DateRange:
        return DateRange(gte=self.date(f"{prefix}_gte"), lte=self.date(f"{prefix}_lte"))

    def _typed(self, name: str, default: Any, kind: type, word: str) -> Any:
        value = self.data.get(name)
        if value is None:
            return default
        # bool is an int in Python, but not in JSON: `true` is no page size.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise _invalid(name, word)
        return value


def _json_body() -> Any:
    """The body as JSON, at most MAX_JSON_DEPTH arrays and objects deep.

    Python's parser recurses once per level: a body nested 100,000 deep
    would exhaust the stack (a RecursionError); one within the stack but
    absurdly deep would still be forwarded to Prefect. Both are a 400.
    """
    try:
        data = request.get_json(force=True, silent=False)
    except RecursionError:
        raise _too_deep() from None
    except WerkzeugBadRequest:
        raise BadRequest("Request body is not valid JSON") from None
    if _depth_exceeds(data, MAX_JSON_DEPTH):
        raise _too_deep()
    return data


def _depth_exceeds(data: Any, limit: int) -> bool:
    # Iterative, so checking depth cannot itself exhaust the stack.
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return True
            children = value.values() if isinstance(value, dict) else value
            pending.extend((child, depth + 1) for child in children)
    return False


def _too_deep() -> BadRequest:
    return BadRequest(f"Request body is nested too deeply (more than {MAX_JSON_DEPTH} levels of arrays and objects)")


def required(body: Body, names: Iterable[str]) -> None:
    """Marshmallow's check of required fields: every missing one named in one 400."""
    missing = [name for name in names if body.data.get(name) is None]
    if missing:
        raise BadRequest(str({name: ["Missing data for required field."] for name in missing}))


@contextmanager
def schema_errors(title: str) -> Iterator[None]:
    """Body errors under the title an Airflow endpoint gives them (e.g. "Invalid Variable schema")."""
    try:
        yield
    except BadRequest as error:
        raise BadRequest(error.detail, title=title) from None


def _invalid(name: str, word: str) -> BadRequest:
    return BadRequest(f"{{'{name}': ['Not a valid {word}.']}}")


def check_order_by(order_by: str | None, allowed: Iterable[str]) -> None:
    """Airflow's `apply_sorting` check: a key it does not allow is a 400."""
    if order_by:
        parse_order_by(order_by, allowed)


def accepted_media_type() -> str:
    """text/plain or application/json, whichever the Accept header prefers (Airflow's rule); else a 406.

    No Accept header at all accepts anything (RFC 9110), as `*/*` does: text/plain.
    """
    if "Accept" not in request.headers:
        return DOCUMENT_MEDIA_TYPES[0]
    media_type = request.accept_mimetypes.best_match(DOCUMENT_MEDIA_TYPES)
    if media_type is None:
        raise NotAcceptable(f"Accept one of {', '.join(DOCUMENT_MEDIA_TYPES)}")
    return media_type
