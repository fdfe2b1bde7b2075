from django.core.management.base import BaseCommand, CommandError

from players.services import live_config
from players.models import Game
from players.serializers import serialize_live_config
from sockets import wire
from sockets.events import reaches_other_processes


def parse_assignment(text):
    """`KEY=VALUE` sets KEY; `KEY=` deletes it."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise CommandError(f"Expected KEY=VALUE, got '{text}'")
    return {"key": key, "value": value if value else None}


class Command(BaseCommand):
    help = (
        "Merge KEY=VALUE pairs into GAME_NAME's live config (KEY= deletes KEY), push "
        "v1.live-config.updated and print the resulting config."
    )

    def add_arguments(self, parser):
        parser.add_argument("game_name")
        parser.add_argument("assignments", nargs="+", metavar="KEY=VALUE")

    def handle(self, *args, game_name, assignments, **options):
        game = Game.objects.filter(name=game_name).first()
        if game is None:
            raise CommandError(f"Unknown game '{game_name}'")
        props = [parse_assignment(text) for text in assignments]
        try:
            game = live_config.set_live_config(game=game, props=props)
        except live_config.LiveConfigInvalid as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(wire.dumps(serialize_live_config(game)))
        if not reaches_other_processes():
            self.stderr.write(
                "No REDIS_URL: this command cannot reach a running server's sockets; connected "
                "clients see the new config on their next GET /v1/game-config (changes made in "
                "Django admin push at once)."
            )
