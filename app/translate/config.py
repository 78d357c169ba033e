"""The bridge's own settings in Airflow's configuration shape (sections of key = value).

Shown only when BRIDGE_EXPOSE_CONFIG is on, and then never a secret: the
Prefect API key and the admin password are left out, and so are any
credentials written into PREFECT_API_URL. `[api]` and `[operators]` hold the
settings that are Airflow's own (`[api] maximum_page_limit`,
`fallback_page_limit`, `[operators] default_owner`);
`[prefect]` how the bridge reaches Prefect; `[bridge]` the rest.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from app.settings import Settings


def bridge_config(settings: Settings) -> dict[str, dict[str, str]]:
    return {
        "api": {
            "maximum_page_limit": str(settings.maximum_page_limit),
            "fallback_page_limit": str(settings.fallback_page_limit),
        },
        "operators": {"default_owner": settings.default_owner},
        "prefect": {
            "api_url": without_credentials(settings.prefect_api_url),
            "timeout": str(settings.prefect_timeout),
            "connect_timeout": str(settings.prefect_connect_timeout),
            "retries": str(settings.prefect_retries),
        },
        "bridge": {
            "mapping_file": str(settings.mapping_file or ""),
            "host": settings.host,
            "port": str(settings.port),
            "auth": str(settings.auth_enabled).lower(),
            "admin_username": settings.admin_username,
            "expose_config": str(settings.expose_config).lower(),
        },
    }


def without_credentials(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def as_text(sections: dict[str, dict[str, str]]) -> str:
    """Airflow's text/plain form: `[section]` then `key = value` lines, sections separated by a blank line."""
    return "\n".join(
        f"[{name}]\n" + "".join(f"{key} = {value}\n" for key, value in options.items())
        for name, options in sections.items()
    )
