"""The routes file: its rules, and reloading it while the bridge runs."""

from __future__ import annotations

import logging

import pytest

from app.services.routes import RouteService
from app.translate.dag_ids import parse_mapping
from app.translate.routes import Kind, RoutesError, Side, parse_routes

MAPPING = parse_mapping([{"dag_id": "example_etl", "flow": "etl", "deployment": "demo"}])
SHADOW = b"""
default = "prefect"
[[route]]
dag_id = "example_etl"
route = "shadow"
authoritative = "airflow"
[[route]]
dag_id = "legacy_report_1"
route = "airflow"
"""


def test_a_shadow_route_is_served_by_its_authoritative_side_and_shadowed_by_the_other():
    table = parse_routes(SHADOW, MAPPING)
    route = table.named("example_etl")
    assert (route.kind, route.serving, route.shadow) == (Kind.SHADOW, Side.AIRFLOW, Side.PREFECT)
    assert table.named("legacy_report_1").shadow is None
    assert table.default is Side.PREFECT
    assert table.served_by(Side.AIRFLOW) == {"example_etl", "legacy_report_1"}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (b"default = 'both'", "default: must be"),
        (b"[[route]]\ndag_id = 'x'\nroute = 'elsewhere'", "route 1 (x): 'route' must be one of"),
        (b"[[route]]\ndag_id = 'example_etl'\nroute = 'shadow'", "needs 'authoritative'"),
        (b"[[route]]\ndag_id = 'x'\nroute = 'airflow'\nauthoritative = 'prefect'", "shadow routes only"),
        (b"[[route]]\ndag_id = 'bad id'\nroute = 'airflow'", "'dag_id' must be an Airflow dag_id"),
        (b"[[route]]\ndag_id = 'x'\nroute = 'airflow'\n[[route]]\ndag_id = 'x'\nroute = 'airflow'", "routed twice"),
        (b"[[route]]\ndag_id = 'nodot'\nroute = 'prefect'", "names none"),
        (b"[[route]]\ndag_id = 'x'\nroute = 'airflow'\nowner = 'me'", "unknown key(s) owner"),
        (b"routes = 1", "unknown key(s) routes"),
        (b"[[route", "not valid TOML"),
    ],
)
def test_a_bad_routes_file_is_refused_naming_the_problem(text, problem):
    with pytest.raises(RoutesError, match="routes") as caught:
        parse_routes(text, MAPPING)
    assert problem in str(caught.value)


def test_an_unnamed_dag_is_served_by_the_side_its_dag_id_can_belong_to():
    in_legacy = {"fanout.demo"}
    routes = RouteService(None, MAPPING, airflow_has=in_legacy.__contains__)
    assert routes.route_for("legacy_only").serving is Side.AIRFLOW  # names no deployment
    assert routes.route_for("etl.demo").serving is Side.AIRFLOW  # etl/demo is example_etl only
    assert routes.route_for("hello.hourly").serving is Side.PREFECT
    assert routes.route_for("fanout.demo").serving is Side.PREFECT  # both may have it: the default (prefect)
    assert not routes.route_for("fanout.demo").named
    assert routes.unnamed_side("fanout.demo", Side.AIRFLOW, in_legacy.__contains__) is Side.AIRFLOW
    assert routes.unnamed_side("hello.hourly", Side.AIRFLOW, in_legacy.__contains__) is Side.PREFECT


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_an_edited_file_is_picked_up_after_the_check_interval_and_logged(tmp_path, caplog):
    path = tmp_path / "routes.toml"
    path.write_bytes(b"[[route]]\ndag_id = 'example_etl'\nroute = 'airflow'\n")
    clock = Clock()
    routes = RouteService(path, MAPPING, check_seconds=5, clock=clock)
    assert routes.route_for("example_etl").kind is Kind.AIRFLOW

    path.write_bytes(SHADOW)
    clock.now = 4
    assert routes.route_for("example_etl").kind is Kind.AIRFLOW  # not checked yet
    clock.now = 5
    with caplog.at_level(logging.INFO, logger="app.services.routes"):
        assert routes.route_for("example_etl").kind is Kind.SHADOW
    assert "example_etl: airflow -> shadow (authoritative: airflow)" in caplog.text
    assert "legacy_report_1: unnamed -> airflow" in caplog.text


def test_a_bad_edit_is_refused_once_and_the_last_good_routes_stay(tmp_path, caplog):
    path = tmp_path / "routes.toml"
    path.write_bytes(SHADOW)
    clock = Clock()
    routes = RouteService(path, MAPPING, check_seconds=0, clock=clock)
    path.write_bytes(SHADOW.replace(b'"airflow"\n[[route]]', b'"nowhere"\n[[route]]'))
    with caplog.at_level(logging.INFO, logger="app.services.routes"):
        assert routes.route_for("example_etl").serving is Side.AIRFLOW
        assert routes.route_for("example_etl").serving is Side.AIRFLOW
    refusals = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert len(refusals) == 1
    assert "refused" in refusals[0].getMessage() and "authoritative: must be" in refusals[0].getMessage()

    path.unlink()
    assert routes.route_for("example_etl").kind is Kind.SHADOW  # a missing file refuses too
    path.write_bytes(SHADOW.replace(b'default = "prefect"', b'default = "airflow"'))
    assert routes.table().default is Side.AIRFLOW
