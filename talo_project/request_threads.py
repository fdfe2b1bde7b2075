"""Each REST request's synchronous part (middleware, DRF view, database) on a reused thread.

Django's ASGI handler gives every request a thread-sensitive context of its own, for which asgiref
creates a single-thread executor: a new thread per request, and one more to join it afterwards.
In a reconnect storm (a REST ticket per client, docs/architecture.md "One connection") that
thread churn cost more CPU than the view. Here each request gets an idle executor from a pool
(asgiref's `ThreadSensitiveContext(executor=...)`, which Django's inner context then uses): requests
still run side by side, each on one thread of its own, and the threads live on."""

from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext


class RequestThreads:
    """ASGI middleware around Django's HTTP application; keeps up to `keep` idle threads."""

    def __init__(self, app, keep=128):
        self.app = app
        self.keep = keep
        self._idle = []

    async def __call__(self, scope, receive, send):
        executor = self._idle.pop() if self._idle else ThreadPoolExecutor(max_workers=1, thread_name_prefix="talo-request")
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.app(scope, receive, send)
        finally:
            # The executor is idle here even for a request whose client went away mid-view:
            # asgiref's sync_to_async waits for the thread's work before the cancellation ends
            # the request (tests/test_request_threads.py).
            if len(self._idle) < self.keep:
                self._idle.append(executor)
            else:
                executor.shutdown(wait=False)
