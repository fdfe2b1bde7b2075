"""Safe defaults for running the server (README "Security").

- Development mode: `manage.py serve` on a loopback address without DJANGO_SECRET_KEY is a
  developer's machine. It turns DEBUG on (unless DEBUG says otherwise) and answers loopback host
  names only; nobody else can reach a loopback socket.
- Every other start is a deployment: with DEBUG off it refuses to start on the development (or an
  empty) secret key, which also derives the key that encrypts verification secrets, and without
  ALLOWED_HOSTS; DEBUG on is refused on an address other machines can reach.
- Error reports never show a setting that can hold a credential.
"""

import ipaddress
import os
import re

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.views.debug import SafeExceptionReporterFilter

LOOPBACK_HOST_NAMES = ["127.0.0.1", "localhost", "[::1]"]


class CredentialFilter(SafeExceptionReporterFilter):
    """Django's filter masks PASSWORD, KEY, TOKEN and the like; ours also masks every URL (a
    DATABASE_URL or REDIS_URL holds a password), host and cache location, the channel layer's
    configuration, and the authorization and session headers of the request."""

    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|URL|HOST|LOCATION|CONFIG|AUTH|SESSION", flags=re.I
    )


def is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_development(host):
    return is_loopback(host) and not os.environ.get("DJANGO_SECRET_KEY")


def start_development():
    """Developer conveniences (the DEBUG error pages, the admin's static files), on loopback only."""
    if os.environ.get("DEBUG", "") == "":
        settings.DEBUG = True
        # The apps' static files straight from their folders (no collectstatic needed).
        settings.WHITENOISE_USE_FINDERS = settings.WHITENOISE_AUTOREFRESH = True
    if not settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = LOOPBACK_HOST_NAMES


def problems(host=None):
    """What makes this configuration unsafe to serve (on `host`, when known); empty when none."""
    found = []
    if not settings.DEBUG:
        if settings.SECRET_KEY in ("", settings.DEVELOPMENT_SECRET_KEY):
            found.append("DJANGO_SECRET_KEY must be set to a long random value when DEBUG is off.")
        if not settings.ALLOWED_HOSTS:
            found.append(
                "ALLOWED_HOSTS must list the host names clients use (ALLOWED_HOSTS=game.example.com) when DEBUG is off."
            )
    elif host is not None and not is_loopback(host):
        found.append("DEBUG shows internals in its error pages: serve with DEBUG on a loopback --host only.")
    return found


def prepare(host=None):
    """At the start of a server: development mode on loopback, otherwise the checks."""
    if host is not None and is_development(host):
        start_development()
    check(host)


def check(host=None):
    """Refuse to start an unsafe configuration, with a message that says what to set."""
    found = problems(host)
    if found:
        raise ImproperlyConfigured("Refusing to start:\n  " + "\n  ".join(found))
