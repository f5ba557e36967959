"""The cold path's baseline: the least a Chalice app on DynamoDB can do.

One route reads one item with one GetItem, one route writes it with one PutItem, through a boto3
client made on first use, on the same table and endpoint as the app (TABLE_NAME, AWS_ENDPOINT_URL,
AWS_REGION). No token check, no profile, no quotas, no events: what Tasklane's first read and first
write cost beyond this is what its own code adds (bench/cold_path.py).
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from chalice.app import Chalice

app = Chalice(app_name="bare")
_clients: dict[str, Any] = {}


def _dynamodb() -> Any:
    if "dynamodb" not in _clients:
        _clients["dynamodb"] = boto3.client(
            "dynamodb", region_name=os.environ["AWS_REGION"], endpoint_url=os.environ.get("AWS_ENDPOINT_URL")
        )
    return _clients["dynamodb"]


def _key(item_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"BARE#{item_id}"}, "sk": {"S": "BARE"}}


@app.route("/items/{item_id}", methods=["GET"])
def get_item(item_id: str) -> dict[str, Any]:
    item = _dynamodb().get_item(TableName=os.environ["TABLE_NAME"], Key=_key(item_id)).get("Item")
    return {"id": item_id, "found": item is not None}


@app.route("/items/{item_id}", methods=["PUT"])
def put_item(item_id: str) -> dict[str, Any]:
    request = app.current_request
    body = (request.json_body if request is not None else None) or {}
    item = _key(item_id) | {"type": {"S": "bare"}, "name": {"S": str(body.get("name", ""))}}
    _dynamodb().put_item(TableName=os.environ["TABLE_NAME"], Item=item)
    return {"id": item_id}
