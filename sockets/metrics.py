"""Prometheus metrics of one server process, served at `/metrics` (docs/operations.md, "Metrics").

Each server process keeps its own numbers and serves them on its own port: the processes are
independent servers (not workers forked behind one port), so Prometheus scrapes each one as a
target and sums across them; PROMETHEUS_MULTIPROC_DIR's shared files are not needed.

The hot paths (a frame in, a delivery, a fan-out) only add to plain ints and `Counter`s here;
prometheus_client reads them when scraped, through one custom collector. A fan-out costs one
latency observation per process, not one per recipient."""

import hmac
from bisect import bisect_left
from collections import Counter

from django.conf import settings
from django.http import HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

PREFIX = "talo_socket_"
hub = None  # this process's hub, set by sockets.hub when it starts
frames_received = Counter()  # request name ("invalid" for a frame that names no known request)
frames_sent = Counter()  # response name of frames written to one socket (fan-outs included)
errors = Counter()  # v1.error frames by errorCode
closes = Counter()  # closed connections by close code
totals = Counter()  # connections_opened, deliveries, slow_consumer_closes, rate_limit_closes

# Close codes reported as themselves; any other (a client may send 3000–4999) as "other".
KNOWN_CLOSE_CODES = frozenset({1000, 1001, 1005, 1006, 1007, 1008, 1009, 1011, 1012, 3000, 4000})


def response_name(text):
    """The `res` of a server frame (`{"res":"…",…}` as sockets.wire writes it), or the text of a
    bare heartbeat."""
    if text.startswith('{"res":"'):
        return text[8:text.find('"', 8)]
    return text if text == "v1.heartbeat" else "other"


def closed(code):
    closes[code if code in KNOWN_CLOSE_CODES else "other"] += 1


class Histogram:
    """A histogram of plain ints (cheaper than prometheus_client's locks on a hot path)."""

    def __init__(self, name, documentation, buckets):
        self.name, self.documentation = name, documentation
        self.bounds = list(buckets)
        self.counts = [0] * (len(self.bounds) + 1)
        self.sum = 0.0

    def observe(self, value):
        self.counts[bisect_left(self.bounds, value)] += 1
        self.sum += value

    def family(self):
        cumulative, buckets = 0, []
        for bound, count in zip([*map(str, self.bounds), "+Inf"], self.counts):
            cumulative += count
            buckets.append((bound, cumulative))
        return HistogramMetricFamily(self.name, self.documentation, buckets=buckets, sum_value=self.sum)


histograms = []


def histogram(name, documentation, buckets):
    """A histogram served at /metrics; the domain apps make theirs here too."""
    made = Histogram(PREFIX + name, documentation, buckets)
    histograms.append(made)
    return made


LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
fanout_seconds = histogram(
    "fanout_latency_seconds", "From publishing an event to writing it to this process's last recipient.", LATENCY_BUCKETS
)


def _counter(name, documentation, values, label):
    family = CounterMetricFamily(PREFIX + name, documentation, labels=[label])
    for value, count in sorted(values.items(), key=lambda item: str(item[0])):
        family.add_metric([str(value)], count)
    return family


def _database_pool():
    """psycopg pool statistics of this process, or None (SQLite, or no pool yet)."""
    from django.db import connections

    wrapper = connections["default"]
    # The pool as Django keeps it once opened; `wrapper.pool` would open one just to report it.
    pool = getattr(type(wrapper), "_connection_pools", {}).get(wrapper.alias)
    return pool.get_stats() if pool is not None else None


class SocketCollector:
    def describe(self):
        return []  # names are not checked up front: collect() reads live state

    def collect(self):
        connections = list(hub.connections) if hub is not None else []
        yield GaugeMetricFamily(PREFIX + "connections", "Open sockets past their ticket.", value=len(connections))
        yield GaugeMetricFamily(
            PREFIX + "identified_connections",
            "Open sockets identified as a player.",
            value=sum(1 for connection in connections if connection.alias_id is not None),
        )
        yield GaugeMetricFamily(
            PREFIX + "channel_layer_up",
            "1 while the channel layer answers this process's probes, 0 during an outage.",
            value=1 if hub is None or hub.layer_reachable else 0,
        )
        for name, documentation in (
            ("connections_opened", "Sockets accepted past their ticket."),
            ("deliveries", "Frames written to a socket by a fan-out (one per recipient)."),
            ("slow_consumer_closes", "Sockets closed 1008 SLOW_CONSUMER."),
            ("rate_limit_closes", "Sockets closed 1008 RATE_LIMIT_EXCEEDED."),
        ):
            family = CounterMetricFamily(PREFIX + name, documentation)
            family.add_metric([], totals[name])
            yield family
        yield _counter("frames_received", "Frames received, by request.", frames_received, "request")
        yield _counter("frames_sent", "Frames written to a socket, by response.", frames_sent, "response")
        yield _counter("errors", "v1.error frames sent, by errorCode.", errors, "error_code")
        yield _counter("closes", "Closed sockets, by close code.", closes, "code")
        for made in histograms:
            yield made.family()
        stats = _database_pool()
        if stats is not None:
            for key, name in (("pool_size", "size"), ("pool_available", "available"), ("requests_waiting", "waiting")):
                yield GaugeMetricFamily(
                    PREFIX + f"database_pool_{name}", f"psycopg pool of this process: {key}.", value=stats.get(key, 0)
                )


REGISTRY.register(SocketCollector())


def metrics_view(request):
    """GET /metrics; with TALO_METRICS_TOKEN set, only with `Authorization: Bearer <token>`."""
    token = settings.TALO_METRICS_TOKEN
    if token and not hmac.compare_digest(request.headers.get("Authorization", "").encode(), f"Bearer {token}".encode()):
        return HttpResponse(status=401)
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
