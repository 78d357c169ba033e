"""A real Apache Airflow 2.10.5 for tests: the legacy side of a migration.

    airflow = start_legacy_airflow(tmp_path)   # ~5-10 s once installed
    airflow.api_url                            # http://127.0.0.1:<port>/api/v1, basic auth
    airflow.stop()                             # stops exactly the processes it started

Airflow is installed once into its own venv (its flask 2.2 cannot share the
bridge's), under `<repo>/.cache/legacy-airflow/<hash of the pins>/`, from the
project's pins in tests/legacy_airflow/requirements.txt: ~30-45 s the first
time, nothing afterwards. It runs on SQLite with the SequentialExecutor,
basic auth for the REST API, and the DAGs of tests/legacy_airflow/dags/
(unpaused at creation, so a triggered run really runs).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.embedded import ManagedProcess, free_port

REPO = Path(__file__).resolve().parents[2]
LEGACY = REPO / "tests" / "legacy_airflow"
PINS = LEGACY / "requirements.txt"
DAGS_FOLDER = LEGACY / "dags"
USERNAME = "admin"
#: The DAGs of DAGS_FOLDER; start() waits until Airflow lists them all.
DAG_IDS = ("example_etl", "legacy_report_1", "legacy_report_2", "legacy_report_3")


def cache_root() -> Path:
    configured = os.environ.get("BRIDGE_TEST_CACHE")
    return Path(configured) if configured else REPO / ".cache"


def installed_airflow() -> Path:
    """The `airflow` executable of the cached venv, installing it first when the pins changed."""
    digest = hashlib.sha256(PINS.read_bytes()).hexdigest()[:16]
    home = cache_root() / "legacy-airflow" / digest
    venv = home / "venv"
    marker = home / "installed"
    home.mkdir(parents=True, exist_ok=True)
    with (home / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test sessions sharing the cache install it once
        if not marker.exists():
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
            _run(
                [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                 "--no-input", "-r", str(PINS)],
                "installing Airflow 2.10.5 from tests/legacy_airflow/requirements.txt",
            )
            marker.write_text(digest)
    return venv / "bin" / "airflow"


@dataclass
class LegacyAirflow:
    url: str
    username: str
    password: str
    home: Path
    webserver: ManagedProcess
    scheduler: ManagedProcess

    @property
    def api_url(self) -> str:
        return self.url + "/api/v1"

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.api_url, auth=(self.username, self.password), timeout=30, trust_env=False)

    def stop(self) -> None:
        """Stop both process groups at once (each may take seconds to wind down its workers)."""
        stopping = threading.Thread(target=self.scheduler.stop)
        stopping.start()
        try:
            self.webserver.stop()
        finally:
            stopping.join()


def start_legacy_airflow(tmp_dir: Path, dag_ids: Collection[str] = DAG_IDS, timeout: float = 120) -> LegacyAirflow:
    """Install (once), configure and start Airflow's webserver and scheduler; wait until `dag_ids` are listed."""
    airflow = installed_airflow()
    home = tmp_dir / "airflow-home"
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = _environment(airflow, home, port)
    password = _copy_of_database(airflow, home / "airflow.db")
    webserver = ManagedProcess(
        "airflow webserver", [airflow, "webserver", "-p", str(port), "-H", "127.0.0.1"], home / "webserver.log", env=env
    )
    scheduler = ManagedProcess(
        "airflow scheduler", [airflow, "scheduler", "--skip-serve-logs"], home / "scheduler.log", env=env
    )
    legacy = LegacyAirflow(f"http://127.0.0.1:{port}", USERNAME, password, home, webserver, scheduler)
    try:
        _wait_until_serving(legacy, set(dag_ids), timeout)
    except BaseException:
        legacy.stop()
        raise
    return legacy


def _copy_of_database(airflow: Path, target: Path) -> str:
    """A migrated database with the admin user, copied from a template made once per install; its password.

    `airflow db migrate` and `users create` take 10-20 s on a busy machine; a copy takes none.
    """
    template = airflow.parents[2] / "database"
    with (airflow.parents[2] / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (template / "password").exists():
            template.mkdir(exist_ok=True)
            password = secrets.token_urlsafe(12)
            env = _environment(airflow, template, free_port())
            _run([str(airflow), "db", "migrate"], "airflow db migrate", env)
            _run(
                [str(airflow), "users", "create", "-u", USERNAME, "-p", password, "-r", "Admin",
                 "-f", "Legacy", "-l", "Admin", "-e", "admin@example.com"],
                "airflow users create",
                env,
            )
            (template / "password").write_text(password)
    shutil.copyfile(template / "airflow.db", target)
    return (template / "password").read_text()


def _environment(airflow: Path, home: Path, port: int) -> dict[str, str]:
    # A clean environment: nothing of the bridge's or Prefect's settings leaks into Airflow.
    return {
        "PATH": f"{airflow.parent}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "SequentialExecutor",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__API__AUTH_BACKENDS": (
            "airflow.providers.fab.auth_manager.api.auth.backend.basic_auth,airflow.api.auth.backend.session"
        ),
        "AIRFLOW__WEBSERVER__WEB_SERVER_HOST": "127.0.0.1",
        "AIRFLOW__WEBSERVER__WEB_SERVER_PORT": str(port),
        "AIRFLOW__WEBSERVER__SECRET_KEY": "legacy-airflow-in-tests",
        "AIRFLOW__WEBSERVER__WORKERS": "2",  # the machine is shared: two gunicorn workers are plenty
        "AIRFLOW__SCHEDULER__DAG_DIR_LIST_INTERVAL": "10",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
        "AIRFLOW__CORE__MIN_SERIALIZED_DAG_UPDATE_INTERVAL": "5",
    }


def _wait_until_serving(legacy: LegacyAirflow, dag_ids: set[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    with legacy.client() as client:
        while time.monotonic() < deadline:
            for process in (legacy.webserver, legacy.scheduler):
                if not process.is_running():
                    raise RuntimeError(f"{process.name} exited ({process.returncode}):\n{process.tail()}")
            try:
                health = client.get("/health").json()
                listed = {dag["dag_id"] for dag in client.get("/dags", params={"limit": 100}).json().get("dags", [])}
            except (httpx.HTTPError, ValueError) as error:
                last = f"{type(error).__name__}: {error}"
            else:
                last = f"health {health}, DAGs {sorted(listed)}"
                if health.get("scheduler", {}).get("status") == "healthy" and dag_ids <= listed:
                    return
            time.sleep(0.5)
    raise TimeoutError(f"the legacy Airflow did not serve {sorted(dag_ids)} within {timeout:g} s; {last}")


def _run(command: list[str], what: str, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed ({result.returncode}):\n{(result.stdout + result.stderr)[-3000:]}")
