"""Builds the Chalice app and registers the blueprints; nothing else."""

from chalice.app import Chalice

from chalicelib.handlers import accounts, admin, bids, consumers, contracts, meta, money, tasks, uploads
from chalicelib.handlers.http import normalize_errors

app = Chalice(app_name="tasklane")
app.register_middleware(normalize_errors, "http")
for blueprint in (meta, accounts, uploads, tasks, bids, contracts, money, admin, consumers):
    app.register_blueprint(blueprint.bp)
