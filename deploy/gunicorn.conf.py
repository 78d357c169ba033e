"""Gunicorn configuration for the bridge: `gunicorn -c deploy/gunicorn.conf.py "app:create_app()"`.

Configured from the same environment as the app: BRIDGE_HOST and BRIDGE_PORT
(what to listen on), BRIDGE_WORKERS and BRIDGE_THREADS (concurrency).
"""

import os

_host = os.environ.get("BRIDGE_HOST") or "127.0.0.1"
_port = os.environ.get("BRIDGE_PORT") or "8080"
# An IPv6 address needs brackets to be told apart from the port.
bind = [f"[{_host}]:{_port}" if ":" in _host else f"{_host}:{_port}"]

# Every request mostly waits on the Prefect server, so threads carry the
# concurrency; a few processes add crash isolation and use more than one core.
worker_class = "gthread"
workers = int(os.environ.get("BRIDGE_WORKERS") or 2)
threads = int(os.environ.get("BRIDGE_THREADS") or 4)

# With gthread this is not a per-request limit: a worker is restarted only
# when its main loop stops checking in for this long. A request may
# legitimately take as long as the bridge's upstream timeout times its
# retries, so stay well above that.
timeout = 60
# On SIGTERM, requests in flight get this long to finish. Short, so stopping
# the bridge (Ctrl+C in embedded mode, a container stop) stays quick.
graceful_timeout = 10
# Clients of the Airflow API (the Python client, the UI, scripts) reuse
# connections for bursts of calls; gunicorn's default of 2 s is tight.
keepalive = 5

# Each worker builds its own app, and with it its own HTTP connection pool
# to Prefect: connection pools and their sockets must not be shared across
# fork(). It also lets a HUP reload pick up new code.
preload_app = False

# Access log and errors on stdout/stderr, where containers and process
# managers collect them.
accesslog = "-"
errorlog = "-"

# The heartbeat file is touched every second; on a disk-backed /tmp (common in
# containers) that can stall workers. /dev/shm is memory-backed.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# Gunicorn 25+ opens a control socket at one fixed path per user
# (~/.gunicorn/gunicorn.ctl), so two bridges on one machine (tests, the
# embedded mode next to a real one) would clash over it. We do not use
# gunicornc; older gunicorns ignore this unknown setting.
control_socket_disable = True
