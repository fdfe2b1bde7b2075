from django.core.management.base import CommandError
from django.db import transaction

from players.management.base import ServiceCommand, did_you_mean
from players.scopes import VALID_SCOPES
from players.services import keys


class Command(ServiceCommand):
    help = (
        "Create an access key for the game named exactly GAME_NAME with the given scopes ('*' = full access). "
        "A game of that name is created when none exists (the output says so), unless --existing is given. "
        "The token is the last line of output."
    )

    def add_arguments(self, parser):
        parser.add_argument("game_name", help="the game's exact name")
        parser.add_argument("scopes", nargs="+", help="scopes such as read:players, or * for full access")
        parser.add_argument("--existing", action="store_true", help="fail instead of creating a game that does not exist")
        parser.add_argument("--name", default="", help="a label for the key (shown in admin and list_api_keys)")

    def handle(self, *args, game_name, scopes, existing, name, **options):
        unknown = [scope for scope in scopes if scope not in VALID_SCOPES]
        if unknown:
            raise CommandError(f"Unknown scope(s): {', '.join(unknown)}. Valid: {', '.join(sorted(VALID_SCOPES))}")
        if len(name) > 255:
            raise CommandError("A key name is at most 255 characters")
        with transaction.atomic():  # a game is created only with its key
            game, created, hint = self._game(game_name, existing)
            key, token = keys.create_access_key(game=game, scopes=scopes, name=name)
        if created:
            self.stdout.write(f"Created game '{game.name}' (id {game.id}): no game had this exact name{hint}")
        else:
            self.stdout.write(f"Using game '{game.name}' (id {game.id}), found by its exact name")
        self.stdout.write(f"Created access key {key.id} for game '{game.name}' with scopes: {' '.join(key.scopes)}")
        self.stdout.write("The token is shown once and stored only as a hash:")
        self.stdout.write(token)

    def _game(self, game_name, existing):
        if existing:
            return self.game(game_name), False, ""
        hint = did_you_mean(game_name)
        return (*keys.get_or_create_game(name=game_name), hint)
