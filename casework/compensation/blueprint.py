from flask import Blueprint

from casework.compensation import lifecycle

bp = Blueprint("compensation", __name__)
# What compensation adds to the case lifecycle; its pages arrive with its issue.
lifecycle.register_lifecycle()
