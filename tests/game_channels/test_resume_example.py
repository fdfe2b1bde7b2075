"""docs/extensions.md §X1.6: the documented client (examples/resume_client.py) against a real
server — it drops its socket, misses 20 messages, reconnects and has every message once, in order."""

from examples.resume_client import ResumingClient
from tests.game_channels.conftest import MESSAGE, send


def test_the_example_client_resumes_after_a_reconnect(world):
    member, talker = world.player(), world.player()
    cid = world.create(talker)["id"]
    world.join(cid, member)
    key = world.api.key(world.game, "read:players", "read:gameChannels", "write:gameChannels")
    server = world.api.server
    client = ResumingClient(server.http, server.ws, key, member.alias_id, member.socket_token)
    try:
        client.connect()
        talker_socket = world.socket(talker)
        send(talker_socket, cid, "before")
        talker_socket.expect(MESSAGE)
        client.pump(timeout=5)
        assert client.received == [(cid, 1, "before", talker.alias_id)]

        client.ws.close()  # the connection drops
        missed = [f"missed {n}" for n in range(20)]
        for text in missed:
            send(talker_socket, cid, text)
            talker_socket.expect(MESSAGE)
        client.connect()
        assert client.received[1:] == [(cid, 2 + n, text, talker.alias_id) for n, text in enumerate(missed)]
        assert client.incomplete == set()

        send(talker_socket, cid, "live again")
        client.pump(timeout=5)
        assert client.received[-1] == (cid, 22, "live again", talker.alias_id)
        assert [offset for _, offset, _, _ in client.received] == list(range(1, 23))
    finally:
        client.close()
