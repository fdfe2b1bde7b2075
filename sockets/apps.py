from django.apps import AppConfig
from django.conf import settings


class SocketsConfig(AppConfig):
    name = "sockets"
    verbose_name = "Socket"

    def ready(self):
        # However daphne is started (`manage.py serve` or `daphne talo_project.asgi:application`),
        # it imports the application before it builds its socket factory: the protocol settings
        # are in place by then (sockets/daphne_patches.py).
        from sockets import daphne_patches, live, registry

        daphne_patches.install()
        if settings.REDIS_CACHE_URL:
            # Each process's connections, for the others' live views (sockets.live).
            registry.every(live.period(), live.publish_snapshot)
