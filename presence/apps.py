from django.apps import AppConfig


class PresenceConfig(AppConfig):
    name = "presence"
    verbose_name = "Presence"

    def ready(self):
        from presence import openapi, realtime  # noqa: F401 (openapi describes the views)

        realtime.register()
