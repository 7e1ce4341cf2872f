"""Console passwords: login profiles, ChangePassword and the account password policy.

A password is checked against the account's policy, or, while none is set, against IAM's
default policy ("at least 8 characters and at least three of: uppercase, lowercase, numbers,
symbols", IAM User Guide, "Setting an account password policy"). Only digests are kept.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from ...errors import AccessDenied, EntityAlreadyExists, NoSuchEntity, ServiceError, ValidationError
from ...protocol.constraints import Violation
from ...service import RequestContext, iam_validation_error
from . import provider
from .store import IamStore, LoginProfile, PasswordPolicy, User
from .users import NON_USER_CREDENTIALS, caller_user, require_user

SYMBOLS = frozenset("!@#$%^&*()_+-=[]{}|'")  # the symbols RequireSymbols names
DEFAULT_MINIMUM = 8  # IAM's default policy, while the account has none
DEFAULT_CLASSES = 3


def password_policy_violation() -> ServiceError:
    return ServiceError(
        "Password does not conform to the account password policy.",
        code="PasswordPolicyViolation",
        status=400,
    )


def digest(password: str) -> str:
    return hashlib.sha256(password.encode("utf-8")).hexdigest()


def _classes(password: str) -> tuple[bool, bool, bool, bool]:
    return (
        any("A" <= c <= "Z" for c in password),
        any("a" <= c <= "z" for c in password),
        any("0" <= c <= "9" for c in password),
        any(c in SYMBOLS for c in password),
    )


def check_password(store: IamStore, password: str, previous: list[str] | None = None) -> None:
    """PasswordPolicyViolation unless ``password`` meets the policy (and, with a
    PasswordReusePrevention, differs from the last N passwords in ``previous``)."""
    policy = store.password_policy
    upper, lower, digit, symbol = _classes(password)
    if policy is None:
        if len(password) < DEFAULT_MINIMUM or sum((upper, lower, digit, symbol)) < DEFAULT_CLASSES:
            raise password_policy_violation()
        return
    if (
        len(password) < policy.minimum_length
        or (policy.require_uppercase and not upper)
        or (policy.require_lowercase and not lower)
        or (policy.require_numbers and not digit)
        or (policy.require_symbols and not symbol)
    ):
        raise password_policy_violation()
    if (
        policy.reuse_prevention
        and previous
        and digest(password) in previous[: policy.reuse_prevention]
    ):
        raise password_policy_violation()


def _user(ctx: RequestContext, params: dict[str, Any]) -> User:
    """The user named by UserName, else the calling IAM user. Rule chosen: the account root
    without UserName gets ValidationError, as for CreateAccessKey (the mock keeps the root's
    password outside IAM, see ``aws.record_sign_in``)."""
    name = params.get("UserName")
    if name is not None:
        return require_user(ctx.store, name)
    user = caller_user(ctx)
    if user is None:
        raise ValidationError(NON_USER_CREDENTIALS)
    return user


def login_profile_not_found(name: str) -> ServiceError:
    return NoSuchEntity(f"Login Profile for User {name} cannot be found.")


def _profile(user: User) -> LoginProfile:
    if user.login_profile is None:
        raise login_profile_not_found(user.name)
    return user.login_profile


def _profile_dict(user: User, profile: LoginProfile) -> dict[str, Any]:
    return {
        "UserName": user.name,
        "CreateDate": profile.created,
        "PasswordResetRequired": profile.password_reset_required,
        "MaxSigninSessionDuration": profile.max_signin_session_duration,
    }


def _set_password(store: IamStore, profile: LoginProfile, password: str, now: datetime) -> None:
    check_password(store, password, profile.digests)
    profile.digests.insert(0, digest(password))
    del profile.digests[25:]  # PasswordReusePrevention is at most 24
    profile.changed = now


@provider.handles("CreateLoginProfile")
def create_login_profile(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Give a user a console password, checked against the password policy."""
    store: IamStore = ctx.store
    user = _user(ctx, params)
    if user.login_profile is not None:
        raise EntityAlreadyExists(f"Login Profile for user {user.name} already exists.")
    password = params.get("Password")
    if password is None:
        # Optional in newer models (for the root's password in member accounts); a user's
        # profile needs one (rule chosen: IAM's null-member text).
        raise iam_validation_error([Violation("password", None, "Member must not be null")])
    check_password(store, password)
    now = ctx.world.clock.now()
    user.login_profile = LoginProfile(
        created=now,
        changed=now,
        password_reset_required=params.get("PasswordResetRequired", False),
        digests=[digest(password)],
        max_signin_session_duration=params.get("MaxSigninSessionDuration"),
    )
    return {"LoginProfile": _profile_dict(user, user.login_profile)}


