"""The account as a whole: GetAccountSummary, account aliases, and the Organizations features
of centralized root access (ListOrganizationsFeatures, Enable/Disable...)."""

from __future__ import annotations

from typing import Any

from ...errors import EntityAlreadyExists, LimitExceeded, NoSuchEntity, ServiceError
from ...pagination import paginate
from ...service import RequestContext
from . import provider
from .groups import GROUPS_PER_USER
from .inline import INLINE_POLICY_SIZE
from .mfa import devices_of
from .policies import ATTACHED_POLICIES_QUOTA, MANAGED_POLICY_SIZE, VERSIONS_PER_POLICY
from .roles import TRUST_POLICY_QUOTA
from .store import IamStore

# IAM's default quotas as GetAccountSummary reports them (IAM and STS quotas page).
QUOTAS = {
    "UsersQuota": 5000,
    "GroupsQuota": 300,
    "RolesQuota": 1000,
    "PoliciesQuota": 1500,
    "InstanceProfilesQuota": 1000,
    "ServerCertificatesQuota": 20,
    "VersionsPerPolicyQuota": VERSIONS_PER_POLICY,
    "PolicyVersionsInUseQuota": 10000,
    "PolicySizeQuota": MANAGED_POLICY_SIZE,
    "UserPolicySizeQuota": INLINE_POLICY_SIZE["user"],
    "GroupPolicySizeQuota": INLINE_POLICY_SIZE["group"],
    "RolePolicySizeQuota": INLINE_POLICY_SIZE["role"],
    "AssumeRolePolicySizeQuota": TRUST_POLICY_QUOTA,
    "GroupsPerUserQuota": GROUPS_PER_USER,
    "AttachedPoliciesPerUserQuota": ATTACHED_POLICIES_QUOTA["user"][1],
    "AttachedPoliciesPerGroupQuota": ATTACHED_POLICIES_QUOTA["group"][1],
    "AttachedPoliciesPerRoleQuota": ATTACHED_POLICIES_QUOTA["role"][1],
    "AccessKeysPerUserQuota": 2,
    "SigningCertificatesPerUserQuota": 2,
    "GlobalEndpointTokenVersion": 1,
}


def _count(store: IamStore, name: str) -> int:
    # Entity families another module keeps in the store (instance profiles, providers,
    # server certificates); absent means none.
    found = getattr(store, name, None)
    return len(found) if found else 0


