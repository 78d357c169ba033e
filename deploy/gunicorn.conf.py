"""Gunicorn configuration for the bridge: `gunicorn -c deploy/gunicorn.conf.py "app:create_app()"`.

Configured from the same environment as the app, validated here once, in
the master, before any worker starts: an invalid setting stops gunicorn at
once with a message naming the variable (never its value), instead of every
worker failing to boot in turn. What this file reads:

- BRIDGE_HOST, BRIDGE_PORT: what to listen on;
- BRIDGE_WORKERS, BRIDGE_THREADS: concurrency;
- BRIDGE_TLS_CERTFILE, BRIDGE_TLS_KEYFILE: serve HTTPS with this
  certificate (PEM; the chain after the server's own) and its private key;
- BRIDGE_TLS_CLIENT_CA_FILE: also require a client certificate signed by
  one of these CAs (mutual TLS);
- BRIDGE_TLS_MINIMUM_VERSION: TLSv1.2 (default) or TLSv1.3.

Without a certificate the bridge speaks plain HTTP, for a TLS-terminating
proxy or load balancer in front (see README "TLS").
"""

import os
import ssl
import sys

from app.settings import Settings, SettingsError

try:
    _settings = Settings.from_env()
except SettingsError as error:
    # SystemExit, not an exception: gunicorn would print a traceback of this file for an exception.
    sys.exit(f"airflow-prefect-bridge: {error}")

_host = _settings.host
# An IPv6 address needs brackets to be told apart from the port.
bind = [f"[{_host}]:{_settings.port}" if ":" in _host else f"{_host}:{_settings.port}"]

# Every request mostly waits on the Prefect server, so threads carry the
# concurrency; a few processes add crash isolation and use more than one core.
worker_class = "gthread"
workers = _settings.workers
threads = _settings.threads

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

# HTTPS: gunicorn's own certificate options, filled from the bridge's settings.
if _settings.tls_certfile is not None:
    certfile = str(_settings.tls_certfile)
    keyfile = str(_settings.tls_keyfile)
    if _settings.tls_client_ca_file is not None:
        ca_certs = str(_settings.tls_client_ca_file)
        cert_reqs = ssl.CERT_REQUIRED

    _minimum_version = ssl.TLSVersion[_settings.tls_minimum_version.replace(".", "_")]

    def ssl_context(config, default_ssl_context_factory):
        """Gunicorn's context (certificate, key, client CAs) with the minimum TLS version raised."""
        context = default_ssl_context_factory()
        context.minimum_version = _minimum_version
        return context
