"""The OpenAPI 3 document (docs/rest.md "Schema"): valid, warning-free, complete (every route under
/v1 and /public with each method its view answers), served as JSON and as a browsable page, and
true to the server's real answers."""

import json
import re

import jsonschema
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.validation import validate_schema

from tests.servers import manage

METHODS = ("get", "post", "put", "patch", "delete")


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def api_routes():
    """(OpenAPI path, methods) of every route under /v1 and /public."""
    for route, callback in _routes(get_resolver().url_patterns):
        if route.startswith(("v1/", "public/")):
            view = getattr(callback, "view_class", None)
            methods = [method for method in METHODS if view is not None and hasattr(view, method)]
            yield "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route), methods


def test_schema_is_valid_complete_and_warning_free(tmp_path):
    target = tmp_path / "schema.json"
    result = manage("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", str(target))
    assert result.returncode == 0, result.stderr
    schema = json.loads(target.read_text())
    validate_schema(schema)
    routes = list(api_routes())
    assert len(routes) > 25
    for path, methods in routes:
        assert path in schema["paths"], path
        documented = schema["paths"][path]
        assert methods and set(methods) == set(documented) - {"parameters"}, (path, methods, list(documented))
        for method in methods:
            operation = documented[method]
            assert operation.get("summary"), (path, method)
            codes = set(operation["responses"])
            assert codes & {"200", "204"}, (path, method)
            if path.startswith("/v1/"):
                assert {"401", "403", "429"} <= codes, (path, method)
                assert operation["security"] == [{"accessKey": []}], (path, method)


def _json_schema(schema):
    """OpenAPI 3.0's `nullable` as JSON Schema; objects refuse properties they do not document."""
    if isinstance(schema, list):
        return [_json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {key: _json_schema(value) for key, value in schema.items() if key != "nullable"}
    if schema.get("type") == "object" and "properties" in schema:
        converted.setdefault("additionalProperties", False)
    if schema.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def _check(schema, path, method, status, body):
    """`body` matches the documented response exactly."""
    documented = schema["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]
    components = _json_schema(schema["components"]["schemas"])
    jsonschema.validate(body, {**_json_schema(documented), "components": {"schemas": components}})


def test_served_schema_matches_real_answers(api):
    schema = api.rest().get("/api/schema", params={"format": "json"}).json()
    assert schema["openapi"].startswith("3.") and "/v1/socket-tickets" in schema["paths"]
    game = api.game()
    token = api.key(game, "*")
    client = api.rest(token)
    identify = client.get("/v1/players/identify", params={"service": "username", "identifier": "ann"})
    _check(schema, "/v1/players/identify", "get", 200, identify.json())
    alias = identify.json()["alias"]["id"]
    headers = {"x-talo-alias": str(alias)}
    created = client.post("/v1/game-channels", json={"name": "lobby", "props": [{"key": "a", "value": "1"}]},
                          headers=headers)
    _check(schema, "/v1/game-channels", "post", 200, created.json())
    _check(schema, "/v1/game-channels", "get", 200, client.get("/v1/game-channels").json())
    storage = client.put(f"/v1/game-channels/{created.json()['channel']['id']}/storage",
                         json={"props": [{"key": "k", "value": "v"}]}, headers=headers)
    _check(schema, "/v1/game-channels/{channel_id}/storage", "put", 200, storage.json())
    channel_id = created.json()["channel"]["id"]
    sock = api.identified(token, alias, identify.json()["socketToken"])
    sock.send({"req": "v1.channels.message", "data": {"channel": {"id": channel_id}, "message": "hi"}})
    while sock.recv()["res"] != "v1.channels.message":  # its echo: the message is stored
        pass
    history = client.get(f"/v1/game-channels/{channel_id}/messages", headers=headers)
    assert history.json()["messages"][0]["message"] == "hi"
    _check(schema, "/v1/game-channels/{channel_id}/messages", "get", 200, history.json())
    presence = client.put("/v1/players/presence", json={"customStatus": "away"}, headers=headers)
    _check(schema, "/v1/players/presence", "put", 200, presence.json())
    _check(schema, "/v1/game-config", "get", 200, client.get("/v1/game-config").json())
    invalid = client.post("/v1/game-channels", json={"name": 3}, headers=headers)
    _check(schema, "/v1/game-channels", "post", 400, invalid.json())
    denied = api.rest(api.key(game, "read:players")).get("/v1/game-config")
    _check(schema, "/v1/game-config", "get", 403, denied.json())


def test_browsable_page_is_served_without_a_cdn(api):
    page = api.rest().get("/api/docs")
    assert page.status_code == 200 and "swagger-ui" in page.text
    assets = re.findall(r'src="(/static/[^"]+\.js)"', page.text)
    assert assets, page.text
    for asset in assets:
        assert api.rest().get(asset).status_code == 200, asset
    assert "//cdn" not in page.text