@provider.handles("GetAccountSummary")
def get_account_summary(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Usage counted from the account's state, with IAM's default quotas. Policies counts
    customer managed policies; PolicyVersionsInUse the versions of those attached to
    something; AccountMFAEnabled is the root's MFA; the root has no access keys or signing
    certificates in the mock (rules chosen where the API reference gives no definition)."""
    store: IamStore = ctx.store
    customer = [policy for policy in store.policies.values() if not policy.aws_managed]
    summary = {
        "Users": len(store.users),
        "Groups": len(store.groups),
        "Roles": len(store.roles),
        "Policies": len(customer),
        "PolicyVersionsInUse": sum(len(p.versions) for p in customer if p.attachment_count),
        "InstanceProfiles": _count(store, "instance_profiles"),
        "Providers": _count(store, "saml_providers") + _count(store, "oidc_providers"),
        "ServerCertificates": _count(store, "server_certificates"),
        "MFADevices": sum(1 for device in store.mfa_devices.values() if device.seed is not None),
        "MFADevicesInUse": sum(
            1 for device in store.mfa_devices.values() if device.user_id is not None
        ),
        "AccountMFAEnabled": 1 if devices_of(store, "root") else 0,
        "AccountAccessKeysPresent": 0,
        "AccountSigningCertificatesPresent": 0,
        **QUOTAS,
    }
    return {"SummaryMap": summary}


# ---- account aliases ---------------------------------------------------------------------------


@provider.handles("CreateAccountAlias")
def create_account_alias(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """One alias per account, unique across the accounts of the mock (on AWS, across AWS)."""
    store: IamStore = ctx.store
    alias = params["AccountAlias"]
    if alias in store.account_aliases:
        return {}
    for other in ctx.world.stores_of(ctx.provider):
        if other is not store and alias in other.account_aliases:
            raise EntityAlreadyExists(f"The account alias {alias} already exists.")
    if store.account_aliases:
        raise LimitExceeded("Cannot exceed quota for AccountAliasesPerAccount: 1")
    store.account_aliases.append(alias)
    return {}


@provider.handles("DeleteAccountAlias")
def delete_account_alias(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store: IamStore = ctx.store
    alias = params["AccountAlias"]
    if alias not in store.account_aliases:
        raise NoSuchEntity(f"The account alias {alias} cannot be found.")
    store.account_aliases.remove(alias)
    return {}


@provider.handles("ListAccountAliases")
def list_account_aliases(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store: IamStore = ctx.store
    page, marker = paginate(
        store.account_aliases,
        marker=params.get("Marker"),
        max_items=params.get("MaxItems"),
        scope=("ListAccountAliases",),
    )
    return {"AccountAliases": page, "IsTruncated": marker is not None, "Marker": marker}


# ---- centralized root access (Organizations features) --------------------------------------------

ROOT_CREDENTIALS_MANAGEMENT = "RootCredentialsManagement"
ROOT_SESSIONS = "RootSessions"


def _iam_error(code: str, message: str) -> ServiceError:
    return ServiceError(message, code=code, status=400)


def _features(ctx: RequestContext, *, management_only: bool) -> Any:
    """The caller's organization, with the errors the API reference lists. Rule chosen:
    trusted access for IAM counts as enabled (the mock does not serve EnableAWSServiceAccess)."""
    org = ctx.world.organizations.of_account(ctx.account_id)
    if org is None:
        raise _iam_error(
            "OrganizationNotFoundException",
            "The request failed because no organization is associated with your account.",
        )
    if org.feature_set != "ALL":
        raise _iam_error(
            "OrganizationNotInAllFeaturesModeException",
            "The request failed because your organization does not have all features enabled.",
        )
    if ctx.account_id != org.management_account_id:
        code = (
            "CallerIsNotManagementAccountException"
            if management_only
            else "AccountNotManagementOrDelegatedAdministratorException"
        )
        raise _iam_error(
            code,
            "The request was rejected because the account making the request is not the management account of the organization.",
        )
    return org


def _answer(org: Any) -> dict[str, Any]:
    return {"OrganizationId": org.org_id, "EnabledFeatures": sorted(org.iam_features)}


@provider.handles("ListOrganizationsFeatures")
def list_organizations_features(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    return _answer(_features(ctx, management_only=False))


def _toggle(ctx: RequestContext, feature: str, enabled: bool) -> dict[str, Any]:
    org = _features(ctx, management_only=True)
    if enabled:
        org.iam_features.add(feature)
    else:
        org.iam_features.discard(feature)
    return _answer(org)


@provider.handles("EnableOrganizationsRootCredentialsManagement")
def enable_organizations_root_credentials_management(
    ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    return _toggle(ctx, ROOT_CREDENTIALS_MANAGEMENT, True)


@provider.handles("DisableOrganizationsRootCredentialsManagement")
def disable_organizations_root_credentials_management(
    ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    return _toggle(ctx, ROOT_CREDENTIALS_MANAGEMENT, False)


@provider.handles("EnableOrganizationsRootSessions")
def enable_organizations_root_sessions(
    ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    return _toggle(ctx, ROOT_SESSIONS, True)


@provider.handles("DisableOrganizationsRootSessions")
def disable_organizations_root_sessions(
    ctx: RequestContext, params: dict[str, Any]
) -> dict[str, Any]:
    return _toggle(ctx, ROOT_SESSIONS, False)
