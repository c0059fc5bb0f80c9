"""The unit of work: one transaction per request, command or job, committed in one place.

Operations flush and never commit. Around every view the app factory puts
:func:`request_transaction`, which commits once when the view returned a response
(below 400, and no refusal was shown), and rolls back otherwise; the view's order
stays load → authorize → call an operation → render or redirect, with no commit of its
own. What an operation refuses reaches the user in one of two ways:

- raised through the view, a :class:`Conflict` answers the 409 page with its message,
  an :class:`InvalidInput` the 400 page (a request no form could have sent);
- inside :func:`refusal_shown`, any :class:`DomainError` rolls the change back and is
  shown on the form, at its field, and the page is answered with 409 for a conflict.

A stale write that only surfaces at commit (another request saved the same record at
the same version) answers 409 too. The command line, background jobs and the demo use
:func:`unit_of_work`. Apart from these two, only the audit trail's own writes commit
(reads and refusals, recorded whatever becomes of the request).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

from flask import current_app, g
from flask import session as flask_session
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from casework.core.errors import Conflict, DomainError, InvalidInput
from casework.core.forms import attach_error
from casework.core.lifecycle import StaleRecord
from casework.core.web import render_error
from casework.extensions import db

# Set on `g` by refusal_shown: the status of the page that shows the refusal.
REFUSED_STATUS = "casework_refused_status"


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Commit what the block did, or roll it all back if it raised."""
    session = db.session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def stale_write_message() -> str:
    return _("This record was changed by someone else while you were editing it; nothing "
             "of yours was saved. Reload the page and try again.")


def request_transaction(view: Callable) -> Callable:
    """Wrap a view in the request's transaction (see the module's docstring)."""

    @wraps(view)
    def handle(*args: Any, **kwargs: Any) -> Any:
        session = db.session()
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except StaleDataError:
            return _abandoned(409, stale_write_message())
        except Conflict as error:
            return _abandoned(409, str(error.message))
        except InvalidInput as error:
            return _abandoned(400, str(error.message))
        except BaseException:
            g.pop(REFUSED_STATUS, None)
            session.rollback()
            raise
        refused = g.pop(REFUSED_STATUS, None)
        if refused is not None or response.status_code >= 400:
            session.rollback()
            if refused is not None and response.status_code == 200:
                response.status_code = refused
            return response
        try:
            session.commit()
        except StaleDataError:
            return _abandoned(409, stale_write_message())
        return response

    return handle


def _abandoned(status: int, message: str) -> Any:
    """Roll the request's changes back and answer the error page; a success message the
    view had already queued is withdrawn with them."""
    g.pop(REFUSED_STATUS, None)
    db.session.rollback()
    flask_session.pop("_flashes", None)
    return render_error(status, message)


@contextmanager
def refusal_shown(form: Any = None, *,
                  on_refusal: Callable[[DomainError], None] | None = None) -> Iterator[None]:
    """Run the block's operation; if it refuses, roll back and show why.

    The error goes onto the form (at the field it names; a conflict above the form), or
    to `on_refusal` when the page shows it its own way (after the rollback, so what it
    reads is the saved state). The block's remaining statements are skipped; the view
    goes on to render the page again, answered with 409 for a conflict (200 otherwise).
    """
    try:
        yield
    except StaleDataError:
        # A stale write the operation did not turn into StaleRecord itself (an autoflush
        # inside it): shown as one, so an edit page says what changed meanwhile.
        db.session.rollback()
        _show(form, StaleRecord(stale_write_message()), on_refusal)
    except DomainError as error:
        db.session.rollback()
        _show(form, error, on_refusal)


def _show(form: Any, error: DomainError, on_refusal: Callable[[DomainError], None] | None) -> None:
    # A conflict with the record's state answers 409; an error shown at one of the form's
    # fields (an office code already taken) is the user's input to correct, as any other.
    at_field = form is not None and any(
        name and name in form for name in (error.field, f"{error.field}_id"))
    setattr(g, REFUSED_STATUS, 409 if isinstance(error, Conflict) and not at_field else 200)
    if on_refusal is not None:
        on_refusal(error)
    elif form is not None:
        attach_error(form, error)
