"""Player group rules: does a player belong to a group?

A rule is {"name", "negate", "field", "operands", "castType"} as Talo's dashboard writes them:
`field` is `props.<key>`, `lastSeenAt` or `createdAt`; `name` is EQUALS, SET (the prop exists),
GT, GTE, LT or LTE; `castType` says how to compare: CHAR (text), NUMBER or DATETIME. A group's
`rule_mode` joins its rules with AND (`$and`) or OR (`$or`). An unreadable rule never matches."""

import datetime as dt
import operator

from django.utils.dateparse import parse_date, parse_datetime

COMPARE = {"EQUALS": operator.eq, "GT": operator.gt, "GTE": operator.ge, "LT": operator.lt, "LTE": operator.le}


def _cast(value, cast_type):
    if value is None:
        return None
    if cast_type == "NUMBER":
        return float(value)
    if cast_type == "DATETIME":
        if isinstance(value, dt.datetime):
            return value
        parsed = parse_datetime(str(value))
        if parsed is None:
            day = parse_date(str(value))
            parsed = dt.datetime(day.year, day.month, day.day) if day else None
        if parsed is None:
            raise ValueError(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)
    return str(value)


def _field_values(player, props, field):
    if field.startswith("props."):
        key = field[len("props."):]
        return [prop.value for prop in props if prop.key == key]
    if field == "lastSeenAt":
        return [player.last_seen_at]
    if field == "createdAt":
        return [player.created_at]
    raise ValueError(field)


def rule_matches(rule, player, props):
    try:
        values = _field_values(player, props, rule["field"])
        if rule["name"] == "SET":
            result = bool(values)
        else:
            compare = COMPARE[rule["name"]]
            cast_type = rule.get("castType", "CHAR")
            operand = _cast(rule["operands"][0], cast_type)
            result = any(compare(_cast(value, cast_type), operand) for value in values)
    except (KeyError, IndexError, TypeError, ValueError):
        return False
    return not result if rule.get("negate") else result


def player_in_group(group, player, props):
    if not group.rules:
        return False
    matches = (rule_matches(rule, player, props) for rule in group.rules)
    return any(matches) if group.rule_mode == group.ANY else all(matches)
