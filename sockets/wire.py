"""JSON on the wire with JavaScript semantics (docs/socket.md §4, docs/objects.md §0).

Output is compact with non-ASCII characters raw, like `JSON.stringify`. Input follows `JSON.parse`:
NaN/Infinity are not JSON, integers of any size are numbers. Two bounds of ours (docs/differences.md
row 12, docs/socket.md §5): text that is nested deeper than MAX_DEPTH or holds a lone surrogate (`"\\ud800"`, which no
UTF-8 text can carry) is not accepted as JSON, on sockets and over REST alike.
"""

import json
import re

import orjson

# Arrays and objects inside one another; no request of the protocol needs more than a few.
MAX_DEPTH = 32

_SURROGATE = re.compile("[\ud800-\udfff]")


class InvalidJSON(ValueError):
    pass


def _reject_constant(name):
    raise InvalidJSON(f"{name} is not JSON")


def has_surrogate(text):
    """True when `text` holds a lone surrogate (a paired one is decoded into one character)."""
    return _SURROGATE.search(text) is not None


def loads(text):
    try:
        value = orjson.loads(text)  # refuses lone surrogates itself
    except orjson.JSONDecodeError:
        # orjson refuses some integers beyond 64 bits, which JSON.parse accepts; the standard
        # library parses those, and is told to refuse NaN/Infinity as JSON.parse does.
        try:
            value = json.loads(text, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            raise InvalidJSON(str(exc)) from None
        _check(value, surrogates=True)
        return value
    if isinstance(text, (bytes, bytearray, memoryview)):
        text = bytes(text)
        nestable = text.count(b"[") + text.count(b"{")
    else:
        nestable = text.count("[") + text.count("{")
    if nestable > MAX_DEPTH:  # cheap: most frames cannot be that deep at all
        _check(value, surrogates=False)
    return value


def _check(value, *, surrogates):
    """Walk a parsed value without recursion: InvalidJSON when it is nested deeper than MAX_DEPTH
    or (`surrogates`) any key or string holds a lone surrogate."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
            if surrogates and any(has_surrogate(key) for key in item):
                raise InvalidJSON("lone surrogate")
        elif isinstance(item, list):
            children = item
        else:
            if surrogates and isinstance(item, str) and has_surrogate(item):
                raise InvalidJSON("lone surrogate")
            continue
        if depth > MAX_DEPTH:
            raise InvalidJSON(f"nested deeper than {MAX_DEPTH}")
        stack.extend((child, depth + 1) for child in children)


def dumps(value):
    """Serialise to a str the way Talo (Node) does. The result is always valid UTF-8 text: a lone
    surrogate that got this far is written as U+FFFD rather than failing a socket write later."""
    try:
        return orjson.dumps(value).decode()
    except (TypeError, orjson.JSONEncodeError):
        return encodable(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def encodable(text):
    """`text` with any lone surrogate replaced by U+FFFD, so that it encodes as UTF-8."""
    return _SURROGATE.sub("\ufffd", text)


def js_dumps(value):
    """Re-serialise parsed client JSON the way JSON.stringify would (integral floats lose `.0`)."""
    return dumps(_js_numbers(value))


def _js_numbers(value):
    """A copy of `value` with integral floats as ints; iterative, so any depth is safe."""
    if not isinstance(value, (dict, list, float)):
        return value
    root = [None]
    stack = [(value, root, 0)]
    while stack:
        item, parent, slot = stack.pop()
        if isinstance(item, float):
            parent[slot] = int(item) if item.is_integer() and abs(item) < 1e21 else item
        elif isinstance(item, dict):
            copy = parent[slot] = dict(item)
            stack.extend((child, copy, key) for key, child in item.items())
        elif isinstance(item, list):
            copy = parent[slot] = list(item)
            stack.extend((child, copy, index) for index, child in enumerate(item))
        else:
            parent[slot] = item
    return root[0]


def frame(res, data):
    """A server frame: {"res": ..., "data": ...}, serialised once."""
    return dumps({"res": res, "data": data})
