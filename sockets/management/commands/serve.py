"""`manage.py serve`: the socket + REST server.

daphne (the default) gets the protocol's settings from the application itself
(sockets/daphne_patches.py): it pings after PING_INTERVAL seconds of silence and drops a socket
that has not answered within PING_TIMEOUT (docs/socket.md §6), never closes a socket for its age,
and refuses frames over MAX_FRAME_BYTES with close code 1009 (docs/differences.md row 5), exactly as
`daphne talo_project.asgi:application` does. `--server uvicorn` runs the same ASGI application on
uvicorn with the equivalent settings (the benchmark compares both)."""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand

APPLICATION = "talo_project.asgi:application"


class Command(BaseCommand):
    help = "Run the Talo socket and REST server."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--server", choices=["daphne", "uvicorn"], default="daphne")
        parser.add_argument("--proxy-headers", action="store_true", help="trust X-Forwarded-For (behind nginx)")

    def handle(self, *args, host, port, server, proxy_headers, **options):
        socket = settings.TALO_SOCKET
        if server == "uvicorn":
            import uvicorn

            uvicorn.run(
                APPLICATION,
                host=host,
                port=port,
                ws="websockets-sansio",
                loop="uvloop",
                ws_ping_interval=socket["PING_INTERVAL"],
                ws_ping_timeout=socket["PING_TIMEOUT"],
                ws_max_size=socket["MAX_FRAME_BYTES"],
                # Compressing each frame for each recipient costs more CPU than fan-out itself;
                # daphne (autobahn) and Talo's `ws` do not compress either.
                ws_per_message_deflate=False,
                proxy_headers=proxy_headers,
                log_level="warning",
                lifespan="off",
            )
            return

        from daphne.cli import CommandLineInterface

        argv = ["--bind", host, "--port", str(port), "--verbosity", "1"]
        if proxy_headers:
            argv.append("--proxy-headers")
        self.stdout.write(f"Serving on http://{host}:{port} (daphne)")
        sys.stdout.flush()
        CommandLineInterface().run([*argv, APPLICATION])
