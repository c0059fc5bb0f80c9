"""Authentication, sessions and user accounts."""
