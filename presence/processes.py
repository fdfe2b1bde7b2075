"""The running server processes, in the database (presence.models.ServerProcess): each one
announces itself every LIVE_CONNECTIONS_SECONDS from a thread of its own, started with the ASGI
application, so the admin's live view lists them and a process running WITHOUT Redis finds out
at once when another one uses the same database — everything that is in a process's memory then
(presence's connection registry, socket pushes from the other process, tickets) silently breaks,
so it says so, loudly, on both."""

import atexit
import logging
import os
import threading
import time

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from presence import services
from presence.models import ServerProcess
from sockets import live

logger = logging.getLogger(__name__)

_started = threading.Event()


def recent_seconds():
    """A process seen this recently is running (its period may be longer than ours)."""
    return max(15, 3 * live.period())


def start_heartbeat():
    if not _started.is_set():
        _started.set()
        threading.Thread(target=_beat_forever, name="talo-process-heartbeat", daemon=True).start()
        atexit.register(_forget_self)


def _forget_self():
    """A process that stops cleanly leaves at once (its restart must not look like a second one)."""
    try:
        ServerProcess.objects.filter(name=live.PROCESS).delete()
    except Exception:
        pass


def _running(name):
    """False for a process of this host that no longer exists (a crash, a restart)."""
    host, _, pid = name.rpartition(":")
    if host != live.PROCESS.rpartition(":")[0] or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except OSError:
        pass
    return True


def _beat_forever():
    started_at, warned = timezone.now(), set()
    while True:
        try:
            others = services.announce_process(
                name=live.PROCESS, with_redis=bool(settings.REDIS_CACHE_URL), started_at=started_at, recent=recent_seconds()
            )
            for other in filter(lambda other: _running(other.name), others):
                if other.name not in warned and not (settings.REDIS_CACHE_URL and other.with_redis):
                    warned.add(other.name)
                    logger.error(
                        "\n%s\nANOTHER SERVER PROCESS (%s) USES THIS DATABASE, and %s without REDIS_URL.\n"
                        "Without Redis each process keeps presence, tickets and socket pushes in its own memory:\n"
                        "players go offline while connected, pushes miss the other process's sockets.\n"
                        "Run ONE process without Redis, or set REDIS_URL on every process (README, Deploy).\n%s",
                        "!" * 78, other.name, "this one runs" if not settings.REDIS_CACHE_URL else "that one runs", "!" * 78,
                    )
        except Exception:
            logger.exception("server process heartbeat failed")
        finally:
            close_old_connections()
        time.sleep(live.period())
