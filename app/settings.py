"""Configuration, read from the environment once, at start.

Every setting is documented in the README. Prefect's own variable names
(`PREFECT_API_URL`, `PREFECT_API_KEY`) are used so an existing Prefect
environment configures the bridge unchanged; the bridge's own settings are
prefixed `BRIDGE_`. Proxies come from the standard `HTTP(S)_PROXY` and
`NO_PROXY` variables, which httpx honours.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

#: Environment variable -> settings field.
ENVIRONMENT = {
    "PREFECT_API_URL": "prefect_api_url",
    "PREFECT_API_KEY": "prefect_api_key",
    "BRIDGE_PREFECT_TIMEOUT": "prefect_timeout",
    "BRIDGE_PREFECT_CONNECT_TIMEOUT": "prefect_connect_timeout",
    "BRIDGE_PREFECT_RETRIES": "prefect_retries",
    "BRIDGE_MAXIMUM_PAGE_LIMIT": "maximum_page_limit",
    "BRIDGE_FALLBACK_PAGE_LIMIT": "fallback_page_limit",
    "BRIDGE_MAPPING_FILE": "mapping_file",
    "BRIDGE_HOST": "host",
    "BRIDGE_PORT": "port",
    "BRIDGE_AUTH": "auth_enabled",
    "BRIDGE_ADMIN_USERNAME": "admin_username",
    "BRIDGE_ADMIN_PASSWORD": "admin_password",
    "BRIDGE_TEST_CONNECTION": "test_connection",
    "BRIDGE_TEST_CONNECTION_TIMEOUT": "test_connection_timeout",
    "BRIDGE_EXPOSE_CONFIG": "expose_config",
    "BRIDGE_DEFAULT_OWNER": "default_owner",
    "BRIDGE_LEGACY_AIRFLOW_URL": "legacy_airflow_url",
    "BRIDGE_LEGACY_AIRFLOW_USERNAME": "legacy_airflow_username",
    "BRIDGE_LEGACY_AIRFLOW_PASSWORD": "legacy_airflow_password",
    "BRIDGE_LEGACY_AIRFLOW_TIMEOUT": "legacy_airflow_timeout",
    "BRIDGE_LEGACY_AIRFLOW_CONNECT_TIMEOUT": "legacy_airflow_connect_timeout",
    "BRIDGE_ROUTES_FILE": "routes_file",
    "BRIDGE_ROUTES_CHECK_SECONDS": "routes_check_seconds",
    "BRIDGE_ESTATE_CHECK_SECONDS": "estate_check_seconds",
    "BRIDGE_MAX_BODY_BYTES": "max_body_bytes",
    "BRIDGE_AUTH_CACHE_SECONDS": "auth_cache_seconds",
    "BRIDGE_LOGIN_FAILURE_BURST": "login_failure_burst",
    "BRIDGE_LOGIN_FAILURES_PER_MINUTE": "login_failures_per_minute",
    "BRIDGE_TRUSTED_PROXY_HOPS": "trusted_proxy_hops",
    "BRIDGE_IDENTITY_CHECK_SECONDS": "identity_check_seconds",
    "BRIDGE_TOKEN_SECONDS": "token_seconds",
    "BRIDGE_CLI_TOKEN_SECONDS": "cli_token_seconds",
    "BRIDGE_WORKERS": "workers",
    "BRIDGE_THREADS": "threads",
    "BRIDGE_TLS_CERTFILE": "tls_certfile",
    "BRIDGE_TLS_KEYFILE": "tls_keyfile",
    "BRIDGE_TLS_CLIENT_CA_FILE": "tls_client_ca_file",
    "BRIDGE_TLS_MINIMUM_VERSION": "tls_minimum_version",
}

Seconds = Annotated[float, Field(gt=0, le=600)]


class SettingsError(ValueError):
    """The environment does not describe a bridge that can start."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    prefect_api_url: str = "http://127.0.0.1:4200/api"
    prefect_api_key: SecretStr | None = None
    prefect_timeout: Seconds = 10.0
    prefect_connect_timeout: Seconds = 3.0
    prefect_retries: Annotated[int, Field(ge=0, le=10)] = 5
    maximum_page_limit: Annotated[int, Field(ge=1)] = 100
    fallback_page_limit: Annotated[int, Field(ge=1)] = 100
    mapping_file: Path | None = None
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8080
    auth_enabled: bool = True
    admin_username: str = "admin"
    admin_password: SecretStr | None = None
    test_connection: Literal["Disabled", "Enabled"] = "Disabled"
    test_connection_timeout: Seconds = 3.0
    expose_config: bool = False
    #: Airflow's `[operators] default_owner`: the owner shown for DAGs and tasks the mapping gives none.
    default_owner: Annotated[str, Field(min_length=1, max_length=500, pattern=r"\S")] = "airflow"
    # The legacy Airflow of a gradual migration (README "Gradual migration"); none: Prefect only.
    legacy_airflow_url: str | None = None
    legacy_airflow_username: str = "admin"
    legacy_airflow_password: SecretStr | None = None
    legacy_airflow_timeout: Seconds = 10.0
    legacy_airflow_connect_timeout: Seconds = 3.0
    routes_file: Path | None = None
    routes_check_seconds: Annotated[float, Field(ge=0, le=600)] = 2.0
    #: How long a deployment changed outside this process may take to show in its listings (README).
    estate_check_seconds: Annotated[float, Field(ge=0, le=60)] = 1.0
    #: Larger request bodies are a 413, refused before they are read (README "Hostile input").
    max_body_bytes: Annotated[int, Field(ge=1024)] = 1024 * 1024
    # Authentication (README "Authentication"): verdict cache, failed-login throttle, proxies in front.
    auth_cache_seconds: Annotated[float, Field(ge=0, le=3600)] = 60.0
    login_failure_burst: Annotated[int, Field(ge=1, le=1000)] = 5
    login_failures_per_minute: Annotated[float, Field(gt=0, le=6000)] = 6.0
    trusted_proxy_hops: Annotated[int, Field(ge=0, le=10)] = 0
    #: Users and tokens changed through another replica count here within this bound (at most 5 s).
    identity_check_seconds: Annotated[float, Field(ge=0, le=5)] = 2.0
    #: Lifetimes of API tokens from POST /auth/token and /auth/token/cli (Airflow 3's 86400 and 3600).
    token_seconds: Annotated[int, Field(ge=60, le=366 * 86400)] = 86400
    cli_token_seconds: Annotated[int, Field(ge=60, le=366 * 86400)] = 3600
    # Serving (deploy/gunicorn.conf.py): processes and threads, and HTTPS (README "TLS").
    workers: Annotated[int, Field(ge=1, le=64)] = 2
    threads: Annotated[int, Field(ge=1, le=256)] = 4
    tls_certfile: Path | None = None
    tls_keyfile: Path | None = None
    #: Client certificates signed by these CAs are required (mutual TLS); none: no client certificate asked.
    tls_client_ca_file: Path | None = None
    tls_minimum_version: Literal["TLSv1.2", "TLSv1.3"] = "TLSv1.2"

    @field_validator("prefect_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL, e.g. http://127.0.0.1:4200/api")
        return value.rstrip("/")

    @field_validator("legacy_airflow_url")
    @classmethod
    def _legacy_http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL of the Airflow webserver, e.g. http://airflow:8080")
        return value.rstrip("/") if value else value

    @field_validator("test_connection", mode="before")
    @classmethod
    def _airflow_switch(cls, value: object) -> object:
        # Airflow's [core] test_connection is case-insensitive: "enabled" is "Enabled".
        return value.strip().capitalize() if isinstance(value, str) else value

    @field_validator("mapping_file", "routes_file", "tls_certfile", "tls_keyfile", "tls_client_ca_file")
    @classmethod
    def _readable(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @model_validator(mode="after")
    def _coherent(self) -> Settings:
        if self.fallback_page_limit > self.maximum_page_limit:
            raise ValueError("BRIDGE_FALLBACK_PAGE_LIMIT may not exceed BRIDGE_MAXIMUM_PAGE_LIMIT")
        if self.auth_enabled and not self.admin_password:
            raise ValueError("BRIDGE_ADMIN_PASSWORD is required while BRIDGE_AUTH is on")
        if (self.tls_certfile is None) != (self.tls_keyfile is None):
            raise ValueError("BRIDGE_TLS_CERTFILE and BRIDGE_TLS_KEYFILE go together: set both, or neither")
        if self.tls_client_ca_file is not None and self.tls_certfile is None:
            raise ValueError("BRIDGE_TLS_CLIENT_CA_FILE needs BRIDGE_TLS_CERTFILE: client certificates need TLS")
        if self.routes_file is not None and not self.legacy_airflow_url:
            raise ValueError("BRIDGE_ROUTES_FILE needs BRIDGE_LEGACY_AIRFLOW_URL: routes choose between two systems")
        return self

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from `environ` (default: the process environment)."""
        environ = os.environ if environ is None else environ
        values = {field: environ[name] for name, field in ENVIRONMENT.items() if environ.get(name, "") != ""}
        try:
            return cls(**values)
        except ValidationError as error:
            raise SettingsError(describe(error)) from None


def describe(error: ValidationError) -> str:
    """One line per problem, naming the environment variable, never its value."""
    names = {field: name for name, field in ENVIRONMENT.items()}
    lines = []
    for problem in error.errors():
        field = str(problem["loc"][0]) if problem["loc"] else ""
        lines.append(f"{names.get(field, field or 'settings')}: {problem['msg']}")
    return "invalid configuration:\n  " + "\n  ".join(lines)
