"""Generated hostile REST requests against a live server over real HTTP (issue 12): every /v1
endpoint, every body field, query parameter, route parameter and header, filled with NUL,
lone surrogates, huge and deeply nested values, wrong types and boundary numbers. No request may
be answered 5xx, every answer is Talo's JSON, and a refused request (4xx) changes no row.

"Changes no row" is observed exactly: row-level triggers on every table of the domain count the
changes in a table of their own, in the changing transaction (a rolled-back change is no change).
PostgreSQL only (the triggers are PL/pgSQL; SQLite is covered by the per-finding tests).

At least 10,000 requests per run; the longer run is
`TALO_REST_FUZZ_REQUESTS=100000 .venv/bin/python -m pytest tests/test_rest_fuzz.py --timeout=3600`."""

import itertools
import json
import os
import urllib.parse

import httpx
import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game_channels.models import GameChannel
from players.models import PlayerAlias
from tests.servers import serving
from tests.support import Api

pytestmark = pytest.mark.postgres

REQUESTS = int(os.environ.get("TALO_REST_FUZZ_REQUESTS", "10000"))
MAX_BODY = 256 * 1024

# (method, path, body fields, query fields); {alias}, {player}, {channel}, {subscription} are route
# parameters, filled with real ids or hostile text.
ENDPOINTS = [
    ("GET", "/v1/health-check", (), ()),
    ("POST", "/v1/socket-tickets", (), ()),
    ("GET", "/v1/game-config", (), ()),
    ("GET", "/v1/players/identify", (), ("service", "identifier")),
    ("POST", "/v1/players/socket-token", (), ()),
    ("GET", "/v1/players/{player}", (), ()),
    ("POST", "/v1/players/relationships", ("aliasId", "relationshipType"), ()),
    ("PUT", "/v1/players/relationships/{subscription}/confirm", (), ()),
    ("DELETE", "/v1/players/relationships/{subscription}", (), ()),
    ("GET", "/v1/players/relationships/subscribers", (), ("confirmed", "aliasId", "page", "relationshipType")),
    ("GET", "/v1/players/relationships/subscriptions", (), ("confirmed", "aliasId", "page", "relationshipType")),
    ("POST", "/v1/players/auth/register", ("identifier", "password", "email", "verificationEnabled", "withRefresh"), ()),
    ("POST", "/v1/players/auth/login", ("identifier", "password", "withRefresh"), ()),
    ("POST", "/v1/players/auth/refresh", ("refreshToken",), ()),
    ("POST", "/v1/players/auth/logout", (), ()),
    ("PUT", "/v1/players/presence", ("online", "customStatus"), ()),
    ("GET", "/v1/players/presence/{player}", (), ()),
    ("GET", "/v1/game-channels", (), ("page", "search", "propKey", "propValue")),
    ("POST", "/v1/game-channels", ("name", "props", "autoCleanup", "private", "temporaryMembership"), ()),
    ("GET", "/v1/game-channels/subscriptions", (), ("propKey", "propValue")),
    ("GET", "/v1/game-channels/{channel}", (), ()),
    ("PUT", "/v1/game-channels/{channel}", ("name", "props", "ownerAliasId", "autoCleanup", "private", "temporaryMembership"), ()),
    ("DELETE", "/v1/game-channels/{channel}", (), ()),
    ("POST", "/v1/game-channels/{channel}/join", (), ()),
    ("POST", "/v1/game-channels/{channel}/invite", ("inviteeAliasId",), ()),
    (
        "GET", "/v1/game-channels/{channel}/members", (),
        ("page", "playerId", "aliasId", "identifier", "playerPropKey", "playerPropValue", "playerGroupId"),
    ),
    ("GET", "/v1/game-channels/{channel}/storage", (), ("propKey",)),
    ("PUT", "/v1/game-channels/{channel}/storage", ("props",), ()),
    ("GET", "/v1/game-channels/{channel}/storage/list", (), ("propKeys",)),
    ("POST", "/v1/game-channels/{channel}/leave", (), ()),  # last: the next round joins again
]
HEADERS = ("x-talo-alias", "x-talo-player", "x-talo-session", "x-talo-dev-build", "x-talo-include-dev-data")

# --- values ---------------------------------------------------------------------------------

