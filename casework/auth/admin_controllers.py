"""User and office administration (admins only): users, their password and two-step login
resets, offices."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from casework.auth import operations
from casework.auth.forms import (
    NewOfficeForm,
    NewUserForm,
    OfficeForm,
    ResetPasswordForm,
    ResetTotpForm,
    UserForm,
)
from casework.auth.models import Office, User
from casework.core.authz import Action, authorize, requires
from casework.core.bidi import isolated
from casework.core.pagination import page_by_id, parse_after
from casework.core.transaction import refusal_shown
from casework.extensions import db

NO_OFFICE = 0


def _office_choices() -> list[SelectChoice]:
    offices = db.session.scalars(select(Office).order_by(Office.code))
    return [SelectChoice(NO_OFFICE, _l("No office (auditors, admins)"))] + [
        SelectChoice(office.id, f"{office.code} — {office.name}") for office in offices
    ]


def _office(office_id: int) -> Office | None:
    return db.session.get(Office, office_id) if office_id != NO_OFFICE else None


@requires(Action.manage_users)
def users():
    page = page_by_id(select(User), User.id, parse_after(request.args.get("after")))
    return render_template("auth/users.html", page=page)


@requires(Action.manage_users)
def user_new():
    form = NewUserForm()
    form.office_id.choices = _office_choices()
    if form.validate_on_submit():
        with refusal_shown(form):
            user = operations.create_user(
                form.email.data, form.name.data, form.role.data,
                _office(form.office_id.data), form.password.data,
            )
            if not form.active.data:
                operations.update_user(user, user.name, user.role, user.office, active=False)
            flash(isolated(_("User %(email)s created."), email=user.email), "success")
            return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form, user=None)


@requires(Action.manage_users)
def user_edit(user_id: int):
    user = db.get_or_404(User, user_id)
    authorize(Action.manage_users, user)
    form = UserForm(obj=user, office_id=user.office_id or NO_OFFICE)
    form.office_id.choices = _office_choices()
    if form.validate_on_submit():
        with refusal_shown(form):
            operations.update_user(
                user, form.name.data, form.role.data, _office(form.office_id.data),
                form.active.data,
            )
            flash(isolated(_("User %(email)s saved."), email=user.email), "success")
            return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form, user=user)


def _managed_user(user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    authorize(Action.manage_users, user)
    return user


@requires(Action.manage_users)
def user_password_reset(user_id: int):
    """Confirm, then give the user a temporary password, shown to the admin once."""
    user = _managed_user(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with refusal_shown(form):
            password = operations.reset_password(user, current_user,
                                                 form.temporary_password.data)
            # Shown in this response only: never in a flash message, which the session
            # cookie would carry.
            return render_template("auth/password_reset_done.html", user=user,
                                   password=password)
    return render_template("auth/password_reset.html", form=form, user=user,
                           own_account=user.id == current_user.id)


@requires(Action.manage_users)
def user_totp_reset(user_id: int):
    """Confirm, then remove the user's authenticator: they set one up at their next login."""
    user = _managed_user(user_id)
    form = ResetTotpForm()
    if form.validate_on_submit():
        with refusal_shown(form):
            operations.reset_totp(user, current_user)
            flash(isolated(_("The two-step login of %(email)s was reset: they set up an "
                             "authenticator again at their next login. Their sessions have "
                             "ended."), email=user.email), "success")
            return redirect(url_for("auth.user_edit", user_id=user.id))
    return render_template("auth/totp_reset.html", form=form, user=user,
                           own_account=user.id == current_user.id)


@requires(Action.manage_offices)
def offices():
    page = page_by_id(select(Office), Office.id, parse_after(request.args.get("after")))
    return render_template("auth/offices.html", page=page)


@requires(Action.manage_offices)
def office_new():
    form = NewOfficeForm()
    if form.validate_on_submit():
        with refusal_shown(form):
            office = operations.create_office(form.code.data, form.name.data, form.timezone.data)
            flash(isolated(_("Office %(code)s created."), code=office.code), "success")
            return redirect(url_for("auth.offices"))
    return render_template("auth/office_form.html", form=form, office=None)


@requires(Action.manage_offices)
def office_edit(office_id: int):
    office = db.get_or_404(Office, office_id)
    authorize(Action.manage_offices, office)
    form = OfficeForm(obj=office)
    if form.validate_on_submit():
        with refusal_shown(form):
            operations.update_office(office, form.name.data, form.timezone.data)
            flash(isolated(_("Office %(code)s saved."), code=office.code), "success")
            return redirect(url_for("auth.offices"))
    return render_template("auth/office_form.html", form=form, office=office)
