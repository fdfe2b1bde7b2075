"""A real browser for the tests that need one: Debian's headless Chromium driven by Selenium
through Debian's chromedriver (.ci/run installs both). Screenshots go to tests/screenshots/
(ignored by git); each test prints where it saved its own."""

import shutil
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,900",
)


@pytest.fixture(scope="session")
def browser():
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and chromedriver, "apt-get install chromium chromium-driver (.ci/run does)"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(chromedriver))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def screenshot(driver, name):
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    print(f"screenshot: {path}")
    return path


def wait_for(driver, condition, timeout=10):
    return WebDriverWait(driver, timeout).until(condition)


def visible(css):
    return expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, css))


def log_in(driver, base, username="admin", password="pw"):
    """Log in to Django admin at `base` as a superuser (created here)."""
    from django.contrib.auth.models import User

    User.objects.create_superuser(username, f"{username}@example.com", password)
    driver.delete_all_cookies()
    driver.get(f"{base}/admin/login/")
    driver.find_element(By.ID, "id_username").send_keys(username)
    driver.find_element(By.ID, "id_password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    wait_for(driver, visible("#user-tools"))