BOUNDARY_NUMBERS = [
    0, -1, 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**30, 10**400, 1.5, -0.0, 1e20, 1e308, 5e-324,
]
lone_surrogates = st.integers(0xD800, 0xDFFF).map(chr)
plain_text = st.text(max_size=24)
hostile_text = st.one_of(
    plain_text,
    st.tuples(plain_text, st.sampled_from(["\x00", "\ud800", "\udfff"]) | lone_surrogates, plain_text).map("".join),
    st.sampled_from([254, 255, 256, 512, 513, 1025, 5000]).map(lambda n: "é" * n),
    st.sampled_from(["", " ", "talo", "username", "unidirectional", "bidirectional", "true", "1e20", "NaN", "k[]"]),
)
numbers = st.sampled_from(BOUNDARY_NUMBERS) | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
scalars = st.none() | st.booleans() | numbers | hostile_text
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(plain_text, inner, max_size=3), max_leaves=6)
props = st.one_of(
    st.lists(st.fixed_dictionaries({}, optional={"key": hostile_text | values, "value": hostile_text | values}), max_size=6),
    st.builds(lambda n, key: [{"key": key, "value": "v"}] * n, st.sampled_from([1000, 1024, 1025, 2000]), hostile_text),
    st.builds(lambda n: [{"key": f"k{i}", "value": "v" * 512} for i in range(n)], st.sampled_from([100, 130, 200])),
    values,
)


def nested(depth, leaf="1"):
    return "[" * depth + leaf + "]" * depth


raw_bodies = st.one_of(
    st.integers(20, 100_000).map(lambda depth: '{"props": ' + nested(depth) + "}"),
    st.sampled_from(['{"a": NaN}', "{", "[]", "null", '"x"', '{"customStatus": "\\ud800"}', '{"name": "a\\u0000"}']),
    st.integers(MAX_BODY - 64, MAX_BODY + 64).map(lambda n: '{"name": "' + "n" * n + '"}'),
    st.binary(max_size=64).map(lambda b: b.decode("latin-1")),
)
header_values = st.one_of(
    st.sampled_from(["1", "0", "-1", "1.5", "1e20", "NaN", "9" * 5000, "²", "", "00000000-0000-0000-0000-000000000000"]),
    # Latin-1 text without control characters or edge spaces (what HTTP can carry in a header).
    st.binary(max_size=30).map(lambda b: bytes(c for c in b if c >= 0x20 and c != 0x7F).decode("latin-1").strip(" ")),
)


def quote(text):
    """Percent-encode text as UTF-8, a lone surrogate as the invalid bytes it would be."""
    return urllib.parse.quote(text.encode("utf-8", "surrogatepass"), safe="")


# A request line stays within what the servers read (16 KiB): query and route text is not huge.
query_text = hostile_text.filter(lambda text: len(text) <= 1025)


def base_body(method, path, world):
    """A valid body for the endpoint, so that one hostile field gets as far as it can."""
    aliases = world["routes"]["alias"]
    bodies = {
        ("POST", "/v1/players/relationships"): {"aliasId": aliases[2], "relationshipType": "unidirectional"},
        ("POST", "/v1/players/auth/register"): {"identifier": f"fuzz-{next(world['serial'])}", "password": "pw"},
        ("POST", "/v1/players/auth/login"): {"identifier": "nobody", "password": "pw"},
        ("POST", "/v1/game-channels"): {"name": "fuzz"},
        ("PUT", "/v1/players/presence"): {"online": True},
        ("POST", "/v1/game-channels/{channel}/invite"): {"inviteeAliasId": aliases[1]},
        ("PUT", "/v1/game-channels/{channel}/storage"): {"props": [{"key": "s", "value": "t"}]},
    }
    return dict(bodies.get((method, path), {}))


def requests_for(example, world):
    """Every endpoint, once per body field, query parameter, route parameter and header, with the
    example's hostile value in that one place; and each endpoint that takes a body with the
    example's raw body. Everything else is valid (the key, an existing alias, real ids)."""
    value, text, raw, header, header_value = example
    routes = {name: str(ids[0]) for name, ids in world["routes"].items()}
    for method, template, body_fields, query_fields in ENDPOINTS:
        # The world's channel and subscription are deleted by their owner only: not here.
        acting = world["routes"]["alias"][1 if method == "DELETE" else 0]
        good_headers = {"Authorization": world["auth"], "x-talo-alias": str(acting)}
        path = template.format(**routes)
        body = base_body(method, template, world) if method != "GET" else None
        yield method, path, good_headers, None if body is None else json.dumps(body)
        for field in body_fields:
            yield method, path, good_headers, json.dumps({**(body or {}), field: value})
        for field in query_fields:
            yield method, f"{path}?{field}={quote(text)}", good_headers, None
        for name in routes:
            if "{" + name + "}" in template:
                yield method, template.format(**{**routes, name: route_segment(text)}), good_headers, None
        if method != "GET":
            yield method, path, good_headers, raw
        headers = {**good_headers, header: header_value}
        if header == "Authorization" and header_value.startswith("tk_"):
            headers[header] = "Bearer " + header_value
        yield method, path, headers, None if body is None else json.dumps(body)


def route_segment(text):
    """A route parameter is one path segment: no "/", never "." or ".." (which clients resolve away)."""
    text = text.replace("/", "")
    return quote(text) if text.strip(".") else "x" + text


