"""players.groups: rule_matches and player_in_group on stand-in players, props and groups."""

import datetime as dt
from types import SimpleNamespace

import pytest

from players.groups import player_in_group, rule_matches

UTC = dt.timezone.utc
ALL, ANY = "$and", "$or"


def player(last_seen_at=None, created_at=None):
    return SimpleNamespace(
        last_seen_at=last_seen_at or dt.datetime(2024, 6, 1, 12, 0, tzinfo=UTC),
        created_at=created_at or dt.datetime(2024, 1, 15, 8, 30, tzinfo=UTC),
    )


def props(*pairs):
    return [SimpleNamespace(key=key, value=value) for key, value in pairs]


def rule(name, field, *operands, cast="CHAR", negate=False):
    return {"name": name, "negate": negate, "field": field, "operands": list(operands), "castType": cast}


def group(rules, mode=ALL):
    return SimpleNamespace(rules=rules, rule_mode=mode, ANY=ANY, ALL=ALL)


PLAYER = player()
PROPS = props(("level", "10"), ("name", "Ada"), ("zero", "05"), ("items[]", "sword"), ("items[]", "shield"))


# --- EQUALS and SET ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "the_rule, expected",
    [
        (rule("EQUALS", "props.name", "Ada"), True),
        (rule("EQUALS", "props.name", "ada"), False),
        (rule("EQUALS", "props.name", "Ada", negate=True), False),
        (rule("EQUALS", "props.name", "Bob", negate=True), True),
        (rule("EQUALS", "props.zero", "5"), False),  # text: "05" is not "5"
        (rule("EQUALS", "props.zero", "5", cast="NUMBER"), True),  # numbers: 5 == 5
        (rule("EQUALS", "props.level", 10, cast="NUMBER"), True),
        (rule("EQUALS", "props.items[]", "shield"), True),  # any of an array's values
        (rule("EQUALS", "props.items[]", "bow"), False),
        (rule("EQUALS", "props.missing", "x"), False),
        (rule("EQUALS", "props.missing", "x", negate=True), True),
    ],
)
def test_equals(the_rule, expected):
    assert rule_matches(the_rule, PLAYER, PROPS) is expected


def test_a_rule_without_cast_type_compares_text():
    the_rule = {"name": "EQUALS", "field": "props.zero", "operands": ["05"]}
    assert rule_matches(the_rule, PLAYER, PROPS) is True
    assert rule_matches({**the_rule, "operands": ["5"]}, PLAYER, PROPS) is False


@pytest.mark.parametrize(
    "the_rule, expected",
    [
        (rule("SET", "props.level"), True),
        (rule("SET", "props.items[]"), True),
        (rule("SET", "props.missing"), False),
        (rule("SET", "props.level", negate=True), False),
        (rule("SET", "props.missing", negate=True), True),
    ],
)
def test_set(the_rule, expected):
    assert rule_matches(the_rule, PLAYER, PROPS) is expected


# --- comparisons -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, operand, expected",
    [
        ("GT", "9", True),
        ("GT", "10", False),
        ("GTE", "10", True),
        ("GTE", "10.5", False),
        ("LT", "11", True),
        ("LT", "10", False),
        ("LTE", "10", True),
        ("LTE", "9.99", False),
        ("GT", "-1e3", True),
    ],
)
def test_number_comparisons(name, operand, expected):
    assert rule_matches(rule(name, "props.level", operand, cast="NUMBER"), PLAYER, PROPS) is expected


@pytest.mark.parametrize(
    "name, operand, expected",
    [
        ("GT", "9", False),  # as text "10" < "9"
        ("LT", "9", True),
        ("GTE", "10", True),
        ("LTE", "1", False),
        ("GT", "1", True),  # "10" > "1"
    ],
)
def test_char_comparisons_are_text_order(name, operand, expected):
    assert rule_matches(rule(name, "props.level", operand, cast="CHAR"), PLAYER, PROPS) is expected


