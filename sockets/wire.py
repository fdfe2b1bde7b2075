"""JSON on the wire with JavaScript semantics (docs/socket.md §4, docs/objects.md §0).

Output is compact with non-ASCII characters raw, like `JSON.stringify`. Input follows `JSON.parse`:
NaN/Infinity are not JSON, integers of any size are numbers.
"""

import json

import orjson


class InvalidJSON(ValueError):
    pass


def _reject_constant(name):
    raise InvalidJSON(f"{name} is not JSON")


def loads(text):
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    # orjson refuses integers beyond 64 bits, which JSON.parse accepts; the standard library
    # parses those, and is told to refuse NaN/Infinity as JSON.parse does.
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise InvalidJSON(str(exc)) from None


def dumps(value):
    """Serialise to a str the way Talo (Node) does."""
    try:
        return orjson.dumps(value).decode()
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def js_dumps(value):
    """Re-serialise parsed client JSON the way JSON.stringify would (integral floats lose `.0`)."""
    return dumps(_js_numbers(value))


def _js_numbers(value):
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return int(value)
        return value
    if isinstance(value, dict):
        return {key: _js_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_js_numbers(item) for item in value]
    return value


def frame(res, data):
    """A server frame: {"res": ..., "data": ...}, serialised once."""
    return dumps({"res": res, "data": data})
