"""docs/testing-scenarios.md M and G: player relationships over REST and their socket messages (docs/rest.md §8,
docs/socket.md §9.3, §10.13–16)."""

import pytest

from players.models import PlayerAliasSubscription
from tests.support import error

RELS = ("read:players", "read:playerRelationships", "write:playerRelationships")
CREATED = "v1.player-relationships.subscription-created"
CONFIRMED = "v1.player-relationships.subscription-confirmed"
DELETED = "v1.player-relationships.subscription-deleted"
BROADCAST = "v1.player-relationships.broadcast"


@pytest.fixture
def game(api):
    return api.game()


def as_alias(api, game, alias_id, *scopes):
    return api.rest(api.key(game, *(scopes or RELS)), **{"x-talo-alias": str(alias_id)})


def subscribe(api, game, subscriber, subscribed_to, relationship_type="unidirectional"):
    response = as_alias(api, game, subscriber).post(
        "/v1/players/relationships", json={"aliasId": subscribed_to, "relationshipType": relationship_type}
    )
    assert response.status_code == 200, response.text
    return response.json()["subscription"]


def confirm(api, game, alias_id, subscription_id):
    response = as_alias(api, game, alias_id).put(f"/v1/players/relationships/{subscription_id}/confirm")
    assert response.status_code == 200, response.text
    return response.json()["subscription"]


def two_players(api, game):
    return api.player(game)[0], api.player(game)[0]


# --- create ------------------------------------------------------------------------------------


def test_m205_create(api, game):
    p1, p2 = two_players(api, game)
    subscription = subscribe(api, game, p1, p2)
    assert list(subscription) == ["id", "subscriber", "subscribedTo", "confirmed", "relationshipType", "createdAt", "updatedAt"]
    assert isinstance(subscription["id"], int)
    assert (subscription["subscriber"]["id"], subscription["subscribedTo"]["id"]) == (p1, p2)
    assert (subscription["confirmed"], subscription["relationshipType"]) == (False, "unidirectional")


def test_m206_to_m210_create_errors(api, game):
    p1, p2 = two_players(api, game)
    post = lambda client, body: client.post("/v1/players/relationships", json=body)  # noqa: E731
    body = {"aliasId": p2, "relationshipType": "unidirectional"}
    assert post(as_alias(api, game, p1, "read:players"), body).status_code == 403
    unknown = post(as_alias(api, game, 999999), body)
    assert (unknown.status_code, unknown.json()) == (404, {"message": "Player not found"})
    for target in (999999, api.player(api.game())[0]):
        response = post(as_alias(api, game, p1), {"aliasId": target, "relationshipType": "unidirectional"})
        assert (response.status_code, response.json()) == (404, {"message": "Player alias for subscription not found"})
    response = post(as_alias(api, game, p1), {"aliasId": p1, "relationshipType": "unidirectional"})
    assert (response.status_code, response.json()) == (400, {"message": "Cannot subscribe to yourself"})
    subscribe(api, game, p1, p2)
    response = post(as_alias(api, game, p1), {"aliasId": p2, "relationshipType": "bidirectional"})
    assert (response.status_code, response.json()) == (400, {"message": "Subscription already exists"})
    response = post(as_alias(api, game, p1), {"aliasId": p2, "relationshipType": "invalid-type"})
    assert (response.status_code, response.json()) == (
        400,
        {"errors": {"relationshipType": ['relationshipType must be either "unidirectional" or "bidirectional"']}},
    )
    response = post(as_alias(api, game, p1), {"aliasId": "2", "relationshipType": "unidirectional"})
    assert response.json() == {"errors": {"aliasId": ["Invalid input: expected number, received string"]}}


def test_m211_created_reaches_only_the_subscribed_to_alias(api, game):
    (p1, t1), (p2, t2) = api.player(game), api.player(game)
    s1 = api.identified(api.key(game, *RELS), p1, t1)
    s2 = api.identified(api.key(game, *RELS), p2, t2)
    s2_blind = api.identified(api.key(game, "read:players"), p2, t2)
    subscription = subscribe(api, game, p1, p2)
    assert s2.expect(CREATED) == {"subscription": subscription}
    for silent in (s1, s2_blind, s2):
        silent.expect_silence()


# --- confirm -----------------------------------------------------------------------------------


def test_m212_m218_confirm_reaches_only_the_subscriber(api, game):
    (p1, t1), (p2, t2) = api.player(game), api.player(game)
    s1 = api.identified(api.key(game, *RELS), p1, t1)
    s2 = api.identified(api.key(game, *RELS), p2, t2)
    pending = subscribe(api, game, p1, p2)
    s2.expect(CREATED)
    confirmed = confirm(api, game, p2, pending["id"])
    assert (confirmed["id"], confirmed["confirmed"]) == (pending["id"], True)
    pushed = s1.expect(CONFIRMED)
    assert pushed == {"subscription": confirmed}
    assert (pushed["subscription"]["subscriber"]["id"], pushed["subscription"]["subscribedTo"]["id"]) == (p1, p2)
    s1.expect_silence()
    s2.expect_silence()
    assert not PlayerAliasSubscription.objects.filter(subscriber_id=p2).exists()  # m217


