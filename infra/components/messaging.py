"""Domain events and the work they start: the EventBridge bus, the SQS queues (each with its
dead-letter queue) and the rules that route the bus's events to the queues."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.components.config import StageConfig, construct_key
from infra.components.naming import Concern
from infra.resources import Queue, Resources


class Messaging(Concern):
    """`queues` and `dlqs` are keyed by the queue names of infra/resources.py."""

    def __init__(self, scope: Construct, id: str, *, config: StageConfig, resources: Resources) -> None:
        super().__init__(scope, id)
        self.specs: dict[str, Queue] = {spec.name: spec for spec in resources.queues}
        self.bus = events.EventBus(self, "EventBus", event_bus_name=config.physical(resources.event_bus))
        self.queues: dict[str, sqs.Queue] = {}
        self.dlqs: dict[str, sqs.Queue] = {}
        for spec in resources.queues:
            key = construct_key(spec.name)
            dlq = sqs.Queue(
                self,
                f"{key}Dlq",
                queue_name=config.physical(spec.dlq_name),
                retention_period=Duration.days(14),
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
            )
            self.queues[spec.name] = sqs.Queue(
                self,
                f"{key}Queue",
                queue_name=config.physical(spec.name),
                visibility_timeout=Duration.seconds(spec.visibility_timeout),
                dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=spec.max_receive_count),
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
            )
            self.dlqs[spec.name] = dlq
        self.rules: list[events.Rule] = []
        for rule_spec in resources.rules:
            pattern = rule_spec.pattern()
            rule = events.Rule(
                self,
                "Rule" + rule_spec.name.title().replace("-", ""),
                rule_name=rule_spec.name,
                event_bus=self.bus,
                event_pattern=events.EventPattern(source=pattern["source"], detail_type=pattern.get("detail-type")),
            )
            # SqsQueue also writes the queue policy: events.amazonaws.com, SendMessage, this rule only.
            rule.add_target(targets.SqsQueue(self.queues[rule_spec.queue]))
            self.rules.append(rule)
