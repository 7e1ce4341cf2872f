"""The credential report: GenerateCredentialReport and GetCredentialReport.

The report is a job under ``aws.jobs`` whose CSV is written when it is generated, from the
account's users, passwords, MFA devices and access keys (with their last use), in the column
order and value forms of the IAM User Guide ("Getting credential reports"): ISO 8601 times to
the second with ``+00:00``, ``true``/``false``, ``N/A`` where a credential does not exist,
``no_information`` for a password never used, ``not_supported`` for the root's password
columns; the ``<root_account>`` row first, then users by name. A report is good for four hours
on the mock clock: GenerateCredentialReport answers COMPLETE meanwhile, and starts a new one
after (GetCredentialReport then answers ReportExpired until it does).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from ...errors import ServiceError
from ...identity import Credential
from ...jobs import Job
from ...service import RequestContext
from . import provider
from .mfa import devices_of
from .store import IamStore, User
from .users import ROOT_CREATE_DATE

JOB_KIND = "credential-report"
REPORT_LIFETIME = timedelta(hours=4)
COLUMNS = (
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    *(
        f"access_key_{n}_{field}"
        for n in (1, 2)
        for field in (
            "active",
            "last_rotated",
            "last_used_date",
            "last_used_region",
            "last_used_service",
        )
    ),
    *(f"cert_{n}_{field}" for n in (1, 2) for field in ("active", "last_rotated")),
)
NA = "N/A"


@dataclass(frozen=True)
class CredentialReport:
    generated: datetime
    content: bytes


def _time(when: datetime) -> str:
    return when.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _key_columns(credential: Credential | None) -> list[str]:
    if credential is None:
        return ["false", NA, NA, NA, NA]
    used = credential.last_used
    return [
        _flag(credential.status == "Active"),
        _time(credential.created),
        _time(used[0]) if used else NA,
        used[2] if used else NA,
        used[1] if used else NA,
    ]


def _certificate_columns(certificates: list[Any]) -> list[str]:
    columns: list[str] = []
    for slot in range(2):
        found = certificates[slot] if slot < len(certificates) else None
        if found is None:
            columns += ["false", NA]
        else:
            columns += [_flag(found.status == "Active"), _time(found.uploaded)]
    return columns


def _signing_certificates(user: User) -> list[Any]:
    # The signing certificates of a user, oldest first, where the store keeps them.
    certificates = getattr(user, "signing_certificates", None) or {}
    values = certificates.values() if isinstance(certificates, dict) else certificates
    return sorted(values, key=lambda certificate: certificate.uploaded)


def _user_row(ctx: RequestContext, store: IamStore, user: User) -> list[str]:
    profile = user.login_profile
    policy = store.password_policy
    if profile is None:
        last_used, changed, rotation = NA, NA, NA
    else:
        last_used = _time(user.password_last_used) if user.password_last_used else "no_information"
        changed = _time(profile.changed)
        rotation = (
            _time(profile.changed + timedelta(days=policy.max_age))
            if policy and policy.max_age
            else NA
        )
    keys = [ctx.world.credentials.get(key_id) for key_id in user.access_keys]
    ordered = sorted(
        (key for key in keys if key is not None), key=lambda key: (key.created, key.access_key_id)
    )
    slots: list[Credential | None] = [*ordered[:2], None, None][:2]
    return [
        user.name,
        user.arn,
        _time(user.created),
        _flag(profile is not None),
        last_used,
        changed,
        rotation,
        _flag(bool(user.mfa_devices)),
        *_key_columns(slots[0]),
        *_key_columns(slots[1]),
        *_certificate_columns(_signing_certificates(user)),
    ]


def _root_row(ctx: RequestContext, store: IamStore) -> list[str]:
    last_used = store.root_password_last_used
    return [
        "<root_account>",
        f"arn:aws:iam::{ctx.account_id}:root",
        _time(ROOT_CREATE_DATE),
        "not_supported",
        _time(last_used) if last_used else "no_information",
        "not_supported",
        "not_supported",
        _flag(bool(devices_of(store, "root"))),
        *_key_columns(None),
        *_key_columns(None),
        *_certificate_columns([]),
    ]


def build_report(ctx: RequestContext) -> CredentialReport:
    store: IamStore = ctx.store
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerow(_root_row(ctx, store))
    for user in sorted(store.users.values(), key=lambda user: user.name.lower()):
        writer.writerow(_user_row(ctx, store, user))
    return CredentialReport(ctx.world.clock.now(), buffer.getvalue().rstrip("\n").encode("utf-8"))


def _latest(ctx: RequestContext) -> Job | None:
    store: IamStore = ctx.store
    if store.credential_report_job is None:
        return None
    return ctx.world.jobs.find(
        store.credential_report_job, JOB_KIND, ctx.account_id, ctx.account_id
    )


@provider.handles("GenerateCredentialReport")
def generate_credential_report(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """STARTED when a new report is begun; INPROGRESS while it is made (each call is a read of
    its job); COMPLETE while the latest report is under four hours old. A FAILED job (only
    through ``aws.jobs.fail_next``) is replaced by a new one."""
    now = ctx.world.clock.now()
    job = _latest(ctx)
    if job is not None:
        status = job.poll(now)
        if status == "IN_PROGRESS":
            return {"State": "INPROGRESS", "Description": "Report generation is in progress."}
        if status == "COMPLETED" and now - job.result.generated < REPORT_LIFETIME:
            return {"State": "COMPLETE"}
    new = ctx.world.jobs.create(JOB_KIND, ctx.account_id, ctx.account_id, build_report(ctx))
    store: IamStore = ctx.store
    store.credential_report_job = new.job_id
    return {
        "State": "STARTED",
        "Description": "No report exists. Starting a new report generation task",
    }


def _not_present() -> ServiceError:
    return ServiceError(
        "The request was rejected because the credential report does not exist. To generate a "
        "credential report, use GenerateCredentialReport.",
        code="ReportNotPresent",
        status=410,
    )


@provider.handles("GetCredentialReport")
def get_credential_report(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """ReportNotPresent before any generation (and after a FAILED one, rule chosen),
    ReportInProgress while it is made, ReportExpired once it is four hours old."""
    job = _latest(ctx)
    if job is None:
        raise _not_present()
    now = ctx.world.clock.now()
    status = job.poll(now)
    if status == "IN_PROGRESS":
        raise ServiceError(
            "The request was rejected because the credential report is still being generated.",
            code="ReportInProgress",
            status=404,
        )
    if status == "FAILED":
        raise _not_present()
    report: CredentialReport = job.result
    if now - report.generated >= REPORT_LIFETIME:
        raise ServiceError(
            "The request was rejected because the most recent credential report has expired. To "
            "generate a new credential report, use GenerateCredentialReport.",
            code="ReportExpired",
            status=410,
        )
    return {
        "Content": report.content,
        "ReportFormat": "text/csv",
        "GeneratedTime": report.generated,
    }