def test_m213_m214_confirm_errors(api, game):
    p1, p2 = two_players(api, game)
    pending = subscribe(api, game, p1, p2)
    put = lambda alias, sid, *scopes: as_alias(api, game, alias, *scopes).put(  # noqa: E731
        f"/v1/players/relationships/{sid}/confirm"
    )
    assert put(p2, pending["id"], "read:players").status_code == 403
    assert put(999, pending["id"]).json() == {"message": "Player not found"}
    not_found = (404, {"message": "Subscription request not found"})
    for alias, sid in ((p2, 99999999), (p1, pending["id"])):
        response = put(alias, sid)
        assert (response.status_code, response.json()) == not_found
    confirm(api, game, p2, pending["id"])
    response = put(p2, pending["id"])
    assert (response.status_code, response.json()) == not_found
    response = put(p2, "abc")
    assert (response.status_code, response.json()) == (
        400,
        {"errors": {"id": ["Invalid input: expected number, received NaN"]}},
    )


def test_m215_m216_bidirectional_confirm_confirms_or_creates_the_reverse(api, game):
    p1, p2 = two_players(api, game)
    forward = subscribe(api, game, p1, p2, "bidirectional")
    reverse = subscribe(api, game, p2, p1, "bidirectional")
    confirm(api, game, p2, forward["id"])
    assert PlayerAliasSubscription.objects.get(id=reverse["id"]).confirmed is True

    p3, p4 = two_players(api, game)
    forward = subscribe(api, game, p3, p4, "bidirectional")
    confirm(api, game, p4, forward["id"])
    created = PlayerAliasSubscription.objects.get(subscriber_id=p4, subscribed_to_id=p3)
    assert (created.confirmed, created.relationship_type) == (True, "bidirectional")


# --- delete ------------------------------------------------------------------------------------


def test_m219_m223_delete_reaches_both_aliases(api, game):
    (p1, t1), (p2, t2) = api.player(game), api.player(game)
    s1 = api.identified(api.key(game, *RELS), p1, t1)
    s2 = api.identified(api.key(game, *RELS), p2, t2)
    outsider = api.identified(api.key(game, *RELS), *api.player(game))
    subscription = subscribe(api, game, p1, p2)
    s2.expect(CREATED)
    response = as_alias(api, game, p1).delete(f"/v1/players/relationships/{subscription['id']}")
    assert response.status_code == 204 and response.content == b""
    expected = {"subscription": subscription, "reciprocalSubscription": None}
    assert s1.expect(DELETED) == expected
    assert s2.expect(DELETED) == expected
    assert not PlayerAliasSubscription.objects.filter(id=subscription["id"]).exists()
    for silent in (s1, s2, outsider):
        silent.expect_silence()


def test_m220_m221_delete_errors(api, game):
    p1, p2 = two_players(api, game)
    subscription = subscribe(api, game, p1, p2)
    path = f"/v1/players/relationships/{subscription['id']}"
    assert as_alias(api, game, p1, "read:players").delete(path).status_code == 403
    assert as_alias(api, game, 999).delete(path).json() == {"message": "Player not found"}
    for alias, target in ((p1, "/v1/players/relationships/99999999"), (p2, path)):
        response = as_alias(api, game, alias).delete(target)
        assert (response.status_code, response.json()) == (404, {"message": "Subscription not found"})
    assert PlayerAliasSubscription.objects.filter(id=subscription["id"]).exists()


def test_m222_bidirectional_delete_takes_the_reverse(api, game):
    (p1, t1), (p2, t2) = api.player(game), api.player(game)
    s2 = api.identified(api.key(game, *RELS), p2, t2)
    forward = subscribe(api, game, p1, p2, "bidirectional")
    confirm(api, game, p2, forward["id"])
    s2.drain()
    reverse = PlayerAliasSubscription.objects.get(subscriber_id=p2, subscribed_to_id=p1)
    listed = as_alias(api, game, p2).get("/v1/players/relationships/subscriptions").json()["subscriptions"]
    assert as_alias(api, game, p1).delete(f"/v1/players/relationships/{forward['id']}").status_code == 204
    pushed = s2.expect(DELETED)
    assert pushed["subscription"]["id"] == forward["id"]
    assert pushed["reciprocalSubscription"] == listed[0] and listed[0]["id"] == reverse.id
    assert not PlayerAliasSubscription.objects.filter(id__in=[forward["id"], reverse.id]).exists()
    # unidirectional: only that row
    p3, p4 = two_players(api, game)
    one, other = subscribe(api, game, p3, p4), subscribe(api, game, p4, p3)
    as_alias(api, game, p3).delete(f"/v1/players/relationships/{one['id']}")
    assert PlayerAliasSubscription.objects.filter(id=other["id"]).exists()


