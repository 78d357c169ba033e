"""Validate the bridge's HTTP responses against Airflow's own v1 OpenAPI spec.

The spec is the one shipped inside the pinned ``apache-airflow`` wheel, so the
bridge is judged against exactly what Airflow 2.10.5 promises its clients,
never against a copy we could drift from. Only the YAML is kept, in a cache
directory: ``$BRIDGE_TEST_CACHE`` if set, else ``<repo>/.cache/specs/``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

import yaml
from jsonschema import FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.validators import extend
from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker
from referencing import Registry, Resource
from rfc3339_validator import validate_rfc3339

AIRFLOW_VERSION = "2.10.5"
SPEC_MEMBER = "airflow/api_connexion/openapi/v1.yaml"
# Pinned so a cache shared between checkouts can never hand us another version.
SPEC_SHA256 = "4dcc76cb7cb0c4fafd326530a970cdb05d49c8e5efe0b6fd96c369f3c15a4187"
API_PREFIX = "/api/v1"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
PROBLEM_JSON = "application/problem+json"
ERROR_SCHEMA_REF = "#/components/schemas/Error"
# $refs in the spec ("#/components/...") resolve against this made-up URI.
SPEC_URI = "urn:apache-airflow:v1.yaml"


# --------------------------------------------------------------------------
# Fetching and caching the spec


def spec_cache_dir() -> Path:
    configured = os.environ.get("BRIDGE_TEST_CACHE")
    if configured:
        return Path(configured)
    repo_root = Path(__file__).resolve().parents[2]  # tests/support/ -> repo
    return repo_root / ".cache" / "specs"


def spec_cache_path() -> Path:
    return spec_cache_dir() / f"airflow-{AIRFLOW_VERSION}-v1.yaml"


@functools.cache
def load_v1_spec() -> dict:
    """The parsed spec, shared by the whole process: treat it as read-only."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # C loader: ~20x faster
    return yaml.load(ensure_cached_spec().read_bytes(), Loader=loader)


def ensure_cached_spec() -> Path:
    """Path to the cached YAML, downloading the wheel only when it is missing."""
    path = spec_cache_path()
    if path.is_file() and _sha256(path.read_bytes()) == SPEC_SHA256:
        return path
    spec_bytes = _fetch_spec_from_wheel()
    if _sha256(spec_bytes) != SPEC_SHA256:
        raise RuntimeError(
            f"{SPEC_MEMBER} from apache-airflow=={AIRFLOW_VERSION} does not have the pinned sha256 {SPEC_SHA256}"
        )
    _write_atomically(path, spec_bytes)
    return path


def _fetch_spec_from_wheel() -> bytes:
    with tempfile.TemporaryDirectory(prefix="airflow-wheel-") as download_dir:
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--disable-pip-version-check",
            "--only-binary=:all:",
            f"apache-airflow=={AIRFLOW_VERSION}",
            "-d",
            download_dir,
        ]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"could not download apache-airflow=={AIRFLOW_VERSION}:\n{result.stderr.strip()}")
        (wheel,) = Path(download_dir).glob("apache_airflow-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            return archive.read(SPEC_MEMBER)


def _write_atomically(path: Path, data: bytes) -> None:
    # A rename within one directory is atomic, so a concurrent or aborted run
    # sees either no file or a complete one, never half of one.
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False) as partial:
        partial.write(data)
    os.chmod(partial.name, 0o644)  # mkstemp's 0600 would lock out other users of a shared cache
    try:
        os.replace(partial.name, path)
    except BaseException:
        os.unlink(partial.name)
        raise


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------
# Schema validation rules


def _null_allowed_when_nullable(keyword: Callable) -> Callable:
    # OAS 3.0.3 reads `nullable: true` as meaningful only next to `type`, but
    # Airflow's spec also puts it beside $ref/anyOf/enum (DAGDetail.timezone,
    # dag_run_timeout, ScheduleInterval, HealthStatus) and real Airflow sends
    # null there. Honour the authors' intent so real responses are not flagged.
    def check(validator, value, instance, schema):
        if instance is None and schema.get("nullable") is True:
            return
        yield from keyword(validator, value, instance, schema)

    return check


