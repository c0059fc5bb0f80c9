"""The form to upload a CSV file of cases. Its content is checked by the import itself."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField


class ImportUploadForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose the CSV file to import."))])
    dry_run = BooleanField(_l("Only check the file; import nothing"), default=True)


class ImportConfirmForm(FlaskForm):
    """Import a file that a dry run found valid (the button carries only the CSRF token)."""
