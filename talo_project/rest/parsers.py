"""The REST body parser: JSON read with the socket's rules (sockets.wire: JavaScript semantics,
nesting bounded, lone surrogates refused), so one boundary holds for both (docs/rest.md §2.8)."""

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from sockets import wire
from talo_project.errors import ServiceError

BODY_TOO_LARGE = "Request body too large"


def body_too_large():
    """413 for a body over TALO_REST["MAX_BODY_BYTES"] (README "Security")."""
    return ServiceError(BODY_TOO_LARGE, status=413)


class JSONParser(parsers.BaseParser):
    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.TALO_REST["MAX_BODY_BYTES"]
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise body_too_large()
        try:
            return wire.loads(body)
        except wire.InvalidJSON:
            raise ParseError() from None
