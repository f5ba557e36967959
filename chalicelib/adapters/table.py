"""The single DynamoDB table as PynamoDB models.

Every entity shares the table and its three generic indexes (gsi1..gsi3); the
key layout per entity is written down in docs/data-model.md. Index attributes are
set only while an item belongs to that index (a sparse index), so queues empty
themselves when an item leaves the state they list.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.connection import Connection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.adapters.aws import share_with_pynamodb
from chalicelib.settings import get_settings

share_with_pynamodb()  # one botocore session for every model's connection, clients made under a lock
_settings = get_settings()


class _Meta:
    table_name = _settings.table_name
    region = _settings.region
    host = _settings.endpoint_url
    billing_mode = "PAY_PER_REQUEST"


class Gsi1(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class Gsi2(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "gsi2"
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class Gsi3(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "gsi3"
        projection = AllProjection()

    gsi3pk = UnicodeAttribute(hash_key=True)
    gsi3sk = UnicodeAttribute(range_key=True)


class Item(Model):
    """Key and index attributes shared by every entity."""

    Meta = _Meta

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    type = UnicodeAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)

    gsi1 = Gsi1()
    gsi2 = Gsi2()
    gsi3 = Gsi3()


class ProfileItem(Item):
    """pk USER#<cognito sub>, sk PROFILE; gsi1 PROFILE#<id>; gsi2 VERIF#pending while pending."""

    Meta = _Meta
    id = UnicodeAttribute()
    sub = UnicodeAttribute()
    email = UnicodeAttribute()
    role = UnicodeAttribute()
    display_name = UnicodeAttribute()
    kind = UnicodeAttribute()
    skills = ListAttribute[str](of=UnicodeAttribute, default=list)
    languages = ListAttribute[str](of=UnicodeAttribute, default=list)
    hourly_rate = JSONAttribute(null=True)
    bio = UnicodeAttribute(null=True)
    anonymous = BooleanAttribute(default=False)
    verification = UnicodeAttribute()
    legal_name = UnicodeAttribute(null=True)
    documents = ListAttribute[str](of=UnicodeAttribute, default=list)
    verification_note = UnicodeAttribute(null=True)
    submitted_at = UnicodeAttribute(null=True)
    rating_sum = NumberAttribute(default=0)
    rating_count = NumberAttribute(default=0)
    completed_count = NumberAttribute(default=0)
    badges = ListAttribute[str](of=UnicodeAttribute, default=list)
    suspended = BooleanAttribute(default=False)
    created_at = UnicodeAttribute()
    version = VersionAttribute()


class TaskItem(Item):
    """pk TASK#<id>, sk TASK; gsi1 TASKS#<status>[#<visibility>]; gsi2 OPENCAT#<category>; gsi3 OWNER#<id>."""

    Meta = _Meta
    id = UnicodeAttribute()
    owner_id = UnicodeAttribute()
    title = UnicodeAttribute()
    description = UnicodeAttribute()
    category = UnicodeAttribute()
    skills = ListAttribute[str](of=UnicodeAttribute, default=list)
    budget_amount = NumberAttribute()
    currency = UnicodeAttribute()
    mode = UnicodeAttribute()
    visibility = UnicodeAttribute()
    invitees = ListAttribute[str](of=UnicodeAttribute, default=list)
    start_date = UnicodeAttribute(null=True)
    due_date = UnicodeAttribute(null=True)
    attachments = ListAttribute[str](of=UnicodeAttribute, default=list)
    quality_review = BooleanAttribute(default=False)
    hub = BooleanAttribute(default=False)  # hub mode (seed 004): the platform stands between company and expert
    status = UnicodeAttribute()
    review_note = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    opened_at = UnicodeAttribute(null=True)
    version = VersionAttribute()


class TaskSkillItem(Item):
    """pk SKILL#<skill> or SKILLCAT#<skill>#<category>, sk <openedAt>#<taskId>: the skill (and category)
    filters of public browse, open public tasks only; one of each per skill, so either filter is one Query."""

    Meta = _Meta
    task_id = UnicodeAttribute()
    category = UnicodeAttribute()


class BidItem(Item):
    """pk BID#<id>, sk BID; gsi1 TASKBIDS#<taskId>; gsi2 PROVBIDS#<providerId>; gsi3 HUBBIDS#pending while a
    bid on a hub task waits for an admin (sparse: removed on forward, decline or any other move)."""

    Meta = _Meta
    id = UnicodeAttribute()
    task_id = UnicodeAttribute()
    task_owner_id = UnicodeAttribute()
    provider_id = UnicodeAttribute()
    provider_sub = UnicodeAttribute()
    price_amount = NumberAttribute()
    currency = UnicodeAttribute()
    proposal = UnicodeAttribute()
    duration_days = NumberAttribute()
    milestones = JSONAttribute()
    status = UnicodeAttribute()
    remark = UnicodeAttribute(null=True)
    counter_offer = JSONAttribute(null=True)  # the owner's latest counter-offer (negotiation before award)
    history = JSONAttribute(null=True)  # negotiation moves: [{at, by, action, changes, note?}]
    forwarded_at = UnicodeAttribute(null=True)  # hub mode: when an admin passed it to the owner (who sees it from then)
    decline_reason = UnicodeAttribute(null=True)  # hub mode: why an admin declined it (the bidder reads it)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()


