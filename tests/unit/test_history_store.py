"""game_channels.history_store.MemoryHistory on an explicit clock, and the texts of
game_channels.history (docs/extensions.md §X1): exact windows, `complete`, epochs, and replies
and frames spliced from stored text."""

import asyncio
import json

import pytest

from game_channels import history
from game_channels.history_store import MemoryHistory, NoHistory, Window, numbered
from sockets.schemas import Integer, SchemaError


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def appended(store, channel_id, count, start=1):
    """(offset, epoch) of each append; the process's own store never publishes the message itself."""
    async def go():
        return [await store.append(channel_id, json.dumps({"message": f"m{n}"})) for n in range(start, start + count)]

    results = asyncio.run(go())
    assert not any(published for _, _, published in results)
    return [(offset, epoch) for offset, epoch, _ in results]


def held(window):
    return [message["offset"] for message in window.messages()]


def test_offsets_size_and_paging():
    store = MemoryHistory(size=3, ttl=60, clock=Clock())
    results = appended(store, 7, 5)
    epoch = results[0][1]
    assert results == [(n, epoch) for n in range(1, 6)]
    window = store.read(7)
    assert (held(window), window.latest, window.oldest, window.epoch) == ([3, 4, 5], 5, 3, epoch)
    assert (window.complete(None), window.complete(1), window.complete(2), window.latest_held()) == (False, False, True, 5)
    assert held(store.read(7, after=3, limit=1)) == [4]
    assert held(store.read(7, after=0, limit=2)) == [3, 4]
    assert held(store.read(7, after=5)) == [] and held(store.read(7, after=10**30)) == []
    stale = store.read(7, after=4, epoch="other", limit=2)
    assert (held(stale), stale.complete(4)) == ([4, 5], False)
    assert appended(store, 8, 1) == [(1, store.read(8).epoch)]  # channels are numbered apart


def test_an_empty_channel_keeps_the_epoch_it_handed_out():
    store = MemoryHistory(size=3, ttl=60, clock=Clock())
    empty = store.read(7)
    assert (held(empty), empty.latest_held(), empty.complete(None), empty.complete(0)) == ([], 0, True, True)
    assert appended(store, 7, 1) == [(1, empty.epoch)]


def test_ttl_drops_messages_then_the_epoch():
    clock = Clock()
    store = MemoryHistory(size=10, ttl=60, clock=clock)
    epoch = appended(store, 7, 2)[0][1]
    clock.now += 30
    appended(store, 7, 1, start=3)
    clock.now += 30  # m1 and m2 are 60 s old: gone
    window = store.read(7)
    assert (held(window), window.oldest, window.complete(None), window.complete(2), window.epoch) == (
        [3], 3, False, True, epoch
    )
    clock.now += 30  # the last message is gone too: so is the epoch
    renewed = store.read(7)
    assert (held(renewed), renewed.latest, renewed.complete(None)) == ([], 0, True)
    assert renewed.epoch != epoch
    assert store.read(7, after=3, epoch=epoch).complete(3) is False


def test_expired_channels_are_swept_and_deleted_ones_forgotten():
    clock = Clock()
    store = MemoryHistory(size=10, ttl=60, clock=clock)
    appended(store, 1, 1)
    appended(store, 2, 1)
    store.delete(2)
    assert set(store.channels) == {1}
    clock.now += 120
    appended(store, 3, 1)  # an append sweeps what expired
    assert set(store.channels) == {3}


def test_history_off_is_empty_and_incomplete():
    window = NoHistory().read(7, after=0)
    assert (window.epoch, window.page, window.latest_held(), window.complete(0), window.complete(None)) == (
        "off", "", 0, False, False
    )


def test_texts_are_spliced_not_reserialised():
    frame = '{"res":"v1.channels.message","data":{"channel":{"id":7},"message":"hé","playerAlias":{"id":1}}}'
    assert history.with_offset(frame, 12, "abc") == (
        '{"res":"v1.channels.message","data":{"channel":{"id":7},"message":"hé","playerAlias":{"id":1},'
        '"offset":12,"epoch":"abc"}}'
    )
    record = history.record('say "hi"', {"id": 1})
    stored = json.loads(record)
    assert list(stored) == ["message", "playerAlias", "sentAt"] and stored["message"] == 'say "hi"'
    window = Window("abc", 4, 3, f"{numbered(3, record)},{numbered(4, record)}")
    reply = json.loads(history.reply_frame({"id": 7}, window, 2))
    assert reply == {
        "res": "v1.channels.history",
        "data": {
            "channel": {"id": 7},
            "messages": [{"offset": 3, **stored}, {"offset": 4, **stored}],
            "epoch": "abc",
            "latestOffset": 4,
            "complete": True,
        },
    }
    assert list(reply["data"]["messages"][0]) == ["offset", "message", "playerAlias", "sentAt"]


@pytest.mark.parametrize("value, expected", [(0, 0), (10.0, 10), (100, 100), (2**70, 2**70)])
def test_integer_accepts_whole_numbers(value, expected):
    assert Integer(minimum=0).validate(value) == expected


@pytest.mark.parametrize("value", [2.5, -1, True, "1", None, 1e-3])
def test_integer_refuses_the_rest(value):
    with pytest.raises(SchemaError):
        Integer(minimum=0, maximum=100).validate(value)
