"""Evidence: files attached to cases, stored once by SHA-256, typed by their content,
downloaded through an audited route and withdrawn (never deleted)."""
