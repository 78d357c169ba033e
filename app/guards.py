"""Checks on the raw request, around authentication and before any handler (README "Hostile input").

What they refuse is refused for its shape alone, so it costs no Prefect
call and no reading of a body the bridge will not use. In this order:

- a body larger than `BRIDGE_MAX_BODY_BYTES` is a 413: by its
  Content-Length before a byte is read, and a chunked body (no
  Content-Length) as soon as reading it passes the limit; first, so no
  credential check is spent on a request that will not be read;
- then authentication (`authenticate`): a request without valid
  credentials is a 401 whatever its path, so nothing below tells an
  anonymous client more than "authenticate";
- a path with a control character (NUL, CR, LF, ...) once decoded, or
  that is not UTF-8 once percent-decoded, is a 404: no object can be named
  so (the spec allows any string in an id, so it is no malformed request),
  and none reaches Prefect, a header or a log line (werkzeug would quietly
  read bad bytes as U+FFFD, and look up an id nobody sent);
- a path longer than `MAX_PATH_BYTES` is a 404 too: Airflow's ids are at
  most 250 characters (a dataset URI 3,000), and Prefect's client refuses
  a URL that long with an error of its own (gunicorn refuses a request
  line over 4 KiB before the app sees it; other servers may not);
- a query string that is not UTF-8 once percent-decoded is a 400
  (werkzeug would quietly read it with U+FFFD in place of the bad bytes,
  and filter by a value nobody sent).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge

from app.errors import BadRequest, BridgeError, NotFound

#: Longer paths name nothing (the longest Airflow id, a dataset URI, is at most 3,000 characters).
MAX_PATH_BYTES = 8192
#: C0 controls and DEL: never in an Airflow id, and CR/LF would split a header if one were echoed.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


class PayloadTooLarge(BridgeError):
    status = 413
    title = "Request Entity Too Large"


def install(app: Flask, max_body_bytes: int, authenticate: Callable[[], None]) -> None:
    """Run the checks, with `authenticate` in its place among them, before every other hook of `app`."""
    app.config["MAX_CONTENT_LENGTH"] = max_body_bytes

    def check_raw_request() -> None:
        _refuse_oversized_body()
        authenticate()
        _refuse_malformed_path_or_query()

    app.before_request(check_raw_request)

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(_error: RequestEntityTooLarge):
        from app.api_v1.problems import render

        return render(_too_large_error(max_body_bytes))


def _refuse_oversized_body() -> None:
    limit = request.max_content_length
    if limit is not None and request.content_length is not None and request.content_length > limit:
        raise _too_large_error(limit)
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if limit is not None and chunked and "wsgi.input_terminated" in request.environ:
        _buffer_streamed_body(limit)


def _refuse_malformed_path_or_query() -> None:
    if CONTROL_CHARACTERS.search(request.path):
        raise NotFound("The path contains a control character (such as NUL, CR or LF): no such resource exists")
    path = _raw_path()
    if len(path) > MAX_PATH_BYTES:
        raise NotFound(f"The path is longer than {MAX_PATH_BYTES} bytes: no such resource exists")
    if not _is_utf8(path):
        raise NotFound("The path is not valid UTF-8 once percent-decoded: no such resource exists")
    # WSGI hands the query string over as its raw bytes read as latin-1.
    query = request.environ.get("QUERY_STRING", "").encode("latin-1", "replace")
    if query and (not query.isascii() or b"%" in query):
        _check_utf8(query)


def _buffer_streamed_body(limit: int) -> None:
    """Read a chunked body up to one byte past the limit: too long is a 413, else it reads as a sized body.

    (Werkzeug's own limit on such streams cuts the body at the limit without
    an error when it is read whole, and the JSON would just look broken.)
    """
    data = request.environ["wsgi.input"].read(limit + 1)
    if len(data) > limit:
        raise _too_large_error(limit)
    request.environ["wsgi.input"] = io.BytesIO(data)
    request.environ["CONTENT_LENGTH"] = str(len(data))
    request.environ.pop("HTTP_TRANSFER_ENCODING", None)


def _raw_path() -> bytes:
    """The path's bytes as the client sent them, percent-decoded.

    From the request line (gunicorn's RAW_URI, werkzeug's REQUEST_URI): PATH_INFO
    may already hold U+FFFD in place of bytes that are not UTF-8.
    """
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        return unquote_to_bytes(raw.partition("?")[0])
    return request.environ.get("PATH_INFO", "").encode("latin-1", "replace")


def _check_utf8(query: bytes) -> None:
    if not _is_utf8(unquote_to_bytes(query)):
        raise BadRequest("The query string is not valid UTF-8 once percent-decoded")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _too_large_error(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body is larger than the {limit} bytes the bridge accepts")
