"""One log record, one line: nothing a client sends can forge a log line (README "Hostile input").

Ids, bodies and Prefect's answers echoing them reach the bridge's log
messages (a run id in a shadow-run warning, an upstream error's detail, an
unexpected exception's message). A CR or LF in one would start what reads
as a new record of the client's choosing. Every record of the bridge's own
loggers (`app`, `app.*`) is therefore made one line when it is created,
whatever handler or formatter writes it (gunicorn's, a platform's, the
test suite's): control characters in its message, and in the message of
an exception it carries, are written escaped (`\\n`). The lines of a
traceback itself come from the code, not the client, and stay lines.
"""

from __future__ import annotations

import logging
import re
import traceback

LOGGER = "app"
#: C0 controls, DEL, C1's NEL and Unicode's line and paragraph separators: each may end a line somewhere.
LINE_BREAKING = re.compile("[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")
#: What Python's own tracebacks write between chained exceptions.
CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"
_installed = False


def install() -> None:
    """Make every later record of the bridge's loggers one line (once per process; later calls do nothing)."""
    global _installed
    if _installed:
        return
    _installed = True
    make_record = logging.getLogRecordFactory()

    def one_line_record(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        if record.name == LOGGER or record.name.startswith(LOGGER + "."):
            _flatten(record)
        return record

    logging.setLogRecordFactory(one_line_record)


def escape(text: str) -> str:
    return LINE_BREAKING.sub(lambda match: repr(match.group())[1:-1], text)


def _flatten(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a broken format string: logging reports it when the record is written
        return
    record.msg, record.args = escape(message), None
    error = record.exc_info[1] if record.exc_info else None
    if error is not None:
        record.exc_text = _traceback(traceback.TracebackException.from_exception(error)).rstrip("\n")


def _traceback(error: traceback.TracebackException) -> str:
    """The traceback as the standard one, each exception's message on one line."""
    parts = []
    if error.__cause__ is not None:
        parts += [_traceback(error.__cause__), CAUSE]
    elif error.__context__ is not None and not error.__suppress_context__:
        parts += [_traceback(error.__context__), CONTEXT]
    if error.stack:
        parts += ["Traceback (most recent call last):\n", *error.stack.format()]
    parts.append(escape("".join(error.format_exception_only()).rstrip("\n")) + "\n")
    return "".join(parts)
