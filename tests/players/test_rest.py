"""docs/testing-scenarios.md I (REST authentication) and J (identify, socket tokens, players) over real HTTP."""

import datetime as dt
import json
import socket
import uuid

import pytest
from django.utils import timezone

from players.services import keys
from players.models import AccessKey, Player, PlayerAlias, PlayerProp

BAD_FORMAT = {"message": 'Bad Authorization header format. Format is "Authorization: Bearer <token>"'}
INVALID_TOKEN = {"message": "Please provide a valid token in the Authorization header"}


@pytest.fixture
def game(api):
    return api.game()


def test_public_health_needs_nothing(api):
    response = api.rest().get("/public/health")
    assert response.status_code == 204 and response.content == b""
    assert api.rest().get("/public/health/").status_code == 204


def test_health_check_needs_a_key(api, game):
    assert api.rest(api.key(game)).get("/v1/health-check").status_code == 204
    assert api.rest().get("/v1/health-check").status_code == 401


def test_i63_valid_key_records_last_use(api, game):
    token = api.key(game)
    assert AccessKey.objects.get().last_used_at is None
    assert api.rest(token).post("/v1/socket-tickets").status_code == 200
    assert AccessKey.objects.get().last_used_at is not None


def test_i64_token_of_a_deleted_key(api, game):
    token = api.key(game)
    AccessKey.objects.all().delete()
    response = api.rest(token).post("/v1/socket-tickets")
    assert (response.status_code, response.json()) == (401, {"message": "Unauthorized"})


@pytest.mark.parametrize(
    "header, body",
    [
        (None, {"message": "Authentication Error"}),
        ("TOKEN", BAD_FORMAT),
        ("Bearer ", BAD_FORMAT),
        ("Basic xyz", BAD_FORMAT),
        ("Bearer a b", BAD_FORMAT),
        ("Bearer blah", INVALID_TOKEN),
        ("bearer TOKEN", INVALID_TOKEN),
        ("Bearer tk_999999_nope", {"message": "Unauthorized"}),
    ],
)
def test_i65_to_i68_authorization_header_errors(api, game, header, body):
    token = api.key(game, "*")
    headers = [] if header is None else [f"Authorization: {header.replace('TOKEN', token)}"]
    # Raw HTTP: client libraries refuse to send a header value with a trailing space.
    status, response = raw_request(api.server, "GET", "/v1/players/identify?service=s&identifier=i", headers)
    assert (status, json.loads(response)) == (401, body)


def raw_request(server, method, path, headers):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *headers, "", ""]
        conn.sendall("\r\n".join(lines).encode())
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def test_i69_revoked_key(api, game):
    token = api.key(game, "*")
    key = AccessKey.objects.get()
    keys.revoke_access_key(key=key)
    response = api.rest(token).post("/v1/socket-tickets")
    assert (response.status_code, response.json()) == (401, INVALID_TOKEN)


def test_a_tampered_token_of_an_existing_key_is_invalid(api, game):
    token = api.key(game, "*")
    response = api.rest(token[:-2] + "xx").post("/v1/socket-tickets")
    assert (response.status_code, response.json()) == (401, INVALID_TOKEN)


def test_tokens_are_stored_hashed_only(api, game):
    token = api.key(game, "*")
    key = AccessKey.objects.get()
    stored = " ".join(str(value) for value in AccessKey.objects.values_list().get())
    assert token not in stored and token.split("_", 2)[2] not in stored
    assert key.token_hash == keys.hash_token(token)


def test_i70_trailing_slash_is_the_same_endpoint(api, game):
    client = api.rest(api.key(game, "read:players"))
    for path in ["/v1/players/identify", "/v1/players/identify/"]:
        response = client.get(path)
        assert response.status_code == 400
        assert response.json() == {
            "errors": {
                "service": ["service is missing from the request query"],
                "identifier": ["identifier is missing from the request query"],
            }
        }


def test_cors_preflight_on_the_game_api(api):
    response = api.rest().options(
        "/v1/socket-tickets",
        headers={
            "Origin": "https://game.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,x-talo-dev-build",
        },
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "https://game.example"
    assert "x-talo-dev-build" in response.headers["access-control-allow-headers"]


@pytest.mark.parametrize(
    "accept", [None, "*/*", "application/json", "application/*", "application/json; indent=2", "text/html, */*;q=0.8"]
)
def test_every_accept_that_takes_json_gets_json(api, game, accept):
    """The usual Accept headers are answered without parsing (talo_project/rest/negotiation.py);
    every other one is negotiated as before."""
    headers = {} if accept is None else {"Accept": accept}
    client = api.rest(api.key(game), **headers)
    if accept is None:
        del client.headers["Accept"]  # httpx sends */* unless told not to
    response = client.post("/v1/socket-tickets")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert list(response.json()) == ["ticket"]


def test_an_accept_without_json_is_refused_and_changes_nothing(api, game):
    token = api.key(game)
    response = api.rest(token, Accept="text/html").post("/v1/socket-tickets")
    assert response.status_code == 406
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"message": "Could not satisfy the request Accept header."}


