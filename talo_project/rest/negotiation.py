"""Content negotiation with the common requests answered without parsing: every REST response is
JSON (docs/rest.md §2), and game clients send no Accept header, `*/*` or `application/json`. DRF's
negotiation parses the header into media types for every request, a noticeable part of a cheap
request's cost (the socket ticket of every connection, docs/architecture.md "One connection");
any other header still goes through it, with the same answers (406 included)."""

from rest_framework.negotiation import DefaultContentNegotiation

_ANY = frozenset(("", "*/*", "application/json"))


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        if (
            len(renderers) == 1
            and renderers[0].media_type == "application/json"
            and format_suffix is None
            and request.META.get("HTTP_ACCEPT", "") in _ANY
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
        ):
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)
