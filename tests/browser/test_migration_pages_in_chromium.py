"""The compare report and the migration status page, rendered by a real headless Chromium.

Each test saves a screenshot (under pytest's tmp path, for a person to open)
and checks what a reader needs is on the page: the charts and the table rows.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from selenium.webdriver.common.by import By

from app.migration.comparison import Comparison, RunRecord, TaskRecord, compare_dag
from app.migration.findings import FindingStore
from app.migration.report_html import as_html
from support.browser import ensure_chromium, start_chromium

T0 = datetime(2025, 1, 1, tzinfo=UTC)
HELLO = "hello.hourly"  # a demo DAG (hello/hourly) that no other test compares


@pytest.fixture(scope="module")
def chromium() -> Iterator:
    """Installed by the test setup when missing (tests/support/browser.py); else the tests skip, saying why."""
    reason = ensure_chromium()
    if reason:
        pytest.skip(f"no headless Chromium: {reason}")
    driver = start_chromium()
    yield driver
    driver.quit()


def runs(seconds: list[float], *, failed_at: int | None = None) -> list[RunRecord]:
    made = []
    for day, duration in enumerate(seconds):
        logical = T0 + timedelta(days=day)
        state = "failed" if day == failed_at else "success"
        tasks = (TaskRecord("extract", -1, "success", 1), TaskRecord("load", -1, state, 1))
        made.append(
            RunRecord(
                f"scheduled__{logical.isoformat()}",
                logical,
                state,
                logical,
                logical + timedelta(seconds=duration),
                tasks,
            )
        )
    return made


def screenshot(driver, path) -> int:
    driver.save_screenshot(str(path))
    return path.stat().st_size


def test_the_compare_report_renders_with_a_chart_per_dag(chromium, tmp_path):
    comparison = Comparison(
        T0,
        T0 + timedelta(days=10),
        (
            compare_dag("steady_etl", runs([60, 62, 61, 60, 63, 61]), runs([58, 60, 59, 61, 60, 59])),
            compare_dag("broken_etl", runs([60, 61, 62]), runs([60, 61, 62], failed_at=1)),
        ),
    )
    report = tmp_path / "report.html"
    report.write_text(as_html(comparison), encoding="utf-8")

    chromium.get(report.as_uri())

    assert chromium.title == "Airflow vs Prefect comparison"
    assert len(chromium.find_elements(By.CSS_SELECTOR, "svg.chart")) == 2
    assert len(chromium.find_elements(By.CSS_SELECTOR, "svg.chart rect.bar")) == 2 * (6 + 3)
    assert len(chromium.find_elements(By.CSS_SELECTOR, "svg.chart circle.flag")) == 1
    assert len(chromium.find_elements(By.CSS_SELECTOR, "#summary tbody tr")) == 2
    finding_rows = chromium.find_elements(By.CSS_SELECTOR, "#dag-broken_etl tbody tr")
    assert [row.find_elements(By.TAG_NAME, "td")[2].text for row in finding_rows] == ["state", "task_state"]
    assert chromium.find_element(By.CSS_SELECTOR, "svg.chart").size["height"] > 100
    assert screenshot(chromium, tmp_path / "report.png") > 10_000


def test_the_status_page_renders_behind_authentication(chromium, live_bridge, settings, prefect_client, tmp_path):
    broken = compare_dag(HELLO, runs([60]), runs([60], failed_at=0))
    FindingStore(prefect_client).save(broken, T0, T0 + timedelta(days=1), T0 + timedelta(days=1))
    page = live_bridge.url.removesuffix("/api/v1") + "/migration"
    chromium.execute_cdp_cmd("Network.enable", {})
    credentials = base64.b64encode(f"admin:{settings.admin_password.get_secret_value()}".encode()).decode()
    chromium.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Authorization": f"Basic {credentials}"}})
    try:
        chromium.get(page)
    finally:
        chromium.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {}})

    assert chromium.title == "Migration status"
    assert chromium.find_elements(By.CSS_SELECTOR, "svg.routes rect")
    assert chromium.find_element(By.CSS_SELECTOR, ".progress").size["width"] > 300
    rows = {
        row.find_element(By.TAG_NAME, "code").text: row
        for row in chromium.find_elements(By.CSS_SELECTOR, "#dags tbody tr")
    }
    assert {"example_etl", HELLO, "fanout.demo"} <= rows.keys()
    assert rows[HELLO].find_elements(By.TAG_NAME, "td")[5].text == "2"  # state and task_state
    assert chromium.find_elements(By.CSS_SELECTOR, f'#mismatches tr[id^="finding-{HELLO}-"]')
    assert screenshot(chromium, tmp_path / "status.png") > 10_000
