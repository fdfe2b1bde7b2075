from players.management.base import ServiceCommand
from players.services import keys
from sockets.events import reaches_other_processes


class Command(ServiceCommand):
    help = (
        "Revoke an access key of GAME_NAME: REST answers 401 at once and its open sockets close with 3000. "
        "KEY is the token (tk_…), the key's id, or its hint as admin and list_api_keys show it (…abcd)."
    )

    def add_arguments(self, parser):
        parser.add_argument("game_name", help="the game's exact name")
        parser.add_argument("key", help="the token, the key id, or the token's hint (…abcd)")

    def handle(self, *args, game_name, key, **options):
        access_key = keys.find_access_key(game=self.game(game_name), reference=key)
        if access_key.is_revoked:
            self.stdout.write(f"Access key {access_key.id} was already revoked")
            return
        keys.revoke_access_key(key=access_key)
        self.stdout.write(f"Revoked access key {access_key.id} (…{access_key.token_hint})")
        if not reaches_other_processes():
            self.stderr.write(
                "No REDIS_URL: this command cannot reach a running server's sockets directly; "
                "each server closes this key's sockets at its next revocation sweep "
                "(TALO_REVOCATION_SWEEP_SECONDS, 10 s by default)."
            )
