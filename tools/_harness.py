"""What the tool scripts share: the world, the call recorder, the result.

Each tool script runs in the tool's own virtual environment (the tool from PyPI, unchanged,
and this repo installed beside it), imports this module from its own folder, builds the world
inside ``mock_access()``, runs the tool in process, and writes one JSON result that
``run_all.py`` collects.

NotImplemented answers are counted by wrapping ``botocore.client.BaseClient._make_api_call``
(the method every botocore client call goes through, above the mock, which answers in the
endpoint below it): every call is counted by ``Service:Operation``, and every ClientError by
its code, before the tool's own ``except`` can swallow it. A retried call passes through the
wrapper once per attempt, so retries show as repeated counts too.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from importlib import metadata
from typing import Any

ACCOUNT = "123456789012"
REGION = "us-east-1"
ARN = f"arn:aws:iam::{ACCOUNT}"
ROOT_ARN = f"{ARN}:root"


# The services the mock serves (botocore service ids, hyphenized).
SERVED_SERVICES = frozenset({"iam", "sts", "organizations", "accessanalyzer"})


def user_arn(name: str) -> str:
    return f"{ARN}:user/{name}"


# ---------------------------------------------------------------------------------------------
# Calls: every botocore call, and the ClientErrors it raised, by operation.


class CallRecorder:
    """Counts botocore calls and their ClientErrors while installed (thread-safe)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()  # "Service:Operation:Code"
        self.not_implemented: Counter[str] = Counter()  # "Service:Operation"
        self.messages: dict[str, str] = {}  # first message per "Service:Operation:Code"
        self._lock = threading.Lock()
        self._original: Any = None

    def install(self) -> None:
        from botocore.client import BaseClient
        from botocore.exceptions import ClientError

        original = BaseClient._make_api_call
        recorder = self

        def _make_api_call(client: Any, operation_name: str, api_params: Any) -> Any:
            name = f"{client.meta.service_model.service_id.hyphenize()}:{operation_name}"
            with recorder._lock:
                recorder.calls[name] += 1
            try:
                return original(client, operation_name, api_params)
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code", "?")
                key = f"{name}:{code}"
                with recorder._lock:
                    recorder.errors[key] += 1
                    recorder.messages.setdefault(
                        key, str(error.response.get("Error", {}).get("Message", ""))[:300]
                    )
                    if code == "NotImplemented":
                        recorder.not_implemented[name] += 1
                raise

        self._original = original
        BaseClient._make_api_call = _make_api_call  # type: ignore[method-assign]

    def uninstall(self) -> None:
        if self._original is not None:
            from botocore.client import BaseClient

            BaseClient._make_api_call = self._original  # type: ignore[method-assign]
            self._original = None

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.errors.clear()
            self.not_implemented.clear()
            self.messages.clear()

    def snapshot(self) -> dict[str, Any]:
        """The counts; NotImplemented split into the mock's services and the others (EC2, S3,
        ... are moto's job, not this library's: reported, but not a failure)."""
        with self._lock:
            ours = {k: v for k, v in self.not_implemented.items()
                    if k.split(":")[0] in SERVED_SERVICES}
            return {
                "calls": dict(sorted(self.calls.items())),
                "client_errors": dict(sorted(self.errors.items())),
                "client_error_messages": dict(sorted(self.messages.items())),
                "not_implemented": dict(sorted(ours.items())),
                "not_implemented_other_services": dict(sorted(
                    (k, v) for k, v in self.not_implemented.items() if k not in ours)),
            }


class ErrorLog(logging.Handler):
    """Keeps the tool's log records at ERROR and above (the tools log swallowed errors)."""

    def __init__(self, limit: int = 200) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[str] = []
        self.limit = limit

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.records) < self.limit:
            try:
                text = record.getMessage()
            except Exception:  # noqa: BLE001 - a tool's malformed log call must not stop the run
                text = str(record.msg)
            self.records.append(f"{record.name}: {text}"[:500])


# ---------------------------------------------------------------------------------------------
# The world: the same account for every tool.


@dataclass
class World:
    """What was built, and which steps the mock did not serve (or refused)."""

    now: datetime
    built: list[str] = field(default_factory=list)
    unserved: dict[str, str] = field(default_factory=dict)  # step -> operation
    failed: dict[str, str] = field(default_factory=dict)  # step -> error
    facts: dict[str, Any] = field(default_factory=dict)

    def has(self, step: str) -> bool:
        return step in self.built

    def as_dict(self) -> dict[str, Any]:
        return {
            "built": self.built,
            "unserved": self.unserved,
            "failed": self.failed,
            "facts": {k: v for k, v in self.facts.items() if isinstance(v, (str, int, list))},
        }