# --- lists -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, mine, other",
    [("subscribers", "subscribedTo", "subscriber"), ("subscriptions", "subscriber", "subscribedTo")],
)
def test_m224_to_m228_lists(api, game, path, mine, other):
    me, a, b = api.player(game)[0], api.player(game)[0], api.player(game)[0]

    def link(other_id, relationship_type):
        pair = (other_id, me) if path == "subscribers" else (me, other_id)
        return subscribe(api, game, *pair, relationship_type)

    pending = link(a, "unidirectional")
    confirmed = link(b, "bidirectional")
    confirm(api, game, b if path == "subscriptions" else me, confirmed["id"])
    client = as_alias(api, game, me)

    def ids(**query):
        body = client.get(f"/v1/players/relationships/{path}", params=query).json()
        assert body["itemsPerPage"] == 50 and body["isLastPage"] is True
        assert body["count"] == len(body["subscriptions"])
        assert all(item[mine]["id"] == me for item in body["subscriptions"])
        return sorted(item[other]["id"] for item in body["subscriptions"])

    assert ids() == sorted([a, b])
    assert ids(confirmed="false") == [a]
    assert ids(confirmed="true") == [b]
    assert ids(aliasId=str(a)) == [a]
    assert ids(relationshipType="unidirectional") == [a]
    assert ids(relationshipType="bidirectional") == [b]
    assert pending["id"] != confirmed["id"]

    loner = api.player(game)[0]
    body = as_alias(api, game, loner).get(f"/v1/players/relationships/{path}").json()
    assert body == {"subscriptions": [], "count": 0, "itemsPerPage": 50, "isLastPage": True}
    assert as_alias(api, game, me, "read:players").get(f"/v1/players/relationships/{path}").status_code == 403
    response = as_alias(api, game, 999).get(f"/v1/players/relationships/{path}")
    assert (response.status_code, response.json()) == (404, {"message": "Player not found"})


def test_lists_paginate_by_50(api, game):
    me = api.player(game)[0]
    from players.models import PlayerAlias

    aliases = [api.player(game)[0] for _ in range(51)]
    PlayerAliasSubscription.objects.bulk_create(
        PlayerAliasSubscription(subscriber_id=alias, subscribed_to_id=me, relationship_type="unidirectional")
        for alias in aliases
    )
    client = as_alias(api, game, me)
    first = client.get("/v1/players/relationships/subscribers").json()
    second = client.get("/v1/players/relationships/subscribers", params={"page": "1"}).json()
    assert (len(first["subscriptions"]), first["count"], first["isLastPage"]) == (50, 51, False)
    assert (len(second["subscriptions"]), second["count"], second["isLastPage"]) == (1, 51, True)
    assert PlayerAlias.objects.filter(id__in=aliases).count() == 51


# --- G. broadcasts -----------------------------------------------------------------------------

BROADCASTER = ("read:players", "write:playerBroadcasts", "read:playerBroadcasts")


def test_g35_to_g37_g39_broadcast_reaches_only_confirmed_subscribers_with_the_scope(api, game):
    (b, tb) = api.player(game)
    subscribers = [api.player(game) for _ in range(3)]
    (s1, t1), (s2, t2), (s3, t3) = subscribers
    (pending, tp), (stranger, ts) = api.player(game), api.player(game)
    for alias in (s1, s2, s3):
        confirm(api, game, b, subscribe(api, game, alias, b)["id"])
    subscribe(api, game, pending, b)
    key = api.key(game, *BROADCASTER)
    sender = api.identified(key, b, tb)
    sock1 = api.identified(key, s1, t1)
    sock1b = api.identified(key, s1, t1)  # every connection of a subscriber
    sock2 = api.identified(key, s2, t2)
    sock3_blind = api.identified(api.key(game, "read:players"), s3, t3)
    sock_pending = api.identified(key, pending, tp)
    sock_stranger = api.identified(key, stranger, ts)
    unidentified = api.socket(key)

    sender.send({"req": BROADCAST, "data": {"message": "Hello everyone!"}})
    for sock in (sock1, sock1b, sock2):
        data = sock.expect(BROADCAST)
        assert list(data) == ["message", "playerAlias"]
        assert data["message"] == "Hello everyone!"
        assert data["playerAlias"]["id"] == b
    for silent in (sender, sock1, sock2, sock3_blind, sock_pending, sock_stranger, unidentified):
        silent.expect_silence()


def test_g38_broadcast_needs_write_scope(api, game):
    sock = api.identified(api.key(game, "read:players"), *api.player(game))
    assert sock.request(BROADCAST, {"message": "hi"}) == error(
        "MISSING_ACCESS_KEY_SCOPES", BROADCAST, "Missing access key scope(s): write:playerBroadcasts"
    )


def test_g40_broadcast_invalid_data(api, game):
    sock = api.identified(api.key(game, *BROADCASTER), *api.player(game))
    assert sock.request(BROADCAST, {}) == error("INVALID_MESSAGE_DATA", BROADCAST, "Invalid message data for request", "{}")


def test_broadcast_without_subscribers_is_silent(api, game):
    sock = api.identified(api.key(game, *BROADCASTER), *api.player(game))
    sock.send({"req": BROADCAST, "data": {"message": "anyone?"}})
    sock.expect_silence()
