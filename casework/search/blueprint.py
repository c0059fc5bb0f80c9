from flask import Blueprint

from casework.search import controllers

bp = Blueprint("search", __name__)

bp.add_url_rule("/search", "search", controllers.search)
