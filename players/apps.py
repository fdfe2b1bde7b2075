from django.apps import AppConfig


class PlayersConfig(AppConfig):
    name = "players"
    verbose_name = "Games and players"

    def ready(self):
        from players import realtime

        realtime.register()
