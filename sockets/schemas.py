"""Payload schemas of the socket requests, with zod's semantics (docs/socket.md §5):

- a number is any JSON number, never a boolean or a string;
- an integer is a number with no fractional part (`10` and `10.0` are 10, `2.5` is not), within
  the bounds given;
- a string is a JSON string, never null, even when the field is optional;
- unknown keys are ignored.

`text_problem` is the one check of an untrusted string, for socket payloads and REST input alike
(docs/differences.md row 12): no NUL, no lone surrogate, at most the length of the column or
frame it goes to.
"""

from sockets.wire import has_surrogate

NUL_OR_SURROGATE = "Invalid input: must not contain NUL characters or lone surrogates"


class SchemaError(ValueError):
    pass


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Number:
    def validate(self, value):
        if not is_number(value):
            raise SchemaError("expected number")
        return value


class Integer:
    def __init__(self, minimum=None, maximum=None):
        self.minimum = minimum
        self.maximum = maximum

    def validate(self, value):
        if not is_number(value) or (isinstance(value, float) and not value.is_integer()):
            raise SchemaError("expected integer")
        value = int(value)
        if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            raise SchemaError("out of range")
        return value
def too_long(max_length):
    """zod's wording for a string over its maximum length."""
    return f"Too big: expected string to have <={max_length} characters"


def text_problem(value, max_length=None):
    """Why the string `value` is refused (a message in zod's style), or None."""
    if "\x00" in value or has_surrogate(value):
        return NUL_OR_SURROGATE
    if max_length is not None and len(value) > max_length:
        return too_long(max_length)
    return None


class String:
    def __init__(self, max_length=None):
        self.max_length = max_length

    def validate(self, value):
        if not isinstance(value, str):
            raise SchemaError("expected string")
        problem = text_problem(value, self.max_length)
        if problem is not None:
            raise SchemaError(problem)
        return value


class Object:
    """An object with named fields; `optional` names may be absent (but not null)."""

    def __init__(self, optional=(), **fields):
        self.fields = fields
        self.optional = frozenset(optional)

    def validate(self, value):
        if not isinstance(value, dict):
            raise SchemaError("expected object")
        result = {}
        for name, field in self.fields.items():
            if name not in value:
                if name in self.optional:
                    continue
                raise SchemaError(f"{name} is required")
            result[name] = field.validate(value[name])
        return result
