"""Builds the Chalice app and registers the blueprints; nothing else."""

from chalice.app import Chalice

from chalicelib.handlers import (
    accounts,
    admin,
    amendments,
    backoffice,
    bids,
    consumers,
    contracts,
    meta,
    money,
    payments,
    quality,
    tasks,
    taxonomy,
    threads,
    uploads,
)
from chalicelib.handlers.http import normalize_errors

app = Chalice(app_name="tasklane")
app.register_middleware(normalize_errors, "http")
app.api.binary_types.append("application/pdf")  # GET /contracts/{id}/document: bytes, base64 through API Gateway
for blueprint in (
    meta,
    accounts,
    uploads,
    tasks,
    bids,
    contracts,
    amendments,
    money,
    payments,
    threads,
    quality,
    admin,
    backoffice,
    consumers,
    taxonomy,
):
    app.register_blueprint(blueprint.bp)
