"""Hostile input (README "Hostile input"): whatever the network sends, an Airflow error, never a 500.

Against the real Prefect server; the calls the bridge makes are counted, so
a request refused for its shape is seen to reach no Prefect at all.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import httpx
import pytest

from app import create_app
from conftest import AUTH, ETL, HELLO, CountingTransport, validated
from support.hostile_input import TRICKY_IDS

PROBLEM = "application/problem+json"


@dataclass
class RawPathTransport(CountingTransport):
    """Also remembers each path as sent on the wire (still percent-encoded)."""

    raw_paths: list[str] = field(default_factory=list)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.raw_paths.append(request.url.raw_path.decode("ascii").split("?")[0])
        return super().handle_request(request)


@pytest.fixture
def prefect_calls() -> RawPathTransport:
    return RawPathTransport()


def assert_sane_paths(prefect_calls: RawPathTransport) -> None:
    """No call's path has a dot-segment or a control character: each id was one segment, as given."""
    for path in prefect_calls.raw_paths:
        segments = path.split("/")
        assert "." not in segments and ".." not in segments, path
        assert not any(ord(char) < 32 for char in path), path


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    return body


# --- request size -----------------------------------------------------------------------------------------------


@pytest.fixture
def small_body_app(settings, prefect_calls):
    app = create_app(settings.model_copy(update={"max_body_bytes": 1024}), prefect_transport=prefect_calls)
    validated(app)
    return app


def test_a_body_over_the_limit_is_a_413_before_authentication_or_prefect(small_body_app, prefect_calls):
    client = small_body_app.test_client()
    body = b'{"conf": "' + b"x" * 4096 + b'"}'
    response = client.post(f"/api/v1/dags/{ETL}/dagRuns", data=body, content_type="application/json")
    detail = assert_problem(response, 413)["detail"]
    assert "1024" in detail
    assert prefect_calls.calls == []


class CountedInput(io.BytesIO):
    """A request body that counts the bytes the bridge reads of it."""

    bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data


def test_a_declared_length_over_the_limit_is_a_413_with_nothing_read(small_body_app, prefect_calls):
    body = CountedInput(b'{"conf": "' + b"x" * 50_000 + b'"}')
    response = small_body_app.test_client().post(
        f"/api/v1/dags/{ETL}/dagRuns", input_stream=body,
        headers={**AUTH, "Content-Type": "application/json", "Content-Length": str(len(body.getvalue()))},
    )
    assert_problem(response, 413)
    assert body.bytes_read == 0
    assert prefect_calls.calls == []


