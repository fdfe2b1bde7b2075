"""sockets.hub.Hub delivery on the in-process layer, with recording connections: a scoped event
reaches exactly the group's members holding the scope, and the per-scope index stays right as
connections join and leave after it was built (docs/architecture.md, "One connection")."""

import asyncio
import itertools

from sockets.hub import Hub
from sockets.layers import LocalChannelLayer

_ids = itertools.count(1)


class Recorder:
    """What the hub needs of a connection: its scopes, identity and a direct socket."""

    def __init__(self, *scopes, alias_id=None):
        self.scopes = set(scopes)
        self.alias_id = alias_id
        self.connection_id = f"c{next(_ids)}"
        self.options = frozenset()
        self.groups = set()
        self.closed = False
        self.direct = True
        self.frames = []

    def has_scope(self, scope):
        return "*" in self.scopes or scope in self.scopes

    def write(self, frame):
        self.frames.append(frame)


def frame_event(text, **filters):
    return {"type": "frame", "group": "game.1", "text": text, **filters}


def test_a_scoped_event_reaches_exactly_the_holders_as_members_come_and_go():
    async def go():
        hub = Hub(LocalChannelLayer())
        holder, other, full = Recorder("read:playerPresence", alias_id=1), Recorder("read:players", alias_id=2), Recorder("*", alias_id=3)
        for connection in (holder, other, full):
            await hub.join(connection, "game.1")
        await hub.dispatch(frame_event("p1", scope="read:playerPresence"))
        # Joined after the index for the scope was built, then one of the first holders leaves.
        late = Recorder("read:playerPresence", alias_id=4)
        late_other = Recorder("read:gameChannels", alias_id=5)
        await hub.join(late, "game.1")
        await hub.join(late_other, "game.1")
        await hub.leave(holder, "game.1")
        await hub.dispatch(frame_event("p2", scope="read:playerPresence", skip=full.connection_id))
        await hub.dispatch(frame_event("all"))
        return holder, other, full, late, late_other

    holder, other, full, late, late_other = asyncio.run(go())
    texts = {name: [f[2:] for f in c.frames] for name, c in zip(("holder", "other", "full", "late", "late_other"), (holder, other, full, late, late_other))}
    assert texts == {
        "holder": [b"p1"],
        "other": [b"all"],
        "full": [b"p1", b"all"],
        "late": [b"p2", b"all"],
        "late_other": [b"all"],
    }


def test_an_emptied_group_forgets_its_index():
    async def go():
        hub = Hub(LocalChannelLayer())
        first = Recorder("read:playerPresence", alias_id=1)
        await hub.join(first, "game.1")
        await hub.dispatch(frame_event("p1", scope="read:playerPresence"))
        await hub.leave(first, "game.1")
        assert "game.1" not in hub.scoped
        again = Recorder("read:playerPresence", alias_id=2)
        await hub.join(again, "game.1")
        await hub.dispatch(frame_event("p2", scope="read:playerPresence", identified=True))
        return first, again

    first, again = asyncio.run(go())
    assert ([f[2:] for f in first.frames], [f[2:] for f in again.frames]) == ([b"p1"], [b"p2"])
