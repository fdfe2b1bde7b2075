"""Everything that changes games, keys, players and aliases: one function per use case."""

import hashlib
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from players import selectors, sessions
from players.groups import player_in_group
from players.models import (
    AccessKey,
    Game,
    Player,
    PlayerAlias,
    PlayerAliasSubscription,
    PlayerAuth,
    PlayerGroup,
    PlayerPresence,
    PlayerProp,
    VerificationKey,
)
from players.secrets import encrypt as encrypt_secret
from players.scopes import VALID_SCOPES
from players.serializers import serialize_live_config, serialize_presence, serialize_subscription
from sockets import events, wire
from sockets.hub import alias_group, game_group
from sockets.live_connections import registry as live_connections
from sockets.socket_tokens import issue_socket_token, socket_token_matches

TOKEN_PREFIX = "tk"


class ServiceError(Exception):
    """A domain error with a message for the caller."""

    def __init__(self, message, *, status=400, **extra):
        super().__init__(message)
        self.message = message
        self.status = status
        self.extra = extra


# --- access keys ---------------------------------------------------------------------------------


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def parse_token(token):
    """The key id a token names, or None when the token is not one of ours."""
    prefix, _, rest = token.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != TOKEN_PREFIX or not key_id.isdigit() or len(key_id) > 18 or not secret:
        return None
    return int(key_id)


@transaction.atomic
def create_access_key(*, game, scopes, name=""):
    """Create a key and return (key, token). The token is returned here once and stored only as a
    hash."""
    unknown = [scope for scope in scopes if scope not in VALID_SCOPES]
    if unknown:
        raise ServiceError(f"Unknown scope(s): {', '.join(unknown)}")
    key = AccessKey.objects.create(game=game, scopes=list(dict.fromkeys(scopes)), name=name, token_hash="")
    token = f"{TOKEN_PREFIX}_{key.id}_{secrets.token_urlsafe(32)}"
    key.token_hash = hash_token(token)
    key.token_hint = token[-4:]
    key.save(update_fields=["token_hash", "token_hint"])
    return key, token


def revoke_access_key(*, key):
    """Revoke: REST answers 401 at once and every open socket of the key is closed with 3000."""
    with transaction.atomic():
        updated = AccessKey.objects.filter(id=key.id, revoked_at__isnull=True).update(revoked_at=timezone.now())
        if updated:
            events.publish_key_revoked(key.id)
    key.refresh_from_db()
    return key


def get_or_create_game(*, name):
    game, _ = Game.objects.get_or_create(name=name)
    return game


# --- players -------------------------------------------------------------------------------------

DEV_BUILD_PROP = "META_DEV_BUILD"


def identify_player(*, access_key, service, identifier, dev_build, session_token):
    """REST identify (rest.md §5.1): find or create the alias, then issue a new socket token.
    A `talo` alias needs a valid session token (`session_token` None = header absent)."""
    game = access_key.game
    alias = selectors.find_alias(game_id=game.id, service=service, identifier=identifier)
    if alias is not None and alias.service == TALO_SERVICE:
        check_rest_session(alias=alias, player_id=alias.player_id, alias_id=alias.id, token=session_token)
    if alias is None:
        if service == "talo":
            raise ServiceError(
                "Player not found: Talo aliases must be created using the /v1/players/auth API", status=404
            )
        if access_key.missing_scopes(["write:players"]):
            raise ServiceError(
                "Player not found. Use an access key with the write:players scope to automatically create players",
                status=404,
            )
        alias = create_player_with_alias(game=game, service=service, identifier=identifier, dev_build=dev_build)
    else:
        now = timezone.now()
        PlayerAlias.objects.filter(id=alias.id).update(last_seen_at=now)
        Player.objects.filter(id=alias.player_id).update(last_seen_at=now)
        alias.player.last_seen_at = now
        update_player_groups(player=alias.player)
        alias = selectors.get_alias(game_id=game.id, alias_id=alias.id)
    return alias, issue_socket_token(alias_id=alias.id)


