"""Request validation with Talo's (zod's) wording (docs/rest.md §2.8).

A view makes one Validator, reads each field through it (every field's errors are collected) and
calls `done()`, which raises them together as one 400 `{"errors": {field: [message]}}`.

This is the one boundary for untrusted input (docs/rest.md §2.9), shared with the socket's
payload schemas: every string is checked by `sockets.schemas.text_problem` (no NUL, no lone
surrogate, at most the length of its column), ids and pages are bounded so that no number reaches
the database that it cannot hold — identically on SQLite and PostgreSQL."""

import math

from sockets.schemas import is_number  # noqa: F401  (one definition for REST and socket payloads)
from sockets.schemas import text_problem
from talo_project.errors import ValidationFailed
from talo_project.values import NOT_SUPPLIED

# Column lengths of the strings a request stores (docs/rest.md §2.9).
NAME_LENGTH = 255  # identifiers, services, channel names, emails
CUSTOM_STATUS_LENGTH = 255
# The most props one request may send (channel props, channel storage).
MAX_PROPS = 1024
# The largest id a row can have (a signed 64-bit column); larger ones find nothing.
MAX_ID = 2**63 - 1

NOT_A_NUMBER = "Invalid input: expected number, received NaN"
PROPS_NOT_ARRAY = "Props must be an array"


def js_type(value):
    """The type name zod reports for a parsed JSON value ("received <type>")."""
    if value is NOT_SUPPLIED:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def expected(type_name, value):
    return f"Invalid input: expected {type_name}, received {js_type(value)}"


def is_bool(value):
    return isinstance(value, bool)


def is_str(value):
    return isinstance(value, str)


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def json_body(request):
    """The request's JSON object (an absent or non-object body counts as `{}`)."""
    return request.data if isinstance(request.data, dict) else {}


class Validator:
    """Collects every field's errors, then raises them together."""

    def __init__(self):
        self.errors = {}

    def error(self, path, message):
        self.errors.setdefault(path, []).append(message)

    def check(self, call):
        """`call()`'s value; a ValidationFailed it raises is collected instead (None)."""
        try:
            return call()
        except ValidationFailed as exc:
            for path, messages in exc.errors.items():
                self.errors.setdefault(path, []).extend(messages)
            return None

    def done(self):
        if self.errors:
            raise ValidationFailed(self.errors)

    def required(self, body, name, kind, check, invalid=None, max_length=None):
        """The field's value; a string is also checked for NUL, lone surrogates and `max_length`."""
        value = body.get(name, NOT_SUPPLIED)
        if value is NOT_SUPPLIED or not check(value):
            self.error(name, expected(kind, value))
            return invalid
        if isinstance(value, str) and not self.text(name, value, max_length):
            return invalid
        return value

    def optional(self, body, name, kind, check, max_length=None):
        """The field's value, or NOT_SUPPLIED when absent (or invalid: the error is collected)."""
        if name not in body:
            return NOT_SUPPLIED
        return self.required(body, name, kind, check, invalid=NOT_SUPPLIED, max_length=max_length)

    def text(self, path, value, max_length=None):
        """True when the string may go on; otherwise its error is collected."""
        problem = text_problem(value, max_length)
        if problem is not None:
            self.error(path, problem)
        return problem is None

    def query(self, request, name, max_length=None):
        """An optional query parameter (None when absent or refused)."""
        value = request.query_params.get(name)
        if value is None or not self.text(name, value, max_length):
            return None
        return value

    def query_list(self, request, name):
        """Every value of a repeated query parameter; None when any is refused."""
        values = request.query_params.getlist(name)
        return values if all([self.text(name, value) for value in values]) else None

    def props(self, body, *, nullable, always=False):
        """`props`: an array of {key: string, value: string (or null when updating)} →
        [(key, value)], or NOT_SUPPLIED."""
        if "props" not in body and not always:
            return NOT_SUPPLIED
        items = body.get("props")
        if not isinstance(items, list):
            self.error("props", PROPS_NOT_ARRAY)
            return NOT_SUPPLIED
        if len(items) > MAX_PROPS:
            self.error("props", f"Too big: expected array to have <={MAX_PROPS} items")
            return NOT_SUPPLIED
        result = []
        for index, prop in enumerate(items):
            if not isinstance(prop, dict):
                self.error(f"props.{index}", expected("object", prop))
                continue
            key, value = prop.get("key", NOT_SUPPLIED), prop.get("value", NOT_SUPPLIED)
            # Lengths are the props' own rejections (docs/objects.md §9), not errors.
            if not isinstance(key, str):
                self.error(f"props.{index}.key", expected("string", key))
            else:
                self.text(f"props.{index}.key", key)
            if not (isinstance(value, str) or (nullable and value is None)):
                self.error(f"props.{index}.value", expected("string", value))
            elif value is not None:
                self.text(f"props.{index}.value", value)
            result.append((key, value))
        return result

    def required_query(self, request, name):
        """A query parameter that must be a non-empty string (docs/rest.md §5.1)."""
        value = request.query_params.get(name)
        if value is None:
            self.error(name, f"{name} is missing from the request query")
            return None
        value = value.strip()
        if not value:
            self.error(name, f"Invalid {name}, must be a non-empty string")
            return None
        return value if self.text(name, value, NAME_LENGTH) else None

    def page(self, request):
        """`?page=`: z.coerce.number().int().min(0), 0 when absent."""
        value = request.query_params.get("page")
        if value is None:
            return 0
        number = self.integer("page", _coerce_number(value), minimum=0)
        return 0 if number is None else number

    def query_integer(self, request, name, *, minimum, maximum=None):
        """An optional integer query parameter (z.coerce.number().int().min().max()): None when
        absent or empty, or invalid (the error is collected)."""
        value = request.query_params.get(name, "")
        if not value:
            return None
        return self.integer(name, _coerce_number(value), minimum=minimum, maximum=maximum)

    def integer(self, name, number, *, minimum, maximum=None):
        if math.isnan(number):
            self.error(name, NOT_A_NUMBER)
        elif not number.is_integer():
            self.error(name, "Invalid input: expected int, received number")
        elif number < minimum:
            self.error(name, f"Too small: expected number to be >={minimum}")
        elif maximum is not None and number > maximum:
            self.error(name, f"Too big: expected number to be <={maximum}")
        else:
            return int(number)
        return None

    def coerced_id(self, name, value):
        """A route param read with z.coerce.number(): NaN is an error; a number no row can have
        (fractional, huge, negative) is 0, which finds nothing."""
        number = _coerce_number(value)
        if math.isnan(number):
            self.error(name, NOT_A_NUMBER)
            return None
        return int(number) if number.is_integer() and abs(number) < 2**63 else 0


