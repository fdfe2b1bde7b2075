"""Redis commands from many coroutines to one server, pipelined on one connection of their own.

The socket path sends a few Redis commands per channel message (the history append, the publish)
and per connection (presence changes). Through redis-py's client each costs more CPU than Redis
spends on it: a connection taken from the pool and given back, retry and observability hooks, a
timeout context, the command encoded argument by argument. Here a CommandPipeline holds one
connection (opened by redis-py, so every option of the Redis URL applies: password, database,
TLS, a Unix socket), writes each command in the RESP encoding and matches replies to callers in
order, parsed by hiredis. The commands given in one turn of the event loop go out in one write:
under load (a reconnect storm, a busy channel) many commands cost one system call. Commands go out
in the order they were given, and each caller gets its own reply or error (redis-py's exception
classes, so `NoScriptError` and the rest mean what they mean elsewhere).

A connection Redis closed (a restart) fails the commands waiting on it with ConnectionError; the
next command opens a new one, and a command whose connection was lost before it was answered is
sent once more on the new one (a PUBLISH or an append that Redis ran just before the
connection broke then runs twice: the rare price of not dropping it when it did not)."""

import asyncio
import collections

import hiredis
from redis._parsers.base import BaseParser
from redis.exceptions import ConnectionError as RedisConnectionError

READ_SIZE = 65536


class CommandPipeline:
    """`client()` answers the redis.asyncio client whose connection options to use (asked at
    each connect: its owner may have replaced it)."""

    def __init__(self, client):
        self._client = client
        self._link = None
        self._opening = None
        self._server = None

    @property
    def server(self):
        """The Redis server the commands go to: (host, port), or a Unix socket's path."""
        if self._server is None:
            kwargs = self._client().connection_pool.connection_kwargs
            self._server = kwargs.get("path") or (kwargs.get("host", "localhost"), kwargs.get("port", 6379))
        return self._server

    async def execute(self, *command):
        try:
            return await self._execute(command)
        except RedisConnectionError:
            return await self._execute(command)

    async def _execute(self, command):
        link = self._link
        if link is None or link.closed:
            link = await self._open()
        return await link.send(command)

    async def _open(self):
        if self._opening is None:
            self._opening = asyncio.ensure_future(self._connect())
        opening = self._opening
        try:
            return await asyncio.shield(opening)
        finally:
            if self._opening is opening and opening.done():
                self._opening = None

    async def _connect(self):
        pool = self._client().connection_pool
        connection = pool.connection_class(**pool.connection_kwargs)
        try:
            await connection.connect()  # the handshake: AUTH, SELECT, client name, as the URL says
        except OSError as error:
            raise RedisConnectionError(f"Redis connection failed: {error}") from error
        self._link = _Link(connection)
        return self._link

    async def close(self):
        link, self._link = self._link, None
        if link is not None:
            await link.close()


class _Link:
    """One open connection: commands written in order, replies read by one task, matched in order."""

    def __init__(self, connection):
        self._connection = connection
        self._writer = connection._writer
        self._waiting = collections.deque()
        self._unsent = []
        self.closed = False
        self._reader = asyncio.ensure_future(self._read_replies(connection._reader))

    def send(self, command):
        data = _pack(command)
        if self.closed:
            raise RedisConnectionError("Redis connection lost")
        loop = asyncio.get_running_loop()
        if not self._unsent:
            loop.call_soon(self._flush)
        self._unsent.append(data)
        reply = loop.create_future()
        self._waiting.append(reply)
        return reply

    def _flush(self):
        data, self._unsent = b"".join(self._unsent), []
        if self.closed:  # lost since: what was waiting to go out fails too
            self._fail(RedisConnectionError("Redis connection lost"))
        else:
            self._writer.write(data)

    async def _read_replies(self, stream):
        parser = hiredis.Reader()
        try:
            while True:
                data = await stream.read(READ_SIZE)
                if not data:
                    raise RedisConnectionError("Redis closed the connection")
                parser.feed(data)
                while (reply := parser.gets()) is not False:
                    if isinstance(reply, hiredis.PushNotification):  # RESP3's out-of-band news: no one's reply
                        continue
                    waiter = self._waiting.popleft()
                    if waiter.done():  # its caller was cancelled
                        continue
                    if isinstance(reply, hiredis.ReplyError):
                        waiter.set_exception(BaseParser.parse_error(str(reply)))
                    else:
                        waiter.set_result(reply)
        except Exception as error:
            lost = error if isinstance(error, RedisConnectionError) else RedisConnectionError(f"Redis connection lost: {error!r}")
            self._fail(lost)
        except BaseException:  # cancelled with the loop: nobody waits forever
            self._fail(RedisConnectionError("Redis pipeline stopped"))
            raise

    def _fail(self, error):
        self.closed = True
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_exception(error)
        self._writer.close()

    async def close(self):
        self._reader.cancel()
        try:
            await self._reader
        except asyncio.CancelledError:
            pass
        await self._connection.disconnect(nowait=True)


# The RESP encoding of a command of str, bytes, int and float arguments (others raise TypeError).
_pack = hiredis.pack_command
