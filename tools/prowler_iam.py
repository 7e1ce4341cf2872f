"""Prowler's IAM service and a set of its IAM checks, unchanged, against the mock.

The provider is built as Prowler's tests build it (``tests/providers/aws/utils.py``,
``set_mocked_aws_provider``: ``AwsProvider()`` then its session, identity and audit settings
set by hand), made the global provider, and the checks are imported and executed as Prowler's
check tests do. The checks read ``prowler.providers.aws.services.iam.iam_client.iam_client``,
Prowler's own module-level IAM service, built once on import: the default path.

Run in the Prowler virtual environment: ``python tools/prowler_iam.py [result.json]``.
"""

from __future__ import annotations

import importlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _harness import ACCOUNT, HARDWARE_SERIAL, ROOT_ARN, World, build_world, compare, tool_run

USERS = ("alice", "bob", "carol", "dave")
ROOT = "<root_account>"


def expected_results(world: World) -> dict[str, tuple[dict[str, str], str]]:
    """Check -> (status per resource_id, why), written by hand from ``build_world``."""
    policy = world.has("password policy")
    per_policy = {
        # MinimumPasswordLength 8, upper and lower required, no numbers, no symbols,
        # MaxPasswordAge 120, PasswordReusePrevention 5.
        "iam_password_policy_minimum_length_14": "FAIL",
        "iam_password_policy_uppercase": "PASS",
        "iam_password_policy_lowercase": "PASS",
        "iam_password_policy_number": "FAIL",
        "iam_password_policy_symbol": "FAIL",
        "iam_password_policy_reuse_24": "FAIL",
        "iam_password_policy_expires_passwords_within_90_days_or_less": "FAIL",
    }
    expected: dict[str, tuple[dict[str, str], str]] = {
        check: ({ACCOUNT: status} if policy else {}, "the password policy set")
        for check, status in per_policy.items()
    }
    expected.update(
        {
            # Prowler reports the root only when it has a password or an active key in the
            # credential report. The root's password_enabled is always "not_supported" (IAM
            # User Guide, "Getting credential reports"), and the mock has no root keys, so the
            # three root-credential checks find nothing on AWS and here alike.
            "iam_root_mfa_enabled": ({}, "root: password not_supported, no keys: no finding"),
            "iam_root_hardware_mfa_enabled": ({}, "as iam_root_mfa_enabled"),
            "iam_no_root_access_key": ({}, "as iam_root_mfa_enabled"),
            "iam_avoid_root_usage": ({ROOT: "FAIL"}, "root signed in an hour ago"),
            "iam_user_mfa_enabled_console_access": (
                {"alice": "PASS", "bob": "FAIL", "carol": "PASS", "dave": "PASS"},
                "bob has a password and no MFA",
            ),
            "iam_user_hardware_mfa_enabled": (
                {"alice": "FAIL", "bob": "FAIL", "carol": "FAIL", "dave": "PASS"},
                f"alice's MFA is virtual, dave's is hardware ({HARDWARE_SERIAL})",
            ),
            "iam_user_accesskey_unused": (
                {ROOT: "PASS", "alice": "PASS", "bob": "PASS", "carol/AccessKey1": "FAIL",
                 "dave": "PASS"},
                "carol's key 1 last used 100 days ago (limit 45)",
            ),
            "iam_user_console_access_unused": (
                {"alice": "PASS", "bob": "FAIL", "carol": "PASS", "dave": "PASS"},
                "bob signed in 100 days ago (limit 45)",
            ),
            "iam_rotate_access_key_90_days": (
                {ROOT: "PASS", "alice-access-key-1": "FAIL", "bob": "PASS",
                 "carol-access-key-1": "FAIL", "dave": "PASS"},
                "alice's and carol's first keys are 120 days old, carol's second 10",
            ),
            "iam_user_two_active_access_key": (
                {ROOT: "PASS", "alice": "PASS", "bob": "PASS", "carol": "FAIL", "dave": "PASS"},
                "carol has two active keys",
            ),
            "iam_check_saml_providers_sts": (
                {"harness-idp": "PASS"} if world.has("SAML provider") else {ACCOUNT: "FAIL"},
                "one SAML provider (FAIL 'none found' if it could not be made)",
            ),
            "iam_no_expired_server_certificates_stored": (
                {world.facts["certificate_id"]: "PASS"} if world.has("server certificate")
                else {},
                "the certificate expires in ten years",
            ),
        }
    )
    return expected


def main() -> None:
    from iam_access_mock import mock_access

    with tool_run("prowler", "prowler") as result, mock_access() as aws:
        world = build_world(aws)
        result["world_built"](world)

        from argparse import Namespace

        from boto3 import session
        from botocore.config import Config
        from prowler.providers.aws.aws_provider import AwsProvider
        from prowler.providers.common.models import Audit_Metadata
        from prowler.providers.common.provider import Provider

        expected = expected_results(world)
        # As set_mocked_aws_provider does (Prowler's tests/providers/aws/utils.py).
        provider = AwsProvider()
        provider._session.original_session = None
        provider._session.current_session = session.Session(profile_name=None, botocore_session=None)
        provider._session.session_config = Config()
        provider._identity.account = ACCOUNT
        provider._identity.account_arn = ROOT_ARN
        provider._identity.user_id = None
        provider._identity.partition = "aws"
        provider._identity.identity_arn = None
        provider._identity.profile = None
        provider._identity.profile_region = None
        provider._identity.audited_regions = ["us-east-1"]
        provider._scan_unused_services = True
        provider._enabled_regions = {"us-east-1"}
        provider._organizations_metadata = None
        provider._audit_resources = []
        provider._audit_config = {}
        provider._fixer_config = {}
        provider._mutelist = None
        provider.audit_metadata = Audit_Metadata(
            services_scanned=0, expected_checks=list(expected), completed_checks=0,
            audit_progress=0,
        )
        provider.output_options = Namespace(), {}
        Provider.set_global_provider(provider)
        result["ran"].append("AwsProvider() as set_mocked_aws_provider builds it")

        iam_client = importlib.import_module(
            "prowler.providers.aws.services.iam.iam_client"
        ).iam_client
        result["ran"].append("IAM service (prowler.providers.aws.services.iam.iam_client)")
        result["service"] = {
            "users": [u.name for u in iam_client.users],
            "console_access": {u.name: u.console_access for u in iam_client.users},
            "credential_report_rows": [row.get("user") for row in iam_client.credential_report],
            "password_policy": bool(iam_client.password_policy),
            "account_summary": bool(iam_client.account_summary),
            "virtual_mfa_devices": len(iam_client.virtual_mfa_devices or []),
            "saml_providers": None if iam_client.saml_providers is None
            else sorted(iam_client.saml_providers),
            "server_certificates": [c.name for c in iam_client.server_certificates],
        }

        for check, (statuses, why) in expected.items():
            module = importlib.import_module(
                f"prowler.providers.aws.services.iam.{check}.{check}"
            )
            try:
                findings = getattr(module, check)().execute()
            except Exception as error:  # noqa: BLE001 - a check that crashes is a finding
                result["checks"].append(
                    {"check": check, "ok": False, "resources": [],
                     "note": f"check raised {type(error).__name__}: {error}"}
                )
                continue
            actual = {f.resource_id: f.status for f in findings}
            result["checks"].append(compare(check, statuses, actual, why))
        result["ran"].append(f"{len(expected)} IAM checks")


if __name__ == "__main__":
    main()
