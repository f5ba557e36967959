"""Names that do not depend on how the stack's code is split into constructs.

CDK derives a resource's logical ID, and some generated physical names and keys (CloudFront
origin IDs, function and policy names, BucketDeployment's owner tags), from its construct path.
The stack's resources were made directly in the stack before they were grouped into constructs
by concern (`Concern` below), and a new logical ID makes CloudFormation replace the resource:
for the table or the app's secret that is data loss. So a Concern is left out of every path
CDK names things by: `TasklaneStack._allocate_logical_id` asks `logical_id` here, and the few
constructs that name themselves after their path are given `unique_id`, `unique_resource_name`
or `address` of the path they had.

`make_unique_id`, `make_unique_resource_name` and `address` are CDK's own algorithms (aws-cdk-lib
core/lib/private/uniqueid.ts and unique-resource-name.ts, constructs private/node-addr.ts; none
is exported), checked against `Names` and `node.addr` in tests/infra/test_naming.py.
"""

from __future__ import annotations

import hashlib
import re

from aws_cdk import CfnElement, Stack
from constructs import Construct, IConstruct

HIDDEN_ID = "Default"  # left out of paths altogether
HIDDEN_FROM_HUMAN_ID = "Resource"  # left out of the readable part, kept in the hash
HASH_LEN = 8
MAX_HUMAN_LEN = 240
MAX_ID_LEN = 255


class Concern(Construct):
    """One concern of the stack (data, messaging, the API, ...): a construct whose own id is
    not part of its resources' logical IDs or path-generated names, so that moving resources
    between concerns, or into one, never replaces them. Two concerns must therefore not give
    a resource the same id: CDK then fails the synth on the duplicate logical ID."""


def _path_hash(components: list[str]) -> str:
    return hashlib.md5("/".join(components).encode(), usedforsecurity=False).hexdigest()[:HASH_LEN].upper()


def _without_dupes(components: list[str]) -> list[str]:
    kept: list[str] = []
    for component in components:
        if not kept or not kept[-1].endswith(component):
            kept.append(component)
    return kept


def make_unique_id(components: list[str]) -> str:
    """CDK's makeUniqueId: a lone component as is, otherwise the readable path plus its hash."""
    components = [c for c in components if c != HIDDEN_ID]
    if not components:
        raise ValueError("no path to make an id of")
    if len(components) == 1:
        candidate = re.sub(r"[^A-Za-z0-9]", "", components[0])
        if len(candidate) <= MAX_ID_LEN:
            return candidate
    human = "".join(re.sub(r"[^A-Za-z0-9]", "", c) for c in _without_dupes(components) if c != HIDDEN_FROM_HUMAN_ID)
    return human[:MAX_HUMAN_LEN] + _path_hash(components)


def make_unique_resource_name(components: list[str], *, max_length: int = 256, allowed_special: str = "") -> str:
    """CDK's makeUniqueResourceName (without separator or prefix, which nothing here uses)."""
    components = [c for c in components if c != HIDDEN_ID]
    if not components:
        raise ValueError("no path to make a name of")
    not_allowed = re.compile(f"[^A-Za-z0-9{allowed_special}]")
    if len(components) == 1:
        top = not_allowed.sub("", components[0])
        if len(top) <= max_length:
            return top
    human = "".join(not_allowed.sub("", c) for c in _without_dupes(components) if c != HIDDEN_FROM_HUMAN_ID)
    most = max_length - HASH_LEN
    if len(human) > most:
        half = most // 2
        human = human[:half] + human[-half:]
    return human + _path_hash(components)


def stack_path(scope: IConstruct, *ids: str) -> list[str]:
    """The ids from the stack (excluded) down to `scope`, then `ids`, without the concerns."""
    stack = Stack.of(scope)
    scopes = scope.node.scopes
    below = scopes[scopes.index(stack) + 1 :]
    return [s.node.id for s in below if not isinstance(s, Concern)] + list(ids)


def address(scope: IConstruct, *ids: str) -> str:
    """`node.addr` of the construct `ids` under `scope`, as if no concern were on its path."""
    stack = Stack.of(scope)
    components = [s.node.id for s in stack.node.scopes] + stack_path(scope, *ids)
    digest = hashlib.sha1(usedforsecurity=False)
    for component in components:
        if component != HIDDEN_ID:
            digest.update(component.encode() + b"\n")
    return "c8" + digest.hexdigest()


def logical_id(element: CfnElement) -> str:
    """What Stack.allocateLogicalId gives `element`, over its path without the concerns."""
    return make_unique_id(stack_path(element))


def unique_id(scope: IConstruct, *ids: str) -> str:
    """`Names.uniqueId` of the construct `ids` under `scope`, as if no concern were on its path."""
    return make_unique_id([Stack.of(scope).node.id, *stack_path(scope, *ids)])


def unique_resource_name(scope: IConstruct, *ids: str, max_length: int, allowed_special: str = "") -> str:
    """`Names.uniqueResourceName` of the construct `ids` under `scope`, without the concerns."""
    components = [Stack.of(scope).stack_name, *stack_path(scope, *ids)]
    return make_unique_resource_name(components, max_length=max_length, allowed_special=allowed_special)
