"""REST plumbing shared by the apps: Talo's error bodies and request-header parsing."""

from rest_framework import exceptions
from rest_framework.response import Response
from players import selectors
from players.scopes import missing_scopes_message


class ApiError(Exception):
    """An error answered as `{"message": ..., **extra}` with that status."""

    def __init__(self, status, message, **extra):
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


class ValidationFailed(Exception):
    """A 400 `{"errors": {field: [message, ...]}, **extra}` (rest.md §2.8)."""

    def __init__(self, errors, **extra):
        super().__init__(errors)
        self.errors = errors
        self.extra = extra


def exception_handler(exc, context):
    if isinstance(exc, ApiError):
        return Response({"message": exc.message, **exc.extra}, status=exc.status)
    if isinstance(exc, ValidationFailed):
        return Response({"errors": exc.errors, **exc.extra}, status=400)
    if isinstance(exc, exceptions.ParseError):
        return Response({"message": "Invalid JSON body"}, status=400)
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"message": str(response.data["detail"])}
    return response


def require_scopes(request, *scopes):
    """Talo checks scopes after validating the request (rest.md §2.2), so views call this
    explicitly at that point instead of declaring a permission class."""
    missing = request.auth.missing_scopes(scopes)
    if missing:
        raise ApiError(403, missing_scopes_message(missing))


def header_flag(request, name):
    """Talo's boolean headers: true when the value is a non-zero number (rest.md §2.1)."""
    value = request.headers.get(name)
    if value is None:
        return False
    try:
        number = float(value.strip())
    except ValueError:
        return False
    return number == number and number != 0  # NaN is false


def alias_id_header(request):
    """Validate the `x-talo-alias` header (400 on absence/format) and return the id."""
    value = request.headers.get("x-talo-alias")
    if value is None:
        raise ValidationFailed({"x-talo-alias": ["x-talo-alias is missing from the request headers"]})
    if not value.isdigit() or not value.isascii():
        raise ValidationFailed({"x-talo-alias": ["x-talo-alias header must be a numeric string"]})
    return int(value)


def load_alias(request, alias_id):
    """The acting alias in the key's game, or 404 Player not found."""
    alias = selectors.get_alias(game_id=request.auth.game_id, alias_id=alias_id)
    if alias is None:
        raise ApiError(404, "Player not found")
    return alias


ABSENT = object()
NOT_A_NUMBER = "Invalid input: expected number, received NaN"


def js_type(value):
    """The type name zod reports for a parsed JSON value ("received <type>")."""
    if value is ABSENT:
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


def json_body(request):
    """The request's JSON object (an absent or non-object body counts as `{}`)."""
    return request.data if isinstance(request.data, dict) else {}


def route_id(value):
    """A numeric route param (rest.md §1): anything else is zod's NaN error on `id`."""
    if not value.isdigit() or not value.isascii() or len(value) > 18:
        raise ValidationFailed({"id": [NOT_A_NUMBER]})
    return int(value)
