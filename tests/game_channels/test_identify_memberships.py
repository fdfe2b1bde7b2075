"""The identify reads its alias's channels in the same hop as the alias (presence/realtime.py), with
the alias group reserved on the hub first (sockets.hub.Hub.reserve): a membership event that
reaches the process between that read and the connection's join makes it read again, and a
reservation that no connection took up leaves nothing subscribed."""

import asyncio

from game_channels import realtime, services
from game_channels.events import channel_group
from players.models import Game
from players.services.identity import create_player_with_alias
from sockets.hub import Hub, alias_group
from sockets.layers import LocalChannelLayer
from tests.unit.test_hub_delivery import Recorder


def test_a_membership_event_between_the_read_and_the_join_makes_the_identify_read_again(transactional_db):
    game = Game.objects.create(name="memberships")
    owner, joiner = (
        create_player_with_alias(game=game, service="username", identifier=name, dev_build=False)
        for name in ("owner", "joiner")
    )
    channel = services.create_channel(game=game, name="late", owner=owner)
    services.join_channel(channel=channel, alias=joiner)  # committed after the identify's read (below)
    group = alias_group(joiner.id)

    async def identify(event_meanwhile):
        hub = Hub(LocalChannelLayer())
        connection = Recorder("read:gameChannels", alias_id=joiner.id)
        await hub.reserve(group)
        assert group in hub.subscribed
        changes = hub.membership_changes
        read = []  # what the identify's hop read: before the join committed
        if event_meanwhile:  # the join's event, published on commit, arrives before the connection joins
            await hub.dispatch({"type": "join", "group": group, "target": channel_group(channel.id), "text": "", "scope": None})
        await hub.join(connection, group)
        await realtime.join_member_groups(hub, connection, read=(changes, read))
        await hub.release(group)
        return connection.groups, group in hub.subscribed

    groups, subscribed = asyncio.run(identify(event_meanwhile=True))
    assert groups == {group, channel_group(channel.id)} and subscribed
    # No event: the identify's own read is used as it is (no second query).
    groups, subscribed = asyncio.run(identify(event_meanwhile=False))
    assert groups == {group} and subscribed


def test_a_reservation_nobody_took_up_leaves_nothing_subscribed():
    async def go():
        hub = Hub(LocalChannelLayer())
        await hub.reserve("alias.7")
        await hub.reserve("alias.7")  # two identifies claiming one alias at once
        await hub.release("alias.7")
        still = "alias.7" in hub.subscribed
        await hub.release("alias.7")
        return still, "alias.7" in hub.subscribed, dict(hub.reserved)

    assert asyncio.run(go()) == (True, False, {})
