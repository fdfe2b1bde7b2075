import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "talo_project.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from sockets.consumer import SocketConsumer  # noqa: E402

http_app = django_asgi_app
if settings.DEBUG:
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    http_app = ASGIStaticFilesHandler(django_asgi_app)

# Any path is a socket path (docs/socket.md §1): only the ticket in the query string matters.
application = ProtocolTypeRouter({"http": http_app, "websocket": SocketConsumer.as_asgi()})
