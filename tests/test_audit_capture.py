"""Every write is captured automatically, with its actor, old and new values, never secrets."""

from __future__ import annotations

import re

import pyotp
from blinker import NamedSignal
from sqlalchemy import Boolean, Table, update

from casework.audit.capture import exempt_reason, install_capture, secret_columns
from casework.audit.chain import GENESIS_HASH
from casework.audit.context import acting_as
from casework.audit.listeners import CAPTURED_AS_WRITES, RECEIVERS
from casework.audit.models import AuditEvent
from casework.auth import operations as core_operations
from casework.auth.models import Office, User
from casework.core import signals
from casework.extensions import db
from tests.conftest import PASSWORD, login
from tests.fixtures_audit import payload

# A column whose name says it holds a secret must be declared one (a yes-or-no flag about a
# password, such as must_change_password, holds none: its value is what the audit shows).
SECRET_LOOKING = re.compile(r"(password|password_hash|secret|token)$|^totp_", re.IGNORECASE)


def test_every_mapped_model_is_audited_or_exempted_with_a_reason(app):
    install_capture()  # idempotent; also proves repeated installation adds nothing twice
    audited, exempt = [], []
    for mapper in db.Model.registry.mappers:
        cls = mapper.class_
        reason = exempt_reason(cls)
        if reason is not None:
            assert isinstance(reason, str) and reason.strip(), f"{cls.__name__}: empty reason"
            exempt.append(cls)
            continue
        assert isinstance(mapper.local_table, Table), f"{cls.__name__} maps no table"
        audited.append(cls)
        columns = {column.key for column in mapper.column_attrs}
        secrets = secret_columns(cls)
        assert secrets <= columns, f"{cls.__name__}: unknown secret columns {secrets - columns}"
        undeclared = {prop.key for prop in mapper.column_attrs
                      if SECRET_LOOKING.search(prop.key)
                      and not isinstance(prop.columns[0].type, Boolean)} - secrets
        assert not undeclared, f"{cls.__name__}: declare {undeclared} in __audit_secret_columns__"
    assert AuditEvent in exempt
    assert User in audited and Office in audited


def test_creating_a_user_records_its_values_and_never_its_secrets(app, create_user, audit_events):
    user_id = create_user("supervisor")  # enrolled in TOTP too
    with app.app_context():
        user = db.session.get(User, user_id)
        secrets = [user.password_hash, user.session_token, user.totp_secret,
                   str(user.totp_last_counter)]
    [created] = audit_events("create", entity_type="users", entity_id=str(user_id))
    changes = payload(created)["changes"]
    assert changes["email"] == {"new": user.email}
    assert changes["role"] == {"new": "supervisor"}
    assert changes["password_hash"] == {"secret": True}
    for event in audit_events():
        text = " ".join(str(getattr(event, c.key)) for c in AuditEvent.__table__.columns)
        for secret in secrets:
            assert secret not in text, f"a secret leaked into event {event.id} ({event.action})"
    [enrolled] = audit_events("update", entity_type="users", entity_id=str(user_id))
    assert payload(enrolled)["changes"] == {"totp_last_counter": {"secret": True},
                                            "totp_secret": {"secret": True}}


def test_an_admin_editing_a_user_is_recorded_with_old_and_new_values(
    app, login_as, create_office, create_user, audit_events
):
    first, second = create_office("AAA"), create_office("BBB")
    user_id = create_user("caseworker", office_id=first, name="Lina Haddad")
    admin = login_as("admin")
    response = admin.post(f"/admin/users/{user_id}", data={
        "name": "Lina H. Haddad", "role": "supervisor", "office_id": second, "active": "y",
    }, headers={"User-Agent": "AuditTest/1.0"})
    assert response.status_code == 302

    [changed] = audit_events("update", entity_type="users", entity_id=str(user_id))
    changes = payload(changed)["changes"]
    assert changes["name"] == {"old": "Lina Haddad", "new": "Lina H. Haddad"}
    assert changes["role"] == {"old": "caseworker", "new": "supervisor"}
    assert changes["office_id"] == {"old": first, "new": second}
    assert changes["session_token"] == {"secret": True}
    assert changed.actor_kind == "user" and changed.actor_id == admin.user_id
    assert changed.actor_role == "admin"
    assert changed.remote_addr == "127.0.0.1" and changed.user_agent == "AuditTest/1.0"
    assert re.fullmatch(r"[0-9a-f]{32}", changed.request_id)

    [role_change] = audit_events("users.role_or_office_changed")
    assert payload(role_change)["details"] == {
        "before": {"role": "caseworker", "office": "AAA"},
        "after": {"role": "supervisor", "office": "BBB"},
    }
    assert role_change.request_id == changed.request_id


