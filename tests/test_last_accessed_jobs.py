"""Service-last-accessed jobs through boto3: lifecycle, field presence, job controls, ownership.

Facts come from /work/shared/data/observed-aws-facts.md ("Job lifecycle and field presence",
"JobId errors and ownership"); each test names the capture case it reproduces.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from support import (
    ACCOUNT,
    NOW,
    TRUST_ROOT,
    client_for,
    error_and_status,
    generate,
    raw_client,
    without_metadata,
)

from iam_access_mock import AccessMock

S3_ONLY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
)
LAST_ACCESS_ACTIONS = [
    "iam:GenerateServiceLastAccessedDetails",
    "iam:GetServiceLastAccessedDetails",
    "iam:GetServiceLastAccessedDetailsWithEntities",
    "iam:ListPoliciesGrantingServiceAccess",
]


@pytest.fixture
def iam(access_mock: AccessMock) -> Any:
    access_mock.clock.set(NOW)
    client = boto3.client("iam")
    client.create_user(UserName="alice")
    client.put_user_policy(UserName="alice", PolicyName="s3", PolicyDocument=S3_ONLY)
    return client


# ---- lifecycle and field presence -----------------------------------------------------------


def test_job_completes_at_the_first_poll_by_default(iam: Any) -> None:
    # Case: pending_before_source_mutation (the first poll was already COMPLETED).
    job_id = generate(iam)
    report = iam.get_service_last_accessed_details(JobId=job_id)
    assert report["JobStatus"] == "COMPLETED"
    assert report["JobCreationDate"] == NOW
    assert report["JobCompletionDate"] == NOW


def test_completed_get_has_the_observed_fields(iam: Any) -> None:
    # Case: get_followup_first (JobStatus, JobType, JobCreationDate, ServicesLastAccessed,
    # JobCompletionDate, IsTruncated; Marker only when truncated).
    job_id = generate(iam)
    assert without_metadata(iam.get_service_last_accessed_details(JobId=job_id)) == {
        "JobStatus": "COMPLETED",
        "JobType": "SERVICE_LEVEL",
        "JobCreationDate": NOW,
        "JobCompletionDate": NOW,
        "ServicesLastAccessed": [
            {"ServiceName": "Amazon S3", "ServiceNamespace": "s3", "TotalAuthenticatedEntities": 0}
        ],
        "IsTruncated": False,
    }


def test_completed_with_entities_has_no_job_type(iam: Any) -> None:
    # Case: entity_snapshot_initial_user (JobStatus, JobCreationDate, JobCompletionDate,
    # EntityDetailsList, IsTruncated; no JobType).
    job_id = generate(iam)
    response = without_metadata(
        iam.get_service_last_accessed_details_with_entities(JobId=job_id, ServiceNamespace="s3")
    )
    assert set(response) == {
        "JobStatus",
        "JobCreationDate",
        "JobCompletionDate",
        "EntityDetailsList",
        "IsTruncated",
    }
    assert response["JobStatus"] == "COMPLETED"
    assert [entry["EntityInfo"]["Name"] for entry in response["EntityDetailsList"]] == ["alice"]


def test_in_progress_get_has_only_status_creation_date_and_is_truncated(
    iam: Any, access_mock: AccessMock
) -> None:
    # Case: get_user_boundary_first, get_deny_edges_exact_first, pending_policy_completed_first.
    access_mock.jobs.complete_after(polls=1)
    job_id = generate(iam)
    assert without_metadata(iam.get_service_last_accessed_details(JobId=job_id)) == {
        "JobStatus": "IN_PROGRESS",
        "JobCreationDate": NOW,
        "IsTruncated": False,
    }


def test_in_progress_with_entities_has_only_status_creation_date_and_is_truncated(
    iam: Any, access_mock: AccessMock
) -> None:
    # Case: pending_query_before_mutation (no EntityDetailsList while IN_PROGRESS).
    access_mock.jobs.complete_after(polls=1)
    job_id = generate(iam)
    assert without_metadata(
        iam.get_service_last_accessed_details_with_entities(JobId=job_id, ServiceNamespace="s3")
    ) == {
        "JobStatus": "IN_PROGRESS",
        "JobCreationDate": NOW,
        "IsTruncated": False,
    }


def test_entity_without_permissions_gives_an_empty_completed_report(iam: Any) -> None:
    # Case: get_empty_first (COMPLETED, ServicesLastAccessed [], JobType present).
    iam.create_user(UserName="empty")
    job_id = generate(iam, f"arn:aws:iam::{ACCOUNT}:user/empty")
    report = iam.get_service_last_accessed_details(JobId=job_id)
    assert report["JobStatus"] == "COMPLETED"
    assert report["JobType"] == "SERVICE_LEVEL"
    assert report["ServicesLastAccessed"] == []
    assert report["IsTruncated"] is False


def test_job_dates_have_millisecond_precision(iam: Any, access_mock: AccessMock) -> None:
    # Case: pending_query_* (wire timestamps like 2026-09-11T15:26:19.516Z).
    access_mock.clock.set(datetime(2026, 9, 11, 15, 26, 19, 516789, tzinfo=timezone.utc))
    job_id = generate(iam)
    report = iam.get_service_last_accessed_details(JobId=job_id)
    assert report["JobCreationDate"] == datetime(
        2026, 9, 11, 15, 26, 19, 516000, tzinfo=timezone.utc
    )


# ---- the job controls -----------------------------------------------------------------------------


def test_complete_after_polls_keeps_a_job_in_progress_for_that_many_reads(
    iam: Any, access_mock: AccessMock
) -> None:
    access_mock.jobs.complete_after(polls=2)
    job_id = generate(iam)
    statuses = [iam.get_service_last_accessed_details(JobId=job_id)["JobStatus"] for _ in range(3)]
    assert statuses == ["IN_PROGRESS", "IN_PROGRESS", "COMPLETED"]
    assert iam.get_service_last_accessed_details(JobId=job_id)["JobStatus"] == "COMPLETED"


def test_with_entities_reads_count_as_polls(iam: Any, access_mock: AccessMock) -> None:
    access_mock.jobs.complete_after(polls=1)
    job_id = generate(iam)
    first = iam.get_service_last_accessed_details_with_entities(JobId=job_id, ServiceNamespace="s3")
    assert first["JobStatus"] == "IN_PROGRESS"
    assert iam.get_service_last_accessed_details(JobId=job_id)["JobStatus"] == "COMPLETED"


def test_complete_after_duration_follows_the_mock_clock(iam: Any, access_mock: AccessMock) -> None:
    access_mock.jobs.complete_after(duration=timedelta(seconds=5))
    job_id = generate(iam)
    access_mock.clock.advance(timedelta(seconds=4))
    assert iam.get_service_last_accessed_details(JobId=job_id)["JobStatus"] == "IN_PROGRESS"
    access_mock.clock.advance(timedelta(seconds=2))
    report = iam.get_service_last_accessed_details(JobId=job_id)
    assert report["JobStatus"] == "COMPLETED"
    assert report["JobCreationDate"] == NOW
    assert report["JobCompletionDate"] == NOW + timedelta(seconds=5)


def test_complete_after_applies_to_jobs_created_after_it(iam: Any, access_mock: AccessMock) -> None:
    earlier = generate(iam)
    access_mock.jobs.complete_after(polls=1)
    later = generate(iam)
    assert iam.get_service_last_accessed_details(JobId=earlier)["JobStatus"] == "COMPLETED"
    assert iam.get_service_last_accessed_details(JobId=later)["JobStatus"] == "IN_PROGRESS"


def test_fail_next_makes_the_next_job_failed_with_that_error(
    iam: Any, access_mock: AccessMock
) -> None:
    # Rule chosen (AWS never observed failing): FAILED carries JobType, both dates, Error and [].
    access_mock.jobs.fail_next(code="ServiceFailure", message="Report generation failed.")
    job_id = generate(iam, granularity="ACTION_LEVEL")
    assert without_metadata(iam.get_service_last_accessed_details(JobId=job_id)) == {
        "JobStatus": "FAILED",
        "JobType": "ACTION_LEVEL",
        "JobCreationDate": NOW,
        "JobCompletionDate": NOW,
        "ServicesLastAccessed": [],
        "IsTruncated": False,
        "Error": {"Code": "ServiceFailure", "Message": "Report generation failed."},
    }


def test_failed_job_with_entities_carries_the_error(iam: Any, access_mock: AccessMock) -> None:
    access_mock.jobs.fail_next(code="ServiceFailure", message="Report generation failed.")
    job_id = generate(iam)
    assert without_metadata(
        iam.get_service_last_accessed_details_with_entities(JobId=job_id, ServiceNamespace="s3")
    ) == {
        "JobStatus": "FAILED",
        "JobCreationDate": NOW,
        "JobCompletionDate": NOW,
        "EntityDetailsList": [],
        "IsTruncated": False,
        "Error": {"Code": "ServiceFailure", "Message": "Report generation failed."},
    }


def test_fail_next_fails_only_the_next_job(iam: Any, access_mock: AccessMock) -> None:
    access_mock.jobs.fail_next(code="ServiceFailure", message="boom")
    failed = generate(iam)
    fine = generate(iam)
    assert iam.get_service_last_accessed_details(JobId=failed)["JobStatus"] == "FAILED"
    assert iam.get_service_last_accessed_details(JobId=fine)["JobStatus"] == "COMPLETED"


def test_failed_job_stays_in_progress_under_complete_after(
    iam: Any, access_mock: AccessMock
) -> None:
    access_mock.jobs.complete_after(polls=1)
    access_mock.jobs.fail_next(code="ServiceFailure", message="boom")
    job_id = generate(iam)
    assert iam.get_service_last_accessed_details(JobId=job_id)["JobStatus"] == "IN_PROGRESS"
    assert iam.get_service_last_accessed_details(JobId=job_id)["Error"] == {
        "Code": "ServiceFailure",
        "Message": "boom",
    }


# ---- JobId errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("job_id", ["00000000-0000-0000-0000-000000000000", "x" * 36])
def test_unknown_job_id_is_no_such_entity_on_get(iam: Any, job_id: str) -> None:
    # Case: unknown JobId, zero UUID or 36 'x' ("Job <id> does not exist.").
    with pytest.raises(ClientError) as excinfo:
        iam.get_service_last_accessed_details(JobId=job_id)
    assert error_and_status(excinfo) == ("NoSuchEntity", f"Job {job_id} does not exist.", 404)


@pytest.mark.parametrize("job_id", ["00000000-0000-0000-0000-000000000000", "x" * 36])
def test_unknown_job_id_is_no_such_entity_on_with_entities(iam: Any, job_id: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        iam.get_service_last_accessed_details_with_entities(JobId=job_id, ServiceNamespace="s3")
    assert error_and_status(excinfo) == ("NoSuchEntity", f"Job {job_id} does not exist.", 404)


@pytest.mark.parametrize(
    "operation",
    ["get_service_last_accessed_details", "get_service_last_accessed_details_with_entities"],
)
def test_short_job_id_is_a_validation_error(access_mock: AccessMock, operation: str) -> None:
    # Case: raw_get_short_job, raw_entities_short_job (JobId "bad").
    raw = raw_client()
    arguments = (
        {"JobId": "bad"}
        if operation == "get_service_last_accessed_details"
        else {"JobId": "bad", "ServiceNamespace": "s3"}
    )
    with pytest.raises(ClientError) as excinfo:
        getattr(raw, operation)(**arguments)
    assert error_and_status(excinfo) == (
        "ValidationError",
        (
            "1 validation error detected: Value at 'jobId' failed to satisfy constraint: "
            "Member must have length greater than or equal to 36"
        ),
        400,
    )


# ---- ownership ----------------------------------------------------------------------------------


def user_client(iam: Any, name: str) -> Any:
    if name.lower() not in {user["UserName"].lower() for user in iam.list_users()["Users"]}:
        iam.create_user(UserName=name)
    return client_for("iam", iam.create_access_key(UserName=name)["AccessKey"])


def test_same_user_reads_its_job_through_another_access_key(iam: Any) -> None:
    # Case: ownership, main phase ("same IAM user across access keys").
    first_key = user_client(iam, "reporter")
    second_key = user_client(iam, "reporter")
    job_id = generate(first_key)
    assert second_key.get_service_last_accessed_details(JobId=job_id)["JobStatus"] == "COMPLETED"
    entities = second_key.get_service_last_accessed_details_with_entities(
        JobId=job_id, ServiceNamespace="s3"
    )
    assert entities["JobStatus"] == "COMPLETED"


def test_another_user_cannot_read_the_job(iam: Any) -> None:
    # Case: ownership, main phase (a different IAM user gets NoSuchEntity).
    reporter = user_client(iam, "reporter")
    other = user_client(iam, "other")
    job_id = generate(reporter)
    with pytest.raises(ClientError) as excinfo:
        other.get_service_last_accessed_details(JobId=job_id)
    assert error_and_status(excinfo) == ("NoSuchEntity", f"Job {job_id} does not exist.", 404)
    with pytest.raises(ClientError) as excinfo:
        other.get_service_last_accessed_details_with_entities(JobId=job_id, ServiceNamespace="s3")
    assert error_and_status(excinfo) == ("NoSuchEntity", f"Job {job_id} does not exist.", 404)


def test_a_user_cannot_read_the_original_callers_job(iam: Any) -> None:
    # Case: ownership, main phase (job created by the admin "original" caller, read by a user).
    job_id = generate(iam)
    reader = user_client(iam, "reader")
    with pytest.raises(ClientError) as excinfo:
        reader.get_service_last_accessed_details(JobId=job_id)
    assert error_and_status(excinfo) == ("NoSuchEntity", f"Job {job_id} does not exist.", 404)
    assert iam.get_service_last_accessed_details(JobId=job_id)["JobStatus"] == "COMPLETED"


def assume(iam: Any, session_name: str) -> Any:
    sts = boto3.client("sts")
    credentials = sts.assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/reporter", RoleSessionName=session_name
    )
    return client_for("iam", credentials["Credentials"])


def test_a_role_session_reads_its_own_job(iam: Any) -> None:
    iam.create_role(RoleName="reporter", AssumeRolePolicyDocument=TRUST_ROOT)
    session = assume(iam, "one")
    job_id = generate(session)
    assert session.get_service_last_accessed_details(JobId=job_id)["JobStatus"] == "COMPLETED"


def test_another_session_of_the_same_role_cannot_read_the_job(iam: Any) -> None:
    # Case: ownership, main phase ("exact temporary role/federated session").
    iam.create_role(RoleName="reporter", AssumeRolePolicyDocument=TRUST_ROOT)
    first = assume(iam, "one")
    second = assume(iam, "one")  # same session name, new session
    job_id = generate(first)
    with pytest.raises(ClientError) as excinfo:
        second.get_service_last_accessed_details(JobId=job_id)
    assert error_and_status(excinfo) == ("NoSuchEntity", f"Job {job_id} does not exist.", 404)


# ---- deliberate deviations: propagation delays ------------------------------------------------------


def test_a_new_access_key_can_generate_at_once(iam: Any) -> None:
    # Case: generate_followup_reporter_0..3. AWS refused a new key with InvalidClientTokenId
    # for about 8 s; the mock accepts it at once (deviation, in Generate's docstring).
    reporter = user_client(iam, "reporter")
    job_id = generate(reporter)
    assert reporter.get_service_last_accessed_details(JobId=job_id)["JobStatus"] == "COMPLETED"


def test_a_deny_on_the_caller_is_not_evaluated(iam: Any) -> None:
    # Case: revoked_reporter_0..3. AWS kept serving for about 8 s, then answered AccessDenied;
    # the mock does not evaluate the caller's permissions at all (deviation, in Get's docstring).
    reporter = user_client(iam, "reporter")
    job_id = generate(reporter)
    deny = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": LAST_ACCESS_ACTIONS, "Resource": "*"}],
    }
    iam.put_user_policy(UserName="reporter", PolicyName="deny", PolicyDocument=json.dumps(deny))
    assert reporter.get_service_last_accessed_details(JobId=job_id)["JobStatus"] == "COMPLETED"
