"""Issue 12, finding 2: secure by default (README "Security"). A deployment refuses to start
unsafe; `manage.py serve` on loopback without a secret key is development mode; error reports
never show a credential."""

import subprocess
import sys

import httpx
import pytest
from django.test import RequestFactory, override_settings
from django.views.debug import ExceptionReporter, get_default_exception_reporter_filter

from tests.servers import ROOT, ServerProcess, free_port, server_env

SECRET = "pw-very-secret"
DEVELOPMENT = {"DEBUG": "", "DJANGO_SECRET_KEY": "", "ALLOWED_HOSTS": ""}


def serve(host, **env):
    """Run `manage.py serve` that must refuse to start: (exit code, output)."""
    try:
        result = subprocess.run(
            [sys.executable, "manage.py", "serve", "--host", host, "--port", str(free_port())],
            cwd=ROOT, env=server_env(**env), capture_output=True, text=True, timeout=60,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the server started: {env} on {host}")
    return result.returncode, result.stdout + result.stderr


@pytest.mark.parametrize(
    "host, env, message",
    [
        # DJANGO_SECRET_KEY= (empty) used to run on the public development key.
        ("127.0.0.1", {"DEBUG": "0", "DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY must be set"),
        ("127.0.0.1", {"DEBUG": "0", "DJANGO_SECRET_KEY": "dev-only-insecure-secret-key-change-me"}, "DJANGO_SECRET_KEY must be set"),
        ("127.0.0.1", {"DEBUG": "", "DJANGO_SECRET_KEY": "a-real-secret", "ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must list"),
        ("0.0.0.0", {"DEBUG": "", "DJANGO_SECRET_KEY": "", "ALLOWED_HOSTS": ""}, "DJANGO_SECRET_KEY must be set"),
        ("0.0.0.0", {"DEBUG": "1", "DJANGO_SECRET_KEY": "a-real-secret"}, "serve with DEBUG on a loopback --host only"),
    ],
)
def test_unsafe_configurations_refuse_to_start(transactional_db, host, env, message):
    code, output = serve(host, **env)
    assert code != 0 and message in output, output
    assert "Traceback" not in output  # a clear message, not a stack trace


def test_serve_on_loopback_without_a_key_is_development_mode(transactional_db):
    """The README's first command: DEBUG on (the admin with its styles), loopback host names only."""
    server = ServerProcess("development", **DEVELOPMENT).start()
    try:
        assert "Development mode" in server.read_log()
        client = httpx.Client(base_url=server.http, timeout=10)
        assert client.get("/admin/login/").status_code == 200
        assert client.get("/static/admin/css/base.css").status_code == 200
        assert client.get("/public/health", headers={"Host": "localhost"}).status_code == 204
        assert client.get("/public/health", headers={"Host": "game.example.com"}).status_code == 400
    finally:
        server.stop()


def test_debug_is_off_unless_asked_for(transactional_db):
    """A deployment that does not mention DEBUG serves no debug page, even on loopback."""
    server = ServerProcess("no-debug", DEBUG="", DJANGO_SECRET_KEY="a-real-secret", ALLOWED_HOSTS="127.0.0.1").start()
    try:
        for path in ("/no/such/page", "/static/..%2f..%2fsettings.py"):
            response = httpx.get(server.http + path, timeout=10)
            assert response.status_code == 404
            assert "DEBUG" not in response.text and "urlpatterns" not in response.text, response.text
    finally:
        server.stop()


@override_settings(
    DATABASE_URL=f"postgres://talo:{SECRET}@db.internal:5432/talo",
    REDIS_URL=f"redis://:{SECRET}@redis.internal:6379/0",
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"redis://:{SECRET}@r"}},
    CHANNEL_LAYERS={"default": {"BACKEND": "x", "CONFIG": {"hosts": [f"redis://:{SECRET}@r"], "prefix": "talo"}}},
    TALO_ENCRYPTION_KEY=SECRET,
)
def test_error_reports_never_show_a_credential():
    request = RequestFactory().get(
        "/v1/game-config", HTTP_AUTHORIZATION=f"Bearer tk_1_{SECRET}", HTTP_X_TALO_SESSION=SECRET
    )
    safe_settings = get_default_exception_reporter_filter().get_safe_settings()
    assert SECRET not in repr(safe_settings)
    try:
        raise ValueError("boom")
    except ValueError:
        page = ExceptionReporter(request, *sys.exc_info()).get_traceback_html()
    assert "boom" in page and SECRET not in page