def _identify(client, **params):
    return client.get("/v1/players/identify", params=params)


def test_j80_identify_existing_alias(api, game):
    alias_id, _ = api.player(game, identifier="existing")
    player_id = PlayerAlias.objects.get(id=alias_id).player_id
    response = _identify(api.rest(api.key(game, "read:players")), service="username", identifier="existing")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["alias", "socketToken"]
    assert body["alias"]["identifier"] == "existing"
    assert body["alias"]["player"]["id"] == str(player_id)
    assert "aliases" not in body["alias"]["player"]
    assert isinstance(body["socketToken"], str) and body["socketToken"]


def test_j81_identify_updates_last_seen(api, game):
    alias_id, _ = api.player(game, identifier="old")
    past = timezone.now() - dt.timedelta(days=3)
    alias = PlayerAlias.objects.get(id=alias_id)
    PlayerAlias.objects.filter(id=alias_id).update(last_seen_at=past)
    Player.objects.filter(id=alias.player_id).update(last_seen_at=past)
    body = _identify(api.rest(api.key(game, "read:players")), service="username", identifier="old").json()
    today = timezone.now().strftime("%Y-%m-%d")
    assert body["alias"]["lastSeenAt"].startswith(today)
    assert body["alias"]["player"]["lastSeenAt"].startswith(today)
    assert PlayerAlias.objects.get(id=alias_id).last_seen_at.date() == timezone.now().date()


def test_j82_identify_needs_read_players(api, game):
    response = _identify(api.rest(api.key(game)), service="username", identifier="x")
    assert (response.status_code, response.json()) == (403, {"message": "Missing access key scope(s): read:players"})


def test_j83_unknown_alias_without_write_players(api, game):
    response = _identify(api.rest(api.key(game, "read:players")), service="username", identifier="nobody")
    assert response.status_code == 404
    assert response.json() == {
        "message": "Player not found. Use an access key with the write:players scope to automatically create players"
    }
    assert not PlayerAlias.objects.exists()


def test_j84_creates_player_and_alias(api, game):
    response = _identify(api.rest(api.key(game, "read:players", "write:players")), service="steam", identifier=" 2131231 ")
    assert response.status_code == 200
    alias = response.json()["alias"]
    assert (alias["service"], alias["identifier"], alias["displayName"]) == ("steam", "2131231", "2131231")
    player = Player.objects.get(id=alias["player"]["id"])
    assert player.game_id == game.id and not player.dev_build
    assert alias["player"]["props"] == [] and alias["player"]["devBuild"] is False
    assert alias["player"]["presence"] is None and alias["player"]["groups"] == []


def test_dev_build_players_get_the_meta_prop(api, game):
    response = api.rest(api.key(game, "*")).get(
        "/v1/players/identify", params={"service": "username", "identifier": "dev"}, headers={"x-talo-dev-build": "1"}
    )
    player = response.json()["alias"]["player"]
    assert player["devBuild"] is True
    assert player["props"] == [{"key": "META_DEV_BUILD", "value": "1"}]


def test_j86_talo_aliases_are_not_created_here(api, game):
    response = _identify(api.rest(api.key(game, "read:players", "write:players")), service="talo", identifier="whatever")
    assert response.status_code == 404
    assert response.json() == {"message": "Player not found: Talo aliases must be created using the /v1/players/auth API"}


@pytest.mark.parametrize(
    "params, errors",
    [
        ({"identifier": "x"}, {"service": ["service is missing from the request query"]}),
        ({"service": "", "identifier": "x"}, {"service": ["Invalid service, must be a non-empty string"]}),
        ({"service": "  ", "identifier": "x"}, {"service": ["Invalid service, must be a non-empty string"]}),
        ({"service": "s"}, {"identifier": ["identifier is missing from the request query"]}),
        ({"service": "s", "identifier": ""}, {"identifier": ["Invalid identifier, must be a non-empty string"]}),
    ],
)
def test_j87_to_j90_identify_query_validation(api, game, params, errors):
    # Validation comes before the scope check (docs/rest.md §2.2): a key with no scope still gets 400.
    response = _identify(api.rest(api.key(game)), **params)
    assert (response.status_code, response.json()) == (400, {"errors": errors})


def test_j97_to_j99_display_name(api, game):
    client = api.rest(api.key(game, "*"))
    alias_id, _ = api.player(game, identifier="guy")
    PlayerProp.objects.create(player=PlayerAlias.objects.get(id=alias_id).player, key="playerChosenName", value="TheGuy")
    assert _identify(client, service="username", identifier="guy").json()["alias"]["displayName"] == "guy"
    game.display_name_prop_key = "playerChosenName"
    game.save()
    assert _identify(client, service="username", identifier="guy").json()["alias"]["displayName"] == "TheGuy"
    api.player(game, identifier="plain")
    assert _identify(client, service="username", identifier="plain").json()["alias"]["displayName"] == "plain"


