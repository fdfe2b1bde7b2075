from django.core.management.base import BaseCommand, CommandError

from players.services import verification
from players.models import Game


class Command(BaseCommand):
    help = "Turn request signing on or off for GAME_NAME; with VERSION SECRET also add that verification key."

    def add_arguments(self, parser):
        parser.add_argument("game_name")
        parser.add_argument("state", choices=["on", "off"])
        parser.add_argument("key", nargs="*", metavar="VERSION SECRET")

    def handle(self, *args, game_name, state, key, **options):
        if len(key) not in (0, 2):
            raise CommandError("Give both VERSION and SECRET, or neither")
        game = Game.objects.filter(name=game_name).first()
        if game is None:
            raise CommandError(f"Unknown game '{game_name}'")
        if key:
            verification.add_verification_key(game=game, version=key[0], secret=key[1])
            self.stdout.write(f"Verification key version {key[0]} stored (encrypted)")
        verification.set_verify_requests(game=game, enabled=state == "on")
        self.stdout.write(f"verifyRequests is {state} for '{game.name}' (open sockets keep their setting)")
