"""Who is acting: the logged-in user of a request, a CLI command, or the system."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import click
from flask import g, has_request_context, request
from flask_login import current_user


@dataclass(frozen=True)
class Actor:
    kind: str  # user | anonymous | cli | system
    user_id: int | None = None
    role: str | None = None
    name: str | None = None
    remote_addr: str | None = None
    user_agent: str | None = None
    request_id: str | None = None

    def columns(self) -> dict[str, Any]:
        return {
            "actor_kind": self.kind,
            "actor_id": self.user_id,
            "actor_name": self.name,
            "actor_role": self.role,
            "remote_addr": self.remote_addr,
            "user_agent": self.user_agent,
            "request_id": self.request_id,
        }


_acting: ContextVar[Actor | None] = ContextVar("casework_audit_actor", default=None)


@contextmanager
def acting_as(kind: str, name: str | None = None, detail: str | None = None,
              user: Any = None) -> Iterator[Actor]:
    """Attribute the events written inside the block to a job, a script or a user.

    Requests and click commands are recognised without it (see `current_actor`).
    Background jobs use it to say who they act for: ``acting_as("system", "reminders")``,
    or for a job a user started, ``acting_as("user", detail="import job 12", user=user)``.
    """
    if user is not None:
        role = getattr(user, "role", None)
        actor = Actor(kind="user", user_id=user.id, role=str(role) if role else None,
                      name=name, user_agent=detail)
    else:
        actor = Actor(kind=kind, name=name, user_agent=detail)
    token = _acting.set(actor)
    try:
        yield actor
    finally:
        _acting.reset(token)


def _os_user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def _user_columns(user: Any) -> dict[str, Any]:
    if user is None or not getattr(user, "is_authenticated", False):
        return {"kind": "anonymous"}
    role = getattr(user, "role", None)
    return {"kind": "user", "user_id": user.id, "role": str(role) if role is not None else None}


def current_actor(user: Any = None) -> Actor:
    """The actor of whatever is running now.

    `user` names the account an event is about when nobody is logged in yet
    (a login, a failed TOTP code): the event is then attributed to that account.
    """
    override = _acting.get()
    if override is not None:
        return override
    if has_request_context():
        logged_in = current_user._get_current_object() if current_user else None
        if logged_in is None or not logged_in.is_authenticated:
            logged_in = user
        agent = request.user_agent.string or None
        return Actor(
            **_user_columns(logged_in),
            remote_addr=request.remote_addr,
            user_agent=agent,
            request_id=g.get("request_id"),
        )
    command = click.get_current_context(silent=True)
    if command is not None:
        return Actor(kind="cli", name=_os_user(), user_agent=command.command_path)
    return Actor(kind="system")
