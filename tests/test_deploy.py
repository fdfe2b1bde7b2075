"""The README's "Deploy" walk-through, followed step by step: DEBUG off, `collectstatic`, `serve
--server uvicorn --proxy-headers`; the admin loads with its CSS, the API docs page (the admin's
"View site") loads, REST and the socket work, and a host not in ALLOWED_HOSTS is refused."""

import re

from tests.servers import manage, serving
from tests.support import api_on


def production_env(tmp_path):
    return {
        "DEBUG": "0",
        "DJANGO_SECRET_KEY": "a-test-secret-key-that-is-long-enough-for-django-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STATIC_ROOT": str(tmp_path / "static"),
    }


def test_deploy_walk_through(transactional_db, tmp_path):
    env = production_env(tmp_path)
    collected = manage("collectstatic", "--noinput", **env)
    assert collected.returncode == 0, collected.stderr
    assert (tmp_path / "static" / "admin" / "css" / "base.css").exists()
    with serving("deploy", server="uvicorn", proxy_headers=True, **env) as server, api_on(server) as api:
        client = api.rest()
        login = client.get("/admin/login/")
        assert login.status_code == 200
        stylesheets = re.findall(r'href="(/static/[^"]+\.css)"', login.text)
        assert "/static/admin/css/base.css" in stylesheets
        for href in stylesheets:
            css = client.get(href)
            assert css.status_code == 200 and css.headers["content-type"].startswith("text/css"), href
        docs = client.get("/api/docs")
        assert docs.status_code == 200
        for script in re.findall(r'src="(/static/[^"]+\.js)"', docs.text):
            assert client.get(script).status_code == 200, script
        missing = client.get("/no/such/page")
        assert missing.status_code == 404 and "Traceback" not in missing.text and "DEBUG" not in missing.text
        assert client.get("/public/health", headers={"Host": "evil.example"}).status_code == 400

        game = api.game()
        token = api.key(game, "read:players", "read:playerPresence")
        alias_id, socket_token = api.player(game, "deployed")
        sock = api.identified(token, alias_id, socket_token)
        sock.expect_silence()
