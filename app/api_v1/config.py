"""Configuration: 403 as in an Airflow with `[webserver] expose_config` off, unless BRIDGE_EXPOSE_CONFIG is on.

When on, the bridge's own non-secret settings are shown in Airflow's
Config shape (sections: app/translate/config.py), as JSON or as text/plain
by the Accept header, as Airflow does.
"""

from __future__ import annotations

from flask import Blueprint, Response, json

from app.api_v1.params import Query, accepted_media_type
from app.api_v1.upstream import prefect_calls
from app.bridge import current_bridge
from app.errors import NotFound, PermissionDenied
from app.translate.config import as_text, bridge_config

blueprint = Blueprint("config", __name__)

NOT_EXPOSED = "Your Airflow administrator chose not to expose the configuration, most likely for security reasons."


@blueprint.get("/config")
@prefect_calls()
def get_config():
    section = Query(["section"]).text("section")
    sections = _exposed_config()
    if section is not None:
        if section not in sections:
            raise NotFound(f"section={section} not found.", title="section not found.")
        sections = {section: sections[section]}
    return _render(sections)


@blueprint.get("/config/section/<section>/option/<option>")
@prefect_calls()
def get_value(section: str, option: str):
    Query([])
    sections = _exposed_config()
    if option not in sections.get(section, {}):
        raise NotFound(f"The option [{section}/{option}] is not found in config.", title="Config not found.")
    return _render({section: {option: sections[section][option]}})


def _exposed_config() -> dict[str, dict[str, str]]:
    settings = current_bridge().settings
    if not settings.expose_config:
        raise PermissionDenied(NOT_EXPOSED)
    return bridge_config(settings)


def _render(sections: dict[str, dict[str, str]]) -> Response:
    media_type = accepted_media_type()
    if media_type == "text/plain":
        return Response(as_text(sections), mimetype="text/plain")
    document = {
        "sections": [
            {"name": name, "options": [{"key": key, "value": value} for key, value in options.items()]}
            for name, options in sections.items()
        ]
    }
    return Response(json.dumps(document, indent=4), mimetype="application/json")
