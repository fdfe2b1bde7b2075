from django.apps import AppConfig


class SocketsConfig(AppConfig):
    name = "sockets"
    verbose_name = "Socket"

    def ready(self):
        # However daphne is started (`manage.py serve` or `daphne talo_project.asgi:application`),
        # it imports the application before it builds its socket factory: the protocol settings
        # are in place by then (sockets/daphne_patches.py).
        from sockets import daphne_patches

        daphne_patches.install()
