from flask import Blueprint

from casework.intake import models  # noqa: F401  (the tables belong to the app's metadata)

bp = Blueprint("intake", __name__)
