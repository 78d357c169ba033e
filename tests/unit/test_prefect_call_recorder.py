"""The recorder's matching of real Prefect requests against `@prefect_calls` declarations."""

from support.prefect_call_recorder import covered

DECLARED = ("POST /flow_runs/filter", "GET /flow_runs/{id}", "GET /deployments/name/{flow}/{deployment}")


def test_placeholders_match_one_path_segment_each():
    assert covered("GET", "/flow_runs/0b6c3a8e-1f0e-4c1e-9a51-2f0b7c1d2e3f", DECLARED)
    assert covered("GET", "/deployments/name/etl/demo", DECLARED)
    assert not covered("GET", "/deployments/name/etl", DECLARED)
    assert not covered("GET", "/flow_runs/a/b", DECLARED)


def test_method_and_literal_parts_must_match():
    assert covered("POST", "/flow_runs/filter", DECLARED)
    assert not covered("POST", "/flow_runs/count", DECLARED)
    assert not covered("DELETE", "/flow_runs/0b6c3a8e-1f0e-4c1e-9a51-2f0b7c1d2e3f", DECLARED)
    assert not covered("GET", "/anything", ())
