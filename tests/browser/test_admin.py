"""Django admin in a real browser: with DEBUG off and its CSS (the README's Deploy walk-through),
and the live view — a connection appears, is disconnected from the page, and the client sees
close 4000."""

from selenium.webdriver.common.by import By

from tests.browser.conftest import log_in, screenshot, visible, wait_for
from tests.servers import manage, serving
from tests.support import wait_until
from tests.test_deploy import production_env


def test_admin_with_debug_off_has_its_styles(transactional_db, tmp_path, browser):
    env = production_env(tmp_path)
    assert manage("collectstatic", "--noinput", **env).returncode == 0
    with serving("browser-deploy", server="uvicorn", **env) as server:
        log_in(browser, server.http)
        header = browser.find_element(By.ID, "header")
        # Django admin's stylesheet lays the header out as a flex row on a coloured band.
        assert header.value_of_css_property("display") == "flex"
        assert header.value_of_css_property("background-color") not in ("rgba(0, 0, 0, 0)", "transparent")
        screenshot(browser, "admin-debug-off")
        browser.find_element(By.CSS_SELECTOR, '#user-tools a[href="/api/docs"]').click()  # "View site"
        wait_for(browser, visible(".swagger-ui .info"), timeout=20)
        assert "talo-socket-django REST API" in browser.page_source
        screenshot(browser, "api-docs")


def test_live_view_sees_a_connection_and_disconnects_it(api, browser):
    game = api.game(name="Browser game")
    token = api.key(game, "read:players", "read:playerPresence")
    log_in(browser, api.server.http)
    page = f"{api.server.http}/admin/presence/livegame/{game.id}/change/"
    browser.get(page)
    assert "No open connection." in browser.find_element(By.ID, "connections").text
    alias_id, socket_token = api.player(game, "ann")
    sock = api.identified(token, alias_id, socket_token)
    sock.send({"req": "v1.heartbeat-typo", "data": {}})
    sock.recv()

    def row():
        browser.get(page)
        rows = browser.find_elements(By.CSS_SELECTOR, "#connections tr[data-connection]")
        return rows[0] if rows else None

    found = wait_until(row)
    assert "username:ann" in found.text and "yes" in found.text and "127.0.0.1" in found.text
    assert "username:ann" in browser.find_element(By.ID, "online-players").text
    screenshot(browser, "live-view")
    found.find_element(By.CSS_SELECTOR, "button.disconnect-connection").click()
    wait_for(browser, visible("ul.messagelist"))
    assert "disconnected (close code 4000)" in browser.find_element(By.CSS_SELECTOR, "ul.messagelist").text
    assert sock.wait_closed() == (4000, "DISCONNECTED")
    wait_until(lambda: not row())
