"""The stage's settings, read from CDK context, and what every construct of the stack shares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import RemovalPolicy

from infra.resources import PREFIX, RESOURCES, Resources

ROOT = Path(__file__).resolve().parents[2]
STAGES = ("dev", "prod")
PAYMENTS = ("sandbox", "stripe")
WORKFLOW = f"{PREFIX}-milestone"  # the machine whose ARN the app gets as STATE_MACHINE_ARN
XRAY_ACTIONS = (
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
)


def construct_key(name: str) -> str:
    """The construct id stem of a resource named in infra/resources.py: tasklane-milestone-callbacks
    -> MilestoneCallbacks."""
    return name.removeprefix(f"{PREFIX}-").title().replace("-", "")


@dataclass(frozen=True)
class StageConfig:
    """Per-stage settings, read from CDK context (cdk.json, `-c key=value`)."""

    stage: str
    frontend_origins: tuple[str, ...]
    payments: str
    review_window_seconds: int
    alarm_email: str | None
    log_retention_days: int
    api_rate_limit: int  # API Gateway stage throttling: steady requests per second, all clients together
    api_burst_limit: int  # ... and the burst (token bucket size)
    waf_rate_limit: int  # WAF rate-based rule: requests per source IP in any 5 minutes, then blocked

    @property
    def prod(self) -> bool:
        return self.stage == "prod"

    @property
    def stack_name(self) -> str:
        return f"{PREFIX}-{self.stage}"

    @property
    def removal_policy(self) -> RemovalPolicy:
        """Of everything that holds data or logs: kept when prod's stack or resource goes."""
        return RemovalPolicy.RETAIN if self.prod else RemovalPolicy.DESTROY

    def physical(self, name: str) -> str:
        """The AWS name of a resource named in infra/resources.py: the stage is appended."""
        return f"{name}-{self.stage}"

    @classmethod
    def from_context(cls, get: Callable[[str], Any], resources: Resources = RESOURCES) -> StageConfig:
        stage = str(get("stage") or "dev")
        if stage not in STAGES:
            raise ValueError(f"context stage={stage!r}: expected one of {', '.join(STAGES)}")
        prod = stage == "prod"
        origins_value = get("frontendOrigin")
        if isinstance(origins_value, list | tuple):
            origins = tuple(str(o).strip() for o in origins_value if str(o).strip())
        elif origins_value:
            origins = tuple(o.strip() for o in str(origins_value).split(",") if o.strip())
        elif prod:
            raise ValueError("prod needs the frontend's origin for S3 CORS: -c frontendOrigin=https://app.example.com")
        else:
            origins = resources.bucket.cors_origins
        if prod and "*" in origins:
            raise ValueError("prod must not allow every origin (frontendOrigin=*)")
        payments = str(get("payments") or ("stripe" if prod else "sandbox"))
        if payments not in PAYMENTS:
            raise ValueError(f"context payments={payments!r}: expected one of {', '.join(PAYMENTS)}")
        if get("stripeSecretName"):
            raise ValueError(
                "stripeSecretName is gone: the stack owns the app's secret; put the Stripe keys in it (docs/deploy.md)"
            )
        config = cls(
            stage=stage,
            frontend_origins=origins,
            payments=payments,
            review_window_seconds=int(get("reviewWindowSeconds") or 14 * 24 * 3600),
            alarm_email=str(get("alarmEmail")) if get("alarmEmail") else None,
            log_retention_days=int(get("logRetentionDays") or (90 if prod else 14)),
            api_rate_limit=int(get("apiRateLimit") or (500 if prod else 50)),
            api_burst_limit=int(get("apiBurstLimit") or (1000 if prod else 100)),
            waf_rate_limit=int(get("wafRateLimit") or 3000),
        )
        if not 1 <= config.api_rate_limit <= 10_000 or not 1 <= config.api_burst_limit <= 5_000:
            raise ValueError("apiRateLimit must be 1..10000 and apiBurstLimit 1..5000 (the account's defaults)")
        if not 10 <= config.waf_rate_limit <= 2_000_000_000:
            raise ValueError("wafRateLimit must be 10..2000000000 requests per 5 minutes (WAF's range)")
        return config
