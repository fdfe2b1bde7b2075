"""Talo player authentication (docs/rest.md §5.4): register, login, refresh, logout."""

from django.contrib.auth.hashers import check_password, make_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from players import selectors, sessions
from players.models import TALO_SERVICE, PlayerAlias, PlayerAuth
from players.services.identity import create_player_with_alias
from players.services.session_checks import auth_of, uuid_or_none
from players.socket_tokens import issue_socket_token
from talo_project.errors import ServiceError

INVALID_CREDENTIALS = ("Incorrect identifier or password", "INVALID_CREDENTIALS")
INVALID_REFRESH_TOKEN = ("Invalid refresh token", "INVALID_REFRESH_TOKEN")


def _start_session(*, auth, alias, with_refresh):
    """A new session key (older tokens stop verifying) and its tokens."""
    auth.session_key = sessions.new_session_key()
    auth.session_created_at = timezone.now()
    auth.save(update_fields=["session_key", "session_created_at"])
    return sessions.encode_session(
        session_key=auth.session_key, player_id=alias.player_id, alias_id=alias.id, with_refresh=with_refresh
    )


def _session_result(*, alias, session_token, refresh_token):
    return {
        "alias": selectors.get_alias(game_id=alias.game_id, alias_id=alias.id),
        "session_token": session_token,
        "refresh_token": refresh_token,
        "socket_token": issue_socket_token(alias_id=alias.id),
    }


def register_player(*, game, identifier, password, email, verification_enabled, with_refresh, dev_build):
    """`POST /v1/players/auth/register`: a new player whose only alias is `talo`:identifier."""
    try:
        with transaction.atomic():
            alias = create_player_with_alias(game=game, service=TALO_SERVICE, identifier=identifier, dev_build=dev_build)
            auth = PlayerAuth.objects.create(
                player_id=alias.player_id,
                password=make_password(password),
                email=email or None,
                verification_enabled=verification_enabled,
            )
            session_token, refresh_token = _start_session(auth=auth, alias=alias, with_refresh=with_refresh)
    except IntegrityError:
        raise ServiceError(
            f"Player with identifier '{identifier}' already exists", errorCode="IDENTIFIER_TAKEN"
        ) from None
    return _session_result(alias=alias, session_token=session_token, refresh_token=refresh_token)


def login_player(*, game, identifier, password, with_refresh):
    """`POST /v1/players/auth/login`. With email verification on, no session is created: the
    caller must verify (email delivery is outside this project), so the answer says so."""
    alias = selectors.find_talo_alias(game_id=game.id, identifier=identifier)
    auth = auth_of(alias.player_id) if alias is not None else None
    if auth is None or not check_password(password, auth.password):
        raise ServiceError(INVALID_CREDENTIALS[0], status=401, errorCode=INVALID_CREDENTIALS[1])
    if auth.verification_enabled:
        return {"alias_id": alias.id, "verification_required": True}
    with transaction.atomic():
        PlayerAlias.objects.filter(id=alias.id).update(last_seen_at=timezone.now())
        session_token, refresh_token = _start_session(auth=auth, alias=alias, with_refresh=with_refresh)
    return _session_result(alias=alias, session_token=session_token, refresh_token=refresh_token)


def refresh_session(*, game, refresh_token):
    """`POST /v1/players/auth/refresh`: a valid refresh token of the current session starts a new
    session (the old session and refresh tokens stop working)."""
    invalid = ServiceError(INVALID_REFRESH_TOKEN[0], status=401, errorCode=INVALID_REFRESH_TOKEN[1])
    player_id = uuid_or_none(sessions.unverified_player_id(refresh_token))
    auth = PlayerAuth.objects.filter(player_id=player_id, player__game=game).first() if player_id else None
    if auth is None:
        raise invalid
    claims = sessions.refresh_claims(token=refresh_token, session_key=auth.session_key)
    if claims is None:
        raise invalid
    alias = selectors.get_alias(game_id=game.id, alias_id=claims.get("aliasId"))
    if alias is None or alias.player_id != auth.player_id:
        raise invalid
    with transaction.atomic():
        session_token, new_refresh_token = _start_session(auth=auth, alias=alias, with_refresh=True)
    return session_token, new_refresh_token


def logout_player(*, alias):
    """`POST /v1/players/auth/logout`: clears the session key; every session token stops working
    (open sockets stay identified, docs/socket.md §13)."""
    PlayerAuth.objects.filter(player_id=alias.player_id).update(session_key=None, session_created_at=None)
