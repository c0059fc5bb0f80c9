from flask import Blueprint

from casework.referrals import lifecycle

bp = Blueprint("referrals", __name__)
# What referrals adds to the case lifecycle; its pages arrive with its issue.
lifecycle.register_lifecycle()