examples = st.tuples(
    values | hostile_text | numbers | props,
    query_text | numbers.map(str),
    raw_bodies,
    st.sampled_from(("Authorization", *HEADERS)),
    header_values | st.sampled_from(["tk_\xb2_abc", "tk_99999999999999999999_x", "tk_1_"]),
)


# --- the observed database ---------------------------------------------------------------------

COUNT_CHANGES = """
CREATE TABLE fuzz_changes (n bigint NOT NULL);
INSERT INTO fuzz_changes VALUES (0);
CREATE FUNCTION fuzz_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN UPDATE fuzz_changes SET n = n + 1; RETURN NULL; END $$;
"""
# An access key's last use is a hint written by authentication whatever the answer.
ACCESS_KEY_COLUMNS = "game_id, name, scopes, token_hash, token_hint, revoked_at"


@pytest.fixture
def counted_changes(transactional_db):
    tables = [t for t in connection.introspection.table_names() if t.startswith(("players_", "game_channels_"))]
    with connection.cursor() as cursor:
        cursor.execute(COUNT_CHANGES)
        for table in tables:
            events = f"INSERT OR DELETE OR UPDATE OF {ACCESS_KEY_COLUMNS}" if table == "players_accesskey" else "INSERT OR UPDATE OR DELETE"
            cursor.execute(f"CREATE TRIGGER fuzz_count AFTER {events} ON {table} FOR EACH ROW EXECUTE FUNCTION fuzz_count()")

    def changes():
        with connection.cursor() as cursor:
            cursor.execute("SELECT n FROM fuzz_changes")
            return cursor.fetchone()[0]

    yield changes
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DROP TRIGGER IF EXISTS fuzz_count ON {table}")
        cursor.execute("DROP FUNCTION fuzz_count() CASCADE; DROP TABLE fuzz_changes")


def prune(world):
    """Back to the world as built: accepted requests create channels the world's aliases belong
    to, and GET /v1/game-channels/subscriptions lists them all, so without this each example
    costs more than the one before (a 100,000-request run slowed fourfold)."""
    GameChannel.objects.filter(game_id=world["game_id"]).exclude(id__in=world["routes"]["channel"]).delete()


def build_world(api):
    game = api.game()
    token = api.key(game, "*")
    aliases = [api.player(game)[0] for _ in range(3)]
    owner = api.rest(token, **{"x-talo-alias": str(aliases[0])})
    channel = owner.post("/v1/game-channels", json={"name": "fuzz", "props": [{"key": "a", "value": "b"}]}).json()["channel"]
    owner.put(f"/v1/game-channels/{channel['id']}/storage", json={"props": [{"key": "s", "value": "t"}]})
    subscription = owner.post("/v1/players/relationships", json={"aliasId": aliases[1], "relationshipType": "bidirectional"})
    players = [str(PlayerAlias.objects.get(id=alias).player_id) for alias in aliases]
    return {
        "game_id": game.id,
        "serial": itertools.count(),
        "auth": f"Bearer {token}",
        "routes": {
            "alias": aliases,
            "player": players,
            "channel": [channel["id"]],
            "subscription": [subscription.json()["subscription"]["id"]],
        },
    }


def test_generated_requests_never_fail_the_server(counted_changes):
    with serving("rest-fuzz") as server:
        api = Api(server)
        world = build_world(api)
        client = httpx.Client(base_url=server.http, timeout=30)
        state = {"requests": 0, "refused": 0}

        per_example = sum(1 for _ in requests_for(("x", "x", "{}", "x-talo-player", "x"), world))

        @settings(max_examples=-(-REQUESTS // per_example), deadline=None, suppress_health_check=list(HealthCheck), derandomize=False)
        @given(example=examples)
        def run(example):
            prune(world)
            last = counted_changes()
            for method, url, headers, body in requests_for(example, world):
                content = None if body is None else body.encode("utf-8", "surrogatepass")
                headers = {name: value.encode("latin-1") for name, value in headers.items()}
                if content is not None:
                    headers["Content-Type"] = b"application/json"
                response = client.request(method, url, headers=headers, content=content)
                state["requests"] += 1
                described = f"{method} {url[:300]} {headers} {(body or '')[:300]!r}"
                assert response.status_code < 500, f"{response.status_code} for {described}: {server.read_log()}"
                if response.status_code == 400 and any(b"\x85" in value for value in headers.values()):
                    pass  # daphne refuses NEL in a header value itself (RFC 9110 §5.5): its own 400 page
                elif response.status_code != 204:
                    assert response.headers.get("content-type") == "application/json", f"{response.text[:300]} for {described}"
                    assert isinstance(response.json(), dict), described
                now = counted_changes()
                if response.status_code >= 400:
                    state["refused"] += 1
                    assert now == last, f"{response.status_code} changed rows: {described}"
                last = now

        try:
            run()
        finally:
            client.close()
            api.close()
        assert state["requests"] >= REQUESTS and state["refused"] > REQUESTS // 4
        assert server.alive()
