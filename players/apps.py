from django.apps import AppConfig


class PlayersConfig(AppConfig):
    name = "players"
    verbose_name = "Games and players"

    def ready(self):
        from players import openapi, realtime  # noqa: F401 (openapi describes the views)

        realtime.register()