class GuardItem(Item):
    """A uniqueness marker (e.g. pk TASK#<id>, sk BIDDER#<providerId>) written with attribute_not_exists."""

    Meta = _Meta
    ref = UnicodeAttribute(null=True)


class DecisionItem(Item):
    """pk TASK#<id>, sk DECISION#<ulid>: the workbench's selection decisions, in order."""

    Meta = _Meta
    actor_id = UnicodeAttribute()
    bid_id = UnicodeAttribute()
    action = UnicodeAttribute()
    from_status = UnicodeAttribute()
    to_status = UnicodeAttribute()
    note = UnicodeAttribute(null=True)
    at = UnicodeAttribute()


class UploadItem(Item):
    """pk UPLOAD#<id>, sk UPLOAD: what a presigned POST was issued for, and to whom."""

    Meta = _Meta
    id = UnicodeAttribute()
    owner_sub = UnicodeAttribute()
    purpose = UnicodeAttribute()
    filename = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size = NumberAttribute()
    key = UnicodeAttribute()
    created_at = UnicodeAttribute()


@cache
def connection() -> Connection:
    """One connection (botocore session and client) per process: building one costs ~0.5 s."""
    return Connection(region=_settings.region, host=_settings.endpoint_url)


class ContractItem(Item):
    """pk CONTRACT#<id>, sk CONTRACT; gsi1 PARTY#<customerId>, gsi2 PARTY#<providerId>; gsi3 TASKCONTRACT#<taskId>."""

    Meta = _Meta
    id = UnicodeAttribute()
    task_id = UnicodeAttribute()
    bid_id = UnicodeAttribute()
    category = UnicodeAttribute()
    title = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    customer_sub = UnicodeAttribute()
    provider_id = UnicodeAttribute()
    provider_sub = UnicodeAttribute()
    reviewer_id = UnicodeAttribute(null=True)
    hub = BooleanAttribute(default=False)  # copied from the task at award: the hub is the company's counterparty
    currency = UnicodeAttribute()
    total_amount = NumberAttribute()
    commission_bps = NumberAttribute()
    status = UnicodeAttribute()
    signatures = JSONAttribute(default=dict)
    funded_total = NumberAttribute(default=0)
    released_total = NumberAttribute(default=0)
    refunded_total = NumberAttribute(default=0)
    terms_version = NumberAttribute(default=1)  # the API's `version`: amendments raise it (`version` is the lock)
    termination = JSONAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    completed_at = UnicodeAttribute(null=True)
    version = VersionAttribute()


class MilestoneItem(Item):
    """pk CONTRACT#<id>, sk MILESTONE#<position:02d>#<id>; gsi1 DISPUTES#open while disputed."""

    Meta = _Meta
    id = UnicodeAttribute()
    contract_id = UnicodeAttribute()
    position = NumberAttribute()
    title = UnicodeAttribute()
    amount = NumberAttribute()
    currency = UnicodeAttribute()
    due_date = UnicodeAttribute()
    acceptance_criteria = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    funding_source = UnicodeAttribute(null=True)
    execution_arn = UnicodeAttribute(null=True)
    submissions = JSONAttribute(default=list)
    revisions = JSONAttribute(default=list)
    dispute = JSONAttribute(null=True)
    resolution = JSONAttribute(null=True)
    review_deadline = UnicodeAttribute(null=True)
    overdue_notified_at = UnicodeAttribute(null=True)
    evidence = JSONAttribute(default=list)
    updated_at = UnicodeAttribute()
    version = VersionAttribute()


class TokenItem(Item):
    """pk CONTRACT#<id>, sk TOKEN#<milestoneId>: the task token the milestone's workflow is parked on.

    Kept apart from the milestone so that parking a token never races a user's command on the milestone.
    """

    Meta = _Meta
    wait = UnicodeAttribute()
    task_token = UnicodeAttribute()
    at = UnicodeAttribute()


class AmendmentItem(Item):
    """pk CONTRACT#<id>, sk AMENDMENT#<amendmentId> (ULIDs: in order of proposal): a supplementary agreement."""

    Meta = _Meta
    id = UnicodeAttribute()
    contract_id = UnicodeAttribute()
    status = UnicodeAttribute()  # proposed | accepted | rejected
    proposed_by = UnicodeAttribute()  # customer | provider
    proposer_id = UnicodeAttribute()
    reason = UnicodeAttribute()
    changes = JSONAttribute(default=list)  # [{op: add|change|remove, ...}] as proposed
    terms_version = NumberAttribute(null=True)  # the contract version it made, once accepted
    decided_by = UnicodeAttribute(null=True)
    decided_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    version = VersionAttribute()


