"""`totalMessages` without a database write per message (docs/socket.md §9.2, issue 3).

Each server process counts its channel messages in memory and adds the counts to the rows every
MESSAGE_COUNT_FLUSH_SECONDS, and once more when the process exits cleanly (daphne and uvicorn
both stop on SIGTERM/SIGINT and then run `atexit` handlers)."""

import asyncio
import atexit
import logging
from collections import Counter

from channels.db import database_sync_to_async
from django.conf import settings
from django.db.models import F

from game_channels.models import GameChannel

logger = logging.getLogger(__name__)

_pending = Counter()
_flusher = None


def add(channel_id):
    """Count one message (called on the event loop)."""
    global _flusher
    _pending[channel_id] += 1
    if _flusher is None or _flusher.done():
        _flusher = asyncio.get_running_loop().create_task(_flush_forever(), name="message-count-flush")


def _take():
    global _pending
    counts, _pending = _pending, Counter()
    return counts


def _write(counts):
    for channel_id, count in counts.items():
        GameChannel.objects.filter(id=channel_id).update(total_messages=F("total_messages") + count)


async def _flush_forever():
    while True:
        await asyncio.sleep(settings.TALO_SOCKET["MESSAGE_COUNT_FLUSH_SECONDS"])
        counts = _take()
        if not counts:
            continue
        try:
            await database_sync_to_async(_write)(counts)
        except asyncio.CancelledError:
            _pending.update(counts)
            raise
        except Exception:
            logger.exception("flushing channel message counts failed; retrying later")
            _pending.update(counts)


@atexit.register
def flush_on_exit():
    counts = _take()
    if counts:
        try:
            _write(counts)
        except Exception:
            logger.exception("flushing channel message counts at exit failed")
