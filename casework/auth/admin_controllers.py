"""User and office administration (admins only)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from casework.auth import operations
from casework.auth.forms import NewOfficeForm, NewUserForm, OfficeForm, UserForm
from casework.auth.models import Office, User
from casework.core.authz import Action, authorize, requires
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
            flash(_("User %(email)s created.", email=user.email), "success")
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
            flash(_("User %(email)s saved.", email=user.email), "success")
            return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form, user=user)


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
            flash(_("Office %(code)s created.", code=office.code), "success")
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
            flash(_("Office %(code)s saved.", code=office.code), "success")
            return redirect(url_for("auth.offices"))
    return render_template("auth/office_form.html", form=form, office=office)