@provider.handles("GetLoginProfile")
def get_login_profile(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """NoSuchEntity for a user without a password (how tools tell console users apart)."""
    user = _user(ctx, params)
    return {"LoginProfile": _profile_dict(user, _profile(user))}


@provider.handles("UpdateLoginProfile")
def update_login_profile(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store: IamStore = ctx.store
    user = require_user(store, params["UserName"])
    profile = _profile(user)
    if "Password" in params:
        _set_password(store, profile, params["Password"], ctx.world.clock.now())
    if "PasswordResetRequired" in params:
        profile.password_reset_required = params["PasswordResetRequired"]
    if params.get("ResetMaxSigninSessionDuration"):
        profile.max_signin_session_duration = None
    elif "MaxSigninSessionDuration" in params:
        profile.max_signin_session_duration = params["MaxSigninSessionDuration"]
    return {}


@provider.handles("DeleteLoginProfile")
def delete_login_profile(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The password goes; the user's PasswordLastUsed stays, as on AWS."""
    user = _user(ctx, params)
    _profile(user)
    user.login_profile = None
    return {}


@provider.handles("ChangePassword")
def change_password(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The calling IAM user changes its own password; the account root and role sessions get
    InvalidUserType (the CLI documentation says so for the root). Rules chosen: a wrong
    OldPassword is AccessDenied (AWS's answer was not recorded); the password policy's
    AllowUsersToChangePassword is not required (it grants the console permission only); the
    change clears PasswordResetRequired."""
    principal = ctx.principal
    store: IamStore = ctx.store
    user = store.user_by_id(principal.entity_id or "") if principal.kind == "user" else None
    if user is None:
        raise ServiceError(
            "The user type is not valid for this operation: only an IAM user can change its password.",
            code="InvalidUserType",
            status=400,
        )
    profile = _profile(user)
    if digest(params["OldPassword"]) != profile.digests[0]:
        raise AccessDenied("The old password is incorrect.")
    _set_password(store, profile, params["NewPassword"], ctx.world.clock.now())
    profile.password_reset_required = False
    return {}


# ---- the account password policy ------------------------------------------------------------


def _policy_not_found(account_id: str) -> ServiceError:
    return NoSuchEntity(f"The Password Policy with domain name {account_id} cannot be found.")


@provider.handles("UpdateAccountPasswordPolicy")
def update_account_password_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """No partial updates: every member not given takes its documented default
    (MinimumPasswordLength 6, the rest false or 0), as the API reference says."""
    store: IamStore = ctx.store
    store.password_policy = PasswordPolicy(
        minimum_length=params.get("MinimumPasswordLength", 6),
        require_symbols=params.get("RequireSymbols", False),
        require_numbers=params.get("RequireNumbers", False),
        require_uppercase=params.get("RequireUppercaseCharacters", False),
        require_lowercase=params.get("RequireLowercaseCharacters", False),
        allow_users_to_change=params.get("AllowUsersToChangePassword", False),
        max_age=params.get("MaxPasswordAge"),
        reuse_prevention=params.get("PasswordReusePrevention"),
        hard_expiry=params.get("HardExpiry", False),
    )
    return {}


@provider.handles("GetAccountPasswordPolicy")
def get_account_password_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """NoSuchEntity while none is set. MaxPasswordAge, PasswordReusePrevention and HardExpiry
    appear only when set, ExpirePasswords always (the CLI's example and real answers)."""
    store: IamStore = ctx.store
    policy = store.password_policy
    if policy is None:
        raise _policy_not_found(ctx.account_id)
    return {
        "PasswordPolicy": {
            "MinimumPasswordLength": policy.minimum_length,
            "RequireSymbols": policy.require_symbols,
            "RequireNumbers": policy.require_numbers,
            "RequireUppercaseCharacters": policy.require_uppercase,
            "RequireLowercaseCharacters": policy.require_lowercase,
            "AllowUsersToChangePassword": policy.allow_users_to_change,
            "ExpirePasswords": bool(policy.max_age),
            "MaxPasswordAge": policy.max_age,
            "PasswordReusePrevention": policy.reuse_prevention,
            "HardExpiry": policy.hard_expiry if policy.max_age else None,
        }
    }


@provider.handles("DeleteAccountPasswordPolicy")
def delete_account_password_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store: IamStore = ctx.store
    if store.password_policy is None:
        raise _policy_not_found(ctx.account_id)
    store.password_policy = None
    return {}
