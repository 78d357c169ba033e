"""The bridge's errors, independent of any wire format.

Handlers and translators raise these; each API dialect renders them in its
own format at the route boundary (v1: RFC 7807 `application/problem+json`).
Upstream failures get their own branch so they can never be mistaken for
the client's fault.
"""

from __future__ import annotations


class BridgeError(Exception):
    status = 500
    title = "Internal Server Error"

    def __init__(self, detail: str | None = None, *, title: str | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        if title is not None:
            self.title = title


class BadRequest(BridgeError):
    status = 400
    title = "Bad Request"


class Unauthenticated(BridgeError):
    status = 401
    title = "Unauthorized"


class PermissionDenied(BridgeError):
    status = 403
    title = "Forbidden"


class NotFound(BridgeError):
    status = 404
    title = "Not Found"


class TooManyRequests(BridgeError):
    """Too many failed logins from one address: try again after `retry_after` seconds."""

    status = 429
    title = "Too Many Requests"

    def __init__(self, detail: str | None = None, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class NotAcceptable(BridgeError):
    status = 406
    title = "Not Acceptable"


class Conflict(BridgeError):
    status = 409
    title = "Conflict"


class NotImplementedByBridge(BridgeError):
    """An Airflow operation the bridge does not serve; the detail says why."""

    status = 501
    title = "Not Implemented"


class UpstreamError(BridgeError):
    """Prefect failed us; the client's request may well be fine."""

    status = 502
    title = "Bad Gateway"


class UpstreamUnavailable(UpstreamError):
    status = 503
    title = "Service Unavailable"


class UpstreamTimeout(UpstreamError):
    status = 504
    title = "Gateway Timeout"
