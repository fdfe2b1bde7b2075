"""What every command of this project shares: a service's error is a clean `CommandError`
(message on stderr, exit status 1, no traceback), as is an unknown game."""

import difflib

from django.core.management.base import BaseCommand, CommandError

from players.models import Game
from talo_project.errors import ServiceError, ValidationFailed


class ServiceCommand(BaseCommand):
    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except ValidationFailed as exc:
            raise CommandError("; ".join(f"{field}: {' '.join(errors)}" for field, errors in exc.errors.items())) from None
        except ServiceError as exc:
            raise CommandError(exc.message) from None

    def game(self, name):
        game = Game.objects.filter(name=name).first()
        if game is None:
            raise CommandError(f"Unknown game '{name}'{did_you_mean(name)}")
        return game


def did_you_mean(name):
    close = difflib.get_close_matches(name, Game.objects.values_list("name", flat=True)[:10000], n=3)
    return f" (did you mean {', '.join(repr(match) for match in close)}?)" if close else ""
