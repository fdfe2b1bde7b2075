from django.apps import AppConfig


class GameChannelsConfig(AppConfig):
    name = "game_channels"
    verbose_name = "Game channels"

    def ready(self):
        from game_channels import openapi, realtime  # noqa: F401 (openapi describes the views)

        realtime.register()
