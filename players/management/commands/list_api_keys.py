from collections import Counter

from players.management.base import ServiceCommand
from players.models import AccessKey
from sockets import live


class Command(ServiceCommand):
    help = (
        "List the access keys of GAME_NAME: id, name, scopes, hint, created, last used, revoked, and open sockets "
        "(counted on every server process through Redis; without REDIS_URL only the server process knows them)."
    )

    def add_arguments(self, parser):
        parser.add_argument("game_name", help="the game's exact name")

    def handle(self, *args, game_name, **options):
        game = self.game(game_name)
        connections = live.connections(game.id)
        sockets = None if connections is None else Counter(entry["key_id"] for entry in connections)
        rows = [["id", "name", "scopes", "hint", "created", "last used", "revoked", "open sockets"]]
        for key in AccessKey.objects.filter(game=game).order_by("id"):
            rows.append([
                str(key.id),
                key.name or "-",
                " ".join(key.scopes) or "-",
                f"…{key.token_hint}",
                f"{key.created_at:%Y-%m-%d %H:%M}",
                f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never",
                f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "no",
                "?" if sockets is None else str(sockets[key.id]),
            ])
        if len(rows) == 1:
            self.stdout.write(f"Game '{game.name}' has no access keys")
            return
        widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
        for row in rows:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
        if sockets is None:
            self.stdout.write(
                "open sockets: ? — without REDIS_URL only the server process knows its sockets "
                "(Django admin → live view shows them)."
            )
        else:
            self.stdout.write("open sockets: on every server process, as each last published them (every "
                              f"{live.period()} s, through Redis).")
