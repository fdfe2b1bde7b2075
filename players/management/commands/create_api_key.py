from django.core.management.base import BaseCommand, CommandError

from players.services import keys
from players.scopes import VALID_SCOPES


class Command(BaseCommand):
    help = "Create an access key for GAME_NAME (created if missing) with the given scopes ('*' = full access). The token is the last line of output."

    def add_arguments(self, parser):
        parser.add_argument("game_name")
        parser.add_argument("scopes", nargs="+")

    def handle(self, *args, game_name, scopes, **options):
        unknown = [scope for scope in scopes if scope not in VALID_SCOPES]
        if unknown:
            raise CommandError(f"Unknown scope(s): {', '.join(unknown)}. Valid: {', '.join(sorted(VALID_SCOPES))}")
        game = keys.get_or_create_game(name=game_name)
        key, token = keys.create_access_key(game=game, scopes=scopes)
        self.stdout.write(f"Created access key {key.id} for game '{game.name}' with scopes: {' '.join(key.scopes)}")
        self.stdout.write("The token is shown once and stored only as a hash:")
        self.stdout.write(token)
