"""Admins manage offices and users through the pages; bad input changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from casework.auth.models import Office, User
from casework.extensions import db
from tests.conftest import PASSWORD, login


def _count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_admin_creates_an_office(app, login_as):
    admin = login_as("admin")
    response = admin.post("/admin/offices/new", data={
        "code": "rqa", "name": "Raqqa field office", "timezone": "Asia/Damascus"})
    assert response.status_code == 302
    with app.app_context():
        office = db.session.scalar(select(Office).where(Office.code == "RQA"))
        assert office.name == "Raqqa field office"
    assert "RQA" in admin.get("/admin/offices").get_data(as_text=True)


def test_duplicate_or_malformed_office_codes_are_refused(app, login_as, create_office):
    create_office("TBQ")
    admin = login_as("admin")
    before = _count(app, Office)
    for code, message in (("TBQ", "already exists"), ("R1", "2 to 10 letters")):
        response = admin.post("/admin/offices/new", data={
            "code": code, "name": "X", "timezone": "Asia/Damascus"})
        assert response.status_code == 200
        assert message in response.get_data(as_text=True)
    assert _count(app, Office) == before


def test_admin_renames_an_office_and_its_code_stays(app, login_as, create_office):
    office_id = create_office("HSK", name="Hasakah")
    admin = login_as("admin")
    response = admin.post(f"/admin/offices/{office_id}", data={
        "name": "Hasakah office", "timezone": "Asia/Damascus", "code": "XXX"})
    assert response.status_code == 302
    with app.app_context():
        office = db.session.get(Office, office_id)
        assert (office.code, office.name) == ("HSK", "Hasakah office")


def test_admin_creates_a_user_who_can_then_log_in(app, login_as, create_office):
    office_id = create_office("RQA")
    admin = login_as("admin")
    response = admin.post("/admin/users/new", data={
        "email": "new.caseworker@example.org", "name": "Noor Saleh", "role": "caseworker",
        "office_id": office_id, "password": "a-long-initial-passphrase", "active": "y"})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new.caseworker@example.org"))
        assert user.role == "caseworker" and user.office_id == office_id
    login(app.test_client(), app, user.id, password="a-long-initial-passphrase")


def test_user_creation_refuses_bad_input_and_saves_nothing(app, login_as, create_office,
                                                           create_user):
    office_id = create_office("RQA")
    create_user("caseworker", email="taken@example.org", office_id=office_id)
    admin = login_as("admin")
    before = _count(app, User)
    cases = [
        ({"email": "taken@example.org"}, "already exists"),
        ({"email": "not-an-email"}, "valid email"),
        ({"password": "short"}, "at least 12 characters"),
        ({"password": "qwertyuiop123"}, "too common"),
        ({"office_id": 0}, "must belong to an office"),
    ]
    for change, message in cases:
        data = {"email": "someone@example.org", "name": "Someone", "role": "caseworker",
                "office_id": office_id, "password": "a-long-initial-passphrase", "active": "y"}
        data.update(change)
        response = admin.post("/admin/users/new", data=data)
        assert response.status_code == 200, change
        assert message in response.get_data(as_text=True), change
    assert _count(app, User) == before


def test_changing_a_users_role_ends_their_sessions(app, login_as, create_user):
    user_id = create_user("caseworker")
    session = app.test_client()
    login(session, app, user_id)
    admin = login_as("admin")
    with app.app_context():
        office_id = db.session.get(User, user_id).office_id
    admin.post(f"/admin/users/{user_id}", data={
        "name": "Test User", "role": "supervisor", "office_id": office_id, "active": "y"})
    with app.app_context():
        assert db.session.get(User, user_id).role == "supervisor"
    assert session.get("/").status_code == 302


def test_reactivated_user_can_log_in_again(app, login_as, create_user):
    user_id = create_user("auditor")
    admin = login_as("admin")
    form = {"name": "Test User", "role": "auditor", "office_id": 0}
    admin.post(f"/admin/users/{user_id}", data=form)
    assert app.test_client().post("/login", data={
        "email": f"auditor{1}@example.org", "password": PASSWORD}).status_code == 200
    admin.post(f"/admin/users/{user_id}", data={**form, "active": "y"})
    login(app.test_client(), app, user_id)
