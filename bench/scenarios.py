"""The benchmark scenarios. Each returns a list of result rows (dicts):

- run_fanout, run_scaleout (bench/fanout.py): channel message fan-out on one and two processes;
- run_storm, run_close_storm, run_idle (bench/connections.py): a connection storm, a close storm,
  idle connections' memory;
- run_history_fanout, run_history_latency (bench/history.py): what channel history costs a
  fan-out, and a history request's latency.

Their servers (bench/servers.py) start through the harness the test suite shares
(bench/harness.py); their players and sockets come from bench/fixture.py."""

from bench.connections import CHAT_SCOPES, run_close_storm, run_idle, run_storm
from bench.fanout import run_fanout, run_scaleout
from bench.history import run_history_fanout, run_history_latency
from bench.servers import bench_env

__all__ = [
    "CHAT_SCOPES", "bench_env", "run_close_storm", "run_fanout", "run_history_fanout", "run_history_latency",
    "run_idle", "run_scaleout", "run_storm",
]
