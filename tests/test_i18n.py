"""English and Arabic: the language choice, right-to-left layout, wrapped strings."""

from __future__ import annotations

import gettext
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel import Locale
from babel.messages.pofile import read_po
from flask import render_template_string
from flask_babel import force_locale, lazy_gettext, ngettext, pgettext

from casework import PROJECT_ROOT
from casework.auth.models import User
from casework.core.i18n import join_list, role_label
from casework.extensions import db
from casework.intake.lifecycle import victims_linked_to_incidents
from casework.intake.models.persons import Harm
from casework.translations import catalog as upkeep


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


# The Arabic catalog (casework/translations; `make catalog` keeps it; docs/arabic-glossary.md).


def test_the_arabic_catalog_has_no_untranslated_or_fuzzy_message():
    catalog = upkeep.read_catalog()
    assert [upkeep.describe(m) for m in upkeep.untranslated(catalog)] == []
    assert [upkeep.describe(m) for m in upkeep.fuzzy(catalog)] == []


def test_every_message_of_the_code_and_templates_is_in_the_arabic_catalog():
    """A new message shows in English on Arabic pages until `make catalog` adds it and
    someone translates it."""
    missing = upkeep.source_keys() - upkeep.catalog_keys(upkeep.read_catalog())
    assert sorted(missing, key=str) == []


def test_the_arabic_plural_rule_is_cldrs_and_every_plural_has_its_six_forms():
    catalog = upkeep.read_catalog()
    assert catalog.plural_forms == upkeep.ARABIC_PLURAL_FORMS
    rule = gettext.c2py(catalog.plural_expr)
    order = ("zero", "one", "two", "few", "many", "other")
    arabic = Locale("ar")
    assert [rule(n) for n in range(1200)] == [order.index(arabic.plural_form(n)) for n in range(1200)]
    for message in catalog:
        if message.id and isinstance(message.id, tuple):
            assert len(message.string) == 6, message.id


@pytest.mark.parametrize(("count", "words"), [
    (0, "قتلى، ليس بينهم أطفال"),
    (1, "قتلى، بينهم طفل واحد"),
    (2, "قتلى، بينهم طفلان"),
    (3, "قتلى، بينهم 3 أطفال"),
    (11, "قتلى، بينهم 11 طفلًا"),
    (99, "قتلى، بينهم 99 طفلًا"),
    (100, "قتلى، بينهم 100 طفل"),
    (103, "قتلى، بينهم 103 أطفال"),
    (111, "قتلى، بينهم 111 طفلًا"),
])
def test_arabic_counts_take_the_plural_form_of_their_number(app, count, words):
    """Forms 4 (11 to 99: "طفلًا") and 5 (100: "طفل") follow the header's rule; Babel up to
    2.18 wrote them the other way round."""
    with app.test_request_context("/"), force_locale("ar"):
        assert ngettext("killed, of whom %(num)d child", "killed, of whom %(num)d children",
                        count) == words


def test_one_english_word_with_two_meanings_has_two_arabic_translations(app):
    with app.test_request_context("/"), force_locale("ar"):
        assert pgettext("action button", "Record") == "تسجيل"
        assert pgettext("database record", "Record") == "السجل"
        assert pgettext("evidence", "Withdrawn") == "مسحوب"  # a case withdrawn is "مسحوبة"
        assert pgettext("evidence", "Status") == "الوضع"
        html = render_template_string('{{ pgettext("user account", "Status") }}')
    assert html == "وضع الحساب"


RULED_OUT = {  # docs/arabic-glossary.md says why
    "استئناف": "an appeal is an objection to a supervisor: اعتراض",
    "مستأنف": "an appeal is an objection to a supervisor: اعتراض",
    "مردود": "dismissed: رُفض (an appeal), لم يُعَد فتح الحالة (a reconsideration)",
    "أزواج": "a duplicate pair is two cases: الحالتان",
    "هذا الزوج": "a duplicate pair is two cases: الحالتان",
    "الاستحقاق": "due: الموعد النهائي",
    "الإحسان": "ex gratia: على سبيل المواساة",
    "سالم": "unharmed: لم يُصب (سالم is a first name)",
    "من الأسرة.": "removed from the list of household members, not from the family",
}


def test_the_arabic_catalog_keeps_out_the_words_the_glossary_rules_out():
    found = [(word, why, str(message.id)) for message in upkeep.read_catalog() if message.id
             for text in (message.string if isinstance(message.string, tuple) else (message.string,))
             for word, why in RULED_OUT.items() if word in text]
    assert found == []


def test_latin_inside_arabic_keeps_its_order():
    """"https:// أو" shows as "//:https" unless a left-to-right mark (U+200E) closes the Latin;
    two Latin words around an Arabic comma become one run read backwards unless a right-to-left
    mark (U+200F) follows the comma."""
    unmarked = re.compile(r"[A-Za-z][:/]*[/-] +[\u0600-\u06FF]|[A-Za-z0-9][،؛] +[A-Za-z]")
    found = [str(message.string) for message in upkeep.read_catalog()
             if message.id and isinstance(message.string, str) and unmarked.search(message.string)]
    assert found == []


def test_lists_inside_a_sentence_take_the_readers_comma(app):
    victims = [SimpleNamespace(harm=Harm.killed, incident_id=None, display_name=name)
               for name in ("أحمد", "فاطمة")]
    case = SimpleNamespace(persons=victims)
    rlm = "\u200f"  # keeps two Latin items in the sentence's order ("RQA-1، RQA-2")
    with app.test_request_context("/"):
        with force_locale("ar"):
            assert join_list(["أ", "ب", "ج"]) == f"أ،{rlm} ب،{rlm} ج"
            assert join_list(["أ", "ب"], strong=True) == f"أ؛{rlm} ب"
            assert f"(أحمد،{rlm} فاطمة)" in str(victims_linked_to_incidents(case, None))
        with force_locale("en"):
            assert join_list(["a", "b"]) == "a, b"
            assert "(أحمد, فاطمة)" in str(victims_linked_to_incidents(case, None))


def test_roles_are_shown_by_their_names_in_the_readers_language(app, login_as, create_user):
    admin = login_as("admin")
    create_user("caseworker")
    html = admin.get("/admin/users").get_data(as_text=True)
    assert "<td>Caseworker</td>" in html and "<td>Administrator</td>" in html
    assert "<td>caseworker</td>" not in html and "<td>admin</td>" not in html
    admin.post("/language", data={"lang": "ar"})
    html = admin.get("/admin/users").get_data(as_text=True)
    assert "<td>موظف/ة الحالات</td>" in html and "<td>مسؤول/ة النظام</td>" in html
    assert 'data-home-role="admin">مسؤول/ة النظام</h1>' in admin.get("/").get_data(as_text=True)


def test_the_audit_trail_names_the_actors_role(login_as):
    auditor = login_as("auditor")
    html = auditor.get("/audit").get_data(as_text=True)
    assert "(Auditor)" in html and "(auditor)" not in html
    with_unknown_role = SimpleNamespace(role="archivist")
    assert role_label(with_unknown_role.role) == "archivist" and role_label(None) == ""
