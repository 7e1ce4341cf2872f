"""Cloud Custodian (c7n) IAM policies, unchanged, against the mock.

Policies are loaded and run as ``custodian run`` does: ``load_resources``, then a
``PolicyCollection`` from the policy data with a ``Config`` naming a local output folder, and
each policy's ``run()`` (pull mode). Each policy's matched resources are compared with the
names expected from the world; a policy that raises is a finding, with the error.

Run in the c7n virtual environment: ``python tools/custodian_iam.py [result.json]``.
"""

from __future__ import annotations

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _harness import ACCOUNT, OIDC_URL, REGION, World, build_world, compare, tool_run

# report_delay: Custodian sleeps this long after GenerateCredentialReport (10 s by default);
# the mock's report is complete at once. A policy option, not a change to the tool.
CREDENTIAL = {"type": "credential", "report_delay": 0}


def policies(world: World) -> list[tuple[dict, list[str], str]]:
    """(policy, the names it should match, why), written by hand from ``build_world``."""
    account = [ACCOUNT]
    return [
        ({"name": "account-root-mfa-off", "resource": "aws.account",
          "filters": [{"type": "iam-summary", "key": "AccountMFAEnabled", "value": 0}]},
         account, "root has no MFA"),
        ({"name": "account-root-no-mfa-credential", "resource": "aws.account",
          "filters": [{**CREDENTIAL, "key": "mfa_active", "value": False}]},
         account, "the <root_account> row: mfa_active false"),
        ({"name": "account-password-policy-weak", "resource": "aws.account",
          "filters": [{"type": "password-policy", "key": "MinimumPasswordLength",
                       "value": 14, "op": "lt"}]},
         account if world.has("password policy") else [], "8 < 14"),
        ({"name": "account-alias", "resource": "aws.account",
          "filters": [{"account_name": "harness-account"}]},
         account if world.has("alias") else [], "ListAccountAliases gives the name"),
        ({"name": "user-console-without-mfa", "resource": "aws.iam-user",
          "filters": [{**CREDENTIAL, "key": "password_enabled", "value": True},
                      {**CREDENTIAL, "key": "mfa_active", "value": False}]},
         ["bob"], "bob: password, no MFA"),
        ({"name": "user-key-unused-90-days", "resource": "aws.iam-user",
          "filters": [{**CREDENTIAL, "key": "access_keys.last_used_date",
                       "value_type": "age", "value": 90, "op": "greater-than"}]},
         ["carol"], "carol's key 1 last used 100 days ago"),
        ({"name": "user-no-mfa-device", "resource": "aws.iam-user",
          "filters": [{"type": "mfa-device", "value": "empty"}]},
         ["bob", "carol"], "alice virtual, dave hardware"),
        ({"name": "user-login-profile", "resource": "aws.iam-user",
          "filters": [{"type": "login-profile"}]},
         ["alice", "bob"], "alice and bob have passwords"),
        ({"name": "user-ssh-key-active", "resource": "aws.iam-user",
          "filters": [{"type": "ssh-key", "key": "Status", "value": "Active"}]},
         ["dave"] if world.has("dave SSH key") else [], "dave's SSH key is Active"),
        ({"name": "user-service-specific-credentials", "resource": "aws.iam-user",
          "filters": [{"type": "service-specific-credentials", "key": "Status",
                       "value": "Active"}]},
         ["alice"] if world.has("alice CodeCommit credential") else [],
         "alice's CodeCommit credential is Active"),
        ({"name": "user-can-read-s3", "resource": "aws.iam-user",
          "filters": [{"type": "check-permissions", "match": "allowed",
                       "actions": ["s3:GetObject"]}]},
         ["alice"], "alice's inline policy allows s3:GetObject"),
        ({"name": "role-cannot-read-s3", "resource": "aws.iam-role",
          "filters": [{"type": "check-permissions", "match": "denied",
                       "actions": ["s3:GetObject"]}]},
         ["app-role"], "app-role has no policy"),
        ({"name": "instance-profiles", "resource": "aws.iam-profile"},
         ["app-profile"] if world.has("instance profile") else [], "one instance profile"),
        ({"name": "server-certificates", "resource": "aws.iam-certificate"},
         ["harness-cert"] if world.has("server certificate") else [], "one certificate"),
        ({"name": "saml-providers", "resource": "aws.iam-saml-provider"},
         ["harness-idp"] if world.has("SAML provider") else [], "one SAML provider"),
        ({"name": "oidc-providers", "resource": "aws.iam-oidc-provider"},
         [OIDC_URL.split("://", 1)[1]] if world.has("OIDC provider") else [],
         "one OIDC provider"),
    ]


def name_of(resource: dict) -> str:
    for key in ("UserName", "RoleName", "InstanceProfileName", "ServerCertificateName",
                "account_id"):
        if key in resource:
            return str(resource[key])
    arn = resource.get("Arn", "")
    return arn.split("/", 1)[1] if "/" in arn else str(resource)


def main() -> None:
    from iam_access_mock import mock_access

    with tool_run("custodian", "c7n") as result, mock_access() as aws, \
            tempfile.TemporaryDirectory() as output_dir:
        world = build_world(aws)
        result["world_built"](world)

        from c7n.config import Config
        from c7n.policy import PolicyCollection
        from c7n.resources import load_resources

        load_resources(("aws.*",))
        options = Config.empty(
            region=REGION, regions=[REGION], account_id=ACCOUNT, output_dir=output_dir,
            cache="memory",
        )
        wanted = policies(world)
        collection = PolicyCollection.from_data(
            {"policies": [policy for policy, _, _ in wanted]}, options
        )
        for policy, (data, expected, why) in zip(collection, wanted):
            policy.validate()
            try:
                resources = policy.run() or []
            except Exception as error:  # noqa: BLE001 - a policy that errors is a finding
                result["checks"].append(
                    {"check": data["name"], "ok": False, "resources": [],
                     "note": f"policy raised {type(error).__name__}: {error}"[:600]}
                )
                continue
            actual = {name_of(r): "MATCH" for r in resources}
            result["checks"].append(
                compare(data["name"], {name: "MATCH" for name in expected}, actual, why)
            )
        result["ran"].append(f"{len(wanted)} policies (PolicyCollection, pull mode)")


if __name__ == "__main__":
    main()
