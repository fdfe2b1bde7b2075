"""The synchronous work of socket requests (database, cache) on a pool of threads of its own.

Channels' `database_sync_to_async` runs every call on one thread per process, the thread that
also runs Django's synchronous REST views: in a reconnect storm every ticket redemption, identify
and REST ticket waited behind every other. The work of one connection is independent of another's,
so it runs on WORKER_THREADS threads instead. That is safe with Django's connection handling:
as Channels' wrapper does, the thread's database connection is closed before and after each call
(with CONN_MAX_AGE=0 a PostgreSQL connection goes back to the process's pool; SQLite writers wait
on the database lock). A connection's own frames are still handled one after another.

The call is handed to the pool directly (`run_in_executor`, in a copy of the caller's context):
Channels' `database_sync_to_async` wraps the same hand-off in asgiref's machinery, which none of
this work uses (its events go out from the loop, below) and which cost ~0.1M instructions per
identify in a reconnect storm (docs/architecture.md, "One connection")."""

import asyncio
import contextvars
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections

from sockets import events

_pool = None


def _executor():
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=settings.TALO_SOCKET["WORKER_THREADS"], thread_name_prefix="talo-worker")
    return _pool


async def run_work(function, *args, **kwargs):
    """`function(*args, **kwargs)` on a worker thread; its result or exception."""
    return await run_on(_executor(), function, *args, **kwargs)


async def run_on(executor, function, *args, **kwargs):
    """`function(*args, **kwargs)` on one of `executor`'s threads. The events it publishes go out
    from the event loop once it returns (or raises), in order, before the caller resumes."""
    outbox = events.Outbox()
    work = asyncio.get_running_loop().run_in_executor(
        executor, contextvars.copy_context().run, _on_worker, outbox, function, args, kwargs
    )
    try:
        result, error = await work
    except asyncio.CancelledError:
        if outbox.caller_gone():
            _publish_late(outbox.events)
        raise
    await events.publish_kept(outbox.events)
    if error is not None:
        raise error
    return result


def _on_worker(outbox, function, args, kwargs):
    close_old_connections()
    try:
        return events.keeping_events(outbox, function, *args, **kwargs)
    finally:
        close_old_connections()


_late = set()  # publishes of work whose caller was cancelled, kept alive until done


def _publish_late(kept):
    if kept:
        task = asyncio.ensure_future(events.publish_kept(kept))
        _late.add(task)
        task.add_done_callback(_late.discard)
