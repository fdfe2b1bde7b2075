"""Issue 12, findings 2, 3 and 5: hostile REST input is answered 4xx in Talo's style — never a 5xx,
never a changed row — identically on SQLite and PostgreSQL (docs/rest.md §2.9)."""

import httpx
import pytest

from players.models import Player, PlayerAlias, PlayerPresence
from tests.support import PRESENCE_UPDATED

NUL_OR_SURROGATE = "Invalid input: must not contain NUL characters or lone surrogates"
TOO_LONG = "Too big: expected string to have <=255 characters"
INVALID_JSON = {"message": "Invalid JSON body"}
TOO_LARGE = {"message": "Request body too large"}


@pytest.fixture
def game(api):
    return api.game()


def rows():
    return (Player.objects.count(), PlayerAlias.objects.count(), list(PlayerPresence.objects.values()))


def test_a_superscript_digit_in_the_token_is_401(api):
    for token in (b"Bearer tk_\xb2_abc", b"Bearer tk_\xb9\xb2\xb3_abc", b"Bearer tk_1\xb2_abc"):
        response = httpx.post(api.server.http + "/v1/socket-tickets", headers={"Authorization": token})
        assert (response.status_code, response.json()) == (
            401, {"message": "Please provide a valid token in the Authorization header"}
        )


@pytest.mark.parametrize(
    "params, field, message",
    [
        ({"service": "username", "identifier": "a\x00b"}, "identifier", NUL_OR_SURROGATE),
        ({"service": "user\x00name", "identifier": "ab"}, "service", NUL_OR_SURROGATE),
        ({"service": "username", "identifier": "i" * 256}, "identifier", TOO_LONG),
        ({"service": "s" * 256, "identifier": "ab"}, "service", TOO_LONG),
    ],
)
def test_identify_refuses_nul_and_overlong_names(api, game, params, field, message):
    before = rows()
    response = api.rest(api.key(game, "*")).get("/v1/players/identify", params=params)
    assert (response.status_code, response.json()) == (400, {"errors": {field: [message]}})
    assert rows() == before
    # At the column's length it is stored as sent.
    params[field] = "x" * 255
    assert api.rest(api.key(game, "*")).get("/v1/players/identify", params=params).status_code == 200


@pytest.mark.parametrize(
    "body, errors",
    [
        ({"identifier": "a\x00", "password": "pw"}, {"identifier": [NUL_OR_SURROGATE]}),
        ({"identifier": "ab", "password": "p\x00w"}, {"password": [NUL_OR_SURROGATE]}),
        ({"identifier": "i" * 256, "password": "pw"}, {"identifier": [TOO_LONG]}),
        ({"identifier": "ab", "password": "pw", "email": "e" * 256}, {"email": [TOO_LONG]}),
    ],
)
def test_register_refuses_nul_and_overlong_fields(api, game, body, errors):
    before = rows()
    response = api.rest(api.key(game, "*")).post("/v1/players/auth/register", json=body)
    assert (response.status_code, response.json()) == (400, {"errors": errors})
    assert rows() == before


@pytest.mark.parametrize(
    "raw",
    [
        '{"customStatus": "\\ud800"}',
        '{"customStatus": "ok", "x": {"\\udfff": 1}}',
        '{"customStatus": "ok", "n": 1' + "0" * 30 + ', "s": "\\udc00"}',
        '{"customStatus": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"customStatus": ' + "[" * 33 + "]" * 33 + "}",
    ],
    ids=["surrogate", "surrogate-key", "surrogate-bigint", "deep-100000", "deep-34"],
)
def test_json_bodies_with_lone_surrogates_or_deep_nesting_are_invalid(api, game, raw):
    alias_id, _ = api.player(game)
    before = rows()
    response = api.rest(api.key(game, "*")).put(
        "/v1/players/presence", content=raw, headers={"x-talo-alias": str(alias_id), "Content-Type": "application/json"}
    )
    assert (response.status_code, response.json()) == (400, INVALID_JSON)
    assert rows() == before


def test_custom_status_is_bounded_so_presence_pushes_stay_small(api, game):
    token = api.key(game, "*")
    alias_id, _ = api.player(game)
    watcher = api.identified(token, *api.player(game))
    client = api.rest(token, **{"x-talo-alias": str(alias_id)})
    before = rows()
    for status in ("s" * 256, "s\x00"):
        response = client.put("/v1/players/presence", json={"customStatus": status})
        assert response.status_code == 400 and list(response.json()["errors"]) == ["customStatus"]
    for _ in range(3):  # 2.4 MB each, the size that used to close every watcher SLOW_CONSUMER
        response = client.put("/v1/players/presence", json={"customStatus": "s" * 2_400_000})
        assert (response.status_code, response.json()) == (413, TOO_LARGE)
    assert rows() == before
    watcher.expect_silence()  # nothing was pushed, and the watcher is still connected
    response = client.put("/v1/players/presence", json={"customStatus": "s" * 255})
    assert response.status_code == 200 and response.json()["presence"]["customStatus"] == "s" * 255
    assert watcher.expect(PRESENCE_UPDATED)["presence"]["customStatus"] == "s" * 255


def test_bodies_over_the_limit_are_413_whatever_their_framing(api, game):
    client = api.rest(api.key(game, "*"))
    big = b'{"x": "' + b"y" * 3_000_000 + b'"}'
    response = client.post("/v1/socket-tickets", content=big, headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()) == (413, TOO_LARGE)

    def chunked():  # no Content-Length: the server stops reading at the limit
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]

    response = client.post("/v1/socket-tickets", content=chunked(), headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()) == (413, TOO_LARGE)
    # Without a key too: nothing reads a body that large.
    assert api.rest().post("/v1/socket-tickets", content=big).status_code == 413


def test_a_5000_digit_alias_header_finds_no_player(api, game):
    client = api.rest(api.key(game, "*"), **{"x-talo-alias": "9" * 5000})
    response = client.put("/v1/players/presence", json={"online": True})
    assert (response.status_code, response.json()) == (404, {"message": "Player not found"})
    response = client.post("/v1/players/socket-token")
    assert (response.status_code, response.json()) == (404, {"message": "Player not found"})


@pytest.mark.parametrize("page", ["999999999999999999", "9007199254740993"])
def test_huge_pages_are_empty_last_pages(api, game, page):
    """Relationship pages are digits only (1e20 is NaN there); game channels' pages: see
    tests/game_channels/test_input_boundary.py."""
    alias_id, _ = api.player(game)
    client = api.rest(api.key(game, "*"), **{"x-talo-alias": str(alias_id)})
    response = client.get("/v1/players/relationships/subscribers", params={"page": page})
    assert (response.status_code, response.json()) == (
        200, {"subscriptions": [], "count": 0, "itemsPerPage": 50, "isLastPage": True}
    )


def test_relationship_alias_ids_beyond_64_bits_find_no_player(api, game):
    alias_id, _ = api.player(game)
    client = api.rest(api.key(game, "*"), **{"x-talo-alias": str(alias_id)})
    for other in (2**63, 2**70, -(2**70)):
        response = client.post("/v1/players/relationships", json={"aliasId": other, "relationshipType": "unidirectional"})
        assert 400 <= response.status_code < 500, response.text


def test_static_traversal_is_a_plain_404(api):
    response = api.rest().get("/static/..%2f..%2fsettings.py")
    assert response.status_code == 404
    assert "Traceback" not in response.text and "DATABASE" not in response.text
