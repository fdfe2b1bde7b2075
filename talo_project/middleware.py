"""HTTP behaviour Talo has before routing (docs/rest.md §1)."""

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse

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


AUTH_PATHS = ("/v1/players/auth", "/v1/players/identify", "/v1/players/socket-token", "/v1/socket-tickets")


class RateLimitMiddleware:
    """docs/rest.md §2.7: per client IP, fixed 60-second windows, before authentication; a lower
    budget for the identity paths. Counters live in the cache (Redis with REDIS_URL, so every
    server process shares them). A budget of 0 turns that limit off."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith("/v1/") and request.method != "OPTIONS":
            auth = path.startswith(AUTH_PATHS)
            limit = settings.TALO_REST["RATE_LIMIT_AUTH" if auth else "RATE_LIMIT"]
            if limit and self._over_limit("auth" if auth else "default", request.META.get("REMOTE_ADDR", ""), limit):
                response = JsonResponse({"message": "Too Many Requests"}, status=429)
                response["Retry-After"] = str(settings.TALO_REST["RATE_LIMIT_WINDOW"])
                return response
        return self.get_response(request)

    def _over_limit(self, bucket, ip, limit):
        key = f"ratelimit:{bucket}:{ip}"
        cache.add(key, 0, settings.TALO_REST["RATE_LIMIT_WINDOW"])
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr: a new window
            cache.add(key, 1, settings.TALO_REST["RATE_LIMIT_WINDOW"])
            count = 1
        return count > limit
