"""The message catalogs (Arabic: ar/LC_MESSAGES/messages.po) and their upkeep (catalog.py)."""
