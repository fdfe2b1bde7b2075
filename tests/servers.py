"""Real server processes for the tests: `manage.py serve` (daphne) against the test database.

Starting, waiting for and stopping a process is the harness the benchmark shares
(bench/harness.py); what is the tests' own here is the environment (the test database, the test
defaults) and the nginx and Redis processes some tests put in front of or beside the servers."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import dj_database_url
from django.conf import settings
from django.db import connection

from bench.harness import ROOT, SERVERS, LoopbackProcess, free_port, read_log, serve_command

__all__ = [
    "ROOT", "SERVERS", "TEST_DEFAULTS", "LoopbackProcess", "NginxProcess", "PlainDaphneProcess", "RedisProcess", "ServerProcess",
    "free_port", "manage", "server_env", "serving",
]


# The suite drives REST hard from one IP (Talo's tests run without the REST limiter too; its own
# test starts a server with small limits), and revocation sweeps run every second. The servers are
# `manage.py serve` on loopback: development mode unless a test configures a deployment
# (README "Security"; tests/test_deployment.py, tests/test_deploy.py).
TEST_DEFAULTS = {"TALO_REVOCATION_SWEEP_SECONDS": 1, "TALO_REST_RATE_LIMIT": 0, "TALO_REST_RATE_LIMIT_AUTH": 0}


def server_env(**overrides):
    """The environment of a server process that shares the test process's database and Redis."""
    env = dict(os.environ)
    env.update({key: str(value) for key, value in TEST_DEFAULTS.items()})
    # Secrets the tests encrypt in this process (verification keys) decrypt in the servers.
    env.setdefault("TALO_ENCRYPTION_KEY", settings.TALO_ENCRYPTION_KEY or settings.SECRET_KEY)
    settings_dict = connection.settings_dict
    if settings_dict["ENGINE"].endswith("sqlite3"):
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = settings_dict["NAME"]
    else:
        url = dj_database_url.parse(os.environ["DATABASE_URL"])
        env["DATABASE_URL"] = (
            f"postgres://{url['USER'] or ''}@{url['HOST']}:{url['PORT'] or 5432}/{settings_dict['NAME']}"
        )
    env.update({key: str(value) for key, value in overrides.items()})
    return env


def manage(*args, **env):
    """`manage.py ARGS` run as an operator runs it, on the test database; a CompletedProcess."""
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=server_env(**env), capture_output=True, text=True,
        timeout=60,
    )


# SERVERS: the ASGI servers `manage.py serve` runs; tests of behaviour that hangs on the server run
# on both.


class ServerProcess(LoopbackProcess):
    def __init__(self, name, port=None, server="daphne", proxy_headers=False, access_log=False, **env):
        self.name = name
        self.port = port or free_port()
        self.server = server
        self.proxy_headers = proxy_headers
        self.access_log = access_log
        self.env = server_env(**env)
        self.log = tempfile.NamedTemporaryFile(prefix=f"talo-{name}-", suffix=".log", delete=False)

    def command(self):
        return serve_command(self.port, self.server, self.proxy_headers, self.access_log)

    def start(self):
        self.launch(self.command(), env=self.env, log=self.log)
        return self.wait_healthy(30)

    def diagnose(self):
        return self.read_log()

    def read_log(self, tail=5000):
        return read_log(self.log.name, tail)


class PlainDaphneProcess(ServerProcess):
    """daphne started the way Channels' deployment docs start a project, with no flags of ours:
    `daphne -b 127.0.0.1 -p PORT talo_project.asgi:application`."""

    # Not `manage.py serve` on loopback, so a deployment: it needs its key and host names
    # (README "Security").
    DEPLOYMENT = {"DJANGO_SECRET_KEY": "tests-only-secret-key-0123456789abcdef", "ALLOWED_HOSTS": "127.0.0.1,localhost"}

    def __init__(self, name, **options):
        super().__init__(name, **{**self.DEPLOYMENT, **options})

    def command(self):
        daphne = str(Path(sys.executable).parent / "daphne")
        return [daphne, "-b", "127.0.0.1", "-p", str(self.port), "talo_project.asgi:application"]


def listen_queue(port):
    """The length of the queue of connections not yet accepted that the socket listening on
    127.0.0.1:`port` was given (`ss` shows it as a listening socket's Send-Q)."""
    line = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True, check=True).stdout.split()
    return int(line[2])


def expected_listen_queue(backlog):
    """`backlog` as the kernel grants it: capped at net.core.somaxconn."""
    return min(backlog, int(Path("/proc/sys/net/core/somaxconn").read_text()))


@contextmanager
def serving(name, process_class=None, **options):
    """A started ServerProcess (or `process_class`) for the duration of the block."""
    process = (process_class or ServerProcess)(name, **options).start()
    try:
        yield process
    finally:
        process.stop()


class NginxProcess(LoopbackProcess):
    """nginx in front of server processes, configured like deploy/nginx.conf, on loopback."""

    def __init__(self, upstreams):
        self.port = free_port()
        self.prefix = Path(tempfile.mkdtemp(prefix="talo-nginx-"))
        servers = "\n".join(f"        server 127.0.0.1:{upstream.port};" for upstream in upstreams)
        (self.prefix / "nginx.conf").write_text(
            NGINX_TEST_CONF.replace("{servers}", servers).replace("{port}", str(self.port))
        )

    def start(self):
        self.launch(["nginx", "-p", str(self.prefix), "-c", "nginx.conf", "-g", "daemon off;"], cwd=None)
        return self.wait_healthy(15)

    def diagnose(self):
        return (self.prefix / "error.log").read_text() if (self.prefix / "error.log").exists() else ""


# deploy/nginx.conf, with a test's ports and paths (and no privileged port or system user).
NGINX_TEST_CONF = """
worker_processes 1;
user root;
error_log error.log warn;
pid nginx.pid;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path tmp_body;
    proxy_temp_path tmp_proxy;
    fastcgi_temp_path tmp_fastcgi;
    uwsgi_temp_path tmp_uwsgi;
    scgi_temp_path tmp_scgi;
    upstream talo {
        least_conn;
{servers}
        keepalive 32;
    }
    map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
    server {
        listen 127.0.0.1:{port};
        client_max_body_size 1m;
        location / {
            proxy_pass http://talo;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 120s;
            proxy_send_timeout 120s;
            proxy_buffering off;
        }
    }
}
"""


class RedisProcess:
    """A Redis server a test owns (and may restart), on a free loopback port."""

    def __init__(self):
        self.port = free_port()
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
