"""In a real browser (Debian's Chromium via Playwright): each role logs in and sees its home."""

from __future__ import annotations

import pytest

from casework.core.authz import Role
from tests.browser_fixtures import log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("role", list(Role))
def test_each_role_logs_in_and_sees_its_home_page_in_english(page, live_server, app,
                                                             create_user, role):
    user_id = create_user(role)
    log_in(page, live_server, app, user_id)
    page.wait_for_selector(f'[data-home-role="{role}"]')
    assert page.get_attribute("html", "dir") == "ltr"
    assert page.title().endswith("Casework")


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_its_home_page_in_arabic_right_to_left(page, live_server, app,
                                                              create_user, role):
    user_id = create_user(role)
    page.goto(f"{live_server}/login")
    page.click('button[name="lang"][value="ar"]')
    assert page.get_attribute("html", "dir") == "rtl"
    log_in(page, live_server, app, user_id)
    page.wait_for_selector(f'[data-home-role="{role}"]')
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.get_attribute("html", "lang") == "ar"
    assert page.is_visible("text=تسجيل الخروج")
    # The stylesheet really flipped the layout: the navbar brand sits on the right.
    brand = page.locator(".navbar-brand").bounding_box()
    assert brand["x"] > page.viewport_size["width"] / 2


def test_browser_loads_nothing_from_other_hosts(page, live_server):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server}/login")
    page.wait_for_load_state("networkidle")
    assert requested and all(url.startswith(live_server) for url in requested)
