"""POST /connections/test, when BRIDGE_TEST_CONNECTION is Enabled: can the bridge reach host:port?

Airflow tests a connection by running its provider hook's `test_connection`
inside the webserver, which is why Airflow disables it by default (any
user who may edit connections could make the server connect anywhere).
The bridge has no provider hooks; what it can test safely and honestly is
that a TCP connection to the connection's host and port opens within
BRIDGE_TEST_CONNECTION_TIMEOUT seconds. Nothing is sent, so credentials
are never used and never leave the bridge.
"""

from __future__ import annotations

import socket

from app.translate.airflow import Connection


def tcp_check(connection: Connection, *, timeout: float) -> tuple[bool, str]:
    """(status, message) as Airflow's ConnectionTest reports them."""
    if not connection.host or connection.port is None:
        return False, "The bridge tests a connection by opening a TCP connection to its host and port; give both"
    address = f"{connection.host}:{connection.port}"
    try:
        socket.create_connection((connection.host, connection.port), timeout=timeout).close()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return False, f"Could not open a TCP connection to {address}: {reason}"
    return True, f"Connection successfully tested: a TCP connection to {address} opened"
