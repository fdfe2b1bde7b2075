"""/metrics (README "Metrics"): scraped from a server of its own after known traffic, every
counter equals what the clients sent and received."""

import os
from collections import Counter

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.servers import SERVERS, serving
from tests.support import HEARTBEAT, api_on, wait_until

TOKEN = "scrape-me"


def scrape(api):
    response = api.rest().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def labelled(samples, name, label):
    return {dict(labels)[label]: value for (metric, labels), value in samples.items() if metric == name}


def value(samples, name):
    return samples.get((name, ()), 0)


@pytest.mark.parametrize("server_name", SERVERS)
def test_metrics_count_what_was_sent(transactional_db, server_name):
    with serving("metrics", server=server_name, TALO_METRICS_TOKEN=TOKEN) as server, api_on(server) as api:
        assert api.rest().get("/metrics").status_code == 401
        assert api.rest().get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        game = api.game()
        token = api.key(game, "read:players", "read:gameChannels", "write:gameChannels")
        (ann, ann_token), (bob, bob_token) = api.player(game, "ann"), api.player(game, "bob")
        received = []  # every frame either client got, by response name
        sockets = [api.identified(token, ann, ann_token), api.identified(token, bob, bob_token)]
        received += ["v1.connected", "v1.players.identify.success"] * 2
        client = api.rest(token)
        channel = client.post("/v1/game-channels", json={"name": "room"}, headers={"x-talo-alias": str(ann)}).json()
        channel_id = channel["channel"]["id"]
        # Each join is applied (the joiner's own player-joined) before anything depends on it.
        sockets[0].expect("v1.channels.player-joined")
        assert client.post(f"/v1/game-channels/{channel_id}/join", headers={"x-talo-alias": str(bob)}).status_code == 200
        sockets[1].expect("v1.channels.player-joined")
        sockets[0].expect("v1.channels.player-joined")  # bob's, to ann
        received += ["v1.channels.player-joined"] * 3
        for number in range(3):
            sockets[0].send({"req": "v1.channels.message", "data": {"channel": {"id": channel_id}, "message": f"m{number}"}})
        sockets[0].send("not json")
        sockets[0].send({"req": "v1.made-up", "data": {}})
        sockets[1].send({"req": "v1.channels.message", "data": {"channel": {"id": 999999}, "message": "x"}})
        for sock in sockets:
            got = []  # the messages come through the channel layer: wait for them first
            while got.count("v1.channels.message") < 3:
                got.append(sock.recv()["res"])
            frames = sock.drain()  # a heartbeat and its echo, after everything above
            received += got + [frame["res"] for frame in frames] + [HEARTBEAT]
        sockets[1].close()
        wait_until(lambda: labelled(scrape(api), "talo_socket_closes_total", "code").get("1000") == 1)

        samples = scrape(api)
        sent_frames = Counter(received)
        assert sent_frames["v1.channels.message"] == 6  # 3 messages to 2 members
        assert labelled(samples, "talo_socket_frames_sent_total", "response") == dict(sent_frames)
        fanned_out = sent_frames["v1.channels.message"] + sent_frames["v1.channels.player-joined"]
        assert value(samples, "talo_socket_deliveries_total") == fanned_out
        # One observation per fan-out event that reached a socket here: the 3 messages, and bob's
        # player-joined to ann (the joiner's own copy comes with the join event, not timed).
        assert value(samples, "talo_socket_fanout_latency_seconds_count") == 4
        assert 0 < value(samples, "talo_socket_fanout_latency_seconds_sum") < 3
        assert labelled(samples, "talo_socket_frames_received_total", "request") == {
            "v1.players.identify": 2, "v1.channels.message": 4, "invalid": 2, HEARTBEAT: 2,
        }
        assert labelled(samples, "talo_socket_errors_total", "error_code") == {
            "ROUTING_ERROR": 1, "INVALID_MESSAGE": 1, "LISTENER_ERROR": 1,
        }
        assert sent_frames["v1.error"] == 3
        assert labelled(samples, "talo_socket_closes_total", "code") == {"1000": 1}
        assert value(samples, "talo_socket_connections_opened_total") == 2
        assert value(samples, "talo_socket_connections") == 1
        assert value(samples, "talo_socket_identified_connections") == 1
        assert value(samples, "talo_socket_identify_duration_seconds_count") == 2
        assert value(samples, "talo_socket_channel_layer_up") == 1
        assert value(samples, "talo_socket_slow_consumer_closes_total") == 0
        assert value(samples, "talo_socket_rate_limit_closes_total") == 0
        if os.environ.get("DATABASE_URL"):  # the psycopg pool of this process
            assert value(samples, "talo_socket_database_pool_size") >= 1
            assert ("talo_socket_database_pool_available", ()) in samples
            assert value(samples, "talo_socket_database_pool_waiting") == 0
        else:
            assert not any(name.startswith("talo_socket_database_pool") for name, _ in samples)
