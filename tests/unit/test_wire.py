"""sockets.wire: JSON with JavaScript semantics (JSON.parse / JSON.stringify)."""

import pytest

from sockets import wire
from sockets.server_socket import text_frame
from sockets.wire import MAX_DEPTH, InvalidJSON, dumps, encodable, frame, js_dumps, loads


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "[NaN]", '{"a": Infinity}', '{"a": [1, -Infinity]}'])
def test_nan_and_infinity_are_not_json(text):
    with pytest.raises(InvalidJSON):
        loads(text)


@pytest.mark.parametrize(
    "text", ["", "{", "{'a': 1}", '{"a": 1,}', "[1, 2", "undefined", '"unterminated', "01", "[1] [2]", "{a: 1}"]
)
def test_invalid_json_is_refused(text):
    with pytest.raises(InvalidJSON):
        loads(text)


def test_invalid_json_is_a_value_error():
    with pytest.raises(ValueError):
        loads("{")


def test_nesting_too_deep_is_invalid_json_not_a_crash():
    with pytest.raises(InvalidJSON):
        loads("[" * 100_000 + "]" * 100_000)


def test_integers_beyond_64_bits_are_numbers():
    # JSON.parse accepts them as (double) numbers; an exact integer is as good (same double).
    value = loads("123456789012345678901234567890")
    assert isinstance(value, (int, float)) and not isinstance(value, bool)
    assert float(value) == 1.2345678901234568e29
    assert float(loads('{"id": -18446744073709551617}')["id"]) == -1.8446744073709552e19
    assert [float(n) for n in loads("[18446744073709551616, 1]")] == [18446744073709551616.0, 1.0]
    # Within 64 bits (unsigned too) an integer stays exact.
    assert loads("18446744073709551615") == 18446744073709551615
    assert loads("-9223372036854775808") == -9223372036854775808


def test_ordinary_json_parses():
    assert loads('{"a": [1, 2.5, true, false, null, "é"], "b": {}}') == {
        "a": [1, 2.5, True, False, None, "é"],
        "b": {},
    }
    assert loads(b'{"a": 1}') == {"a": 1}
    assert loads('"\\u00e9"') == "é"


def test_dumps_is_compact_with_raw_non_ascii():
    assert dumps({"a": "é ✓ 日本", "b": [1, 2], "c": None, "d": True}) == '{"a":"é ✓ 日本","b":[1,2],"c":null,"d":true}'
    assert dumps([]) == "[]"
    assert dumps("x") == '"x"'


def test_dumps_keeps_big_integers():
    assert dumps({"n": 2**70, "s": "é"}) == '{"n":1180591620717411303424,"s":"é"}'


def test_dumps_leaves_floats_as_python_writes_them():
    assert dumps(1.0) == "1.0"
    assert dumps(2.5) == "2.5"


def test_js_dumps_drops_the_point_of_integral_floats():
    assert js_dumps(1.0) == "1"
    assert js_dumps(-3.0) == "-3"
    assert js_dumps(-0.0) == "0"
    assert js_dumps(2.5) == "2.5"
    assert js_dumps(1e20) == "100000000000000000000"
    assert js_dumps({"a": [1.0, {"b": 2.0}], "c": "1.0", "d": True}) == '{"a":[1,{"b":2}],"c":"1.0","d":true}'


def test_js_dumps_keeps_1e21_and_beyond_as_floats():
    assert js_dumps(1e21) == "1e+21"
    assert js_dumps([1e21, -1e22]) == "[1e+21,-1e+22]"


def test_frame_is_the_exact_server_frame():
    assert frame("v1.connected", {}) == '{"res":"v1.connected","data":{}}'
    assert frame("v1.channels.message", {"message": "héllo", "n": 1}) == (
        '{"res":"v1.channels.message","data":{"message":"héllo","n":1}}'
    )
    assert frame("v1.error", None) == '{"res":"v1.error","data":null}'


# --- issue 12: what the server refuses as JSON beyond JSON.parse (docs/differences.md row 12) ----


@pytest.mark.parametrize(
    "text",
    [
        '"\\ud800"',
        '{"a": "x\\udfffy"}',
        '{"\\udc00": 1}',
        '["ok", ["\\ud83d"]]',
        '{"n": 123456789012345678901234567890, "s": "\\ud800"}',  # the standard library's path
        b'{"n": 123456789012345678901234567890, "s": "\\ud800"}',
    ],
)
def test_lone_surrogates_are_not_json(text):
    with pytest.raises(InvalidJSON):
        loads(text)


def test_a_surrogate_pair_is_one_character():
    assert loads('"\\ud83d\\ude00"') == "\U0001f600"
    assert loads('{"n": 123456789012345678901234567890, "s": "\\ud83d\\ude00"}')["s"] == "\U0001f600"


@pytest.mark.parametrize("opening, closing", [("[", "]"), ('{"a":', "}")])
def test_nesting_is_bounded_at_max_depth(opening, closing):
    assert loads(opening * MAX_DEPTH + "1" * (opening != "[") + closing * MAX_DEPTH) is not None
    for depth in (MAX_DEPTH + 1, 700, 1100):
        with pytest.raises(InvalidJSON):
            loads(opening * depth + "1" * (opening != "[") + closing * depth)


def test_many_brackets_side_by_side_are_not_deep():
    assert loads("[" + ",".join(["[]"] * 1000) + "]") == [[]] * 1000


def test_js_numbers_of_deep_values_does_not_recurse():
    value = {"a": 1.0}
    for _ in range(100_000):
        value = [value, 2.5]
    result = wire._js_numbers(value)
    for _ in range(100_000):
        assert result[1] == 2.5
        result = result[0]
    assert result == {"a": 1} and isinstance(result["a"], int)


def test_text_with_a_lone_surrogate_is_written_as_utf8():
    assert dumps({"a": "x\ud800", "n": 2**70}) == '{"a":"x\ufffd","n":1180591620717411303424}'
    assert dumps("\ud800") == '"\ufffd"'
    assert encodable("a\udfffb") == "a\ufffdb"
    assert text_frame("\ud800") == bytes((0x81, 3)) + "\ufffd".encode()
