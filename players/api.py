"""REST helpers of the domain, for every app's views: the scope check and the acting alias."""

from players import selectors
from sockets.errors import missing_scopes_message
from talo_project.errors import ServiceError


def require_scopes(request, *scopes):
    """Talo checks scopes after validating the request (docs/rest.md §2.2), so views call this
    explicitly at that point instead of declaring a permission class."""
    missing = request.auth.missing_scopes(scopes)
    if missing:
        raise ServiceError(missing_scopes_message(missing), status=403)


def load_alias(request, alias_id):
    """The acting alias in the key's game, or 404 Player not found."""
    alias = selectors.get_alias(game_id=request.auth.game_id, alias_id=alias_id)
    if alias is None:
        raise ServiceError("Player not found", status=404)
    return alias
