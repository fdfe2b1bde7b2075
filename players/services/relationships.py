"""Player relationships (docs/rest.md §8, docs/socket.md §10.13–10.16): subscription requests,
confirmations and deletions, each told to the aliases concerned."""

from django.db import IntegrityError, transaction

from players import selectors
from players.models import PlayerAliasSubscription
from players.scopes import READ_PLAYER_RELATIONSHIPS
from players.serializers import serialize_subscription
from sockets import events, wire
from sockets.hub import alias_group
from talo_project.errors import NotFound, ServiceError

RES_SUBSCRIPTION_CREATED = "v1.player-relationships.subscription-created"
RES_SUBSCRIPTION_CONFIRMED = "v1.player-relationships.subscription-confirmed"
RES_SUBSCRIPTION_DELETED = "v1.player-relationships.subscription-deleted"
RES_BROADCAST = "v1.player-relationships.broadcast"


def _subscription(subscription_id):
    return selectors.subscriptions().get(id=subscription_id)


def _tell(alias_id, res, subscription):
    """The relationship push to one alias's sockets with the relationships scope (on commit)."""
    events.publish_to_alias(
        alias_id, res, {"subscription": serialize_subscription(subscription)}, scope=READ_PLAYER_RELATIONSHIPS
    )


def create_subscription(*, subscriber, subscribed_to_id, relationship_type):
    subscribed_to = selectors.get_alias(game_id=subscriber.game_id, alias_id=subscribed_to_id)
    if subscribed_to is None:
        raise NotFound("Player alias for subscription not found")
    if subscribed_to.id == subscriber.id:
        raise ServiceError("Cannot subscribe to yourself")
    try:
        with transaction.atomic():
            row = PlayerAliasSubscription.objects.create(
                subscriber=subscriber, subscribed_to=subscribed_to, relationship_type=relationship_type
            )
            subscription = _subscription(row.id)
            _tell(subscribed_to.id, RES_SUBSCRIPTION_CREATED, subscription)
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
        raise NotFound("Subscription request not found")
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
    _tell(subscription.subscriber_id, RES_SUBSCRIPTION_CONFIRMED, subscription)
    return subscription


@transaction.atomic
def delete_subscription(*, alias, subscription_id):
    """Delete one of the alias's own subscriptions; a bidirectional one takes the reverse
    direction with it. Both aliases hear of it (docs/socket.md §10.16)."""
    subscription = selectors.subscriptions().select_for_update(of=("self",)).filter(
        id=subscription_id, subscriber=alias
    ).first()
    if subscription is None:
        raise NotFound("Subscription not found")
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
        events.publish(events.frame_event(alias_group(alias_id), text, scope=READ_PLAYER_RELATIONSHIPS))
