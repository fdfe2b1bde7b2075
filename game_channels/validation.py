"""Request validation with Talo's (zod's) wording (rest.md §2.8), for the channel endpoints.

A Validator collects every field's errors and raises them together as one 400."""

import math

from game_channels.services import UNSET  # a field that was not supplied
from players.api import ABSENT, ValidationFailed, expected

PROPS_NOT_ARRAY = "Props must be an array"


class Validator:
    """Collects every field's errors, then raises them together (rest.md §2.8)."""

    def __init__(self):
        self.errors = {}

    def error(self, path, message):
        self.errors.setdefault(path, []).append(message)

    def check(self, call):
        try:
            return call()
        except ValidationFailed as exc:
            for path, messages in exc.errors.items():
                self.errors.setdefault(path, []).extend(messages)
            return None

    def done(self):
        if self.errors:
            raise ValidationFailed(self.errors)


def channel_id(validator, value):
    """Route param `id` (z.coerce.number()): NaN is a 400; a number no channel can have → 0."""
    try:
        number = float(value.strip()) if value.strip() else 0.0
    except ValueError:
        number = math.nan
    if math.isnan(number):
        validator.error("id", "Invalid input: expected number, received NaN")
        return None
    return int(number) if number.is_integer() and abs(number) < 2**63 else 0


def body_of(request):
    return request.data if isinstance(request.data, dict) else {}


def optional(validator, body, name, kind, check):
    if name not in body:
        return UNSET
    return required(validator, body, name, kind, check, invalid=UNSET)


def required(validator, body, name, kind, check, invalid=None):
    value = body.get(name, ABSENT)
    if value is ABSENT or not check(value):
        validator.error(name, expected(kind, value))
        return invalid
    return value


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def alias_id(value):
    """A JSON number as an alias id: one no alias can have (1.5) is 0, never truncated."""
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**63 else 0
    return value


def is_bool(value):
    return isinstance(value, bool)


def is_str(value):
    return isinstance(value, str)


def props(validator, body, *, nullable, always=False):
    """`props`: an array of {key: string, value: string (or null when updating)}."""
    if "props" not in body and not always:
        return UNSET
    items = body.get("props")
    if not isinstance(items, list):
        validator.error("props", PROPS_NOT_ARRAY)
        return UNSET
    result = []
    for index, prop in enumerate(items):
        if not isinstance(prop, dict):
            validator.error(f"props.{index}", expected("object", prop))
            continue
        key, value = prop.get("key", ABSENT), prop.get("value", ABSENT)
        if not isinstance(key, str):
            validator.error(f"props.{index}.key", expected("string", key))
        if not (isinstance(value, str) or (nullable and value is None)):
            validator.error(f"props.{index}.value", expected("string", value))
        result.append((key, value))
    return result


def page(validator, request):
    value = request.query_params.get("page")
    if value is None:
        return 0
    try:
        number = float(value.strip()) if value.strip() else 0.0
    except ValueError:
        number = math.nan
    if math.isnan(number):
        validator.error("page", "Invalid input: expected number, received NaN")
    elif not number.is_integer():
        validator.error("page", "Invalid input: expected int, received number")
    elif number < 0:
        validator.error("page", "Too small: expected number to be >=0")
    else:
        return int(number)
    return 0