PASSWORD_POLICY = {
    # Weaker than CIS: 8 characters, no numbers or symbols, 120-day age, 5 remembered.
    "MinimumPasswordLength": 8,
    "RequireUppercaseCharacters": True,
    "RequireLowercaseCharacters": True,
    "RequireNumbers": False,
    "RequireSymbols": False,
    "MaxPasswordAge": 120,
    "PasswordReusePrevention": 5,
    "AllowUsersToChangePassword": True,
}

S3_READ = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
)
EC2_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
# SAML metadata with the IdP's signing certificate (IAM wants at least 1,000 characters).
SAML_METADATA = """<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com/saml">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
        <ds:X509Data><ds:X509Certificate>{certificate}</ds:X509Certificate></ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"""
# An AWS managed policy on the role: tools read its document and Description; it grants no S3.
EC2_READ_ONLY = "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess"
OIDC_URL = "https://token.actions.githubusercontent.com"
OIDC_THUMBPRINT = "6938fd4d98bab03faadb97b34396831e3780aea1"
HARDWARE_SERIAL = "GAHT12345678"


def _self_signed_certificate(workdir: str) -> tuple[str, str] | None:
    """A fresh self-signed certificate and key (PEM), made here so no key sits in the repo."""
    if shutil.which("openssl"):
        key, cert = os.path.join(workdir, "key.pem"), os.path.join(workdir, "cert.pem")
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
             "-out", cert, "-days", "3650", "-subj", "/CN=harness.example.com"],
            check=True, capture_output=True,
        )
        with open(cert) as c, open(key) as k:
            return c.read(), k.read()
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID
    except ImportError:
        return None
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "harness.example.com")])
    start = datetime.now(timezone.utc) - timedelta(days=1)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(private.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(start + timedelta(days=3650))
        .sign(private, hashes.SHA256())
    )
    return (
        certificate.public_bytes(serialization.Encoding.PEM).decode(),
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ).decode(),
    )


