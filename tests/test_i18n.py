"""English and Arabic: the language choice, right-to-left layout, wrapped strings."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po
from flask import render_template_string
from flask_babel import lazy_gettext

from casework import PROJECT_ROOT
from casework.auth.models import User
from casework.extensions import db


def test_browser_language_picks_arabic_and_the_page_flips_right_to_left(client):
    html = client.get("/login", headers={"Accept-Language": "ar,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert "bootstrap.rtl.min.css" in html
    assert "تسجيل الدخول" in html


def test_english_is_the_default_left_to_right(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in html and "bootstrap.min.css" in html


def test_language_switch_sets_a_cookie_that_beats_the_browser(client):
    response = client.post("/language", data={"lang": "ar", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    html = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'dir="rtl"' in html


def test_language_switch_refuses_unknown_languages(client):
    assert client.post("/language", data={"lang": "xx"}).status_code == 400


def test_a_users_own_setting_beats_the_cookie(app, login_as):
    client = login_as("caseworker")
    client.post("/language", data={"lang": "ar"})
    with app.app_context():
        assert db.session.get(User, client.user_id).locale == "ar"
    client.set_cookie("lang", "en")
    assert 'dir="rtl"' in client.get("/").get_data(as_text=True)


def test_templates_have_no_unwrapped_visible_text():
    """Text between tags must come from _() (numbers, symbols and markup excepted)."""
    offenders = []
    for path in Path(PROJECT_ROOT, "templates").rglob("*.html"):
        source = path.read_text(encoding="utf-8")
        source = re.sub(r"{#.*?#}|{%.*?%}|{{.*?}}", " ", source, flags=re.S)
        for text in re.findall(r">([^<>]+)<", source):
            if re.search(r"[A-Za-z]{2,}", text):
                offenders.append(f"{path.name}: {text.strip()[:60]}")
    assert offenders == []


def test_every_arabic_catalog_entry_keeps_its_placeholders():
    path = Path(PROJECT_ROOT, "casework/translations/ar/LC_MESSAGES/messages.po")
    with path.open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if message.id and message.string:
            wanted = set(re.findall(r"%\(\w+\)[sd]", str(message.id)))
            assert wanted == set(re.findall(r"%\(\w+\)[sd]", str(message.string))), message.id


def test_lazy_translated_messages_carrying_user_input_are_escaped(app):
    with app.test_request_context("/"):
        message = lazy_gettext("Unknown value %(value)s.", value="<img src=x onerror=alert(1)>")
        html = render_template_string("{{ message }}", message=message)
    assert "<img" not in html and "&lt;img" in html
