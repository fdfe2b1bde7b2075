"""The OpenAPI 3 document of the REST API (drf-spectacular; served at /api/schema, browsable at
/api/docs, docs/rest.md "Schema"): the pieces every app's `openapi.py` shares.

The views are plain APIViews that validate by hand (talo_project.rest.validation), so nothing
can be inferred: each app's `openapi.py` describes its views with `extend_schema`, using the JSON
objects of docs/objects.md registered here as components."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

components = {}  # name -> JSON schema; the apps' openapi modules add the objects they own

STRING = {"type": "string"}
BOOLEAN = {"type": "boolean"}
INTEGER = {"type": "integer"}
DATE = {"type": "string", "format": "date-time", "example": "2024-12-04T07:15:13.000Z"}
UUID = {"type": "string", "format": "uuid"}


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema):
    return {"allOf": [schema], "nullable": True} if "$ref" in schema else {**schema, "nullable": True}


def array(items):
    return {"type": "array", "items": items}


def obj(optional=(), **properties):
    """An object with these properties, all required except `optional`."""
    schema = {"type": "object", "properties": properties}
    required = [name for name in properties if name not in optional]
    if required:
        schema["required"] = required
    return schema


def component(name, schema):
    components[name] = schema
    return ref(name)


PROP = component("Prop", obj(key=STRING, value=STRING))
PROP_CHANGE = component("PropChange", obj(key=STRING, value=nullable(STRING)))
MESSAGE = component("Message", obj(optional=("errorCode", "field"), message=STRING, errorCode=STRING, field=STRING))
VALIDATION_ERRORS = component(
    "ValidationErrors", obj(errors={"type": "object", "additionalProperties": array(STRING)})
)


def body(schema):
    """A JSON request body (extend_schema's `request`)."""
    return {"application/json": schema}


def page(items_name, item):
    """Talo's pages of 50 (docs/objects.md §11)."""
    return obj(**{items_name: array(item), "count": INTEGER, "itemsPerPage": INTEGER, "isLastPage": BOOLEAN})


# docs/rest.md §2: what any /v1 request may answer besides its own responses.
COMMON_ERRORS = {
    401: OpenApiResponse(MESSAGE, description="No, an unknown or a revoked access key"),
    403: OpenApiResponse(MESSAGE, description="The key lacks a scope: `Missing access key scope(s): …`"),
    429: OpenApiResponse(MESSAGE, description="Over the per-IP rate limit (docs/rest.md §2.7)"),
}
INVALID = OpenApiResponse(VALIDATION_ERRORS, description="Validation failed (docs/rest.md §2.8)")
BAD_REQUEST = OpenApiResponse(MESSAGE, description="The request is refused: `{message}`")
NOT_FOUND = OpenApiResponse(MESSAGE, description="Not found: `{message}`")
NO_CONTENT = OpenApiResponse(None, description="Done; no body")


def responses(ok, *errors):
    """`ok` as a 200 body (a schema) or an OpenApiResponse, the given (status, response) pairs,
    then COMMON_ERRORS."""
    answer = {200 if not isinstance(ok, OpenApiResponse) or ok.response is not None else 204: ok}
    answer.update(COMMON_ERRORS)
    answer.update(dict(errors))
    return answer


ALIAS_HEADER = OpenApiParameter(
    "x-talo-alias", OpenApiTypes.INT, OpenApiParameter.HEADER, required=True,
    description="The id of the player alias the request acts for",
)
SESSION_HEADER = OpenApiParameter(
    "x-talo-session", OpenApiTypes.STR, OpenApiParameter.HEADER,
    description="The player's session token, for games with Talo player authentication (docs/rest.md §2.5)",
)
DEV_BUILD_HEADER = OpenApiParameter(
    "x-talo-dev-build", OpenApiTypes.STR, OpenApiParameter.HEADER, description="`1` marks a dev build's player"
)
INCLUDE_DEV_DATA_HEADER = OpenApiParameter(
    "x-talo-include-dev-data", OpenApiTypes.STR, OpenApiParameter.HEADER,
    description="`1` counts dev-build players in memberCount",
)


def query(name, kind=OpenApiTypes.STR, description="", required=False, many=False):
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, required=required, description=description, many=many)


def path_id(name="id", description=""):
    return OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.PATH, description=description)


def add_components(result, generator, request, public):
    """drf-spectacular post-processing hook (settings.SPECTACULAR_SETTINGS): the objects."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(components)
    return result
