"""Talo player authentication (docs/rest.md §2.5, §5.4; docs/socket.md §9.1 step 3) and scenarios D 20–22,
I 72–79, J 91–93."""

import uuid

import pytest

from players.models import PlayerAuth
from tests.support import error

IDENTIFY = "v1.players.identify"
AUTH = ("read:players", "write:players")
MISSING_SESSION = {"message": "The x-talo-session header is required for this player", "errorCode": "MISSING_SESSION"}
INVALID_SESSION = {"message": "The x-talo-session header is invalid", "errorCode": "INVALID_SESSION"}


@pytest.fixture
def game(api):
    return api.game()


def register(api, game, identifier=None, **extra):
    body = {"identifier": identifier or uuid.uuid4().hex[:10], "password": "hunter2", **extra}
    response = api.rest(api.key(game, *AUTH)).post("/v1/players/auth/register", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def login(api, game, identifier, password="hunter2", **extra):
    return api.rest(api.key(game, *AUTH)).post(
        "/v1/players/auth/login", json={"identifier": identifier, "password": password, **extra}
    )


def session_headers(session):
    return {
        "x-talo-alias": str(session["alias"]["id"]),
        "x-talo-player": session["alias"]["player"]["id"],
        "x-talo-session": session["sessionToken"],
    }


# --- register / login / refresh / logout -----------------------------------------------------------


def test_register_returns_a_session(api, game):
    session = register(api, game, "alice", email="a@example.com")
    assert list(session) == ["alias", "sessionToken", "socketToken"]
    alias = session["alias"]
    assert (alias["service"], alias["identifier"]) == ("talo", "alice")
    auth = alias["player"]["auth"]
    assert (auth["email"], auth["verificationEnabled"]) == ("a@example.com", False)
    assert auth["sessionCreatedAt"].endswith("Z")
    stored = PlayerAuth.objects.get(player_id=alias["player"]["id"])
    assert stored.password != "hunter2" and stored.password.startswith(("pbkdf2", "argon2", "bcrypt", "scrypt"))


def test_register_errors(api, game):
    register(api, game, "bob")
    client = api.rest(api.key(game, *AUTH))
    taken = client.post("/v1/players/auth/register", json={"identifier": "bob", "password": "x"})
    assert (taken.status_code, taken.json()) == (
        400,
        {"message": "Player with identifier 'bob' already exists", "errorCode": "IDENTIFIER_TAKEN"},
    )
    missing = client.post("/v1/players/auth/register", json={"identifier": "carol"})
    assert missing.json() == {"errors": {"password": ["Invalid input: expected string, received undefined"]}}
    scopes = api.rest(api.key(game, "read:players")).post(
        "/v1/players/auth/register", json={"identifier": "carol", "password": "x"}
    )
    assert scopes.json() == {"message": "Missing access key scope(s): write:players"}


def test_login_refresh_and_logout(api, game):
    first = register(api, game, "dave")
    bad = login(api, game, "dave", "wrong")
    assert (bad.status_code, bad.json()) == (401, {"message": "Incorrect identifier or password", "errorCode": "INVALID_CREDENTIALS"})
    assert login(api, game, "nobody").status_code == 401

    response = login(api, game, "dave", withRefresh=True)
    assert response.status_code == 200, response.text
    second = response.json()
    assert list(second) == ["alias", "sessionToken", "refreshToken", "socketToken"]
    client = api.rest(api.key(game, *AUTH))
    # The first session is gone (i76 over REST).
    assert client.get(f"/v1/players/{first['alias']['player']['id']}", headers=session_headers(first)).json() == INVALID_SESSION

    refreshed = client.post("/v1/players/auth/refresh", json={"refreshToken": second["refreshToken"]})
    assert refreshed.status_code == 200, refreshed.text
    tokens = refreshed.json()
    assert list(tokens) == ["sessionToken", "refreshToken"]
    # The refresh replaced the session: the old refresh token no longer works.
    again = client.post("/v1/players/auth/refresh", json={"refreshToken": second["refreshToken"]})
    assert (again.status_code, again.json()) == (401, {"message": "Invalid refresh token", "errorCode": "INVALID_REFRESH_TOKEN"})
    current = {**second, "sessionToken": tokens["sessionToken"]}
    player_path = f"/v1/players/{first['alias']['player']['id']}"
    assert client.get(player_path, headers=session_headers(current)).status_code == 200

    logout = client.post("/v1/players/auth/logout", headers=session_headers(current))
    assert logout.status_code == 204
    assert client.get(player_path, headers=session_headers(current)).json() == INVALID_SESSION


def test_login_with_verification_enabled_requires_verification(api, game):
    session = register(api, game, "erin", email="e@example.com", verificationEnabled=True)
    response = login(api, game, "erin")
    assert response.json() == {"aliasId": session["alias"]["id"], "verificationRequired": True}


# --- D 20–22: socket identify ----------------------------------------------------------------------


def test_d20_d21_d22_socket_identify_needs_the_session(api, game):
    session = register(api, game)
    alias_id = session["alias"]["id"]
    key = api.key(game, "read:players")
    sock = api.socket(key)
    base = {"playerAliasId": alias_id, "socketToken": session["socketToken"]}
    invalid = error("INVALID_SESSION_TOKEN", IDENTIFY, "Invalid session token")
    assert sock.request(IDENTIFY, {**base, "sessionToken": "blah"}) == invalid
    assert sock.request(IDENTIFY, base) == invalid
    reply = sock.request(IDENTIFY, {**base, "sessionToken": session["sessionToken"]})
    assert reply["res"] == "v1.players.identify.success"
    assert reply["data"]["id"] == alias_id
    assert list(reply["data"]["player"]["auth"]) == ["email", "verificationEnabled", "sessionCreatedAt"]


def test_socket_identify_refuses_old_refresh_and_logged_out_tokens(api, game):
    first = register(api, game, "frank")
    second = login(api, game, "frank", withRefresh=True).json()
    key = api.key(game, "read:players")
    sock = api.socket(key)
    invalid = error("INVALID_SESSION_TOKEN", IDENTIFY, "Invalid session token")
    base = {"playerAliasId": second["alias"]["id"], "socketToken": second["socketToken"]}
    for token in (first["sessionToken"], second["refreshToken"]):
        assert sock.request(IDENTIFY, {**base, "sessionToken": token}) == invalid
    identified = api.identified(key, second["alias"]["id"], second["socketToken"], sessionToken=second["sessionToken"])
    api.rest(api.key(game, *AUTH)).post("/v1/players/auth/logout", headers=session_headers(second))
    # Open connections stay identified; new identifies with the old token fail (docs/socket.md §13).
    identified.expect_silence()
    assert sock.request(IDENTIFY, {**base, "sessionToken": second["sessionToken"]}) == invalid


# --- I 72–79: the x-talo-session middleware ---------------------------------------------------------


def test_i72_to_i79_rest_session_checks(api, game):
    session = register(api, game)
    player_id = session["alias"]["player"]["id"]
    client = api.rest(api.key(game, "read:players", "write:players", "write:playerPresence"))
    path = f"/v1/players/{player_id}"

    def get(**headers):
        response = client.get(path, headers=headers)
        return response.status_code, response.json()

    assert get(**session_headers(session))[0] == 200  # 72
    plain = api.identify(game)
    plain_headers = {"x-talo-alias": str(plain["alias"]["id"]), "x-talo-player": plain["alias"]["player"]["id"]}
    assert client.get(f"/v1/players/{plain['alias']['player']['id']}", headers=plain_headers).status_code == 200  # 73
    assert get(**{"x-talo-alias": str(session["alias"]["id"])}) == (401, MISSING_SESSION)  # 74
    assert get(**{"x-talo-player": player_id}) == (401, MISSING_SESSION)  # 75
    newer = login(api, game, session["alias"]["identifier"]).json()
    assert get(**session_headers(session)) == (401, INVALID_SESSION)  # 76
    from players.models import PlayerAlias

    other_alias = PlayerAlias.objects.create(player_id=player_id, game=game, service="username", identifier="alt")
    assert get(**{**session_headers(newer), "x-talo-alias": str(other_alias.id)}) == (401, INVALID_SESSION)  # 77
    assert get(**{**session_headers(newer), "x-talo-player": plain["alias"]["player"]["id"]}) == (401, INVALID_SESSION)  # 78
    refresh = login(api, game, session["alias"]["identifier"], withRefresh=True).json()
    assert get(**{**session_headers(refresh), "x-talo-session": refresh["refreshToken"]}) == (401, INVALID_SESSION)  # 79
    # The check runs before the route's own validation.
    response = client.put("/v1/players/presence", headers={"x-talo-alias": str(session["alias"]["id"])}, json={"online": 1})
    assert (response.status_code, response.json()) == (401, MISSING_SESSION)


# --- J 91–93: REST identify of a Talo alias ---------------------------------------------------------


def test_j91_to_j93_rest_identify_needs_the_session(api, game):
    session = register(api, game, "gina")
    client = api.rest(api.key(game, "read:players"))
    params = {"service": "talo", "identifier": "gina"}
    ok = client.get("/v1/players/identify", params=params, headers={"x-talo-session": session["sessionToken"]})
    assert ok.status_code == 200 and ok.json()["alias"]["id"] == session["alias"]["id"]  # 91
    missing = client.get("/v1/players/identify", params=params)
    assert (missing.status_code, missing.json()) == (401, MISSING_SESSION)  # 92
    invalid = client.get("/v1/players/identify", params=params, headers={"x-talo-session": "blah"})
    assert (invalid.status_code, invalid.json()) == (401, INVALID_SESSION)  # 93
