from django.core.management.base import BaseCommand, CommandError

from players.services import keys
from players.models import AccessKey, Game
from sockets.events import reaches_other_processes


class Command(BaseCommand):
    help = "Revoke the access key TOKEN of GAME_NAME: REST answers 401 at once and its open sockets close with 3000."

    def add_arguments(self, parser):
        parser.add_argument("game_name")
        parser.add_argument("token")

    def handle(self, *args, game_name, token, **options):
        game = Game.objects.filter(name=game_name).first()
        if game is None:
            raise CommandError(f"Unknown game '{game_name}'")
        key_id = keys.parse_token(token)
        key = AccessKey.objects.filter(game=game, id=key_id, token_hash=keys.hash_token(token)).first()
        if key is None:
            raise CommandError(f"No access key of game '{game_name}' has that token")
        if key.is_revoked:
            self.stdout.write(f"Access key {key.id} was already revoked")
            return
        keys.revoke_access_key(key=key)
        self.stdout.write(f"Revoked access key {key.id}")
        if not reaches_other_processes():
            self.stderr.write(
                "No REDIS_URL: this command cannot reach a running server's sockets directly; "
                "each server closes this key's sockets at its next revocation sweep "
                "(TALO_REVOCATION_SWEEP_SECONDS, 10 s by default)."
            )
