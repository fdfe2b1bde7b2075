"""The production-like settings every benchmark command runs with (PostgreSQL + Redis, DEBUG off),
and the fresh database they start from. BENCH_DATABASE_URL, BENCH_REDIS_URL and BENCH_PREFIX (the
channel-layer and cache key prefix) choose where."""

import os

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/talo_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/5"


def bench_settings():
    prefix = os.environ.get("BENCH_PREFIX", "bench")
    return {
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        "CHANNEL_LAYER_PREFIX": prefix,
        "CACHE_KEY_PREFIX": prefix,
        "TALO_REST_RATE_LIMIT": "0",  # the setup makes thousands of REST calls from one IP
        "TALO_REST_RATE_LIMIT_AUTH": "0",
        "DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-secret",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
    }


def prepare_database(url):
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    with psycopg.connect(
        host=config["HOST"], port=config["PORT"] or 5432, user=config["USER"] or None, dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{config["NAME"]}"')


def set_up():
    """A fresh database and an empty cache on the benchmark's settings, Django set up in this
    process; returns the settings (the environment of the servers it starts)."""
    env = bench_settings()
    prepare_database(env["DATABASE_URL"])
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "talo_project.settings")
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    cache.clear()
    return env