def update_player_groups(*, player):
    """Re-evaluate the player's memberships of its game's groups."""
    props = list(player.props.all())
    for group in PlayerGroup.objects.filter(game_id=player.game_id):
        if player_in_group(group, player, props):
            group.members.add(player)
        else:
            group.members.remove(player)


def create_player_with_alias(*, game, service, identifier, dev_build):
    try:
        with transaction.atomic():
            player = Player.objects.create(game=game, dev_build=dev_build)
            if dev_build:
                PlayerProp.objects.create(player=player, key=DEV_BUILD_PROP, value="1")
            alias = PlayerAlias.objects.create(player=player, game=game, service=service, identifier=identifier)
    except IntegrityError:
        raise ServiceError(
            f"Player with identifier '{identifier}' already exists",
            errorCode="IDENTIFIER_TAKEN",
            field="aliases",
        ) from None
    return selectors.get_alias(game_id=game.id, alias_id=alias.id)


def create_socket_token(*, access_key, alias_id):
    alias = selectors.get_alias(game_id=access_key.game_id, alias_id=alias_id)
    if alias is None:
        raise ServiceError("Player not found", status=404)
    return issue_socket_token(alias_id=alias.id)


class InvalidSocketToken(ServiceError):
    def __init__(self):
        super().__init__("Invalid socket token", status=401)


class InvalidSessionToken(ServiceError):
    def __init__(self):
        super().__init__("Invalid session token", status=401)


def identify_socket(*, game_id, alias_id, socket_token, session_token):
    """Socket identify (socket.md §9.1): check the alias's current socket token (not consumed),
    then load the alias in the connection's game."""
    if isinstance(alias_id, float) and alias_id.is_integer():
        alias_id = int(alias_id)
    if not isinstance(alias_id, int) or not socket_token_matches(alias_id=alias_id, token=socket_token):
        raise InvalidSocketToken()
    alias = selectors.get_alias(game_id=game_id, alias_id=alias_id)
    if alias is None:
        # DECISIONS.md row 6: our own wording, never the ORM's.
        raise ServiceError("Player alias not found", status=404)
    if alias.service == TALO_SERVICE and not session_token_valid(
        alias=alias, token=session_token, player_id=alias.player_id, alias_id=alias.id
    ):
        raise InvalidSessionToken()
    return alias


# --- request verification (socket.md §8) -------------------------------------------------------


def add_verification_key(*, game, version, secret):
    """Add (or replace) the game's verification key `version`; the secret is stored encrypted."""
    if not version or not secret:
        raise ServiceError("A verification key needs a version and a secret")
    key, _ = VerificationKey.objects.update_or_create(
        game=game, version=version, defaults={"encrypted_secret": encrypt_secret(secret)}
    )
    return key


def set_verify_requests(*, game, enabled):
    """Open sockets keep the setting they connected with (socket.md §13); new ones get this."""
    Game.objects.filter(id=game.id).update(verify_requests=enabled)
    game.verify_requests = enabled
    return game


# --- presence (socket.md §10.9, §12; DECISIONS.md row 2) ------------------------------------------

RES_PRESENCE_UPDATED = "v1.players.presence.updated"
UNSUPPLIED = object()


def leave_temporary_channels(alias):
    """Temporary-membership clean-up (socket.md §12) of an alias that is going offline; game
    channels own it (imported here, not at the top: game_channels builds on players)."""
    from game_channels.services import leave_temporary_channels as leave_channels

    leave_channels(alias=alias)


def _locked_presence(player_id):
    """The player's presence row (created if missing), locked until the transaction ends. Every
    presence write and every change to the player's live connections happens under this lock."""
    presence = selectors.get_presence_for_update(player_id=player_id)
    if presence is None:
        # One statement, safe against a concurrent first write (no savepoint, no second read).
        PlayerPresence.objects.bulk_create([PlayerPresence(player_id=player_id)], ignore_conflicts=True)
        presence = selectors.get_presence_for_update(player_id=player_id)
    return presence


