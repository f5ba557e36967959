"""The one description of Tasklane's AWS resources.

Both the local stack (moto server, infra/local.py) and the CDK app read this module,
so the table keys, indexes, queues and bus rules cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "tasklane"
STATE_MACHINES_DIR = Path(__file__).parent / "statemachines"


@dataclass(frozen=True)
class Index:
    name: str
    hash_key: str
    range_key: str


@dataclass(frozen=True)
class Table:
    name: str
    hash_key: str = "pk"
    range_key: str = "sk"
    indexes: tuple[Index, ...] = ()
    ttl_attribute: str = "expires_at"
    stream_view: str = "NEW_IMAGE"  # the outbox's way to EventBridge (chalicelib/adapters/events.py)


@dataclass(frozen=True)
class Queue:
    name: str
    visibility_timeout: int = 60
    max_receive_count: int = 5

    @property
    def dlq_name(self) -> str:
        return f"{self.name}-dlq"


@dataclass(frozen=True)
class Rule:
    name: str
    detail_types: tuple[str, ...]
    queue: str

    def pattern(self) -> dict[str, list[str]]:
        """Every rule matches our own source; an empty detail_types means every event."""
        pattern = {"source": [PREFIX]}
        if self.detail_types:
            pattern["detail-type"] = list(self.detail_types)
        return pattern


@dataclass(frozen=True)
class Bucket:
    name: str
    cors_origins: tuple[str, ...] = ("*",)
    abandoned_upload_days: int = 7


@dataclass(frozen=True)
class UserPool:
    name: str
    client_name: str
    groups: tuple[str, ...] = ("admin",)
    auth_flows: tuple[str, ...] = ("ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")


@dataclass(frozen=True)
class StateMachine:
    name: str
    definition_file: str
    substitutions: dict[str, str]  # ${Name} in the ASL -> the queue whose URL replaces it

    def definition(self, values: dict[str, str]) -> str:
        text = (STATE_MACHINES_DIR / self.definition_file).read_text()
        for name, queue in self.substitutions.items():
            text = text.replace("${" + name + "}", values[queue])
        return text


@dataclass(frozen=True)
class Resources:
    table: Table
    bucket: Bucket
    user_pool: UserPool
    event_bus: str
    queues: tuple[Queue, ...]
    rules: tuple[Rule, ...] = field(default=())
    state_machines: tuple[StateMachine, ...] = field(default=())


RESOURCES = Resources(
    table=Table(
        name=f"{PREFIX}",
        indexes=(
            Index("gsi1", "gsi1pk", "gsi1sk"),
            Index("gsi2", "gsi2pk", "gsi2sk"),
            Index("gsi3", "gsi3pk", "gsi3sk"),
        ),
    ),
    bucket=Bucket(name=f"{PREFIX}-files"),
    user_pool=UserPool(name=f"{PREFIX}-users", client_name=f"{PREFIX}-web"),
    event_bus=PREFIX,
    queues=(
        Queue(f"{PREFIX}-notifications"),
        Queue(f"{PREFIX}-payouts", visibility_timeout=120),
        Queue(f"{PREFIX}-metrics"),
        Queue(f"{PREFIX}-milestone-callbacks"),
    ),
    rules=(
        Rule("all-domain-events-to-notifications", (), f"{PREFIX}-notifications"),
        Rule("all-domain-events-to-metrics", (), f"{PREFIX}-metrics"),
        Rule("payout-jobs", ("WithdrawalApproved",), f"{PREFIX}-payouts"),
    ),
    state_machines=(
        StateMachine(
            f"{PREFIX}-milestone",
            "milestone.asl.json",
            {"CallbackQueueUrl": f"{PREFIX}-milestone-callbacks"},
        ),
    ),
)
