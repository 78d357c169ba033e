"""Which Prefect endpoints each handler calls, declared next to the handler.

`@prefect_calls("POST /flow_runs/paginate")` on a handler names the Prefect
requests it makes; the coverage table in the README is generated from these
declarations, so it changes when the code does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from flask import g

F = TypeVar("F", bound=Callable)
ATTRIBUTE = "prefect_calls"


def prefect_calls(*endpoints: str) -> Callable[[F], F]:
    """Declare the Prefect requests (`METHOD /path`) a handler makes; none for a handler that makes none."""

    def declare(handler: F) -> F:
        setattr(handler, ATTRIBUTE, tuple(endpoints))
        return handler

    return declare


def declared_calls(handler: Callable) -> tuple[str, ...] | None:
    """The declared Prefect requests of `handler`, or None when it declares nothing."""
    return getattr(handler, ATTRIBUTE, None)


#: flask.g flag: the Prefect calls made now belong to no handler (see `before_handlers`).
BEFORE_HANDLERS = "prefect_calls_before_handlers"


@contextmanager
def before_handlers() -> Iterator[None]:
    """Prefect calls of the checks in front of every operation (a custom role's refresh), not of its handler.

    They are bounded per process, not per request (app/services/roles.py), so no handler declares them;
    tests/support/prefect_call_recorder.py holds calls made inside this block to ROLE_CHECK_CALLS
    (app/api_v1/authorization.py), not to the handler's declaration.
    """
    setattr(g, BEFORE_HANDLERS, True)
    try:
        yield
    finally:
        setattr(g, BEFORE_HANDLERS, False)
