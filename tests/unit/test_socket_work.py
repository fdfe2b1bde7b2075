"""sockets.workers.run_work: the events socket work publishes go out from the event loop once the
work returns, in order, also when it then fails or its caller was cancelled meanwhile; those of a
rolled-back transaction never do."""

import asyncio
import time

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from sockets import events
from sockets.hub import get_hub
from sockets.workers import run_work


class Refused(Exception):
    pass


def publish_then_fail(group, texts, *, in_rolled_back_transaction=()):
    for text in texts:
        events.publish(events.frame_event(group, text))
    try:
        with transaction.atomic():
            for text in in_rolled_back_transaction:
                events.publish(events.frame_event(group, text))
            raise Refused()
    finally:
        # The events are kept, not sent, while the work runs.
        assert [event["text"] for event in events._outbox.events] == list(texts)


@pytest.mark.django_db(transaction=True)
def test_events_of_failed_work_go_out_in_order_and_rolled_back_ones_never():
    async def go():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add("work-test", channel)
        with pytest.raises(Refused):
            await run_work(publish_then_fail, "work-test", ["one", "two", "three"], in_rolled_back_transaction=["never"])
        # Published before run_work returned: already waiting for the subscriber.
        received = [(await asyncio.wait_for(layer.receive(channel), 5))["text"] for _ in range(3)]
        assert received == ["one", "two", "three"]
        with pytest.raises(asyncio.TimeoutError):  # "never" was rolled back with its transaction
            await asyncio.wait_for(layer.receive(channel), 0.5)
        await layer.group_discard("work-test", channel)

    async_to_sync(go)()



def publish_then_take_long(group):
    events.publish(events.frame_event(group, "committed"))
    time.sleep(0.5)


@pytest.mark.django_db(transaction=True)
def test_events_of_work_whose_caller_was_cancelled_still_go_out():
    async def go():
        await get_hub()  # this loop is the server's
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add("work-late", channel)
        caller = asyncio.ensure_future(run_work(publish_then_take_long, "work-late"))
        await asyncio.sleep(0.2)  # the work has published and is still running
        caller.cancel()
        with pytest.raises(asyncio.CancelledError):
            await caller
        assert (await asyncio.wait_for(layer.receive(channel), 5))["text"] == "committed"
        await layer.group_discard("work-late", channel)

    async_to_sync(go)()
