"""The socket console (README "Socket console") in a real browser: identify, create and join a
channel, send and receive messages, presence and errors, live."""

from selenium.webdriver.common.by import By

from tests.browser.conftest import screenshot, wait_for
from tests.servers import serving
from tests.support import api_on


def log_contains(text):
    return lambda driver: text in driver.find_element(By.ID, "log").text


def received(text, kind="msg"):
    """A frame the console received (not one it sent) shown as `kind`, containing `text`."""
    return lambda driver: any(
        text in line.text for line in driver.find_elements(By.CSS_SELECTOR, f"#log .{kind}")
    )


def test_console_is_off_by_default(api):
    assert api.rest().get("/console").status_code == 404


def test_socket_console(transactional_db, browser):
    with serving("console", TALO_SOCKET_CONSOLE=1) as server, api_on(server) as api:
        game = api.game(name="Console game")
        scopes = ("read:players", "write:players", "read:gameChannels", "write:gameChannels", "read:playerPresence",
                  "write:playerPresence")
        token = api.key(game, *scopes)
        browser.get(f"{server.http}/console")
        browser.find_element(By.ID, "key").send_keys(token)
        browser.find_element(By.ID, "identifier").send_keys("ann")
        browser.find_element(By.ID, "connect").click()
        wait_for(browser, log_contains('"res":"v1.players.identify.success"'))
        assert browser.find_element(By.ID, "socket-state").text == "open"
        browser.find_element(By.ID, "channel-name").send_keys("lobby")
        browser.find_element(By.ID, "join").click()
        wait_for(browser, lambda driver: driver.find_element(By.ID, "channel").get_attribute("value"))
        channel_id = int(browser.find_element(By.ID, "channel").get_attribute("value"))

        bob_alias, bob_token = api.player(game, "bob")
        bob = api.identified(token, bob_alias, bob_token)
        client = api.rest(token)
        assert client.post(f"/v1/game-channels/{channel_id}/join", headers={"x-talo-alias": str(bob_alias)}).status_code == 200
        while bob.recv()["res"] != "v1.channels.player-joined":  # bob is in the channel's group now
            pass
        browser.find_element(By.ID, "message").send_keys("hello from the console")
        browser.find_element(By.ID, "send").click()
        wait_for(browser, received('"message":"hello from the console"'))
        frames = [frame for frame in bob.drain() if frame["res"] == "v1.channels.message"]
        assert [frame["data"]["message"] for frame in frames] == ["hello from the console"]
        bob.send({"req": "v1.channels.message", "data": {"channel": {"id": channel_id}, "message": "hi ann"}})
        wait_for(browser, received('"message":"hi ann"'))

        browser.find_element(By.ID, "custom-status").send_keys("in a match")
        browser.find_element(By.ID, "set-status").click()
        # The push (not the REST answer, which the log shows too): presence lines are highlighted.
        wait_for(browser, received('"customStatus":"in a match"', kind="presence"))
        raw = browser.find_element(By.ID, "raw")
        raw.clear()
        raw.send_keys("not json")
        browser.find_element(By.ID, "send-raw").click()
        wait_for(browser, received('"errorCode":"ROUTING_ERROR"', kind="err"))
        errors = [line.text for line in browser.find_elements(By.CSS_SELECTOR, "#log .err")]
        assert any("ROUTING_ERROR" in line for line in errors)
        screenshot(browser, "socket-console")