# Response validation is the "read" context: readOnly fields are expected,
# writeOnly fields (passwords) must not appear and need not be present.
ResponseSchemaValidator = extend(
    OAS30ReadValidator,
    {
        keyword: _null_allowed_when_nullable(OAS30ReadValidator.VALIDATORS[keyword])
        for keyword in ("$ref", "allOf", "anyOf", "oneOf", "enum")
    },
)


def _response_format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    checker.checkers.update(oas30_format_checker.checkers)
    # "datetime" is not a standard format, but Airflow uses it for timestamps
    # (TaskInstance.start_date, ...) that are serialised exactly like date-time.
    for name in ("date-time", "datetime"):
        checker.checks(name)(lambda value: not isinstance(value, str) or validate_rfc3339(value))
    return checker


def _describe(error: ValidationError) -> str:
    error = best_match([error])  # descend into anyOf/oneOf to the telling cause
    where = "body" + error.json_path[1:]
    message = error.message
    if error.validator == "type" and error.instance is None:
        message = f"null is not allowed (expected {error.validator_value}, not nullable)"
    if len(message) > 300:
        message = message[:300] + "..."
    return f"{where}: {message}"


# --------------------------------------------------------------------------
# Spec lookups and the validator


#: Undeclared error statuses -> the spec's shared error response for them.
ERROR_RESPONSES = {
    400: "BadRequest",
    401: "Unauthenticated",
    403: "PermissionDenied",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "AlreadyExists",
}


