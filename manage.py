#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "talo_project.settings")
    if sys.argv[1:2] == ["serve"]:
        # daphne's reactor runs on the event loop daphne creates when Django loads its app, before
        # any command runs: on uvloop, as uvicorn's does, it costs 14 % fewer instructions per
        # fan-out delivery (README, "Deploy"; `daphne talo_project.asgi:application` keeps
        # asyncio's own loop, made before the application is imported).
        import asyncio

        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
