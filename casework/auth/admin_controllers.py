"""User administration (admins only)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from casework.auth import operations
from casework.auth.forms import NewUserForm, UserForm
from casework.auth.models import User
from casework.core.authz import Action, authorize, requires
from casework.core.errors import DomainError
from casework.core.forms import show_error
from casework.core.models import Office
from casework.core.pagination import page_by_id, parse_after
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
        try:
            user = operations.create_user(
                form.email.data, form.name.data, form.role.data,
                _office(form.office_id.data), form.password.data,
            )
            if not form.active.data:
                operations.update_user(user, user.name, user.role, user.office, active=False)
        except DomainError as error:
            show_error(form, error)
        else:
            db.session.commit()
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
        try:
            operations.update_user(
                user, form.name.data, form.role.data, _office(form.office_id.data),
                form.active.data,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("User %(email)s saved.", email=user.email), "success")
            return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form, user=user)
