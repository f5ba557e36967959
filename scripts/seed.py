"""Demo data for the local stack, created through Cognito and the services (not raw writes).

Run with the stack's environment set (scripts/local_stack.py does that).
"""

from __future__ import annotations

import os
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import boto3

PASSWORD = "Tasklane-demo-1"
ADMIN = "admin@tasklane.local"
CUSTOMERS = [
    ("anna@acme.example", "Acme Robotics GmbH", "company"),
    ("ben@northwind.example", "Northwind Data", "company"),
]
PROVIDERS = [
    ("carla@dev.example", "Carla Schmidt", "individual", ["python", "aws", "data-engineering"], 9000),
    ("dmitri@dev.example", "Dmitri Volkov", "individual", ["react", "typescript", "python"], 7500),
    ("eve@studio.example", "Eve & Co Studio", "team", ["cad", "mechanical-engineering", "fea"], 11000),
]
TASKS = [
    (0, "Migrate nightly ETL to AWS Glue", "data-engineering", ["python", "aws"], 400000),
    (0, "Dashboard for warehouse robots", "web-development", ["react", "typescript"], 250000),
    (1, "FEA of a gripper bracket", "mechanical-engineering", ["fea", "cad"], 180000),
    (1, "Clean up our Airflow DAGs", "data-engineering", ["python", "airflow"], 120000),
]


def cognito_user(email: str, admin: bool = False) -> str:
    cognito = boto3.client("cognito-idp")
    pool = os.environ["USER_POOL_ID"]
    cognito.admin_create_user(
        UserPoolId=pool,
        Username=email,
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(UserPoolId=pool, Username=email, Password=PASSWORD, Permanent=True)
    if admin:
        cognito.admin_add_user_to_group(UserPoolId=pool, Username=email, GroupName="admin")
    attrs = cognito.admin_get_user(UserPoolId=pool, Username=email)["UserAttributes"]
    return next(a["Value"] for a in attrs if a["Name"] == "sub")


def main() -> None:
    from chalicelib.adapters.aws import client
    from chalicelib.adapters.tokens import Claims
    from chalicelib.domain.accounts import Kind, NewProfile, Role, VerificationRequest
    from chalicelib.domain.money import Money
    from chalicelib.domain.tasks import NewTask
    from chalicelib.domain.uploads import NewUpload, Purpose
    from chalicelib.services import profiles, tasks, uploads
    from chalicelib.services.identity import Actor
    from chalicelib.settings import get_settings

    admin = Actor(Claims(cognito_user(ADMIN, admin=True), ADMIN, frozenset({"admin"})), None)

    def verified(email: str, new: NewProfile) -> Actor:
        actor = Actor(Claims(cognito_user(email), email, frozenset()), None)
        actor.profile = profiles.create_profile(actor, new)
        upload = uploads.create_upload(
            actor, NewUpload(Purpose.VERIFICATION, "registration.pdf", "application/pdf", size=9)
        )
        key = upload["fields"]["key"]  # browsers POST to the presigned form; the seed writes directly
        client("s3").put_object(
            Bucket=get_settings().bucket_name, Key=key, Body=b"%PDF-demo", ContentType="application/pdf"
        )
        actor.profile = profiles.submit_verification(
            actor, VerificationRequest(new.display_name, (upload["uploadId"],))
        )
        actor.profile = profiles.decide_verification(admin, actor.profile.id, "approve", None)
        return actor

    customers = [verified(email, NewProfile(Role.CUSTOMER, name, Kind(kind))) for email, name, kind in CUSTOMERS]
    for email, name, kind, skills, rate in PROVIDERS:
        verified(
            email,
            NewProfile(
                Role.PROVIDER,
                name,
                Kind(kind),
                skills=tuple(skills),
                languages=("en", "de"),
                hourly_rate=Money(rate, "EUR"),
            ),
        )
    start = date.today() + timedelta(days=7)
    for owner, title, category, skills, budget in TASKS:
        task = tasks.create_task(
            customers[owner],
            NewTask(
                title,
                f"{title}. Details in the attached brief; milestones welcome.",
                category,
                tuple(skills),
                Money(budget, "EUR"),
                start_date=start,
                due_date=start + timedelta(days=45),
            ),
        )
        tasks.submit_task(customers[owner], task.id)
        tasks.review_task(admin, task.id, "approve", None)


if __name__ == "__main__":
    main()