def _coerce_number(text):
    """JavaScript's Number(text) for a query or route string: blank is 0, junk is NaN."""
    try:
        return float(text.strip()) if text.strip() else 0.0
    except ValueError:
        return math.nan


def number_id(value):
    """A JSON number as an id: one no row can have (1.5, 2**70) is 0, never truncated."""
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**63 else 0
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_ID:
        return 0
    return value


def route_id(value):
    """A numeric route param checked as digits (docs/rest.md §1): anything else is zod's NaN error
    on `id`."""
    if not value.isdigit() or not value.isascii() or len(value) > 18:
        raise ValidationFailed({"id": [NOT_A_NUMBER]})
    return int(value)


def digits(value, limit=18):
    """An ASCII digit string of at most `limit` digits as an int, or None."""
    if value.isascii() and value.isdigit() and len(value) <= limit:
        return int(value)
    return None


def header(request, name):
    """The value of request header `name` (e.g. "x-talo-alias"), or None: what
    `request.headers.get(name)` answers, read from META, without the map of every header Django
    builds on first use of `request.headers` (a twentieth of a socket ticket's CPU)."""
    return request.META.get("HTTP_" + name.upper().replace("-", "_"))


def header_flag(request, name):
    """Talo's boolean headers: true when the value is a non-zero number (docs/rest.md §2.1)."""
    value = header(request, name)
    if value is None:
        return False
    try:
        number = float(value.strip())
    except ValueError:
        return False
    return number == number and number != 0  # NaN is false


def alias_id_header(request):
    """Validate the `x-talo-alias` header (400 on absence/format) and return the id."""
    value = header(request, "x-talo-alias")
    if value is None:
        raise ValidationFailed({"x-talo-alias": ["x-talo-alias is missing from the request headers"]})
    if not value.isdigit() or not value.isascii():
        raise ValidationFailed({"x-talo-alias": ["x-talo-alias header must be a numeric string"]})
    return digits(value) or 0  # more digits than any id has: no such player
