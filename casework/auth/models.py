"""User accounts and offices."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.core.authz import Role
from casework.core.models import (
    AdministrativeRecord,
    UTCDateTime,
    string_enum,
    utcnow,
)
from casework.extensions import db

# Roles that must confirm a TOTP code at every login.
ROLES_REQUIRING_TOTP = frozenset({Role.supervisor, Role.admin})
# Columns whose values never leave the users table: not in the audit trail, not in exports.
SECRET_COLUMNS = frozenset({"password_hash", "session_token", "totp_secret", "totp_last_counter"})


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class Office(AdministrativeRecord, db.Model):
    __tablename__ = "offices"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Office {self.code}>"


class User(AdministrativeRecord, UserMixin, db.Model):
    __tablename__ = "users"
    __audit_secret_columns__ = SECRET_COLUMNS

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(
        string_enum(Role)
    )
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # Part of every login session; replacing it ends all of the user's sessions at once.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    # The last TOTP time step accepted, so that a code is accepted once only.
    totp_last_counter: Mapped[int | None] = mapped_column(Integer)
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when an admin resets the password: until the user sets a new one, they may only
    # change it or log out (casework.auth.sessions.enforce_password_change).
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=false())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    office: Mapped[Office | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def requires_totp(self) -> bool:
        return self.role in ROLES_REQUIRING_TOTP

    @property
    def totp_enrolled(self) -> bool:
        return self.totp_secret is not None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