def test_logins_failed_logins_password_changes_and_logouts_are_recorded(
    app, client, create_user, audit_events
):
    user_id = create_user("caseworker", email="field.worker@example.org")
    client.post("/login", data={"email": "field.worker@example.org", "password": "wrong-guess-1"},
                headers={"User-Agent": "Guesser"})
    client.post("/login", data={"email": "nobody@example.org", "password": "wrong-guess-2"})
    failed = audit_events("auth.login_failed")
    assert [payload(e)["details"] for e in failed] == [
        {"email": "field.worker@example.org", "reason": "bad password"},
        {"email": "nobody@example.org", "reason": "unknown email"},
    ]
    assert failed[0].actor_kind == "anonymous" and failed[0].entity_id == str(user_id)
    assert failed[0].user_agent == "Guesser"

    login(client, app, user_id)
    [logged_in] = audit_events("auth.login")
    assert (logged_in.actor_kind, logged_in.actor_id, logged_in.actor_role) == (
        "user", user_id, "caseworker")
    [recorded_login] = audit_events("update", entity_type="users", entity_id=str(user_id))
    assert "last_login_at" in payload(recorded_login)["changes"]

    new_password = "another-long-passphrase-9"
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "password": new_password, "confirm": new_password})
    assert response.status_code == 302
    [changed] = audit_events("auth.password_changed")
    assert changed.actor_id == user_id
    password_update = audit_events("update", entity_type="users", entity_id=str(user_id))[-1]
    assert payload(password_update)["changes"]["password_hash"] == {"secret": True}

    client.post("/logout")
    [logged_out] = audit_events("auth.logout")
    assert logged_out.actor_id == user_id
    actions = [e.action for e in audit_events() if e.action.startswith("auth.")]
    assert actions == ["auth.login_failed", "auth.login_failed", "auth.login",
                       "auth.password_changed", "auth.logout"]


