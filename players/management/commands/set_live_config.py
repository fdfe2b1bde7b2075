from django.core.management.base import CommandError

from players.management.base import ServiceCommand
from players.services import live_config
from players.serializers import serialize_live_config
from sockets import wire
from sockets.events import reaches_other_processes


def parse_assignment(text):
    """`KEY=VALUE` sets KEY; `KEY=` deletes it."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise CommandError(f"Expected KEY=VALUE, got '{text}'")
    return {"key": key, "value": value if value else None}


class Command(ServiceCommand):
    help = (
        "Merge KEY=VALUE pairs into GAME_NAME's live config (KEY= deletes KEY), push "
        "v1.live-config.updated and print the resulting config."
    )

    def add_arguments(self, parser):
        parser.add_argument("game_name", help="the game's exact name")
        parser.add_argument("assignments", nargs="+", metavar="KEY=VALUE")

    def handle(self, *args, game_name, assignments, **options):
        game = self.game(game_name)
        props = [parse_assignment(text) for text in assignments]
        game = live_config.set_live_config(game=game, props=props)
        self.stdout.write(wire.dumps(serialize_live_config(game)))
        if not reaches_other_processes():
            self.stderr.write(
                "No REDIS_URL: this command cannot reach a running server's sockets, and the server "
                "does not catch up: connected clients are NOT told (no v1.live-config.updated); they "
                "see the new config only on their next GET /v1/game-config. To push it to connected "
                "clients, make the change in Django admin (served by the running server) or set REDIS_URL."
            )