def build_world(aws: Any) -> World:
    """The account every tool reads; each step guarded so an unserved one is a finding.

    Users (the clock is set back 120 days to create them, so keys and passwords have an age):
    - alice: password, virtual MFA, signed in 1 day ago; one key, used 2 days ago; an inline
      policy allowing s3:GetObject; member of group "devs"; a CodeCommit credential.
    - bob: password, no MFA, signed in 100 days ago; no keys.
    - carol: no password; key 1 (made 120 days ago, used 100 days ago), key 2 (made 10 days
      ago, used 5 days ago); a permissions boundary (the policy "carol-boundary").
    - dave: no password, no keys, a hardware MFA device, an SSH public key (the server
      certificate's key, by ssh-keygen, where it is installed).
    Root: no MFA, signed in an hour ago. A password policy weaker than CIS. A role
    "app-role" (EC2 trust, AmazonEC2ReadOnlyAccess attached) in an instance profile "app-profile"; an unattached customer policy
    "unused-policy" with a tag; a SAML and an OIDC provider; a server certificate; an alias.
    """
    import boto3
    from botocore.exceptions import ClientError

    now = datetime.now(timezone.utc).replace(microsecond=0)
    world = World(now=now)
    iam = boto3.client("iam", region_name=REGION)

    def step(name: str, action: Callable[[], Any]) -> Any:
        try:
            result = action()
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            op = error.operation_name
            if code == "NotImplemented":
                world.unserved[name] = op
            else:
                world.failed[name] = f"{op}: {code}: {error.response['Error'].get('Message')}"
            return None
        except Exception as error:  # noqa: BLE001 - the mock's own crash is a finding, not a harness crash
            world.failed[name] = f"{type(error).__name__}: {error}"
            return None
        world.built.append(name)
        return result if result is not None else True

    def at(days_ago: float) -> None:
        aws.clock.set(now - timedelta(days=days_ago))

    def call_with_key(key: dict[str, str]) -> None:
        boto3.client(
            "sts", region_name=REGION, aws_access_key_id=key["AccessKeyId"],
            aws_secret_access_key=key["SecretAccessKey"],
        ).get_caller_identity()

    at(120)
    step("password policy", lambda: iam.update_account_password_policy(**PASSWORD_POLICY))
    step("alias", lambda: iam.create_account_alias(AccountAlias="harness-account"))
    for name in ("alice", "bob", "carol", "dave"):
        step(f"user {name}", lambda name=name: iam.create_user(UserName=name))
    step("group devs", lambda: iam.create_group(GroupName="devs"))
    step("alice in devs", lambda: iam.add_user_to_group(GroupName="devs", UserName="alice"))
    step("alice inline s3 policy", lambda: iam.put_user_policy(
        UserName="alice", PolicyName="s3-read", PolicyDocument=S3_READ))
    step("alice password", lambda: iam.create_login_profile(
        UserName="alice", Password="Correct-Horse-Battery-42"))
    step("bob password", lambda: iam.create_login_profile(
        UserName="bob", Password="Tr0ub4dor-and-3"))

    def alice_virtual_mfa() -> Any:
        serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")[
            "VirtualMFADevice"]["SerialNumber"]
        code1, code2 = aws.mfa_codes(serial)
        iam.enable_mfa_device(UserName="alice", SerialNumber=serial,
                              AuthenticationCode1=code1, AuthenticationCode2=code2)
        world.facts["alice_mfa_serial"] = serial

    step("alice virtual MFA", alice_virtual_mfa)
    step("dave hardware MFA", lambda: iam.enable_mfa_device(
        UserName="dave", SerialNumber=HARDWARE_SERIAL,
        AuthenticationCode1="123456", AuthenticationCode2="654321"))
    alice_key = step("alice key", lambda: iam.create_access_key(UserName="alice")["AccessKey"])
    carol_key1 = step("carol key 1", lambda: iam.create_access_key(UserName="carol")["AccessKey"])
    step("role app-role", lambda: iam.create_role(
        RoleName="app-role", AssumeRolePolicyDocument=EC2_TRUST))
    step("app-role AWS managed policy", lambda: iam.attach_role_policy(
        RoleName="app-role", PolicyArn=EC2_READ_ONLY))
    step("instance profile", lambda: iam.create_instance_profile(InstanceProfileName="app-profile"))
    if world.has("instance profile"):
        step("role in instance profile", lambda: iam.add_role_to_instance_profile(
            InstanceProfileName="app-profile", RoleName="app-role"))
    policy = step("customer policy", lambda: iam.create_policy(
        PolicyName="unused-policy", PolicyDocument=S3_READ)["Policy"])
    if isinstance(policy, dict):
        world.facts["policy_arn"] = policy["Arn"]
        step("policy tag", lambda: iam.tag_policy(
            PolicyArn=policy["Arn"], Tags=[{"Key": "team", "Value": "harness"}]))
    # carol's boundary is a policy of its own: one used as a boundary is in use (airiam
    # counts PermissionsBoundaryUsageCount), and "unused-policy" must stay attached to nobody.
    boundary = step("boundary policy", lambda: iam.create_policy(
        PolicyName="carol-boundary", PolicyDocument=S3_READ)["Policy"])
    if isinstance(boundary, dict):
        step("carol boundary", lambda: iam.put_user_permissions_boundary(
            UserName="carol", PermissionsBoundary=boundary["Arn"]))
    oidc = step("OIDC provider", lambda: iam.create_open_id_connect_provider(
        Url=OIDC_URL, ClientIDList=["sts.amazonaws.com"], ThumbprintList=[OIDC_THUMBPRINT]))
    if isinstance(oidc, dict):
        world.facts["oidc_arn"] = oidc.get("OpenIDConnectProviderArn", "")
    with tempfile.TemporaryDirectory() as workdir:
        pair = _self_signed_certificate(workdir)
    if pair is None:
        world.failed["server certificate"] = "neither openssl nor cryptography to make one"
    else:
        body = "".join(line for line in pair[0].splitlines() if "-----" not in line)
        saml = step("SAML provider", lambda: iam.create_saml_provider(
            Name="harness-idp", SAMLMetadataDocument=SAML_METADATA.format(certificate=body)))
        if isinstance(saml, dict):
            world.facts["saml_arn"] = saml.get("SAMLProviderArn", "")

    at(100)
    if isinstance(carol_key1, dict):
        step("carol key 1 used", lambda: call_with_key(carol_key1))
    if world.has("bob password"):
        step("bob sign-in", lambda: aws.record_sign_in(user_arn("bob")))
    at(10)
    carol_key2 = step("carol key 2", lambda: iam.create_access_key(UserName="carol")["AccessKey"])
    at(5)
    if isinstance(carol_key2, dict):
        step("carol key 2 used", lambda: call_with_key(carol_key2))
    at(2)
    if isinstance(alice_key, dict):
        step("alice key used", lambda: call_with_key(alice_key))
    at(1)
    if world.has("alice password"):
        step("alice sign-in", lambda: aws.record_sign_in(user_arn("alice")))
    at(1 / 24)
    step("root sign-in", lambda: aws.record_sign_in(ROOT_ARN))
    step("alice CodeCommit credential", lambda: iam.create_service_specific_credential(
        UserName="alice", ServiceName="codecommit.amazonaws.com"))
    if pair is not None and shutil.which("ssh-keygen"):
        with tempfile.TemporaryDirectory() as workdir:
            key_file = os.path.join(workdir, "key.pem")
            with open(key_file, "w") as stream:
                stream.write(pair[1])
            os.chmod(key_file, 0o600)
            public = subprocess.run(["ssh-keygen", "-y", "-f", key_file], check=True,
                                    capture_output=True, text=True).stdout.strip()
        step("dave SSH key", lambda: iam.upload_ssh_public_key(
            UserName="dave", SSHPublicKeyBody=public))
    aws.clock.follow_real_time()
    # Uploaded on the real clock: the certificate was made just now, and IAM refuses one
    # whose notBefore is after the upload.
    if pair is not None:
        certificate = step("server certificate", lambda: iam.upload_server_certificate(
            ServerCertificateName="harness-cert", CertificateBody=pair[0], PrivateKey=pair[1]))
        if isinstance(certificate, dict):
            world.facts["certificate_id"] = certificate["ServerCertificateMetadata"][
                "ServerCertificateId"]
    return world


