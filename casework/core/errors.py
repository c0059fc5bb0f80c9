"""Errors raised by operations, with a message fit to show the user."""


class DomainError(Exception):
    """A rule of the domain refused the operation; nothing was changed."""

    def __init__(self, message: str, field: str | None = None):
        # Resolved to a plain str now: Flask-Babel's lazy strings declare themselves safe
        # HTML (__html__), so a lazy message quoting user input would reach the page
        # unescaped. A plain str is escaped by Jinja like any other text.
        message = str(message)
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    """The input is malformed or breaks a rule."""


class Conflict(DomainError):
    """The operation clashes with the current state (duplicate, stale, already done)."""