@pytest.mark.parametrize(
    "the_rule, expected",
    [
        (rule("GT", "lastSeenAt", "2024-06-01T11:59:59Z", cast="DATETIME"), True),
        (rule("GT", "lastSeenAt", "2024-06-01T12:00:00Z", cast="DATETIME"), False),
        (rule("GTE", "lastSeenAt", "2024-06-01T12:00:00Z", cast="DATETIME"), True),
        (rule("LT", "lastSeenAt", "2024-06-02", cast="DATETIME"), True),  # a date is its midnight UTC
        (rule("LT", "lastSeenAt", "2024-06-01", cast="DATETIME"), False),
        (rule("GT", "lastSeenAt", "2024-06-01", cast="DATETIME"), True),
        (rule("LTE", "lastSeenAt", "2024-06-01T12:00:00", cast="DATETIME"), True),  # naive is UTC
        (rule("LT", "lastSeenAt", "2024-06-01T14:00:00+02:00", cast="DATETIME"), False),  # = 12:00 UTC
        (rule("LTE", "lastSeenAt", "2024-06-01T14:00:00+02:00", cast="DATETIME"), True),
        (rule("EQUALS", "createdAt", "2024-01-15T08:30:00Z", cast="DATETIME"), True),
        (rule("LT", "createdAt", "2024-01-15", cast="DATETIME"), False),
        (rule("GT", "createdAt", "2024-01-15", cast="DATETIME", negate=True), False),
        (rule("GT", "props.joined", "2023-12-31", cast="DATETIME"), True),
        (rule("GT", "props.joined", "2024-01-01T00:00:01Z", cast="DATETIME"), False),
    ],
)
def test_datetime_comparisons(the_rule, expected):
    the_props = props(("joined", "2024-01-01T00:00:00Z"))
    assert rule_matches(the_rule, PLAYER, the_props) is expected


def test_negate_inverts_a_comparison():
    assert rule_matches(rule("GT", "props.level", "9", cast="NUMBER", negate=True), PLAYER, PROPS) is False
    assert rule_matches(rule("LT", "props.level", "9", cast="NUMBER", negate=True), PLAYER, PROPS) is True


# --- unreadable rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "the_rule",
    [
        rule("GT", "props.name", "1", cast="NUMBER"),  # "Ada" is no number
        rule("GT", "props.level", "ten", cast="NUMBER"),
        rule("GT", "lastSeenAt", "not a date", cast="DATETIME"),
        rule("GT", "props.level", cast="NUMBER"),  # no operand
        rule("CONTAINS", "props.name", "A"),  # no such rule
        rule("EQUALS", "email", "x"),  # no such field
        {"name": "EQUALS", "operands": ["x"]},  # no field
        {"field": "props.name", "operands": ["Ada"]},  # no name
        rule("GT", "lastSeenAt", "2024-01-01", cast="NUMBER"),  # a datetime is no number
    ],
)
def test_an_unreadable_rule_never_matches_even_negated(the_rule):
    assert rule_matches(the_rule, PLAYER, PROPS) is False
    assert rule_matches({**the_rule, "negate": True}, PLAYER, PROPS) is False


# --- groups --------------------------------------------------------------------------------------

YES = rule("EQUALS", "props.name", "Ada")
NO = rule("EQUALS", "props.name", "Bob")
BROKEN = rule("GT", "props.name", "1", cast="NUMBER")


def test_a_group_without_rules_has_no_players():
    assert player_in_group(group([]), PLAYER, PROPS) is False
    assert player_in_group(group([], ANY), PLAYER, PROPS) is False


@pytest.mark.parametrize(
    "rules, all_expected, any_expected",
    [
        ([YES], True, True),
        ([NO], False, False),
        ([YES, YES], True, True),
        ([YES, NO], False, True),
        ([NO, YES], False, True),
        ([NO, NO], False, False),
        ([YES, BROKEN], False, True),
        ([BROKEN], False, False),
    ],
)
def test_all_and_any(rules, all_expected, any_expected):
    assert player_in_group(group(rules, ALL), PLAYER, PROPS) is all_expected
    assert player_in_group(group(rules, ANY), PLAYER, PROPS) is any_expected


def test_group_rules_on_player_fields_and_props_together():
    rules = [rule("GTE", "props.level", "10", cast="NUMBER"), rule("LT", "createdAt", "2024-02-01", cast="DATETIME")]
    assert player_in_group(group(rules), PLAYER, PROPS) is True
    late = player(created_at=dt.datetime(2024, 3, 1, tzinfo=UTC))
    assert player_in_group(group(rules), late, PROPS) is False
    assert player_in_group(group(rules, ANY), late, PROPS) is True
