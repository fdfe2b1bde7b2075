"""Settings: everything comes from the environment, with embedded defaults that need nothing
installed (SQLite, the in-process channel layer, a local-memory cache)."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


# Secure by default (README "Security"): DEBUG is off unless asked for. `manage.py serve` on a
# loopback address without DJANGO_SECRET_KEY is local development and turns it on itself
# (talo_project.deployment); a server that is not in development mode refuses to start without a
# real secret key and ALLOWED_HOSTS.
DEBUG = env_bool("DEBUG", False)
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-secret-key-change-me"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or DEVELOPMENT_SECRET_KEY
# Encrypts secrets stored in the database (verification keys); defaults to a key derived from SECRET_KEY.
TALO_ENCRYPTION_KEY = os.environ.get("TALO_ENCRYPTION_KEY", "")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
# Error reports (the DEBUG page, mailed reports) never show a setting that can hold a credential.
DEFAULT_EXCEPTION_REPORTER_FILTER = "talo_project.deployment.CredentialFilter"

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "channels",
    "players",
    "game_channels",
    "presence",
    "sockets",
]

MIDDLEWARE = [
    "talo_project.middleware.TrailingSlashMiddleware",
    "talo_project.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "talo_project.middleware.AdminSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "talo_project.middleware.AdminAuthenticationMiddleware",
    "talo_project.middleware.AdminMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The chain runs synchronously, in one hop to the request's thread (talo_project/request_threads.py).
    # Before authentication (DRF authenticates in the view).
    "talo_project.middleware.RateLimitMiddleware",
    # A /v1 body over the limit is answered 413 before anything reads it (README "Security").
    "talo_project.middleware.BodyLimitMiddleware",
]
# Talo strips trailing slashes instead of redirecting; never redirect to add one.
APPEND_SLASH = False

ROOT_URLCONF = "talo_project.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
ASGI_APPLICATION = "talo_project.asgi.application"

# --- Database -----------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            # The test suite runs the server in another process against the same file.
            "TEST": {"NAME": os.environ.get("SQLITE_TEST_PATH", str(BASE_DIR / "test-db.sqlite3"))},
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Under ASGI requests run on many threads (talo_project/request_threads.py), so persistent
    # per-thread connections pile up (Django's docs: disable them under ASGI): hundreds under a
    # connection storm. A bounded psycopg pool per process instead; requests beyond it wait.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": env_int("DATABASE_POOL_SIZE", 16),
        # Seconds a request waits for a connection; also how long it takes to answer 503 while
        # PostgreSQL is unreachable.
        "timeout": env_int("DATABASE_POOL_TIMEOUT", 30),
    }
    # The connection path's statements are prepared once per connection (talo_project/prepared.py);
    # Django's own queries never are. Off for a connection pooler that cannot keep them.
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 0 if env_bool("DATABASE_PREPARED_STATEMENTS", True) else None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer + cache (tickets, socket tokens, signature replay store) -------------
# REDIS_URL puts everything on one Redis. When one is not enough: REDIS_LAYER_URLS (comma-separated)
# spreads the channel layer's channels and groups over several servers (each name lives on one of
# them, chosen by a hash every process computes alike), and REDIS_CACHE_URL puts the cache
# (tickets, socket tokens, rate-limit counters, signature replay store) and the presence registry
# and channel history on a server of its own. Each defaults to REDIS_URL.
REDIS_URL = os.environ.get("REDIS_URL", "")
REDIS_LAYER_URLS = [url.strip() for url in os.environ.get("REDIS_LAYER_URLS", "").split(",") if url.strip()] or (
    [REDIS_URL] if REDIS_URL else []
)
REDIS_CACHE_URL = os.environ.get("REDIS_CACHE_URL", "") or REDIS_URL
if bool(REDIS_LAYER_URLS) != bool(REDIS_CACHE_URL):
    raise RuntimeError("Set REDIS_URL, or both REDIS_LAYER_URLS and REDIS_CACHE_URL: processes share both or neither")
if REDIS_LAYER_URLS:
    CHANNEL_LAYERS = {
        "default": {
            # One publish per group_send whatever the group size; see docs/architecture.md.
            # channels_redis' pub/sub layer with pipelined publishes (sockets/layers.py).
            "BACKEND": "sockets.layers.RedisLayer",
            "CONFIG": {"hosts": REDIS_LAYER_URLS, "prefix": os.environ.get("CHANNEL_LAYER_PREFIX", "talo")},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "talo_project.cache.RedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "talo"),
            # One client and pool per process (talo_project/cache.py). In a burst of REST requests,
            # each on a thread of its own, more threads want it at once than it holds: they wait
            # for a connection (up to 10 s) instead of failing, which answered a 1000-client ticket
            # burst with 503s.
            "OPTIONS": {"pool_class": "redis.BlockingConnectionPool", "max_connections": 100, "timeout": 10},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "sockets.layers.LocalChannelLayer"}}
    # Tickets and socket tokens live here: the default 300-entry cull would silently drop live
    # socket tokens once a few hundred players are about.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "talo",
            "OPTIONS": {"MAX_ENTRIES": 1_000_000},
        }
    }

# `manage.py serve --proxy-headers` believes X-Forwarded-For only from these addresses or networks.
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("TALO_TRUSTED_PROXIES", "127.0.0.1,::1").split(",") if p.strip()]

# --- Socket -------------------------------------------------------------------------------
TALO_SOCKET = {
    # Seconds a socket ticket lives (docs/socket.md §2) and a socket token lives (§9.1).
    "TICKET_TTL": 300,
    "SOCKET_TOKEN_TTL": 3600,
    # Heartbeat policy (docs/socket.md §6): ping every 30 s, terminate if no pong before the next round.
    "PING_INTERVAL": env_int("TALO_PING_INTERVAL", 30),
    "PING_TIMEOUT": env_int("TALO_PING_TIMEOUT", 30),
    # docs/differences.md row 5: frames over this many bytes are refused with close code 1009.
    "MAX_FRAME_BYTES": env_int("TALO_MAX_FRAME_BYTES", 64 * 1024),
    # Per-connection rate limits (docs/socket.md §7): frames per window before / after identify.
    "RATE_LIMIT_UNIDENTIFIED": env_int("TALO_RATE_LIMIT_UNIDENTIFIED", 300),
    "RATE_LIMIT_IDENTIFIED": env_int("TALO_RATE_LIMIT_IDENTIFIED", 3600),
    "RATE_LIMIT_WINDOW": env_int("TALO_RATE_LIMIT_WINDOW", 60),
    "RATE_LIMIT_BLOCK": env_int("TALO_RATE_LIMIT_BLOCK", 60),
    # docs/differences.md row 9: a socket with more unsent bytes than this for SLOW_CONSUMER_SECONDS (or
    # four times this at any moment) is closed with 1008 SLOW_CONSUMER.
    "SLOW_CONSUMER_BYTES": env_int("TALO_SLOW_CONSUMER_BYTES", 1024 * 1024),
    "SLOW_CONSUMER_SECONDS": env_int("TALO_SLOW_CONSUMER_SECONDS", 10),
    # Open sockets allowed per access key and per client IP on one server process; 0 = no limit.
    "MAX_CONNECTIONS_PER_KEY": env_int("TALO_MAX_CONNECTIONS_PER_KEY", 0),
    "MAX_CONNECTIONS_PER_IP": env_int("TALO_MAX_CONNECTIONS_PER_IP", 0),
    # docs/differences.md row 10: how often each server process re-checks its open sockets' keys for a
    # revocation it was not told about (a command-line revoke without Redis).
    "REVOCATION_SWEEP_SECONDS": env_int("TALO_REVOCATION_SWEEP_SECONDS", 10),
    # How often each server process adds the channel messages it counted to `totalMessages`.
    "MESSAGE_COUNT_FLUSH_SECONDS": env_int("TALO_MESSAGE_COUNT_FLUSH_SECONDS", 5),
    # docs/differences.md row 2: each process refreshes its identified connections' entries in the shared
    # registry every PRESENCE_TTL / 3 seconds; a crashed process's players go offline within
    # PRESENCE_TTL. A presence set online over REST only goes offline after PRESENCE_STALE_SECONDS
    # without an update (Talo's background clean-up, docs/socket.md §12).
    "PRESENCE_TTL": env_int("TALO_PRESENCE_TTL", 180),
    "PRESENCE_STALE_SECONDS": env_int("TALO_PRESENCE_STALE_SECONDS", 30 * 60),
    # Threads per process for the synchronous work of socket requests (ticket redemption,
    # identify, ...), apart from the one thread of Django's REST views (sockets/workers.py).
    "WORKER_THREADS": env_int("TALO_WORKER_THREADS", 4),
}

# docs/extensions.md §X1.5: channel history. SIZE messages are kept per channel (0 turns history
# and offsets off), each for TTL seconds; in Redis (REDIS_CACHE_URL) if set, else in the process's memory.
TALO_CHANNEL_HISTORY = {
    "SIZE": env_int("TALO_CHANNEL_HISTORY_SIZE", 100),
    "TTL": env_int("TALO_CHANNEL_HISTORY_TTL", 86400),
}

# --- REST ---------------------------------------------------------------------------------
TALO_REST = {
    # Bodies of /v1 requests over this many bytes are answered 413 (README "Security").
    "MAX_BODY_BYTES": env_int("TALO_REST_MAX_BODY_BYTES", 256 * 1024),
    # docs/rest.md §2.7: requests per client IP per window; 0 turns a limit off.
    "RATE_LIMIT": env_int("TALO_REST_RATE_LIMIT", 100),
    "RATE_LIMIT_AUTH": env_int("TALO_REST_RATE_LIMIT_AUTH", 20),
    "RATE_LIMIT_WINDOW": env_int("TALO_REST_RATE_LIMIT_WINDOW", 60),
}
DATA_UPLOAD_MAX_MEMORY_SIZE = TALO_REST["MAX_BODY_BYTES"]
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["players.authentication.AccessKeyAuthentication"],
    # Talo's order (docs/rest.md §2.2): access key, then the player's session, then the signature.
    "DEFAULT_PERMISSION_CLASSES": [
        "players.permissions.HasAccessKey",
        "players.permissions.PlayerSession",
        "players.permissions.ValidRequestSignature",
    ],
    # DRF's renderer is already compact with non-ASCII raw, as Talo's JSON is.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON with the socket's rules: JavaScript semantics, bounded nesting, no lone surrogates.
    "DEFAULT_PARSER_CLASSES": ["talo_project.rest.parsers.JSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "talo_project.rest.negotiation.ContentNegotiation",
    "EXCEPTION_HANDLER": "talo_project.rest.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": None,
}

AUTH_PASSWORD_VALIDATORS = []
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.channels.server": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
    },
}

# === Operators and client developers (issue 15): static files, API schema, metrics, live view, ====
# === socket console. Kept in one block; the settings above are not changed here. ================
# WhiteNoise serves STATIC_ROOT (after `manage.py collectstatic`) from every server process, with
# DEBUG off too; with DEBUG on it serves the apps' static files straight from their folders.
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                  "whitenoise.middleware.WhiteNoiseMiddleware")
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# OpenAPI 3 schema of the REST API (docs/rest.md, "Schema"): /api/schema and /api/docs.
INSTALLED_APPS += ["drf_spectacular", "drf_spectacular_sidecar"]  # sidecar: Swagger UI served here, no CDN
REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = "drf_spectacular.openapi.AutoSchema"
SPECTACULAR_SETTINGS = {
    "TITLE": "talo-socket-django REST API",
    "DESCRIPTION": "The REST endpoints of the Talo Socket server (docs/rest.md). Every /v1 request "
    "carries `Authorization: Bearer <access key>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "talo_project.rest.openapi.add_components",
    ],
}

# Prometheus metrics of each server process at /metrics (docs/operations.md); with a token set,
# a scrape must send `Authorization: Bearer <token>`.
TALO_METRICS_TOKEN = os.environ.get("TALO_METRICS_TOKEN", "")
# How often each process publishes its open connections to Redis for the other processes' live
# views (sockets.live); a stopped process's entry is dropped after three periods.
TALO_SOCKET["LIVE_CONNECTIONS_SECONDS"] = env_int("TALO_LIVE_CONNECTIONS_SECONDS", 5)
# The socket console for client developers at /console (docs/operations.md); off unless set.
TALO_SOCKET_CONSOLE = env_bool("TALO_SOCKET_CONSOLE", False)
# === end of issue 15's block =====================================================================
