"""The server processes a benchmark scenario measures: ours (`manage.py serve`) or the baseline,
started with the shared harness (bench/harness.py)."""

import os
import sys
import time
from pathlib import Path

import psutil

from bench.harness import LoopbackProcess, free_port, serve_command


def bench_env(base):
    env = dict(os.environ)
    env.update(base)
    return env


class Server(LoopbackProcess):
    """A server process under test: ours (`manage.py serve --server <kind>`), the fan-out's baseline
    or the storm's floor."""

    def __init__(self, kind, env):
        self.kind = kind
        self.port = free_port()
        if kind == "baseline":
            command = [sys.executable, "-m", "bench.baseline", str(self.port)]
        elif kind == "floor":
            command = [sys.executable, "-m", "bench.storm_floor", str(self.port)]
        elif kind == "daphne-plain":
            # daphne as Channels' deployment docs start a project: no flags of ours.
            daphne = str(Path(sys.executable).parent / "daphne")
            command = [daphne, "-b", "127.0.0.1", "-p", str(self.port), "talo_project.asgi:application"]
        else:
            command = serve_command(self.port, server=kind)
        self.log = open(f"/tmp/talo-bench-{kind}-{self.port}.log", "w")
        self.launch(command, env=env, log=self.log)
        self.ps = psutil.Process(self.process.pid)
        # The baseline has no /public/health: both are ready when the port accepts connections.
        self.wait_listening(60)

    @property
    def label(self):
        return self.kind

    def diagnose(self):
        return f"see {self.log.name}"

    def cpu_seconds(self):
        total = 0.0
        for proc in [self.ps, *self.ps.children(recursive=True)]:
            try:
                times = proc.cpu_times()
                total += times.user + times.system
            except psutil.NoSuchProcess:
                pass
        return total

    def wait_quiet(self, servers_cpu_share=0.05, interval=0.5, timeout=120):
        """Until the server uses under `servers_cpu_share` of a core: the work a scenario's
        setup caused is over before its measurement starts."""
        deadline = time.monotonic() + timeout
        before = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(interval)
            now = self.cpu_seconds()
            if now - before < servers_cpu_share * interval:
                return
            before = now

    def rss(self):
        return self.ps.memory_info().rss

    def stop(self):
        from players.models import PlayerPresence

        super().stop(timeout=15)
        self.log.close()
        # A stopped server leaves the players of its unfinished clean-ups online; the next
        # server's presence sweep would set them offline during its measurement.
        PlayerPresence.objects.filter(online=True).update(online=False)
