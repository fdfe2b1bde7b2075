"""Access-key permission shared by every view."""

from rest_framework import permissions


class HasAccessKey(permissions.BasePermission):
    """Every /v1/ endpoint needs a valid access key (authentication raises the 401s)."""

    def has_permission(self, request, view):
        return request.auth is not None


class ValidRequestSignature(permissions.BasePermission):
    """rest.md §2.6: when the game verifies requests, a non-GET request made for an alias
    (`x-talo-alias`) must carry a valid `x-talo-signature` over its raw body."""

    def has_permission(self, request, view):
        key = request.auth
        alias_id = request.headers.get("x-talo-alias")
        if key is None or not key.game.verify_requests or alias_id is None or request.method == "GET":
            return True
        from players.api import ApiError
        from sockets.signatures import verify_signature

        if not verify_signature(
            game_id=key.game_id,
            alias_id=alias_id,
            signature=request.headers.get("x-talo-signature", ""),
            payload_text=request.body.decode("utf-8", errors="replace"),
        ):
            raise ApiError(401, "Unauthorized")
        return True