def _write_presence(presence, *, alias, online=UNSUPPLIED, custom_status=UNSUPPLIED, skip_connection_id=None):
    """Apply one presence write (socket.md §12) and publish §10.9 on commit; returns the frame.
    `meta` compares the stored values with the *supplied* ones: an unsupplied field counts as
    changed (§10 details)."""
    meta = {
        "onlineChanged": online is UNSUPPLIED or presence.online != online,
        "customStatusChanged": custom_status is UNSUPPLIED or presence.custom_status != custom_status,
    }
    presence.player_alias = alias
    if online is not UNSUPPLIED:
        presence.online = online
    if custom_status is not UNSUPPLIED:
        presence.custom_status = custom_status
    if not presence.online and alias is not None:
        leave_temporary_channels(alias)
    presence.save()
    if alias is not None:
        alias.player.presence = presence  # the nested copy inside playerAlias agrees
    text = wire.frame(RES_PRESENCE_UPDATED, {"presence": serialize_presence(presence), "meta": meta})
    events.publish(
        events.frame_event(
            game_group(presence.player.game_id if alias is None else alias.game_id),
            text,
            scope="read:playerPresence",
            identified=True,
            skip=skip_connection_id,
        )
    )
    return text


def update_presence(*, alias, online=UNSUPPLIED, custom_status=UNSUPPLIED):
    """REST `PUT /v1/players/presence` (rest.md §7)."""
    with transaction.atomic():
        presence = _locked_presence(alias.player_id)
        _write_presence(presence, alias=alias, online=online, custom_status=custom_status)
    return presence


def connection_identified(*, alias, connection_id):
    """Socket identify, step 6: count the connection for the player and set it online. The
    presence frame is published to every other qualifying connection of the game and returned for
    the identifying connection, which must get it before `identify.success` (socket.md §9.1)."""
    with transaction.atomic():
        presence = _locked_presence(alias.player_id)
        live_connections().add(str(alias.player_id), connection_id)
        return _write_presence(presence, alias=alias, online=True, skip_connection_id=connection_id)


def connection_closed(*, game_id, connection_id, aliases_by_player):
    """An identified connection closed (socket.md §3.3, DECISIONS.md row 2). `aliases_by_player`
    maps each player the connection identified as to the last alias it used for it. A player whose
    last live connection this was goes offline with that alias (clean-up, then broadcast); one
    whose alias no longer exists is only forgotten."""
    for player_id, alias_id in aliases_by_player.items():
        alias = selectors.get_alias(game_id=game_id, alias_id=alias_id)
        if alias is None:
            live_connections().remove(str(player_id), connection_id)
            continue
        with transaction.atomic():
            presence = _locked_presence(alias.player_id)
            if live_connections().remove(str(player_id), connection_id) == 0:
                _write_presence(presence, alias=alias, online=False)


def refresh_live_connections(entries):
    """Keep this process's identified connections (player id, connection id) alive in the shared
    registry."""
    live_connections().refresh([(str(player_id), connection_id) for player_id, connection_id in entries])


