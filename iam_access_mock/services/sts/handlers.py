"""STS handlers. STS keeps no state of its own: sessions live in the world's credentials."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from ...errors import AccessDenied, MalformedPolicyDocument, ValidationError
from ...identity import Credential, new_id, new_secret
from ...service import RequestContext
from . import provider


@provider.handles("GetCallerIdentity")
def get_caller_identity(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    principal = ctx.principal
    return {"UserId": principal.user_id, "Account": principal.account_id, "Arn": principal.arn}


def _role_from_arn(arn: str) -> tuple[str, str]:
    """(account id, role name) of a role ARN; the path does not matter for the lookup."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "iam" or not parts[5].startswith("role/"):
        raise ValidationError(f"{arn} is invalid")
    return parts[4], parts[5].rsplit("/", 1)[-1]


# Role chaining (a role session assuming a role) "limits your ... role session to a
# maximum of one hour" (AssumeRole, DurationSeconds).
CHAINED_SESSION_LIMIT = 3600
CHAINED_DURATION_ERROR = (
    "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by "
    "role chaining."
)
MAX_SESSION_DURATION_ERROR = (
    "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
)
SESSION_POLICY_JSON_ERROR = "The policy is not in the valid JSON format."


@provider.handles("AssumeRole")
def assume_role(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """A session of the role; the trust policy is not evaluated.

    ``DurationSeconds`` (default 3600) may not exceed the role's MaxSessionDuration, nor one
    hour when the caller is itself a role session (role chaining), each a ValidationError
    with AWS's text; when both are exceeded the chaining error is the one answered (rule
    chosen). A session ``Policy`` that is not JSON gets MalformedPolicyDocument "The policy
    is not in the valid JSON format." (AWS's answer in integration tests run against it;
    AWS has lately also answered with its JSON parser's own message, so assert the code);
    the policy's grammar and its packed size (PackedPolicyTooLarge) are not checked.
    """
    account_id, role_name = _role_from_arn(params["RoleArn"])
    role = ctx.world.iam(account_id).role(role_name)
    if role is None:
        raise AccessDenied(
            f"User: {ctx.principal.arn} is not authorized to perform: sts:AssumeRole on resource: {params['RoleArn']}"
        )
    duration = params.get("DurationSeconds", 3600)
    if ctx.principal.kind == "role" and duration > CHAINED_SESSION_LIMIT:
        raise ValidationError(CHAINED_DURATION_ERROR)
    if duration > role.max_session_duration:
        raise ValidationError(MAX_SESSION_DURATION_ERROR)
    if "Policy" in params:
        try:
            json.loads(params["Policy"])
        except (ValueError, RecursionError):
            # Nesting deep enough to exhaust the parser is no policy either.
            raise MalformedPolicyDocument(SESSION_POLICY_JSON_ERROR) from None
    now = ctx.world.clock.now()
    expiration = now + timedelta(seconds=duration)
    session_name = params["RoleSessionName"]
    credential = Credential(
        access_key_id=new_id("ASIA", 20),
        secret_access_key=new_secret(),
        account_id=account_id,
        kind="role",
        entity_id=role.unique_id,
        created=now,
        session_token=new_secret(356),
        session_name=session_name,
        role_arn=role.arn,
        expiration=expiration,
    )
    ctx.world.credentials.add(credential)
    return {
        "Credentials": {
            "AccessKeyId": credential.access_key_id,
            "SecretAccessKey": credential.secret_access_key,
            "SessionToken": credential.session_token,
            "Expiration": expiration,
        },
        "AssumedRoleUser": {
            "AssumedRoleId": f"{role.unique_id}:{session_name}",
            "Arn": f"arn:aws:sts::{account_id}:assumed-role/{role.name}/{session_name}",
        },
        "PackedPolicySize": 0 if params.get("Policy") or params.get("PolicyArns") else None,
    }
