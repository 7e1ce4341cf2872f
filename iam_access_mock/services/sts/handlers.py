"""STS handlers. STS keeps no state of its own: sessions live in the world's credentials."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ...errors import AccessDenied, ValidationError
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


@provider.handles("AssumeRole")
def assume_role(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    account_id, role_name = _role_from_arn(params["RoleArn"])
    role = ctx.world.iam(account_id).role(role_name)
    if role is None:
        raise AccessDenied(
            f"User: {ctx.principal.arn} is not authorized to perform: sts:AssumeRole on resource: {params['RoleArn']}"
        )
    duration = params.get("DurationSeconds", 3600)
    if duration > role.max_session_duration:
        raise ValidationError(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
        )
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