class TerminationItem(Item):
    """pk CONTRACT#<id>, sk TERMINATION; gsi1 TERMINATIONS#proposed: the admins' queue of proposed terminations.

    Its own item because the contract item's three index slots are taken; it lives only while the proposal does.
    """

    Meta = _Meta
    contract_id = UnicodeAttribute()
    title = UnicodeAttribute()
    proposed_by = UnicodeAttribute()  # customer | provider
    proposer_id = UnicodeAttribute()
    reason = UnicodeAttribute()
    at = UnicodeAttribute()


class BalanceItem(Item):
    """pk ACCOUNT#<account>, sk BALANCE#<currency>: the running balance of a ledger account."""

    Meta = _Meta
    account = UnicodeAttribute()
    currency = UnicodeAttribute()
    balance = NumberAttribute(default=0)


class EntryItem(Item):
    """pk ACCOUNT#<account>, sk ENTRY#<ulid>: one leg of a posting (gsi1 POSTING#<id> groups the legs)."""

    Meta = _Meta
    account = UnicodeAttribute()
    posting_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    amount = NumberAttribute()
    currency = UnicodeAttribute()
    contract_id = UnicodeAttribute(null=True)
    milestone_id = UnicodeAttribute(null=True)
    at = UnicodeAttribute()


class AuditItem(Item):
    """pk CONTRACT#<id>, sk AUDIT#<ulid>: a state change or money movement, written with it."""

    Meta = _Meta
    actor = UnicodeAttribute()
    action = UnicodeAttribute()
    subject = UnicodeAttribute()
    from_status = UnicodeAttribute(null=True)
    to_status = UnicodeAttribute(null=True)
    amounts = JSONAttribute(null=True)
    at = UnicodeAttribute()


class OutboxItem(Item):
    """pk EVENT#<eventId>, sk OUTBOX: a domain event committed with its state change.

    The table's stream carries it to EventBridge (adapters/events.relay); TTL removes it later.
    """

    Meta = _Meta
    detail_type = UnicodeAttribute()
    detail = JSONAttribute()
    at = UnicodeAttribute()
    expires_at = NumberAttribute()


class ReviewItem(Item):
    """pk CONTRACT#<id>, sk REVIEW#<reviewerProfileId>; gsi1 REVIEWS#<revieweeProfileId>."""

    Meta = _Meta
    contract_id = UnicodeAttribute()
    reviewer_id = UnicodeAttribute()
    reviewee_id = UnicodeAttribute()
    rating = NumberAttribute()
    text = UnicodeAttribute()
    at = UnicodeAttribute()


class NotificationItem(Item):
    """pk INBOX#<profileId>, sk <eventId>: the in-app inbox, one item per event and recipient."""

    Meta = _Meta
    event_type = UnicodeAttribute()
    title = UnicodeAttribute()
    data = JSONAttribute()
    at = UnicodeAttribute()
    read = BooleanAttribute(default=False)


class SettingsItem(Item):
    """pk SETTINGS, sk COMMISSION: default and per-category commission in basis points."""

    Meta = _Meta
    default_bps = NumberAttribute()
    overrides = JSONAttribute(default=dict)
    version = VersionAttribute()  # PUT /admin/settings/commission sends the version it read (409 if stale)


class TaxonomyItem(Item):
    """pk SETTINGS, sk TAXONOMY: the curated categories, skills and languages, one document (bounded in
    domain/taxonomy.py to stay far under the 400 KB item limit); absent until an admin first saves it."""

    Meta = _Meta
    document = JSONAttribute()
    updated_by = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)
    version = VersionAttribute()  # PUT /admin/taxonomy may send the version it read (409 if stale)


class TicketItem(Item):
    """pk TICKET#<id>, sk TICKET; gsi1 TICKETS#<status> (admins, oldest first); gsi2 MYTICKETS#<profileId>."""

    Meta = _Meta
    id = UnicodeAttribute()
    profile_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    text = UnicodeAttribute()
    status = UnicodeAttribute()
    note = UnicodeAttribute(null=True)
    added = JSONAttribute(null=True)  # what the resolution added to the taxonomy: {list, slug, name, kind?}
    resolved_by = UnicodeAttribute(null=True)
    resolved_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    version = VersionAttribute()


class HubSettingsItem(Item):
    """pk SETTINGS, sk HUB: the categories whose tasks always run in hub mode (issue 17)."""

    Meta = _Meta
    categories = ListAttribute[str](of=UnicodeAttribute, default=list)
    version = VersionAttribute()  # PUT /admin/settings/hub sends the version it read (409 if stale)
