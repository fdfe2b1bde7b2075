"""sockets.schemas: zod's semantics for socket request payloads (docs/socket.md §5), and the
shapes of the requests' payloads."""

import pytest

from sockets import registry, schemas
from sockets.schemas import Number, Object, SchemaError, String


def request_schema(name):
    """The payload schema of socket request `name`, as its app registered it (sockets.registry)."""
    return registry.requests[name].schema


# --- Number and String ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, -1, 1.5, -0.0, 10**30, 1e300])
def test_a_number_is_any_json_number(value):
    assert Number().validate(value) == value


@pytest.mark.parametrize("value", [True, False, "1", "", None, [], {}, [1]])
def test_a_number_is_never_a_boolean_or_a_string(value):
    with pytest.raises(SchemaError, match="^expected number$"):
        Number().validate(value)


def test_is_number():
    assert schemas.is_number(3) and schemas.is_number(3.5)
    assert not schemas.is_number(True) and not schemas.is_number("3") and not schemas.is_number(None)


@pytest.mark.parametrize("value", ["", "x", "é ✓", "null"])
def test_a_string_is_a_json_string(value):
    assert String().validate(value) == value


@pytest.mark.parametrize("value", [None, 1, 0, True, [], {}, b"x"])
def test_a_string_is_never_null_or_anything_else(value):
    with pytest.raises(SchemaError, match="^expected string$"):
        String().validate(value)


# --- Object --------------------------------------------------------------------------------------

SHAPE = Object(id=Number(), name=String(), note=String(), optional=["note"])


@pytest.mark.parametrize("value", [None, [], "x", 1, True])
def test_an_object_is_a_json_object(value):
    with pytest.raises(SchemaError, match="^expected object$"):
        SHAPE.validate(value)


def test_an_object_keeps_its_fields_and_ignores_unknown_keys():
    assert SHAPE.validate({"id": 1, "name": "n", "extra": None, "more": [1]}) == {"id": 1, "name": "n"}
    assert SHAPE.validate({"id": 1, "name": "n", "note": "x"}) == {"id": 1, "name": "n", "note": "x"}


@pytest.mark.parametrize("missing", ["id", "name"])
def test_a_missing_required_field_is_refused(missing):
    value = {"id": 1, "name": "n"}
    del value[missing]
    with pytest.raises(SchemaError, match=f"^{missing} is required$"):
        SHAPE.validate(value)


def test_an_optional_field_may_be_absent_but_not_null():
    assert SHAPE.validate({"id": 1, "name": "n"}) == {"id": 1, "name": "n"}
    with pytest.raises(SchemaError, match="^expected string$"):
        SHAPE.validate({"id": 1, "name": "n", "note": None})


def test_a_required_field_may_not_be_null():
    with pytest.raises(SchemaError, match="^expected number$"):
        SHAPE.validate({"id": None, "name": "n"})


def test_a_schema_error_is_a_value_error():
    assert issubclass(SchemaError, ValueError)


# --- the requests' payloads ----------------------------------------------------------------------


@pytest.fixture
def identify():
    return request_schema("v1.players.identify")


@pytest.fixture
def channel_message():
    return request_schema("v1.channels.message")


@pytest.fixture
def player_broadcast():
    return request_schema("v1.player-relationships.broadcast")


def test_identify(identify):
    assert identify.validate({"playerAliasId": 7, "socketToken": "t", "extra": 1}) == {
        "playerAliasId": 7,
        "socketToken": "t",
    }
    assert identify.validate({"playerAliasId": 7, "socketToken": "t", "sessionToken": "s"}) == {
        "playerAliasId": 7,
        "socketToken": "t",
        "sessionToken": "s",
    }


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"socketToken": "t"}, "playerAliasId is required"),
        ({"playerAliasId": 7}, "socketToken is required"),
        ({"playerAliasId": "7", "socketToken": "t"}, "expected number"),
        ({"playerAliasId": True, "socketToken": "t"}, "expected number"),
        ({"playerAliasId": 7, "socketToken": None}, "expected string"),
        ({"playerAliasId": 7, "socketToken": 1}, "expected string"),
        ({"playerAliasId": 7, "socketToken": "t", "sessionToken": None}, "expected string"),
        ([7, "t"], "expected object"),
        (None, "expected object"),
    ],
)
def test_identify_refuses(identify, payload, message):
    with pytest.raises(SchemaError, match=f"^{message}$"):
        identify.validate(payload)


def test_the_identified_spelling_takes_the_identify_payload(identify):
    assert registry.requests["v1.players.identified"].schema is identify


def test_channel_message(channel_message):
    payload = {"channel": {"id": 3, "name": "ignored"}, "message": "hi", "extra": True}
    assert channel_message.validate(payload) == {"channel": {"id": 3}, "message": "hi"}
    assert channel_message.validate({"channel": {"id": 2.5}, "message": ""}) == {"channel": {"id": 2.5}, "message": ""}


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"message": "hi"}, "channel is required"),
        ({"channel": {"id": 3}}, "message is required"),
        ({"channel": 3, "message": "hi"}, "expected object"),
        ({"channel": None, "message": "hi"}, "expected object"),
        ({"channel": {}, "message": "hi"}, "id is required"),
        ({"channel": {"id": "3"}, "message": "hi"}, "expected number"),
        ({"channel": {"id": 3}, "message": None}, "expected string"),
        ({"channel": {"id": 3}, "message": ["hi"]}, "expected string"),
    ],
)
def test_channel_message_refuses(channel_message, payload, message):
    with pytest.raises(SchemaError, match=f"^{message}$"):
        channel_message.validate(payload)


def test_player_broadcast(player_broadcast):
    assert player_broadcast.validate({"message": "hello", "to": [1]}) == {"message": "hello"}


@pytest.mark.parametrize(
    "payload, message", [({}, "message is required"), ({"message": None}, "expected string"), ({"message": 1}, "expected string")]
)
def test_player_broadcast_refuses(player_broadcast, payload, message):
    with pytest.raises(SchemaError, match=f"^{message}$"):
        player_broadcast.validate(payload)


# --- issue 12: the one check of an untrusted string (docs/differences.md row 12) ----------------


def test_strings_with_nul_or_lone_surrogates_are_refused():
    from sockets.schemas import NUL_OR_SURROGATE, String, text_problem

    for text in ("a\x00b", "\x00", "x\ud800", "\udfff"):
        assert text_problem(text) == NUL_OR_SURROGATE
        with pytest.raises(SchemaError):
            String().validate(text)
    assert text_problem("é\U0001f600 ok") is None
    assert text_problem("x" * 255, 255) is None
    assert text_problem("x" * 256, 255) == "Too big: expected string to have <=255 characters"
    with pytest.raises(SchemaError):
        String(max_length=3).validate("abcd")
    assert String(max_length=3).validate("abc") == "abc"


def test_ids_beyond_64_bits_name_no_row():
    from talo_project.rest.validation import number_id

    assert [number_id(v) for v in (7, 7.0, 1.5, 2**63 - 1, 2**63, -(2**63) - 1, 2**70, 1e300)] == [
        7, 7, 0, 2**63 - 1, 0, 0, 0, 0
    ]
