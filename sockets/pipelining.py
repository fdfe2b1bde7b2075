"""Redis commands from many coroutines to one server, pipelined.

redis-py sends each command in a round trip of its own, on a connection taken from the pool and
checked for unread data first. Under load — a reconnect storm publishes a presence change per
identify, a busy channel appends every message to its history and publishes it — that costs more
than the commands. Here, with nothing on the wire a command goes out at once, on its own; the
commands that arrive meanwhile wait and go out together in one pipeline (one write, one read of
the replies) when it is done, and so on. Commands go out in the order they were given, and each
caller gets its own reply or error."""

import asyncio


class CommandPipeline:
    """`client()` answers the redis.asyncio client to use (asked each time: its owner may have
    replaced it)."""

    def __init__(self, client):
        self._client = client
        self._waiting = []
        self._busy = False

    async def execute(self, *command):
        if self._busy:
            reply = asyncio.get_running_loop().create_future()
            self._waiting.append((command, reply))
            return await reply
        self._busy = True
        try:
            return await self._client().execute_command(*command)
        finally:
            if self._waiting:
                asyncio.ensure_future(self._send_waiting())
            else:
                self._busy = False

    async def _send_waiting(self):
        batch = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                pipe = self._client().pipeline(transaction=False)
                for command, _ in batch:
                    pipe.execute_command(*command)
                try:
                    replies = await pipe.execute(raise_on_error=False)
                except Exception as error:
                    replies = [error] * len(batch)
                for (_, reply), value in zip(batch, replies):
                    _settle(reply, value)
                batch = []
        except BaseException as error:  # cancelled with the loop: nobody waits forever
            stopped = error if isinstance(error, Exception) else RuntimeError("Redis pipeline stopped")
            for _, reply in batch + self._waiting:
                _settle(reply, stopped)
            self._waiting = []
            raise
        finally:
            self._busy = False


def _settle(reply, value):
    if reply.done():  # its caller was cancelled
        return
    if isinstance(value, Exception):
        reply.set_exception(value)
    else:
        reply.set_result(value)
