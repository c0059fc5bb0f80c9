"""Home pages, health check, language switch and office administration."""

from __future__ import annotations

from flask import abort, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from casework.auth.forms import LanguageForm
from casework.auth.operations import set_locale
from casework.core import operations
from casework.core.authz import Action, authorize, public, requires
from casework.core.errors import DomainError
from casework.core.forms import NewOfficeForm, OfficeForm, show_error
from casework.core.i18n import LANGUAGE_COOKIE, supported
from casework.core.models import Office
from casework.core.pagination import page_by_id, parse_after
from casework.core.web import safe_next_url
from casework.extensions import db

ONE_YEAR = 365 * 24 * 3600


@requires(Action.view_home)
def home():
    return render_template(f"home/{current_user.role}.html")


@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify({"status": "unavailable", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok"})


@public
def set_language():
    form = LanguageForm()
    if not form.validate_on_submit() or form.lang.data not in supported():
        abort(400)
    if current_user.is_authenticated:
        set_locale(current_user, form.lang.data)
        db.session.commit()
    response = make_response(redirect(safe_next_url(form.next.data) or url_for("core.home")))
    response.set_cookie(
        LANGUAGE_COOKIE, form.lang.data, max_age=ONE_YEAR, httponly=True, samesite="Lax",
        secure=request.is_secure,
    )
    return response


@requires(Action.manage_offices)
def offices():
    page = page_by_id(select(Office), Office.id, parse_after(request.args.get("after")))
    return render_template("core/offices.html", page=page)


@requires(Action.manage_offices)
def office_new():
    form = NewOfficeForm()
    if form.validate_on_submit():
        try:
            office = operations.create_office(form.code.data, form.name.data, form.timezone.data)
        except DomainError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Office %(code)s created.", code=office.code), "success")
            return redirect(url_for("core.offices"))
    return render_template("core/office_form.html", form=form, office=None)


@requires(Action.manage_offices)
def office_edit(office_id: int):
    office = db.get_or_404(Office, office_id)
    authorize(Action.manage_offices, office)
    form = OfficeForm(obj=office)
    if form.validate_on_submit():
        try:
            operations.update_office(office, form.name.data, form.timezone.data)
        except DomainError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Office %(code)s saved.", code=office.code), "success")
            return redirect(url_for("core.offices"))
    return render_template("core/office_form.html", form=form, office=office)