def test_totp_enrolment_is_recorded(app, client, create_user, audit_events):
    user_id = create_user("supervisor", enrol_totp=False)
    with app.app_context():
        email = db.session.get(User, user_id).email
    client.post("/login", data={"email": email, "password": PASSWORD})
    client.get("/login/totp/enrol")  # shows the new secret and keeps it in the session
    with client.session_transaction() as session:
        secret = session["pending_login"]["secret"]
    response = client.post("/login/totp/enrol", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    [enrolled] = audit_events("auth.totp_enrolled")
    assert enrolled.actor_id == user_id and enrolled.entity_id == str(user_id)
    assert secret not in " ".join(e.payload for e in audit_events())


def test_deleting_a_record_keeps_its_old_values(app, create_office, audit_events):
    office_id = create_office("DEL", name="Temporary office")
    with app.app_context():
        db.session.delete(db.session.get(Office, office_id))
        db.session.commit()
    [deleted] = audit_events("delete", entity_type="offices")
    changes = payload(deleted)["changes"]
    assert changes["code"] == {"old": "DEL"} and changes["name"] == {"old": "Temporary office"}


def test_a_rolled_back_change_leaves_no_event(app, audit_events):
    with app.app_context():
        core_operations.create_office("RBK", "Rolled back", "Asia/Damascus")
        db.session.flush()
        db.session.rollback()
        assert db.session.scalar(db.select(Office).where(Office.code == "RBK")) is None
    assert audit_events() == []


def test_a_rolled_back_savepoint_drops_its_events_and_keeps_the_rest(app, audit_events):
    with app.app_context():
        core_operations.create_office("KPT", "Kept", "Asia/Damascus")
        savepoint = db.session.begin_nested()
        core_operations.create_office("DRP", "Dropped", "Asia/Damascus")
        db.session.flush()
        savepoint.rollback()
        with db.session.begin_nested():
            core_operations.create_office("REL", "Released savepoint", "Asia/Damascus")
        db.session.commit()
    codes = [payload(e)["changes"]["code"]["new"] for e in audit_events("create")]
    assert codes == ["KPT", "REL"]


def test_no_event_is_written_for_a_change_whose_commit_fails(app, create_office, audit_events):
    create_office("DUP")
    before = len(audit_events())
    with app.app_context():
        db.session.add(Office(code="DUP", name="Duplicate", timezone="UTC"))
        try:
            db.session.commit()
        except Exception:  # noqa: BLE001  (the unique code refuses it)
            db.session.rollback()
        else:
            raise AssertionError("the duplicate office was accepted")
    assert len(audit_events()) == before


def test_access_denied_is_kept_although_the_request_rolls_back(app, login_as, audit_events):
    caseworker = login_as("caseworker")
    assert caseworker.get("/admin/users").status_code == 403
    [denied] = audit_events("access.denied")
    assert denied.actor_id == caseworker.user_id
    assert payload(denied)["details"]["path"] == "/admin/users"
    assert payload(denied)["details"]["action"] == "users.manage"


def test_a_refusal_after_an_uncommitted_write_is_kept_and_the_write_is_not(app, audit_events):
    with app.test_request_context("/somewhere"):
        core_operations.create_office("UNC", "Never committed", "Asia/Damascus")
        db.session.flush()  # holds the SQLite write lock / the rows are uncommitted
        signals.access_denied.send(app, action="offices.manage", obj=None)
        db.session.rollback()
        db.session.remove()
    assert [e.action for e in audit_events()] == ["access.denied"]


def test_bulk_statements_that_bypass_the_unit_of_work_are_recorded(app, create_office,
                                                                 audit_events):
    create_office("BLK")
    with app.app_context():
        db.session.execute(update(Office).where(Office.code == "BLK").values(name="Renamed"))
        db.session.commit()
    [bulk] = audit_events("bulk_update")
    assert bulk.entity_type == "offices"
    assert payload(bulk)["rows"] == 1 and "Renamed" in payload(bulk)["parameters"].values()


def test_cli_commands_are_recorded_as_the_command_line(app, audit_events):
    result = app.test_cli_runner().invoke(args=["offices", "create", "CLI", "From the shell"])
    assert result.exit_code == 0, result.output
    [created] = audit_events("create", entity_type="offices")
    assert created.actor_kind == "cli" and created.actor_id is None
    assert "offices create" in created.user_agent


def test_the_first_event_starts_the_chain_and_each_names_its_predecessor(
    app, create_office, audit_events
):
    create_office("CHA")
    create_office("CHB")
    events = audit_events()
    assert [e.id for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == GENESIS_HASH
    for previous, event in zip(events, events[1:], strict=False):
        assert event.prev_hash == previous.hash
        assert event.occurred_at >= previous.occurred_at


def test_a_password_typed_into_the_email_field_is_not_recorded(app, client, audit_events):
    client.post("/login", data={"email": "correct horse battery", "password": "x"})
    [failed] = audit_events("auth.login_failed")
    assert payload(failed)["details"]["email"] == "[not an email address]"
    assert "horse" not in failed.payload


def test_a_background_job_can_act_for_the_user_who_started_it(app, create_user, audit_events):
    user_id = create_user("caseworker")
    with app.app_context():
        user = db.session.get(User, user_id)
        with acting_as("user", detail="import job 12", user=user):
            core_operations.create_office("JOB", "Imported", "Asia/Damascus")
            db.session.commit()
    [created] = [e for e in audit_events("create", entity_type="offices")
                 if payload(e)["changes"]["code"]["new"] == "JOB"]
    assert (created.actor_kind, created.actor_id, created.actor_role, created.user_agent) == (
        "user", user_id, "caseworker", "import job 12")


def test_every_signal_is_recorded_or_announces_a_captured_write(app):
    for name in dir(signals):
        signal = getattr(signals, name)
        if not isinstance(signal, NamedSignal):
            continue
        if signal.name in CAPTURED_AS_WRITES:
            continue
        assert signal in RECEIVERS, (
            f"signal {signal.name}: add a receiver in casework/audit/listeners.py, "
            "or say in CAPTURED_AS_WRITES which captured write it announces")
        assert RECEIVERS[signal] in list(signal.receivers_for(app)), f"{signal.name} not connected"
