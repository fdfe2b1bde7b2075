"""What a scenario connects: a game's players, each with a socket token and all members of one
channel (Fixture), and the receiver processes that hold their sockets (Receivers)."""

import multiprocessing
import time

from bench.receivers import receiver_main


class Fixture:
    """Players of one game, each with a socket token, all members of one channel. Written
    straight to the database: a server loads an alias's channels when it identifies."""

    # What a chat client needs; with read:playerPresence every identify would also fan a presence
    # frame out to everyone already there, a storm of its own that the fan-out would measure.
    SCOPES = ("read:players", "read:gameChannels", "write:gameChannels")

    def __init__(self, members, *, channel=True, scopes=SCOPES):
        from game_channels.models import ChannelMembership, GameChannel
        from players.models import Player, PlayerAlias

        from players.services.keys import create_access_key, get_or_create_game
        from players.socket_tokens import issue_socket_token

        self.game, _ = get_or_create_game(name=f"bench-{time.time_ns()}")
        self.key, self.token = create_access_key(game=self.game, scopes=list(scopes))
        players = Player.objects.bulk_create([Player(game=self.game) for _ in range(members)])
        aliases = PlayerAlias.objects.bulk_create(
            [PlayerAlias(player=p, game=self.game, service="bench", identifier=f"m{i}") for i, p in enumerate(players)]
        )
        self.identities = [(alias.id, issue_socket_token(alias_id=alias.id)) for alias in aliases]
        self.channel_id = None
        if channel:
            game_channel = GameChannel.objects.create(game=self.game, name="bench", owner=aliases[0])
            ChannelMembership.objects.bulk_create([ChannelMembership(channel=game_channel, alias=a) for a in aliases])
            self.channel_id = game_channel.id

    def socket_specs(self, servers, identities, query=""):
        """(url, key token, identity) per socket, spread round-robin over servers: each socket
        fetches its ticket right before it connects; `query` is kept in the URL (`offsets=1`)."""
        url_query = f"?{query}" if query else ""
        return [
            (f"{servers[i % len(servers)].ws}/{url_query}", self.token, identity) for i, identity in enumerate(identities)
        ]


class Receivers:
    # Connecting and identifying costs the server tens of milliseconds of CPU per socket (the
    # database work of an identify): the deadline grows with the number of sockets.
    SECONDS_PER_SOCKET = 0.1

    def __init__(self, specs, processes):
        ctx = multiprocessing.get_context("spawn")
        self.pipes, self.procs = [], []
        for index in range(processes):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=receiver_main, args=(specs[index::processes], child), daemon=True)
            proc.start()
            self.pipes.append(parent)
            self.procs.append(proc)
        self.count = 0
        deadline = time.monotonic() + 120 + self.SECONDS_PER_SOCKET * len(specs)
        try:
            for pipe in self.pipes:
                if not pipe.poll(max(0, deadline - time.monotonic())):
                    raise RuntimeError(f"receivers did not connect {len(specs)} sockets in time")
                status = pipe.recv()
                if status[0] != "ready":
                    raise RuntimeError(f"receiver failed: {status}")
                self.count += status[1]
        except BaseException:
            self.kill()
            raise

    def kill(self):
        for proc in self.procs:
            proc.kill()
            proc.join(5)

    def deliveries(self):
        total = 0
        for pipe in self.pipes:
            pipe.send("count")
        for pipe in self.pipes:
            total += pipe.recv()
        return total

    def wait_drained(self, timeout=60, quiet=1.0):
        """Until no receiver counted anything new for `quiet` seconds (or `timeout`)."""
        deadline = time.monotonic() + timeout
        last = -1
        while time.monotonic() < deadline:
            current = self.deliveries()
            if current == last:
                return
            last = current
            time.sleep(quiet)

    def collect(self):
        results = []
        for pipe in self.pipes:
            pipe.send("stop")
        for pipe in self.pipes:
            results.append(pipe.recv())
        for proc in self.procs:
            proc.join(10)
        return results
