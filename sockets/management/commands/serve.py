"""`manage.py serve`: the socket + REST server.

daphne (the default) gets the protocol's settings from the application itself
(sockets/daphne_patches.py): it pings after PING_INTERVAL seconds of silence and drops a socket
that has not answered within PING_TIMEOUT (docs/socket.md §6), never closes a socket for its age,
and refuses frames over MAX_FRAME_BYTES with close code 1009 (docs/differences.md row 5), exactly as
`daphne talo_project.asgi:application` does. `--server uvicorn` runs the same ASGI application on
uvicorn with the equivalent settings (the benchmark compares both).

`--proxy-headers` takes the client's address from X-Forwarded-For only when the connection comes
from one of TALO_TRUSTED_PROXIES (loopback by default), on both servers: anyone else who can reach
the port would otherwise pick the address the per-IP limits count.

The application is imported before the server starts, with the address it will listen on in
TALO_SERVE_HOST: on loopback without a secret key that is local development, anywhere else an
unsafe configuration is refused here with the reason (README "Security")."""

import importlib
import logging
import os
import sys

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

APPLICATION = "talo_project.asgi:application"
# Requests a load balancer or Prometheus makes every few seconds: never in the access log.
PROBE_PATHS = ("/public/health", "/public/ready", "/metrics")


def is_probe(path):
    return path.split("?", 1)[0] in PROBE_PATHS


class Command(BaseCommand):
    help = (
        "Run the Talo socket and REST server (one process, one core). For more cores run several behind "
        "nginx with REDIS_URL set (README, Deploy)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)")
        parser.add_argument("--port", type=int, default=8000, help="TCP port to listen on (default 8000)")
        parser.add_argument(
            "--server", choices=["daphne", "uvicorn"], default="daphne",
            help="the ASGI server: daphne (default) or uvicorn (recommended in production, README Performance)",
        )
        parser.add_argument(
            "--proxy-headers", action="store_true",
            help="trust X-Forwarded-For / X-Forwarded-Proto from the proxy in front (behind nginx only)",
        )
        parser.add_argument(
            "--access-log", action="store_true",
            help="log one line per HTTP request and socket connect to stdout (off by default; health "
            "probes and /metrics scrapes are never logged)",
        )

    def handle(self, *args, host, port, server, proxy_headers, access_log, **options):
        os.environ["TALO_SERVE_HOST"] = host
        try:
            importlib.import_module(APPLICATION.partition(":")[0])
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        if settings.DEBUG:
            self.stdout.write("Development mode: DEBUG on, loopback only (README \"Security\")")
        self.stdout.write(f"Serving on http://{host}:{port} (sockets at ws://{host}:{port}/, {server})")
        sys.stdout.flush()
        if server == "uvicorn":
            self._uvicorn(host, port, proxy_headers, access_log)
        else:
            self._daphne(host, port, proxy_headers, access_log)

    def _uvicorn(self, host, port, proxy_headers, access_log):
        import uvicorn

        socket = settings.TALO_SOCKET
        config = uvicorn.Config(
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
            forwarded_allow_ips=list(settings.TRUSTED_PROXIES),
            log_level="warning",
            access_log=access_log,
            lifespan="off",
        )
        if access_log:
            access = logging.getLogger("uvicorn.access")
            access.setLevel(logging.INFO)
            # uvicorn's access record args: (client, method, path, http version, status).
            access.addFilter(lambda record: not (len(record.args or ()) > 2 and is_probe(str(record.args[2]))))
        uvicorn.Server(config).run()

    def _daphne(self, host, port, proxy_headers, access_log):
        from daphne.cli import CommandLineInterface

        from sockets import daphne_patches

        daphne_patches.skip_in_access_log(is_probe)
        # daphne writes an access log at verbosity 1; at 0 it writes none.
        argv = ["--bind", host, "--port", str(port), "--verbosity", "1" if access_log else "0"]
        if access_log:
            argv += ["--access-log", "-"]
        if proxy_headers:
            argv.append("--proxy-headers")
        CommandLineInterface().run([*argv, APPLICATION])
