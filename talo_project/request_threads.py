"""Django's ASGI handler with each REST request's synchronous part on one reused thread, in one hop.

Django's own ASGI handler builds its middleware chain for async use. With our synchronous
middlewares and views that means five hand-offs between the event loop and a thread per request:
the `request_started` signal, the middleware chain, back to the loop for the URL resolution, the
view, and `response.close()`. And it gives every request a thread-sensitive context of its own,
for which asgiref creates a single-thread executor: a new thread per request, and one more to join
it afterwards. In a reconnect storm (a REST ticket per client, docs/architecture.md "One
connection") the hand-offs and the thread churn cost more CPU than the view.

Here the chain is built synchronous, as under WSGI, and one hop runs the signal, the chain, the
view and (for a response that is not streamed) its close on the request's thread; the response
is then sent from the loop. Each request gets an idle single-thread executor from a pool and its
work is handed to it directly (`run_in_executor`, in a copy of the request's context): requests
still run side by side, each on one thread of its own, and the threads live on. asgiref's
`sync_to_async` did the same hand-off with a thread-sensitive context around it, which no code
on these threads uses (a REST request publishes its events on the server's loop,
sockets/events.py) and which cost ~5 % of a socket ticket's instructions. Everything else — reading
the body, watching for the client going away, sending — is Django's ASGIHandler unchanged."""

import asyncio
import contextvars
from concurrent.futures import ThreadPoolExecutor

from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers import base
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse
from django.urls import set_script_prefix


class RequestHandler(ASGIHandler):
    """The project's HTTP application; keeps up to `keep` idle request threads."""

    def __init__(self, keep=128):
        base.BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        self.keep = keep
        self._idle = []

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = self._idle.pop() if self._idle else ThreadPoolExecutor(max_workers=1, thread_name_prefix="talo-request")
        try:
            await self.handle(scope, receive, send, executor)
        finally:
            # The executor is idle here even for a request whose client went away mid-view: the
            # cancellation waits for the thread's work before it ends the request
            # (process_request; tests/test_request_threads.py).
            if len(self._idle) < self.keep:
                self._idle.append(executor)
            else:
                executor.shutdown(wait=False)

    async def handle(self, scope, receive, send, executor):
        """ASGIHandler.handle with the synchronous part in one hop (`_respond`)."""
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))

        async def process_request():
            work = asyncio.get_running_loop().run_in_executor(
                executor, contextvars.copy_context().run, self._respond, scope, body_file
            )
            try:
                response = await asyncio.shield(work)
            except asyncio.CancelledError:
                await asyncio.wait([work])  # the thread finishes the request before it is reused
                raise
            try:
                await self.send_response(response, send)
            except asyncio.CancelledError:
                pass
            return response

        tasks = [
            asyncio.create_task(self.listen_for_disconnect(receive)),
            asyncio.create_task(process_request()),
        ]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            if task.done():
                try:
                    task.result()
                except RequestAborted:
                    pass
                except AssertionError:
                    body_file.close()
                    raise
            else:
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError:
                    pass
        try:
            response = tasks[1].result()
        except asyncio.CancelledError:
            await signals.request_finished.asend(sender=self.__class__)
        else:
            if response.streaming:
                await asyncio.get_running_loop().run_in_executor(executor, response.close)  # on the request's thread
        body_file.close()

    def _respond(self, scope, body_file):
        """On the request's thread: what Django's handler spreads over five hops."""
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
            response._handler_class = self.__class__
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        if not response.streaming:
            # Its body is in memory: closing now (request_finished: the database connection goes
            # back to the pool) changes nothing of what is sent.
            response.close()
        return response
