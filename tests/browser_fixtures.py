"""Browser test fixtures: the app on a live local server, driven by Debian's Chromium."""

from __future__ import annotations

import shutil
import threading

import pytest
from werkzeug.serving import make_server

from casework.auth.models import User
from casework.extensions import db
from tests.conftest import PASSWORD, current_totp

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def chromium_browser():
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("Chromium is not installed (apt-get install chromium); CI installs it.")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium_browser):
    context = chromium_browser.new_context()
    page = context.new_page()
    yield page
    context.close()


def log_in(page, live_server, app, user_id: int) -> None:
    """Log in through the forms (with the TOTP code when asked), logging out whoever is
    logged in first; returns on the user's home page."""
    logout = page.locator('form[action$="/logout"] button[type="submit"]')
    if page.url.startswith(live_server) and logout.count():
        menu = page.locator("[data-site-menu]")
        if menu.is_visible() and menu.get_attribute("open") is None:
            menu.locator("summary").click()  # on a phone the tools are in the menu
        page.locator('form[action$="/logout"] button[type="submit"]:visible').click()
        page.wait_for_selector('input[name="email"]')
    with app.app_context():
        email = db.session.get(User, user_id).email
    page.goto(f"{live_server}/login")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"].btn-primary')
    if page.url.endswith("/login/totp"):
        page.fill('input[name="code"]', current_totp(app, user_id))
        page.click('button[type="submit"].btn-primary')
    page.wait_for_selector("[data-home-role]")
