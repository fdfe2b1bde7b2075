import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "talo_project.settings")

import django  # noqa: E402

from talo_project import deployment  # noqa: E402

# Before the application loads its middleware (WhiteNoise reads DEBUG's conveniences then).
# `manage.py serve` names the address it listens on; any other ASGI server is checked without one.
deployment.prepare(os.environ.get("TALO_SERVE_HOST"))

django.setup(set_prefix=False)  # as get_asgi_application() does

from talo_project.request_threads import RequestHandler  # noqa: E402

rest_app = RequestHandler()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from presence.processes import start_heartbeat  # noqa: E402
from sockets import live  # noqa: E402
from sockets.consumer import SocketConsumer  # noqa: E402
live.serving = True  # static files: WhiteNoise, in settings.MIDDLEWARE
from talo_project import collector  # noqa: E402

start_heartbeat()
# Any path is a socket path (docs/socket.md §1): only the ticket in the query string matters.
application = ProtocolTypeRouter({"http": rest_app, "websocket": SocketConsumer.as_asgi()})
collector.settle_after_start_up()
