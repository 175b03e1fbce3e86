"""Flask extension objects, created once and bound in create_app."""
from flask_migrate import Migrate
from flask_smorest import Api

from .models import db

migrate = Migrate(compare_type=True, render_as_batch=True)
rest_api = Api()

__all__ = ["db", "migrate", "rest_api"]