class SpecValidator:
    """Answers "is this response one Airflow 2.10.5 could have sent?"."""

    def __init__(self, spec: dict) -> None:
        self.spec = spec
        self._registry = Registry().with_resource(SPEC_URI, Resource.opaque(spec))
        self._format_checker = _response_format_checker()
        self._schema_validators: dict[str, Any] = {}  # by schema pointer
        self._templates = [(template, template.strip("/").split("/")) for template in spec["paths"]]

    def operation_for(self, method: str, path: str) -> tuple[str, str] | None:
        """(operationId, path template) serving `method path`, or None."""
        method = method.lower()
        segments = _path_segments(path)
        candidates = [
            (template, parts)
            for template, parts in self._templates
            if method in self.spec["paths"][template] and _matches(parts, segments)
        ]
        if not candidates:
            return None
        # Like Flask's router: a literal segment beats a parameter, leftmost
        # first, so /dags/~/dagRuns/list wins over /dags/{dag_id}/dagRuns/{id}.
        template, _ = max(candidates, key=lambda c: [not _is_param(p) for p in c[1]])
        return self.spec["paths"][template][method]["operationId"], template

    def validate(self, method: str, path: str, status: int, content_type: str | None, body: bytes) -> list[str]:
        """Problems with this response; an empty list means it conforms."""
        match = self.operation_for(method, path)
        if match is None:
            return [f"no operation in the spec for {method.upper()} {path}"]
        operation_id, template = match
        declared = self._declared_response(template, method.lower(), status)
        if declared is None:
            listed = ", ".join(self._operation(template, method)["responses"])
            return [f"{operation_id}: status {status} is not declared (declared: {listed})"]
        pointer, response = declared
        label = f"{operation_id} {status}"
        if not response.get("content"):
            return [] if not body else [f"{label}: declares no content, but the body has {len(body)} bytes"]
        problems = self._content_problems(pointer, response["content"], content_type, body)
        # dict.fromkeys: the library reports a null twice (not nullable, wrong type).
        return [f"{label}: {problem}" for problem in dict.fromkeys(problems)]

    # -- helpers --------------------------------------------------------------

    def _operation(self, template: str, method: str) -> dict:
        return self.spec["paths"][template][method.lower()]

    def _declared_response(self, template: str, method: str, status: int) -> tuple[str, dict] | None:
        """JSON pointer and body of the response object covering `status`."""
        responses = self._operation(template, method)["responses"]
        for key in (str(status), f"{status // 100}XX", "default"):
            if key in responses:
                response = responses[key]
                pointer = _pointer("paths", template, method, "responses", key)
                if "$ref" in response:  # e.g. '#/components/responses/NotFound'
                    pointer = response["$ref"][1:]
                    response = self._resolve_pointer(pointer)
                return pointer, response
        if status >= 400:
            # Airflow answers errors an operation does not list (a 400 for a
            # bad query on GET /dags, a 503 from the bridge when Prefect is
            # down) in its one error format: hold them to that format.
            name = ERROR_RESPONSES.get(status, "Unknown")
            pointer = _pointer("components", "responses", name)
            return pointer, self._resolve_pointer(pointer)
        return None

    def _resolve_pointer(self, pointer: str) -> Any:
        return self._registry.resolver(SPEC_URI).lookup("#" + pointer).contents

    def _content_problems(
        self, response_pointer: str, content: dict, content_type: str | None, body: bytes
    ) -> Iterable[str]:
        actual = _media_type(content_type)
        wire_types = {_wire_media_type(declared, media): declared for declared, media in content.items()}
        declared = wire_types.get(actual)
        if declared is None:
            yield (f"content type {content_type or '(none)'!r} is not the declared {' or '.join(sorted(wire_types))}")
            # Still check a JSON body against the JSON schema: more to go on.
            json_declared = [d for d in content if _is_json(d)]
            if not (_is_json(actual) and json_declared):
                return
            declared = json_declared[0]
        if "schema" not in content[declared] or not _is_json(declared):
            return
        try:
            instance = json.loads(body)
        except ValueError as error:
            yield f"body is not valid JSON ({error})"
            return
        schema_pointer = _pointer("content", declared, "schema", base=response_pointer)
        for error in self._schema_validator(schema_pointer).iter_errors(instance):
            yield _describe(error)

    def _schema_validator(self, schema_pointer: str):
        if schema_pointer not in self._schema_validators:
            # Point at the schema inside the whole spec, so every "#/components/..."
            # $ref in it (and in discriminator mappings) resolves against the spec.
            self._schema_validators[schema_pointer] = ResponseSchemaValidator(
                {"$ref": f"{SPEC_URI}#{schema_pointer}"}, registry=self._registry, format_checker=self._format_checker
            )
        return self._schema_validators[schema_pointer]


def _wire_media_type(declared: str, media: dict) -> str:
    # Airflow's spec declares its RFC 7807 errors as application/json, but
    # Airflow (connexion) sends them as application/problem+json; expect that.
    if declared == "application/json" and media.get("schema") == {"$ref": ERROR_SCHEMA_REF}:
        return PROBLEM_JSON
    return declared


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def _pointer(*parts: str, base: str = "") -> str:
    escaped = (part.replace("~", "~0").replace("/", "~1") for part in parts)
    return base + "".join("/" + part for part in escaped)


def _path_segments(path: str) -> list[str]:
    path = urlsplit(path).path  # tolerate a query string or an absolute URI
    if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
        path = path[len(API_PREFIX) :]
    # Split before decoding: an encoded "%2F" stays inside its segment. A
    # trailing slash leaves an empty segment, which no template matches (as in
    # Airflow, where /dags/ is a 404).
    return [unquote(segment) for segment in path.removeprefix("/").split("/")]


def _is_param(part: str) -> bool:
    return part.startswith("{") and part.endswith("}")


def _matches(template_parts: list[str], segments: list[str]) -> bool:
    return len(template_parts) == len(segments) and all(
        segment != "" if _is_param(part) else segment == part
        for part, segment in zip(template_parts, segments, strict=True)
    )


