"""infra/components/naming.py against CDK itself: its ports of CDK's private naming algorithms give
what `Names` and `node.addr` give, and a construct under a Concern is named as if it were not.

In process and without the app (no Chalice packaging): a few seconds, mostly the jsii start.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import App, CfnElement, Names, Stack
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.components.naming import (
    Concern,
    address,
    logical_id,
    make_unique_id,
    make_unique_resource_name,
    unique_id,
    unique_resource_name,
)

# Lone ids, "Resource" and "Default", repeated stems (removeDupes), characters that are dropped,
# and paths past CDK's length limits (the hash keeps them apart).
PATHS = [
    ["Table"],
    ["Files", "Resource"],
    ["BackOffice", "Origin2", "S3OriginAccessControl"],
    ["Queue", "QueueName"],
    ["Default", "Group", "Default"],
    ["with-dash_and.dot", "x"],
    ["A" * 120, "B" * 130, "C" * 20],
    ["D" * 300],
]


class FlatStack(Stack):
    def _allocate_logical_id(self, cfn_element: CfnElement) -> str:
        return logical_id(cfn_element)


def build(stack: Stack, path: list[str]) -> Construct:
    scope: Construct = stack
    for component in path:
        scope = scope.node.try_find_child(component) or Construct(scope, component)
    return scope


def test_the_ports_give_what_cdk_gives(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    stack = Stack(app, "tasklane-prod")
    for path in PATHS:
        construct = build(stack, path)
        assert unique_id(stack, *path) == Names.unique_id(construct), path
        for length, special in ((40, "-_"), (64, ""), (128, ""), (256, "")):
            expected = Names.unique_resource_name(
                construct, max_length=length, allowed_special_characters=special or None
            )
            assert unique_resource_name(stack, *path, max_length=length, allowed_special=special) == expected, path
        assert address(stack, *path) == construct.node.addr, path
    assert make_unique_id(["Table"]) == "Table"  # a top-level resource keeps its id as is
    assert make_unique_resource_name(["tasklane-prod", "Headers"], max_length=128).startswith("tasklaneprodHeaders")


def test_a_concern_is_left_out_of_logical_ids_and_names(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path))
    plain = Stack(app, "plain")
    sqs.Queue(plain, "Jobs")
    flat = FlatStack(app, "flat")
    inner = Concern(Concern(flat, "Messaging"), "Nested")
    queue = sqs.Queue(inner, "Jobs")
    assembly = app.synth()
    assert set(assembly.get_stack_by_name("flat").template["Resources"]) == set(
        assembly.get_stack_by_name("plain").template["Resources"]
    )
    assert "Messaging" in Names.unique_id(queue)  # CDK's own sees the concerns ...
    assert unique_id(inner, "Jobs") == Names.unique_id(build(Stack(App(), "flat"), ["Jobs"]))  # ... naming.py not
