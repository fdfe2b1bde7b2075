"""HTTP behaviour Talo has before routing (docs/rest.md §1)."""

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.cache import caches
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse

from talo_project.cache import count_hit
from talo_project.rest.exceptions import SERVICE_UNAVAILABLE, UNAVAILABLE
from talo_project.rest.parsers import BODY_TOO_LARGE

CORS_PATHS = ("/v1/", "/public/health")
ADMIN_PATH = "/admin/"


class _AdminPathsOnly:
    """Django's session, user and messages middlewares for the admin's paths only: nothing else
    here has a session (the game API authenticates each request with its access key), and the three
    are a tenth of a cheap request's CPU — the socket ticket every connection starts with
    (docs/architecture.md, "One connection"). Subclasses, so Django's admin checks find them."""

    def __call__(self, request):
        if request.path_info.startswith(ADMIN_PATH):
            return super().__call__(request)
        return self.get_response(request)


class AdminSessionMiddleware(_AdminPathsOnly, SessionMiddleware):
    pass


class AdminAuthenticationMiddleware(_AdminPathsOnly, AuthenticationMiddleware):
    pass


class AdminMessageMiddleware(_AdminPathsOnly, MessageMiddleware):
    pass


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
        # Every /v1 request counts, OPTIONS too: only a CORS preflight is answered before this
        # (CorsMiddleware), and anything else goes on to authenticate the key.
        if path.startswith("/v1/"):
            auth = path.startswith(AUTH_PATHS)
            limit = settings.TALO_REST["RATE_LIMIT_AUTH" if auth else "RATE_LIMIT"]
            try:
                over = limit and self._over_limit("auth" if auth else "default", request.META.get("REMOTE_ADDR", ""), limit)
            except UNAVAILABLE:
                return JsonResponse(SERVICE_UNAVAILABLE, status=503, headers={"Retry-After": "5"})
            if over:
                response = JsonResponse({"message": "Too Many Requests"}, status=429)
                response["Retry-After"] = str(settings.TALO_REST["RATE_LIMIT_WINDOW"])
                return response
        return self.get_response(request)

    def _over_limit(self, bucket, ip, limit):
        return count_hit(caches["default"], f"ratelimit:{bucket}:{ip}", settings.TALO_REST["RATE_LIMIT_WINDOW"]) > limit


class BodyLimitMiddleware:
    """README "Security": a /v1 body over TALO_REST["MAX_BODY_BYTES"] is answered 413 before
    anything reads it (a chunked body is read up to the limit: DATA_UPLOAD_MAX_MEMORY_SIZE)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith("/v1/") and self._too_large(request):
            return JsonResponse({"message": BODY_TOO_LARGE}, status=413)
        return self.get_response(request)

    @staticmethod
    def _too_large(request):
        length = request.META.get("CONTENT_LENGTH")
        if length:
            try:
                return int(length) > settings.TALO_REST["MAX_BODY_BYTES"]
            except ValueError:
                return True
        try:
            request.body  # no length given: Django stops reading at the limit
        except RequestDataTooBig:
            return True
        return False
