"""The search page: one box for references and names."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from casework.core.authz import Action, authorize, requires
from casework.core.ids import MAX_RECORD_ID
from casework.core.pagination import DEFAULT_PAGE_SIZE, parse_after
from casework.search.queries import search_cases


@requires(Action.search_cases)
def search():
    authorize(Action.search_cases)
    query = request.args.get("q", "")
    size = request.args.get("size", DEFAULT_PAGE_SIZE, type=int)
    # The page starts after a person's or a case's id.
    after = parse_after(request.args.get("after"), MAX_RECORD_ID)
    results = search_cases(current_user, query, after, size)
    return render_template("search/results.html", query=query, results=results)
