"""docs/rest.md §10: channel changes made in Django admin (inside the server) emit the REST messages."""

import re

import pytest
from django.contrib.auth.models import User

from game_channels.models import GameChannel
from tests.game_channels.conftest import silent


@pytest.fixture
def admin_client(api):
    User.objects.create_superuser("root", "root@example.com", "pw")
    client = api.rest()
    page = client.get("/admin/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/admin/login/", data={"csrfmiddlewaretoken": token, "username": "root", "password": "pw", "next": "/admin/"}
    )
    assert response.status_code == 302, response.text
    return client


def submit(client, path, fields):
    page = client.get(path)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    data = {
        "csrfmiddlewaretoken": token,
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
        "storage_props-TOTAL_FORMS": "0", "storage_props-INITIAL_FORMS": "0",
        **fields,
    }
    response = client.post(path, data=data)
    assert response.status_code == 302, re.findall(r'class="errorlist[^>]*>(.*?)</ul>', response.text, re.S)
    return response


def test_admin_create_update_delete_emit_messages(world, admin_client):
    owner = world.player()
    owner_socket = world.socket(owner)
    outsider = world.socket(world.player())
    submit(admin_client, "/admin/game_channels/gamechannel/add/", {"game": world.game.id, "name": "nobody's"})
    submit(
        admin_client, "/admin/game_channels/gamechannel/add/",
        {"game": world.game.id, "name": "admin's", "owner": owner.alias_id, "props_text": "guildId=15"},
    )
    joined = owner_socket.expect("v1.channels.player-joined")
    assert list(joined) == ["channel"]
    assert (joined["channel"]["name"], joined["channel"]["props"]) == ("admin's", [{"key": "guildId", "value": "15"}])
    channel = GameChannel.objects.get(name="admin's")
    change = f"/admin/game_channels/gamechannel/{channel.id}/change/"
    fields = {"name": "renamed", "owner": owner.alias_id, "props_text": "guildId=15", "private": "on"}
    submit(admin_client, change, fields)
    assert owner_socket.expect("v1.channels.updated")["changedProperties"] == ["name", "private"]
    page = admin_client.get(f"/admin/game_channels/gamechannel/{channel.id}/delete/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    admin_client.post(
        f"/admin/game_channels/gamechannel/{channel.id}/delete/", data={"csrfmiddlewaretoken": token, "post": "yes"}
    )
    assert owner_socket.expect("v1.channels.deleted")["channel"]["id"] == channel.id
    assert not GameChannel.objects.filter(id=channel.id).exists()
    silent(owner_socket, outsider)


def test_a_channels_page_shows_its_recent_messages(world, admin_client):
    """docs/extensions.md §X1: moderators read a channel's recent messages on its admin page."""
    owner = world.player("moderated")
    cid = world.create(owner)["id"]
    sock = world.socket(owner)
    for text in ("first words", "<script>alert(1)</script>"):
        sock.send({"req": "v1.channels.message", "data": {"channel": {"id": cid}, "message": text}})
        sock.expect("v1.channels.message")
    page = admin_client.get(f"/admin/game_channels/gamechannel/{cid}/change/")
    assert page.status_code == 200
    table = re.search(r'<table class="recent-messages">.*?</table>', page.text, re.S).group(0)
    rows = re.findall(r"<tr><td>(\d+)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", table)
    assert [(offset, sender, text) for offset, sender, _, text in rows] == [
        ("1", f"moderated (username #{owner.alias_id})", "first words"),
        ("2", f"moderated (username #{owner.alias_id})", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ]
    assert all(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", sent_at) for _, _, sent_at, _ in rows)
    empty = world.create(owner)["id"]
    assert "No messages in history." in admin_client.get(f"/admin/game_channels/gamechannel/{empty}/change/").text
