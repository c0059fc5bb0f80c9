"""Forms for offices."""

from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Regexp

TIMEZONE_CHOICES = sorted(available_timezones())


class OfficeForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    timezone = SelectField(_l("Time zone"), choices=TIMEZONE_CHOICES, default="Asia/Damascus")


class NewOfficeForm(OfficeForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Regexp(r"^[A-Za-z]{2,10}$", message=_l("2 to 10 letters, e.g. RQA.")),
        ],
    )