def test_a_streamed_body_over_the_limit_is_read_no_further_than_the_limit(small_body_app):
    body = CountedInput(b'{"conf": "' + b"x" * 50_000 + b'"}')
    response = small_body_app.test_client().post(
        f"/api/v1/dags/{ETL}/dagRuns", input_stream=body,
        headers={**AUTH, "Transfer-Encoding": "chunked", "Content-Type": "application/json"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert_problem(response, 413)
    assert body.bytes_read <= 1024 + 1


def test_a_chunked_body_over_the_limit_is_a_413(small_body_app, prefect_calls):
    # A chunked body has no Content-Length: the server marks its end (wsgi.input_terminated) instead.
    body = b'{"conf": {"k": "' + b"y" * 4096 + b'"}}'
    client = small_body_app.test_client()
    response = client.post(
        f"/api/v1/dags/{ETL}/dagRuns",
        input_stream=io.BytesIO(body),
        headers={**AUTH, "Transfer-Encoding": "chunked", "Content-Type": "application/json"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert_problem(response, 413)
    assert not any(method == "POST" and path.endswith("/create_flow_run") for method, path in prefect_calls.calls)


def test_a_chunked_body_within_the_limit_is_read_whole(small_body_app):
    client = small_body_app.test_client()
    response = client.post(
        "/api/v1/dags/~/dagRuns/list",
        input_stream=io.BytesIO(b'{"page_limit": 1, "dag_ids": ["' + ETL.encode() + b'"]}'),
        headers={**AUTH, "Transfer-Encoding": "chunked", "Content-Type": "application/json"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 200, response.get_json()


def test_a_body_within_the_limit_is_served(small_body_app):
    client = small_body_app.test_client()
    response = client.post("/api/v1/dags/~/dagRuns/list", json={"page_limit": 1}, headers=AUTH)
    assert response.status_code == 200


# --- JSON -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [65, 100_000])
def test_json_nested_too_deeply_is_a_400(api, prefect_calls, depth):
    body = '{"conf": ' + '{"a": ' * depth + "1" + "}" * depth + "}"
    response = api.post(f"/dags/{ETL}/dagRuns", data=body, content_type="application/json")
    assert "nested too deeply" in assert_problem(response, 400)["detail"]
    assert not any(path.endswith("/create_flow_run") for _, path in prefect_calls.calls)


def test_json_nested_within_the_limit_is_read(api):
    body = '{"page_limit": 1, "dag_ids": ' + "[" * 0 + '["' + ETL + '"]' + "}"
    assert api.post("/dags/~/dagRuns/list", data=body, content_type="application/json").status_code == 200
    nested = "[" * 63 + "1" + "]" * 63
    body = '{"key": "k", "value": "v", "x": ' + nested + "}"
    response = api.post("/variables", data=body, content_type="application/json")
    assert "nested too deeply" not in assert_problem(response, 400)["detail"]  # the unknown key, not the depth


def test_invalid_utf8_in_a_body_is_a_400(api):
    response = api.post("/variables", data=b'{"key": "k\xff\xfe", "value": "v"}', content_type="application/json")
    assert_problem(response, 400)


def test_invalid_utf8_in_a_query_is_a_400(api, prefect_calls):
    response = api.get("/dags", query_string="dag_id_pattern=%FF%FE")
    assert "UTF-8" in assert_problem(response, 400)["detail"]
    assert prefect_calls.calls == []


# Bytes no UTF-8 string holds: stray bytes, a lone continuation, an overlong "." (the old "..%c0%af" trick).
INVALID_UTF8_IDS = ["%FF%FE", "a%80b", "%C0%AE%C0%AE", "%C0%AF", "%ED%A0%80"]


@pytest.mark.parametrize("invalid", INVALID_UTF8_IDS)
@pytest.mark.parametrize("template", ["/dags/{}", f"/dags/{ETL}/dagRuns/{{}}", "/variables/{}", "/pools/{}"])
def test_invalid_utf8_in_a_path_is_a_404_reaching_no_prefect(api, prefect_calls, template, invalid):
    # Werkzeug would read each bad byte as U+FFFD and look up an id nobody sent.
    response = api.get(template.format(invalid))
    assert "UTF-8" in assert_problem(response, 404)["detail"]
    assert prefect_calls.calls == []


def test_valid_utf8_in_a_path_is_an_id(api):
    response = api.get("/variables/%C3%A9t%C3%A9-" + "x" * 8)
    assert assert_problem(response, 404)["detail"] == "Variable does not exist"


# --- paging -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/dags", f"/dags/{ETL}/dagRuns", "/variables", "/connections", "/pools"])
def test_huge_limit_and_offset_give_an_empty_last_page(api, path):
    huge = 10**30
    response = api.get(path, query_string={"limit": huge, "offset": huge})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["total_entries"] >= 0
    assert all(not rows for key, rows in body.items() if isinstance(rows, list))


def test_a_huge_offset_of_event_logs_is_past_the_end(api):
    # An offset past every event is an empty page with the real total, as Airflow answers (README "Event logs").
    response = api.get("/eventLogs", query_string={"offset": 10**30})
    assert response.status_code == 200
    page = response.get_json()
    assert page["event_logs"] == [] and page["total_entries"] >= 0


def test_a_huge_limit_is_cut_to_the_maximum(api):
    response = api.get("/dags", query_string={"limit": 10**30})
    assert response.status_code == 200
    assert len(response.get_json()["dags"]) <= 100


@pytest.mark.parametrize("value", ["9" * 5000, "-" + "9" * 40, "1e400", "0x10"])
def test_numbers_no_integer_holds_are_a_400(api, value):
    assert_problem(api.get("/dags", query_string={"offset": value}), 400)


# --- dates ------------------------------------------------------------------------------------------------------

ABSURD_DATES = [
    "0000-01-01T00:00:00+00:00",
    "99999-01-01T00:00:00+00:00",
    "0001-01-01T00:00:00+14:00",  # before the first instant a datetime holds, once in UTC
    "9999-12-31T23:59:59-14:00",  # after the last
    "2024-13-45T25:61:61+00:00",
    "1e30",
    "-1e30",
]


@pytest.mark.parametrize("number", [1e30, -1e30, 0, 99999])
def test_dates_given_as_numbers_are_a_400(api, prefect_calls, number):
    assert_problem(api.post(f"/dags/{ETL}/dagRuns", json={"logical_date": number}), 400)
    assert_problem(api.post("/dags/~/dagRuns/list", json={"start_date_gte": number}), 400)
    assert not any(path.endswith("/create_flow_run") for _, path in prefect_calls.calls)


@pytest.mark.parametrize("date", ABSURD_DATES)
def test_absurd_dates_in_a_query_are_a_400(api, prefect_calls, date):
    assert_problem(api.get(f"/dags/{ETL}/dagRuns", query_string={"execution_date_gte": date}), 400)
    assert prefect_calls.calls == []


@pytest.mark.parametrize("date", ABSURD_DATES)
def test_absurd_dates_in_a_body_are_a_400(api, prefect_calls, date):
    response = api.post(f"/dags/{ETL}/dagRuns", json={"logical_date": date})
    assert_problem(response, 400)
    assert not any(path.endswith("/create_flow_run") for _, path in prefect_calls.calls)
    response = api.post("/dags/~/dagRuns/list", json={"start_date_lte": date})
    assert_problem(response, 400)


@pytest.mark.parametrize("date", ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59.999999+00:00"])
def test_the_first_and_last_dates_are_valid_bounds(api, date):
    response = api.get(f"/dags/{ETL}/dagRuns", query_string={"execution_date_gte": date, "limit": 1})
    assert response.status_code == 200, response.get_json()
    response = api.post("/dags/~/dagRuns/list", json={"execution_date_lte": date, "page_limit": 1})
    assert response.status_code == 200, response.get_json()


# --- ids with path tricks ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("tricky", TRICKY_IDS)
@pytest.mark.parametrize(
    "template",
    ["/dags/{}", "/dags/{}/dagRuns", f"/dags/{ETL}/dagRuns/{{}}", "/variables/{}", "/connections/{}", "/pools/{}"],
)
def test_ids_with_path_tricks_are_not_found_or_refused(api, prefect_calls, template, tricky):
    response = api.get(template.format(tricky))
    if template == "/dags/{}/dagRuns" and response.status_code == 200:
        # Airflow lists the runs of a DAG it does not know as none at all.
        assert response.get_json() == {"dag_runs": [], "total_entries": 0}
    else:
        assert response.status_code in (400, 404), (response.status_code, response.get_data(as_text=True)[:300])
    assert "X-Injected" not in response.headers
    assert_sane_paths(prefect_calls)


@pytest.mark.parametrize("tricky", TRICKY_IDS)
def test_deleting_a_tricky_id_touches_nothing_else(api, prefect_calls, tricky):
    for template in ("/variables/{}", "/connections/{}", "/pools/{}", f"/dags/{HELLO}/dagRuns/{{}}"):
        response = api.delete(template.format(tricky))
        assert response.status_code in (400, 404), (template, response.status_code, response.get_json())
    assert_sane_paths(prefect_calls)


@pytest.mark.parametrize("length", [1_000, 100_000])
def test_overlong_ids_are_not_found(api, length):
    long_id = "a" * length
    for template in ("/dags/{}", f"/dags/{ETL}/dagRuns/{{}}", "/variables/{}", "/pools/{}", "/connections/{}"):
        response = api.get(template.format(long_id))
        assert response.status_code == 404, (template, response.status_code, response.get_data(as_text=True)[:200])


# --- headers ----------------------------------------------------------------------------------------------------


def test_cr_lf_in_a_value_never_becomes_a_header(api):
    response = api.get("/dagSources/x%0D%0ASet-Cookie:%20a=b")
    assert response.status_code in (400, 404)
    assert "Set-Cookie" not in response.headers
    # CR/LF in a request header never arrives: servers (werkzeug's, gunicorn) refuse to parse it.
