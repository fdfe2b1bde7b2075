"""Permissions shared by every view: the access key, then the Talo player session, then the
request signature (docs/rest.md §2.2). A check that fails raises a ServiceError, answered by the
exception handler like any other."""

from rest_framework import permissions

from players import signatures
from players.services import session_checks
from talo_project.errors import ServiceError
from talo_project.rest.validation import header

# The refresh endpoint is how a player without a valid session gets one (docs/rest.md §2.5).
SESSION_EXEMPT_PATHS = frozenset({"/v1/players/auth/refresh"})


class HasAccessKey(permissions.BasePermission):
    """Every /v1/ endpoint needs a valid access key (authentication raises the 401s)."""

    def has_permission(self, request, view):
        return request.auth is not None


class ValidRequestSignature(permissions.BasePermission):
    """docs/rest.md §2.6: when the game verifies requests, a non-GET request made for an alias
    (`x-talo-alias`) must carry a valid `x-talo-signature` over its raw body."""

    def has_permission(self, request, view):
        key = request.auth
        alias_id = header(request, "x-talo-alias")
        # key.game is read last: most requests need not load it.
        if key is None or alias_id is None or request.method == "GET" or not key.game.verify_requests:
            return True
        if not signatures.verify_signature(
            game_id=key.game_id,
            alias_id=alias_id,
            signature=header(request, "x-talo-signature") or "",
            payload_text=request.body.decode("utf-8", errors="replace"),
        ):
            raise ServiceError("Unauthorized", status=401)
        return True


class PlayerSession(permissions.BasePermission):
    """A request naming a Talo-auth player (`x-talo-alias` / `x-talo-player`) needs that player's
    valid `x-talo-session` (docs/rest.md §2.5), before the route's own validation."""

    def has_permission(self, request, view):
        if request.auth is None or request.path_info in SESSION_EXEMPT_PATHS:
            return True
        session_checks.check_request_session(
            game_id=request.auth.game_id,
            alias_header=header(request, "x-talo-alias"),
            player_header=header(request, "x-talo-player"),
            token=header(request, "x-talo-session"),
        )
        return True