# ---------------------------------------------------------------------------------------------
# Checks against expectations, and the result file.


def compare(check: str, expected: dict[str, str], actual: dict[str, str],
            note: str = "") -> dict[str, Any]:
    """One check: the status per resource expected and found (missing or extra ones differ)."""
    resources = sorted(set(expected) | set(actual))
    rows = [
        {"resource": r, "expected": expected.get(r, "-"), "actual": actual.get(r, "-")}
        for r in resources
    ]
    return {
        "check": check,
        "ok": expected == actual,
        "resources": rows,
        **({"note": note} if note else {}),
    }


def version_of(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


@contextmanager
def tool_run(tool: str, distribution: str) -> Iterator[dict[str, Any]]:
    """The result of one tool's run, filled in by the script and written as JSON at the end.

    The caller fills ``ran`` and ``checks`` and calls ``result["world_built"](world)`` once the
    world is built (the calls made so far are the world's, kept apart from the tool's); the
    recorder, the error log and the timing are added here. The file is written even when the
    run raises.
    """
    out = os.environ.get("TOOLS_RESULT") or (sys.argv[1] if len(sys.argv) > 1 else None)
    result: dict[str, Any] = {
        "tool": tool,
        "distribution": distribution,
        "version": version_of(distribution),
        "boto3": version_of("boto3"),
        "botocore": version_of("botocore"),
        "ran": [],
        "checks": [],
        "world": None,
        "exceptions": [],
    }
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    recorder = CallRecorder()
    log = ErrorLog()
    logging.getLogger().addHandler(log)
    recorder.install()
    started = time.monotonic()

    def world_built(world: World) -> None:
        result["world"] = world.as_dict()
        result["world"]["calls"] = recorder.snapshot()
        recorder.reset()
        log.records.clear()

    result["world_built"] = world_built
    try:
        yield result
    except BaseException as error:  # noqa: BLE001 - every failure becomes part of the result
        result["exceptions"].append(
            f"{type(error).__name__}: {error}\n"
            + "".join(traceback.format_exception(error)[-6:])[-2000:]
        )
    finally:
        recorder.uninstall()
        result.pop("world_built", None)
        logging.getLogger().removeHandler(log)
        result["run_seconds"] = round(time.monotonic() - started, 2)
        result.update(recorder.snapshot())
        result["error_log"] = log.records
        text = json.dumps(result, indent=2, default=str)
        if out:
            with open(out, "w") as f:
                f.write(text)
        else:
            print(text)
