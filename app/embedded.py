"""The embedded default: a local Prefect server, the demo flows and the bridge.

`run_embedded` is what `airflow-prefect-bridge embedded` runs: everything
needed to try the bridge on one machine, with nothing to install or
configure. The demo deployments' task graphs are traced as soon as they
exist (`airflow-prefect-bridge trace`), so their tasks show before any
run. The building blocks (`ManagedProcess`, `start_prefect_server`,
`serve_demo_flows`) are also what the test suite uses to get a real Prefect
server, so the product and its tests start Prefect the same way.

Every child runs in its own session (and so its own process group): a
Ctrl+C in the terminal reaches only us, we stop the children in order, and
`stop()` can sweep up grandchildren such as Prefect's per-flow-run engine
processes or gunicorn's workers.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import errno
import os
import secrets
import shlex
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from tempfile import TemporaryDirectory
from types import FrameType, TracebackType

import httpx

from app.settings import Settings, SettingsError

#: The repository root: the directory that holds the `app` package.
REPO_ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONFIG = REPO_ROOT / "deploy" / "gunicorn.conf.py"
DEFAULT_MAPPING_FILE = REPO_ROOT / "mappings" / "dags.toml"
DEMO_DEPLOYMENTS = ("etl/demo", "hello/hourly", "fanout/demo")

#: Same directory as the running interpreter, without resolving symlinks:
#: in a venv, `sys.executable` is a symlink and its target's directory is
#: the base interpreter's, which has no gunicorn.
VENV_BIN = Path(sys.executable).parent

POLL_INTERVAL = 0.2
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StartupError(RuntimeError):
    """A child process did not become ready; the message ends with its log tail."""


class StopRequested(BaseException):
    """SIGINT or SIGTERM arrived. A BaseException, like KeyboardInterrupt,
    so that no `except Exception` on the way swallows it."""


class ManagedProcess:
    """A child process in its own process group, its output in `log_path`.

    `stop()` asks the leader to shut down (so Prefect's runner and gunicorn
    can stop their own children in order), escalates to SIGKILL for the
    whole group after `timeout`, and finally kills whatever the group still
    holds. Processes not stopped explicitly are stopped at interpreter exit
    and, on Linux, are sent SIGTERM when this process dies, even by SIGKILL.
    """

    def __init__(
        self,
        name: str,
        command: Sequence[str | os.PathLike[str]],
        log_path: Path,
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.log_path = log_path
        with log_path.open("ab") as log:
            self.popen = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=dict(env) if env is not None else None,
                cwd=cwd,
                start_new_session=True,
                preexec_fn=_die_with_parent_hook(),
            )
        _unstopped[self] = None

    @property
    def pid(self) -> int:
        """The leader's pid, which is also the process group id."""
        return self.popen.pid

    @property
    def returncode(self) -> int | None:
        return self.popen.poll()

    def is_running(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 10) -> int:
        """Stop the process and everything in its group; return its exit code."""
        try:
            if self.is_running():
                self.popen.send_signal(signal.SIGTERM)
                try:
                    self.popen.wait(timeout)
                except subprocess.TimeoutExpired:
                    _kill_group(self.pid)
                    self.popen.wait()
        finally:
            # Children the leader did not take down with it (an engine
            # process mid-run, a stuck worker) would otherwise live on.
            _kill_group(self.pid)
            _unstopped.pop(self, None)
        return self.popen.returncode

    def tail(self, lines: int = 30) -> str:
        """The last `lines` lines of the log, for error messages."""
        with self.log_path.open("rb") as log:
            log.seek(0, os.SEEK_END)
            # Logs can grow large (gunicorn's access log); the tail is enough.
            log.seek(max(0, log.tell() - 64 * 1024))
            text = log.read().decode("utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> ManagedProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<ManagedProcess {self.name} pid={self.pid} returncode={self.returncode}>"


#: Started and not yet stopped, oldest first (a dict keeps insertion order).
_unstopped: dict[ManagedProcess, None] = {}


@atexit.register
def _stop_leftovers() -> None:
    """Safety net: an exception that skipped a `stop()` must not orphan servers."""
    for process in reversed(list(_unstopped)):
        process.stop(timeout=5)


#: Linux only: prctl(PR_SET_PDEATHSIG) has the kernel signal a child when its
#: parent dies, which covers what atexit cannot: our being SIGKILLed.
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None
_PR_SET_PDEATHSIG = 1


def _die_with_parent_hook() -> Callable[[], None] | None:
    """What the child runs before exec so it gets SIGTERM when we die, if possible.

    The kernel's "parent" is the thread that forked, not the process: from
    any other thread the child would be stopped when that thread ends, so
    only children started from the main thread get this safety net.
    """
    if _LIBC is None or threading.current_thread() is not threading.main_thread():
        return None
    return lambda: _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is already empty
        os.killpg(pgid, signal.SIGKILL)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ensure_port_free(host: str, port: int, hint: str = "") -> None:
    """Raise StartupError if we could not listen on host:port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        # create_server sets SO_REUSEADDR, like gunicorn and uvicorn do, so a
        # port that only has connections in TIME_WAIT counts as free.
        with socket.create_server((host, port), family=family):
            pass
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise StartupError(f"port {port} on {host} is already in use{hint}") from None
        raise StartupError(f"cannot listen on {host}:{port}: {error.strerror}{hint}") from None


def start_prefect_server(home: Path, port: int | None = None, timeout: float = 60) -> tuple[ManagedProcess, str]:
    """Start a Prefect server whose database lives in `home`; return it and its API URL."""
    home.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    # Without this check, an existing server on the port would answer our
    # health poll and we would report a server that is not ours as ready.
    ensure_port_free("127.0.0.1", port)
    api_url = f"http://127.0.0.1:{port}/api"
    process = ManagedProcess(
        "prefect server",
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        home / "prefect-server.log",
        env=_child_environment(
            PREFECT_HOME=str(home),  # the SQLite database goes here
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            PREFECT_SERVER_UI_ENABLED="false",
            PREFECT_SERVER_LOGGING_LEVEL="WARNING",
            # The late-runs service relabels overdue SCHEDULED runs "Late": a
            # name Airflow never shows (late or not, the run is queued), and on
            # SQLite one more writer competing with every trigger for the lock.
            PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED="false",
        ),
        cwd=home,
    )
    # The server prints nothing when it is ready; its health endpoint is the signal.
    _wait_until_ready(process, lambda: _get(f"{api_url}/health").json() is True, timeout)
    return process, api_url


def serve_demo_flows(api_url: str, log_dir: Path, timeout: float = 60) -> ManagedProcess:
    """Serve the demo flows against `api_url`; return once both deployments exist."""
    log_dir.mkdir(parents=True, exist_ok=True)
    process = ManagedProcess(
        "demo flows",
        [sys.executable, "-m", "app.demo.flows"],
        log_dir / "demo-flows.log",
        env=_child_environment(
            PREFECT_API_URL=api_url,
            # The runner checks for new runs every 10 s by default; 1 s makes
            # a triggered run start about as soon as it is created.
            PREFECT_RUNNER_POLL_FREQUENCY="1",
            # Keep the client's profile and local storage out of ~/.prefect.
            PREFECT_HOME=str(log_dir / "prefect-client"),
        ),
        # serve() registers entrypoints relative to the working directory
        # ("app/demo/flows.py:etl") and each flow run loads them from there.
        cwd=REPO_ROOT,
    )

    def deployments_exist() -> bool:
        return all(_get(f"{api_url}/deployments/name/{name}").status_code == 200 for name in DEMO_DEPLOYMENTS)

    _wait_until_ready(process, deployments_exist, timeout)
    try:
        trace_demo_flows(api_url, log_dir, timeout)
    except BaseException:
        process.stop()
        raise
    return process


def trace_demo_flows(api_url: str, log_dir: Path, timeout: float = 60) -> None:
    """Store the demo deployments' task graphs in Prefect, so their tasks show before their first run.

    The same `airflow-prefect-bridge trace` a user runs for their own deployments.
    """
    log_path = log_dir / "trace.log"
    with log_path.open("ab") as log:
        try:
            finished = subprocess.run(
                [sys.executable, "-m", "app.cli", "trace", *DEMO_DEPLOYMENTS],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=_child_environment(PREFECT_API_URL=api_url, PREFECT_HOME=str(log_dir / "prefect-client")),
                cwd=REPO_ROOT,  # the deployments' entrypoints are relative to it
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise StartupError(f"tracing the demo flows took over {timeout:g} s; see {log_path}") from None
    if finished.returncode != 0:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-30:])
        raise StartupError(f"tracing the demo flows failed; last lines of {log_path}:\n{tail}")


def start_bridge(environ: Mapping[str, str], log_dir: Path, timeout: float = 60) -> ManagedProcess:
    """Run the bridge under gunicorn, configured by `environ`; return once it answers HTTP."""
    settings = Settings.from_env(environ)
    process = ManagedProcess("bridge (gunicorn)", gunicorn_command(), log_dir / "bridge.log", env=environ)
    health_url = f"{_scheme(settings)}://{_url_host(_connectable(settings.host))}:{settings.port}/api/v1/health"
    # Any HTTP answer will do: readiness means the app loaded and serves
    # requests, whatever the health route has to say about Prefect.
    _wait_until_ready(process, lambda: _answers(health_url), timeout)
    return process


def gunicorn_command() -> list[str]:
    """The command that serves `app:create_app()` with the project's gunicorn config."""
    return [
        str(VENV_BIN / "gunicorn"),
        "--config",
        str(GUNICORN_CONFIG),
        # Import the app from this checkout whatever the working directory
        # is, without changing it (relative paths in settings keep meaning).
        "--pythonpath",
        str(REPO_ROOT),
        "app:create_app()",
    ]


def run_embedded(environ: Mapping[str, str] = os.environ) -> int:
    """Run server, demo flows and bridge until SIGINT/SIGTERM; return an exit code.

    Must be called from the main thread (it installs signal handlers).
    """
    server_port = free_port()
    bridge_env = _bridge_environment(environ, f"http://127.0.0.1:{server_port}/api")
    try:
        # Check everything that can be checked before the slow part starts.
        settings = Settings.from_env(bridge_env)
        ensure_port_free(settings.host, settings.port, hint="; set BRIDGE_PORT to a free port")
    except (SettingsError, StartupError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2 if isinstance(error, SettingsError) else 1

    previous_handlers = _raise_on_stop_signals()
    try:
        with ExitStack() as running:  # unwinds in reverse: bridge, flows, server, temp dir
            try:
                return _start_and_supervise(running, settings, bridge_env, server_port)
            finally:
                _ignore_stop_signals()  # nothing may interrupt the orderly stop
    except StopRequested:
        return 0
    except StartupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        for signum, handler in previous_handlers.items():
            if handler is not None:  # None: installed outside Python, cannot be restored
                signal.signal(signum, handler)


def _start_and_supervise(running: ExitStack, settings: Settings, bridge_env: dict[str, str], server_port: int) -> int:
    workdir = Path(running.enter_context(TemporaryDirectory(prefix="airflow-prefect-bridge-")))
    server, api_url = start_prefect_server(workdir / "prefect-home", server_port)
    running.enter_context(server)
    flows = running.enter_context(serve_demo_flows(api_url, workdir))
    bridge = running.enter_context(start_bridge(bridge_env, workdir))
    _print_banner(settings, bridge_env, api_url, workdir)
    return _supervise([server, flows, bridge])


def _raise_on_stop_signals() -> dict[int, Callable[..., object] | int | None]:
    """Turn SIGINT/SIGTERM into StopRequested; return the handlers they replace.

    Also covers SIGTERM during start-up, which by default would kill us
    without cleanup and leave the children (in their own sessions) running.
    """

    def request_stop(signum: int, frame: FrameType | None) -> None:
        _ignore_stop_signals()
        raise StopRequested

    return {signum: signal.signal(signum, request_stop) for signum in STOP_SIGNALS}


def _ignore_stop_signals() -> None:
    """A second Ctrl+C must not cut the orderly stop short; stop() itself
    escalates to SIGKILL when a child hangs."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


def _supervise(processes: Sequence[ManagedProcess]) -> int:
    """Block until a signal arrives (StopRequested) or a child dies (returns 1)."""
    while True:
        for process in processes:
            if not process.is_running():
                print(
                    f"error: {process.name} exited unexpectedly with code {process.returncode}; "
                    f"last lines of {process.log_path.name}:\n{process.tail()}",
                    file=sys.stderr,
                )
                return 1
        time.sleep(0.5)


def _bridge_environment(environ: Mapping[str, str], prefect_api_url: str) -> dict[str, str]:
    """The bridge's environment in embedded mode: the caller's, pointed at our server."""
    env = _child_environment(PREFECT_API_URL=prefect_api_url, inherited=environ)
    env.setdefault("BRIDGE_HOST", "127.0.0.1")
    env.setdefault("BRIDGE_PORT", "8080")
    env.setdefault("BRIDGE_ADMIN_USERNAME", "admin")
    if not env.get("BRIDGE_ADMIN_PASSWORD"):
        env["BRIDGE_ADMIN_PASSWORD"] = secrets.token_urlsafe(12)
    if not env.get("BRIDGE_MAPPING_FILE") and DEFAULT_MAPPING_FILE.is_file():
        env["BRIDGE_MAPPING_FILE"] = str(DEFAULT_MAPPING_FILE)
    return env


def _child_environment(inherited: Mapping[str, str] = os.environ, **overrides: str) -> dict[str, str]:
    """`inherited` without its PREFECT_* settings, plus `overrides`.

    The embedded stack is self-contained: a PREFECT_API_URL, API key or
    database URL from the surrounding shell must not leak into it.
    """
    env = {name: value for name, value in inherited.items() if not name.startswith("PREFECT_")}
    env["DO_NOT_TRACK"] = "1"
    # Unbuffered, so a crash's last words are in the log when we show its tail.
    env["PYTHONUNBUFFERED"] = "1"
    # Everything here talks to 127.0.0.1; a corporate proxy must not intercept it.
    for name in ("NO_PROXY", "no_proxy"):
        env[name] = ",".join(filter(None, [env.get(name), "127.0.0.1", "localhost"]))
    env.update(overrides)
    return env


def _wait_until_ready(process: ManagedProcess, is_ready: Callable[[], bool], timeout: float) -> None:
    """Poll `is_ready` until true; on failure stop `process` and raise StartupError."""
    deadline = time.monotonic() + timeout
    try:
        while True:
            if not process.is_running():
                problem = f"exited with code {process.returncode} before it was ready"
                break
            try:
                if is_ready():
                    return
            except (httpx.HTTPError, ValueError):
                pass  # not listening yet, or not answering sensibly yet
            if time.monotonic() > deadline:
                problem = f"was not ready after {timeout:g} s"
                break
            time.sleep(POLL_INTERVAL)
    except BaseException:
        process.stop()  # e.g. Ctrl+C while waiting: the caller never got the process
        raise
    process.stop()
    raise StartupError(f"{process.name} {problem}; last lines of {process.log_path}:\n{process.tail()}")


def _get(url: str) -> httpx.Response:
    # trust_env=False: local polls must not go through an HTTP(S)_PROXY. verify=False: these polls only ask
    # whether something answers; the bridge's certificate is for its clients to verify against their CAs.
    return httpx.get(url, timeout=2, trust_env=False, verify=False)


def _answers(url: str) -> bool:
    try:
        _get(url)  # raises while nothing listens
    except httpx.TransportError as error:
        # A TLS alert (a client certificate is required) is an answer too: a worker, the app loaded, sent it.
        if not _from_tls(error):
            raise
    return True


def _from_tls(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, ssl.SSLError):
            return True
        error = error.__cause__ or error.__context__
    return False


def _scheme(settings: Settings) -> str:
    return "https" if settings.tls_certfile is not None else "http"


def _connectable(host: str) -> str:
    """Where to reach a server bound to `host` from this machine."""
    return {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _print_banner(settings: Settings, bridge_env: Mapping[str, str], prefect_api_url: str, workdir: Path) -> None:
    api = f"{_scheme(settings)}://localhost:{settings.port}/api/v1"
    lines = ["", "Airflow-to-Prefect bridge is running (embedded Prefect server and demo flows).", ""]
    lines.append(f"  Airflow API:  {api}")
    if settings.auth_enabled:
        password = bridge_env["BRIDGE_ADMIN_PASSWORD"]
        lines.append(f"  Username:     {settings.admin_username}")
        lines.append(f"  Password:     {password}")
        credentials = f"-u {shlex.quote(f'{settings.admin_username}:{password}')} "
    else:
        credentials = ""
    lines.append(f"  Prefect API:  {prefect_api_url}")
    lines.append(f"  Logs:         {workdir} (removed on exit)")
    lines += ["", f"  Try:  curl {credentials}{api}/dags", "", "Press Ctrl+C to stop.", ""]
    print("\n".join(lines), flush=True)
