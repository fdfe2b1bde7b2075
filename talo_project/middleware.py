"""HTTP behaviour Talo has before routing (rest.md §1)."""

from django.http import HttpResponse

CORS_PATHS = ("/v1/", "/public/health")


class TrailingSlashMiddleware:
    """Strip a trailing slash instead of redirecting: `/v1/game-config/` is `/v1/game-config`.
    The admin keeps Django's own slash convention."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if len(path) > 1 and path.endswith("/") and not path.startswith("/admin"):
            request.path_info = path.rstrip("/") or "/"
        return self.get_response(request)


class CorsMiddleware:
    """Permissive CORS on the game API for web builds that send x-talo-* headers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(CORS_PATHS):
            return self.get_response(request)
        if request.method == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in request.META:
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET,HEAD,PUT,POST,DELETE,PATCH"
            requested = request.META.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS")
            if requested:
                response["Access-Control-Allow-Headers"] = requested
        else:
            response = self.get_response(request)
        origin = request.META.get("HTTP_ORIGIN")
        if origin:
            response["Access-Control-Allow-Origin"] = origin
            response["Vary"] = "Origin"
        return response
