from django.core.management.base import CommandError
from django.db import transaction

from players.management.base import ServiceCommand
from players.services import verification


class Command(ServiceCommand):
    help = (
        "Turn request signing on or off for GAME_NAME; with VERSION SECRET also add that verification key. "
        "An existing version keeps its secret unless --replace is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("game_name", help="the game's exact name")
        parser.add_argument("state", choices=["on", "off"])
        parser.add_argument("key", nargs="*", metavar="VERSION SECRET", help="a verification key to add")
        parser.add_argument("--replace", action="store_true", help="replace the secret of an existing VERSION")

    def handle(self, *args, game_name, state, key, replace, **options):
        if len(key) not in (0, 2):
            raise CommandError("Give both VERSION and SECRET, or neither")
        game = self.game(game_name)
        with transaction.atomic():  # all or nothing
            if key:
                verification.add_verification_key(game=game, version=key[0], secret=key[1], replace=replace)
            verification.set_verify_requests(game=game, enabled=state == "on")
        if key:
            self.stdout.write(f"Verification key version {key[0]} stored (encrypted)")
        self.stdout.write(f"verifyRequests is {state} for '{game.name}' (open sockets keep their setting)")
