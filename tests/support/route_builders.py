"""werkzeug's URL builders compiled once per rule for the session, not once per app.

Every test gets a fresh app (conftest.make_app), and binding a rule makes
werkzeug write two URL builders for it as Python source and compile them
(ast, then compile): with the bridge's ~90 routes that is most of what
`create_app` costs, a quarter of a second per test on a loaded machine. The
generated code depends only on the rule's path parts (static text and
variable names) and reaches the rule's converters through its `self`
argument, so one compiled builder serves every app's copy of the rule.
Rules with defaults (compiled into the code as constants) are left to
werkzeug. The apps themselves stay fresh: only compiled code is shared.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.routing.rules import Rule

_compiled: dict[tuple[Any, ...], Callable[..., tuple[str, str]]] = {}


def share_compiled_route_builders() -> None:
    """Install the cache (once); a werkzeug without `Rule._compile_builder` is left as it is."""
    original = getattr(Rule, "_compile_builder", None)
    if original is None or getattr(original, "shared", False):
        return

    def compile_builder(self: Rule, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        if self.defaults:
            return original(self, append_unknown)
        key = (self.rule, tuple(self._trace), append_unknown)
        if key not in _compiled:
            _compiled[key] = original(self, append_unknown)
        return _compiled[key]

    compile_builder.shared = True  # type: ignore[attr-defined]
    Rule._compile_builder = compile_builder  # type: ignore[method-assign]
