"""Who a request acts for, once authenticated: a user name and the names of the user's roles.

Authentication (app/services/auth.py) produces it and keeps it in `flask.g.user`;
authorisation reads the role names only, so where users are stored does not matter to it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    username: str
    roles: tuple[str, ...]


#: Who acts while authentication is off (BRIDGE_AUTH=false): anyone, as an admin (a warning at start says so).
ANONYMOUS_ADMIN = Principal("anonymous", ("Admin",))
