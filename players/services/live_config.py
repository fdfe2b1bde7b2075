"""A game's live config (docs/rest.md §9): merged, saved and pushed to the game's sockets."""

from django.db import transaction

from players.models import Game
from players.scopes import READ_GAME_CONFIG
from players.serializers import serialize_live_config
from sockets import events
from talo_project.errors import ValidationFailed

RES_LIVE_CONFIG_UPDATED = "v1.live-config.updated"
LIVE_CONFIG_VALUE_LIMIT = 4096
META_KEY_PREFIX = "META_"
META_KEY_MESSAGE = "Prop keys starting with 'META_' are reserved for internal systems, please use another key name"


class LiveConfigInvalid(ValidationFailed):
    """A 400 `{"errors": {"props": [message]}}` (docs/rest.md §9)."""

    def __init__(self, message):
        super().__init__({"props": [message]})
        self.message = message


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
            game.id, RES_LIVE_CONFIG_UPDATED, {"config": serialize_live_config(game)}, scope=READ_GAME_CONFIG
        )
    return game