def sweep_stale_presence():
    """Set offline every online player without a live connection whose connections died with
    their process (within PRESENCE_TTL), or whose online presence came from REST alone and is
    older than PRESENCE_STALE_SECONDS. Safe to run on every process at once; one process per
    period does the work."""
    if not live_connections().claim_sweep(max(1, settings.TALO_SOCKET["PRESENCE_TTL"] // 3) - 0.5):
        return
    now = timezone.now()
    stale_after = settings.TALO_SOCKET["PRESENCE_STALE_SECONDS"]
    candidates = list(
        PlayerPresence.objects.filter(
            online=True, updated_at__lt=now - timedelta(seconds=settings.TALO_SOCKET["PRESENCE_TTL"])
        ).values_list("player_id", "updated_at")
    )
    statuses = live_connections().statuses([str(player_id) for player_id, _ in candidates])
    for (player_id, updated_at), (live, died) in zip(candidates, statuses):
        if live or not (died or updated_at < now - timedelta(seconds=stale_after)):
            continue
        with transaction.atomic():
            presence = selectors.get_presence_for_update(player_id=player_id)
            if presence is None or not presence.online or live_connections().status(str(player_id))[0]:
                continue
            alias = None
            if presence.player_alias_id is not None:
                alias = selectors.get_alias(game_id=presence.player.game_id, alias_id=presence.player_alias_id)
            _write_presence(presence, alias=alias, online=False)


# --- live config (rest.md §9, DECISIONS.md operator commands) ------------------------------------

RES_LIVE_CONFIG_UPDATED = "v1.live-config.updated"
LIVE_CONFIG_VALUE_LIMIT = 4096
META_KEY_PREFIX = "META_"
META_KEY_MESSAGE = "Prop keys starting with 'META_' are reserved for internal systems, please use another key name"


class LiveConfigInvalid(ServiceError):
    """A 400 `{"errors": {"props": [message]}}` (rest.md §9)."""

    def __init__(self, message):
        super().__init__(message)
        self.errors = {"props": [message]}


def check_live_config(props):
    """Raise LiveConfigInvalid for a reserved key or a value over the limit."""
    for prop in props:
        if prop["key"].startswith(META_KEY_PREFIX):
            raise LiveConfigInvalid(META_KEY_MESSAGE)
        value = prop["value"]
        if value is not None and len(value) > LIVE_CONFIG_VALUE_LIMIT:
            raise LiveConfigInvalid(
                f"Prop value length ({len(value)}) exceeds {LIVE_CONFIG_VALUE_LIMIT} characters"
            )


def set_live_config(*, game, props):
    """Merge `props` ({key, value}; value None deletes) into the game's live config, then push
    `v1.live-config.updated` to every connection of the game with read:gameConfig, identified or
    not. Nothing is saved when a key is reserved or a value is too long."""
    check_live_config(props)
    with transaction.atomic():
        game = Game.objects.select_for_update().get(id=game.id)
        merged = {prop["key"]: prop["value"] for prop in game.props}
        for prop in props:
            if prop["value"] is None:
                merged.pop(prop["key"], None)
            else:
                merged[prop["key"]] = prop["value"]
        game.props = [{"key": key, "value": value} for key, value in merged.items()]
        game.save(update_fields=["props"])
        events.publish_to_game(
            game.id, RES_LIVE_CONFIG_UPDATED, {"config": serialize_live_config(game)}, scope="read:gameConfig"
        )
    return game


# --- player relationships (rest.md §8, socket.md §9.3, §10.13–16) --------------------------------

RES_SUBSCRIPTION_CREATED = "v1.player-relationships.subscription-created"
RES_SUBSCRIPTION_CONFIRMED = "v1.player-relationships.subscription-confirmed"
RES_SUBSCRIPTION_DELETED = "v1.player-relationships.subscription-deleted"
RES_BROADCAST = "v1.player-relationships.broadcast"
RELATIONSHIPS_SCOPE = "read:playerRelationships"
BROADCASTS_SCOPE = "read:playerBroadcasts"


def _subscription(subscription_id):
    return selectors.subscriptions().get(id=subscription_id)


def create_subscription(*, subscriber, subscribed_to_id, relationship_type):
    subscribed_to = selectors.get_alias(game_id=subscriber.game_id, alias_id=subscribed_to_id)
    if subscribed_to is None:
        raise ServiceError("Player alias for subscription not found", status=404)
    if subscribed_to.id == subscriber.id:
        raise ServiceError("Cannot subscribe to yourself")
    try:
        with transaction.atomic():
            row = PlayerAliasSubscription.objects.create(
                subscriber=subscriber, subscribed_to=subscribed_to, relationship_type=relationship_type
            )
            subscription = _subscription(row.id)
            events.publish_to_alias(
                subscribed_to.id,
                RES_SUBSCRIPTION_CREATED,
                {"subscription": serialize_subscription(subscription)},
                scope=RELATIONSHIPS_SCOPE,
            )
    except IntegrityError:
        raise ServiceError("Subscription already exists") from None
    return subscription


@transaction.atomic
def confirm_subscription(*, alias, subscription_id):
    """Confirm a pending request addressed to `alias`; a bidirectional one also confirms (or
    creates) the reverse direction, without a message of its own."""
    subscription = (
        PlayerAliasSubscription.objects.select_for_update()
        .filter(id=subscription_id, subscribed_to=alias, confirmed=False)
        .first()
    )
    if subscription is None:
        raise ServiceError("Subscription request not found", status=404)
    subscription.confirmed = True
    subscription.save(update_fields=["confirmed", "updated_at"])
    if subscription.relationship_type == PlayerAliasSubscription.BIDIRECTIONAL:
        reverse, created = PlayerAliasSubscription.objects.get_or_create(
            subscriber_id=subscription.subscribed_to_id,
            subscribed_to_id=subscription.subscriber_id,
            defaults={"confirmed": True, "relationship_type": PlayerAliasSubscription.BIDIRECTIONAL},
        )
        if not created and not reverse.confirmed:
            reverse.confirmed = True
            reverse.save(update_fields=["confirmed", "updated_at"])
    subscription = _subscription(subscription.id)
    events.publish_to_alias(
        subscription.subscriber_id,
        RES_SUBSCRIPTION_CONFIRMED,
        {"subscription": serialize_subscription(subscription)},
        scope=RELATIONSHIPS_SCOPE,
    )
    return subscription


@transaction.atomic
def delete_subscription(*, alias, subscription_id):
    """Delete one of the alias's own subscriptions; a bidirectional one takes the reverse
    direction with it. Both aliases hear of it (socket.md §10.16)."""
    subscription = selectors.subscriptions().select_for_update(of=("self",)).filter(
        id=subscription_id, subscriber=alias
    ).first()
    if subscription is None:
        raise ServiceError("Subscription not found", status=404)
    reciprocal = None
    if subscription.relationship_type == PlayerAliasSubscription.BIDIRECTIONAL:
        reciprocal = selectors.subscriptions().filter(
            subscriber_id=subscription.subscribed_to_id, subscribed_to_id=subscription.subscriber_id
        ).first()
    data = {
        "subscription": serialize_subscription(subscription),
        "reciprocalSubscription": None if reciprocal is None else serialize_subscription(reciprocal),
    }
    PlayerAliasSubscription.objects.filter(id__in=[row.id for row in (subscription, reciprocal) if row]).delete()
    text = wire.frame(RES_SUBSCRIPTION_DELETED, data)
    for alias_id in (subscription.subscriber_id, subscription.subscribed_to_id):
        events.publish(events.frame_event(alias_group(alias_id), text, scope=RELATIONSHIPS_SCOPE))


# --- Talo player authentication (rest.md §2.5, §5.4) ---------------------------------------------

TALO_SERVICE = "talo"
MISSING_SESSION = ("The x-talo-session header is required for this player", "MISSING_SESSION")
INVALID_SESSION = ("The x-talo-session header is invalid", "INVALID_SESSION")


def _auth_of(player_id):
    return PlayerAuth.objects.filter(player_id=player_id).first()


def session_token_valid(*, alias, token, player_id, alias_id):
    """A session token of the alias's player, verifying with its current session key, whose
    claims name exactly `player_id` and `alias_id`."""
    auth = _auth_of(alias.player_id)
    if auth is None or not auth.session_key:
        return False
    claims = sessions.session_claims(token=token, session_key=auth.session_key)
    return sessions.claims_match(claims, player_id=player_id, alias_id=alias_id)


def check_rest_session(*, alias, player_id, alias_id, token):
    """rest.md §2.5: `token` None means the header was absent."""
    if token is None:
        raise ServiceError(MISSING_SESSION[0], status=401, errorCode=MISSING_SESSION[1])
    if not session_token_valid(alias=alias, token=token, player_id=player_id, alias_id=alias_id):
        raise ServiceError(INVALID_SESSION[0], status=401, errorCode=INVALID_SESSION[1])


def check_request_session(*, game_id, alias_header, player_header, token):
    """The x-talo-session check of every request naming a player (rest.md §2.5): needed when the
    alias or player named by the headers belongs to a player with a `talo` alias; valid when it
    verifies with that player's session key and names exactly both headers."""
    alias_id = int(alias_header) if alias_header and alias_header.isascii() and alias_header.isdigit() else None
    player_id = _uuid_or_none(player_header)
    if alias_id is None and player_id is None:
        return
    talo_alias = selectors.talo_alias_of(game_id=game_id, alias_id=alias_id, player_id=player_id)
    if talo_alias is None:
        return
    if token is None:
        raise ServiceError(MISSING_SESSION[0], status=401, errorCode=MISSING_SESSION[1])
    if not session_token_valid(alias=talo_alias, token=token, player_id=player_header, alias_id=alias_header):
        raise ServiceError(INVALID_SESSION[0], status=401, errorCode=INVALID_SESSION[1])


def _uuid_or_none(value):
    try:
        return uuid.UUID(value) if value is not None else None
    except ValueError:
        return None


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
            player = Player.objects.create(game=game, dev_build=dev_build)
            if dev_build:
                PlayerProp.objects.create(player=player, key=DEV_BUILD_PROP, value="1")
            alias = PlayerAlias.objects.create(player=player, game=game, service=TALO_SERVICE, identifier=identifier)
            auth = PlayerAuth.objects.create(
                player=player,
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


INVALID_CREDENTIALS = ("Incorrect identifier or password", "INVALID_CREDENTIALS")


def login_player(*, game, identifier, password, with_refresh):
    """`POST /v1/players/auth/login`. With email verification on, no session is created: the
    caller must verify (email delivery is outside this project), so the answer says so."""
    alias = selectors.find_talo_alias(game_id=game.id, identifier=identifier)
    auth = _auth_of(alias.player_id) if alias is not None else None
    if auth is None or not check_password(password, auth.password):
        raise ServiceError(INVALID_CREDENTIALS[0], status=401, errorCode=INVALID_CREDENTIALS[1])
    if auth.verification_enabled:
        return {"alias_id": alias.id, "verification_required": True}
    with transaction.atomic():
        PlayerAlias.objects.filter(id=alias.id).update(last_seen_at=timezone.now())
        session_token, refresh_token = _start_session(auth=auth, alias=alias, with_refresh=with_refresh)
    return _session_result(alias=alias, session_token=session_token, refresh_token=refresh_token)


INVALID_REFRESH_TOKEN = ("Invalid refresh token", "INVALID_REFRESH_TOKEN")


def refresh_session(*, game, refresh_token):
    """`POST /v1/players/auth/refresh`: a valid refresh token of the current session starts a new
    session (the old session and refresh tokens stop working)."""
    invalid = ServiceError(INVALID_REFRESH_TOKEN[0], status=401, errorCode=INVALID_REFRESH_TOKEN[1])
    player_id = _uuid_or_none(sessions.unverified_player_id(refresh_token))
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
    (open sockets stay identified, socket.md §13)."""
    PlayerAuth.objects.filter(player_id=alias.player_id).update(session_key=None, session_created_at=None)
