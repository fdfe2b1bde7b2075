"""Server processes on loopback ports: the one harness of the test suite (tests/servers.py) and
the benchmark (bench/servers.py).

Needs no Django settings: a caller passes the environment a process runs with (the tests build
theirs from the test database, the benchmark from its production-like settings)."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent

# The ASGI servers `manage.py serve` runs: daphne (the default) and uvicorn (recommended in the
# README).
SERVERS = ("daphne", "uvicorn")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def median_of(items, key=None):
    """The middle item by `key` (the upper middle of an even count): a measured row, not a mean."""
    return sorted(items, key=key)[len(items) // 2]


def serve_command(port, server="daphne", proxy_headers=False, access_log=False):
    """The command line of `manage.py serve` on a loopback port (run it from ROOT)."""
    return (
        [sys.executable, "manage.py", "serve", "--port", str(port), "--server", server]
        + (["--proxy-headers"] if proxy_headers else [])
        + (["--access-log"] if access_log else [])
    )


def answers_health(port):
    """GET /public/health answers 204."""
    try:
        return httpx.get(f"http://127.0.0.1:{port}/public/health", timeout=1).status_code == 204
    except httpx.HTTPError:
        return False


def accepts_connections(port):
    """Something accepts TCP connections on the port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


class LoopbackProcess:
    """A child process serving on `self.port` of the loopback interface."""

    process = None
    port = None

    @property
    def http(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self):
        return f"ws://127.0.0.1:{self.port}"

    @property
    def label(self):
        return type(self).__name__

    def launch(self, command, *, env=None, log=None, cwd=ROOT):
        """Start `command`; its stdout and stderr go to the open file `log` (or nowhere)."""
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL if log is None else log,
            stderr=subprocess.STDOUT,
        )
        return self.process

    def wait_until(self, ready, timeout):
        """Until `ready(self.port)`, polling every 0.1 s; raises with `self.diagnose()` when the
        process exits first or `timeout` seconds pass."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.label} exited: {self.diagnose()}")
            if ready(self.port):
                return self
            time.sleep(0.1)
        raise RuntimeError(f"{self.label} did not start: {self.diagnose()}")

    def wait_healthy(self, timeout):
        """Until GET /public/health answers 204."""
        return self.wait_until(answers_health, timeout)

    def wait_listening(self, timeout):
        """Until the port accepts connections (a server without /public/health)."""
        return self.wait_until(accepts_connections, timeout)

    def stop(self, timeout=10):
        """SIGTERM, then SIGKILL after `timeout` seconds."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def alive(self):
        return self.process.poll() is None

    def diagnose(self):
        return ""


def read_log(path, tail=5000):
    text = Path(path).read_text(errors="replace")
    return text[-tail:] if tail else text