@functools.cache
def default_validator() -> SpecValidator:
    return SpecValidator(load_v1_spec())


# --------------------------------------------------------------------------
# Hooks for the test suite


class ResponseFailure(NamedTuple):
    method: str
    path: str
    status: int
    problems: list[str]


class UnmatchedRequest(NamedTuple):
    method: str
    path: str
    status: int


class Answer(NamedTuple):
    """One response to a request the spec knows: which operation, its status, and who asked."""

    operation_id: str
    status: int
    user_agent: str


class ValidatingMiddleware:
    """WSGI middleware checking every /api/v1 response against the spec.

    Responses pass through byte for byte; findings are only recorded:
    `failures` (non-conforming responses), `seen_operations` (operationIds
    exercised), `answers` (each response to an operation, with its status and
    the client's User-Agent) and `unmatched` (404/405 for paths or methods the
    spec lacks, which have no operation to be judged against).
    """

    def __init__(self, wsgi_app: Callable, validator: SpecValidator) -> None:
        self.wsgi_app = wsgi_app
        self.validator = validator
        self.failures: list[ResponseFailure] = []
        self.unmatched: list[UnmatchedRequest] = []
        self.seen_operations: set[str] = set()
        self.answers: list[Answer] = []

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not _is_api_request(environ):
            return self.wsgi_app(environ, start_response)
        chunks: list[bytes] = []
        started: list[tuple] = []

        def buffering_start_response(status, headers, exc_info=None):
            started[:] = [(status, headers, exc_info)]
            return chunks.append  # legacy write() lands in the buffer too

        app_iter = self.wsgi_app(environ, buffering_start_response)
        try:
            chunks.extend(app_iter)
        finally:
            if hasattr(app_iter, "close"):
                app_iter.close()
        status_line, headers, exc_info = started[0]
        body = b"".join(chunks)
        self._record(environ, int(status_line.split()[0]), headers, body)
        start_response(status_line, headers, exc_info)
        return [body]

    def _record(self, environ: dict, status: int, headers: list, body: bytes) -> None:
        method, path = environ["REQUEST_METHOD"], _raw_request_path(environ)
        content_type = next((v for k, v in headers if k.lower() == "content-type"), None)
        try:
            match = self.validator.operation_for(method, path)
            if match is None and status in (404, 405):
                self.unmatched.append(UnmatchedRequest(method, path, status))
                return
            if match is not None:
                self.seen_operations.add(match[0])
                self.answers.append(Answer(match[0], status, environ.get("HTTP_USER_AGENT", "")))
            problems = self.validator.validate(method, path, status, content_type, body)
        except Exception as error:  # a validator bug must not break the app under test
            problems = [f"validator crashed: {error!r}"]
        if problems:
            self.failures.append(ResponseFailure(method, path, status, problems))


def _is_api_request(environ: dict) -> bool:
    # Flask answers HEAD and OPTIONS itself; the spec describes neither.
    if environ["REQUEST_METHOD"] in ("HEAD", "OPTIONS"):
        return False
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    return path.startswith(API_PREFIX + "/")


def _raw_request_path(environ: dict) -> str:
    # RAW_URI keeps "%2F" encoded, so an id with a slash stays one segment;
    # PATH_INFO has already decoded it.
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return urlsplit(raw).path
    return environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")


def assert_valid(response, validator: SpecValidator | None = None) -> None:
    """Fail the test unless a Flask test-client response conforms to the spec."""
    validator = validator or default_validator()
    request = response.request
    path = _raw_request_path(request.environ)  # same as request.path, but %2F intact
    problems = validator.validate(
        request.method, path, response.status_code, response.content_type, response.get_data()
    )
    if problems:
        raise AssertionError(
            f"{request.method} {path} -> {response.status_code} "
            "does not match the Airflow spec:\n  " + "\n  ".join(problems)
        )
