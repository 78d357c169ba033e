"""Which Prefect endpoints each handler calls, declared next to the handler.

`@prefect_calls("POST /flow_runs/paginate")` on a handler names the Prefect
requests it makes; the coverage table in the README is generated from these
declarations, so it changes when the code does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

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