def test_j100_socket_token(api, game):
    alias_id, _ = api.player(game)
    response = api.rest(api.key(game, "write:players")).post("/v1/players/socket-token", headers={"x-talo-alias": str(alias_id)})
    assert response.status_code == 200
    token = response.json()["socketToken"]
    # The new token identifies a socket.
    sock = api.socket(api.key(game, "read:players"))
    reply = sock.request("v1.players.identify", {"playerAliasId": alias_id, "socketToken": token})
    assert reply["res"] == "v1.players.identify.success"


def test_j101_to_j104_socket_token_errors(api, game):
    alias_id, _ = api.player(game)
    other_alias, _ = api.player(api.game())
    assert api.rest(api.key(game)).post("/v1/players/socket-token", headers={"x-talo-alias": str(alias_id)}).json() == {
        "message": "Missing access key scope(s): write:players"
    }
    client = api.rest(api.key(game, "write:players"))
    for alias, status, body in [
        ("12345", 404, {"message": "Player not found"}),
        (str(other_alias), 404, {"message": "Player not found"}),
        ("abc", 400, {"errors": {"x-talo-alias": ["x-talo-alias header must be a numeric string"]}}),
        ("99999999999999999999999", 404, {"message": "Player not found"}),
    ]:
        response = client.post("/v1/players/socket-token", headers={"x-talo-alias": alias})
        assert (response.status_code, response.json()) == (status, body)
    response = client.post("/v1/players/socket-token")
    assert (response.status_code, response.json()) == (
        400,
        {"errors": {"x-talo-alias": ["x-talo-alias is missing from the request headers"]}},
    )


def test_j105_get_player(api, game):
    alias_id, _ = api.player(game, identifier="one")
    player = PlayerAlias.objects.get(id=alias_id).player
    PlayerAlias.objects.create(player=player, game=game, service="steam", identifier="two")
    response = api.rest(api.key(game, "read:players")).get(f"/v1/players/{player.id}")
    assert response.status_code == 200
    body = response.json()["player"]
    assert body["id"] == str(player.id)
    assert [alias["identifier"] for alias in body["aliases"]] == ["one", "two"]
    assert all("aliases" not in alias["player"] for alias in body["aliases"])
    assert api.rest(api.key(game)).get(f"/v1/players/{player.id}").status_code == 403
    for missing in [uuid.uuid4(), "not-a-uuid"]:
        response = api.rest(api.key(game, "read:players")).get(f"/v1/players/{missing}")
        assert (response.status_code, response.json()) == (404, {"message": "Player not found"})
    # Another game's player does not exist for this key.
    assert api.rest(api.key(api.game(), "read:players")).get(f"/v1/players/{player.id}").status_code == 404


def test_j85_identify_reevaluates_group_memberships(api, game):
    from players.models import PlayerGroup

    alias_id, _ = api.player(game, identifier="grouped")
    player = PlayerAlias.objects.get(id=alias_id).player
    Player.objects.filter(id=player.id).update(last_seen_at=dt.datetime(2021, 12, 31, tzinfo=dt.timezone.utc))
    PlayerProp.objects.create(player=player, key="lastSeenAtTesting", value="yes")
    group = PlayerGroup.objects.create(
        game=game,
        name="Recent testers",
        rules=[
            {"name": "GT", "negate": False, "field": "lastSeenAt", "operands": ["2022-01-02"], "castType": "DATETIME"},
            {"name": "EQUALS", "negate": False, "field": "props.lastSeenAtTesting", "operands": ["yes"], "castType": "CHAR"},
        ],
    )
    PlayerGroup.objects.create(
        game=game, name="Never", rules=[{"name": "SET", "negate": False, "field": "props.missing", "operands": []}]
    )
    body = _identify(api.rest(api.key(game, "read:players")), service="username", identifier="grouped").json()
    assert body["alias"]["player"]["groups"] == [{"id": str(group.id), "name": "Recent testers"}]
    assert list(group.members.all()) == [player]


IDENTIFIER_PROFANITY = {
    "message": "Alias identifier contains inappropriate language",
    "errorCode": "IDENTIFIER_PROFANITY",
}


def test_j94_to_j96_identifier_profanity(api, game):
    client = api.rest(api.key(game, "*"))
    api.player(game, identifier="shithead")  # created while the filter was off
    game.block_alias_identifier_profanity = True
    game.save()
    # 94: refused before the lookup, so neither a new nor an existing alias gets through.
    for identifier in ("fuck", "shithead"):
        response = _identify(client, service="username", identifier=identifier)
        assert (response.status_code, response.json()) == (400, IDENTIFIER_PROFANITY)
    assert not PlayerAlias.objects.filter(identifier="fuck").exists()
    # 95: a clean identifier is identified as usual.
    response = _identify(client, service="username", identifier="cleanplayer")
    assert response.status_code == 200 and response.json()["alias"]["identifier"] == "cleanplayer"
    # 96: with the filter off the same identifier is an ordinary player.
    game.block_alias_identifier_profanity = False
    game.save()
    response = _identify(client, service="username", identifier="fuck")
    assert response.status_code == 200 and response.json()["alias"]["identifier"] == "fuck"
