"""Text a response cannot carry never gets into the world: every string member of every
request is checked at the edge, and what is stored always reads back.

XML 1.0 (the query protocol's responses) cannot carry most C0 control characters, lone
surrogates or U+FFFE/U+FFFF. Members with a model pattern fail their pattern; members
without one (a policy's Description, ARNs) fail the protocol's own text rule, quoted as a
pattern. A lone surrogate cannot even be sent as UTF-8: its percent-encoded bytes are
MalformedQueryString.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.session
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError
from key_material import CERTIFICATE, KEY, OTHER_CERTIFICATE, SSH_RSA
from support import (
    ACCOUNT,
    ALICE,
    TRUST_ROOT,
    allow,
    client_error,
    generate,
    raw_client,
    sends_lone_surrogates,
)

from iam_access_mock import AccessMock, mock_access
from iam_access_mock.protocol.constraints import check, validation_message
from iam_access_mock.protocol.text import UTF8_TEXT, XML_TEXT
from iam_access_mock.services import provider_for

IAM_MODEL = botocore.session.get_session().get_service_model("iam")
XML_RULE = (
    r"Member must satisfy regular expression pattern: "
    r"[\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\x{10000}-\x{10FFFF}]*"
)
POLICY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/p1"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/r1"

# Text XML 1.0 cannot carry, and what the mock must answer to it.
UNWRITABLE = ["a\x01b", "\x00", "tab\x0bvertical", "\x1f", "\ufffe", "x\uffffy"]
LONE_SURROGATES = ["\ud800", "a\udfffb"]
# Text XML 1.0 can carry that is easy to get wrong: accepted where the rules allow it.
AWKWARD = ["line\nbreak\ttab\rreturn", "\x7f\x85\x9f", "\u2028\u2029", "\U0001f600", "]]>&<'\""]


@pytest.fixture
def aws() -> Iterator[AccessMock]:
    with mock_access() as mock:
        yield mock


@pytest.fixture
def iam(aws: AccessMock) -> Any:
    return sends_lone_surrogates(raw_client("iam"))


def test_unwritable_policy_description_is_refused_and_the_world_still_reads(iam: Any) -> None:
    code, message, status = client_error(
        lambda: iam.create_policy(
            PolicyName="p", PolicyDocument=allow("s3:GetObject"), Description="a\x01b"
        )
    )
    assert (code, status) == ("ValidationError", 400)
    assert message == (
        f"1 validation error detected: Value at 'description' failed to satisfy constraint: "
        f"{XML_RULE}"
    )
    assert iam.get_account_authorization_details()["Policies"] == []


def test_unwritable_tag_value_fails_the_tag_pattern(iam: Any) -> None:
    iam.create_user(UserName="u")
    assert client_error(
        lambda: iam.tag_user(UserName="u", Tags=[{"Key": "k", "Value": "a\x01b"}])
    ) == (
        "ValidationError",
        (
            "1 validation error detected: Value at 'tags.1.member.value' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: "
            r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*"
        ),
        400,
    )
    assert iam.list_user_tags(UserName="u")["Tags"] == []


def test_unwritable_user_path_fails_the_path_pattern(iam: Any) -> None:
    assert client_error(lambda: iam.create_user(UserName="u", Path="/a\x01b/")) == (
        "ValidationError",
        (
            "1 validation error detected: Value at 'path' failed to satisfy constraint: "
            r"Member must satisfy regular expression pattern: "
            r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)"
        ),
        400,
    )
    assert iam.list_users()["Users"] == []


def test_unwritable_arn_fails_the_text_rule(iam: Any) -> None:
    code, message, _ = client_error(lambda: iam.get_policy(PolicyArn=POLICY_ARN + "\x01"))
    assert code == "ValidationError"
    assert message == (
        f"1 validation error detected: Value at 'policyArn' failed to satisfy constraint: "
        f"{XML_RULE}"
    )


def test_a_lone_surrogate_is_a_malformed_query_string(iam: Any) -> None:
    assert client_error(lambda: iam.create_policy(
        PolicyName="p", PolicyDocument=allow("s3:GetObject"), Description="\ud800"
    )) == (
        "MalformedQueryString",
        "The query string contains a syntax error: percent-escaped bytes that are not UTF-8.",
        404,
    )


def test_sts_echoes_an_unwritable_value_as_a_replacement_character(aws: AccessMock) -> None:
    sts = raw_client("sts")
    code, message, status = client_error(
        lambda: sts.assume_role(RoleArn=ROLE_ARN, RoleSessionName="a\x01b")
    )
    assert (code, status) == ("ValidationError", 400)
    assert message.startswith(
        "1 validation error detected: Value 'a\ufffdb' at 'roleSessionName' failed to satisfy"
    )


@pytest.mark.parametrize("text", AWKWARD)
def test_awkward_but_writable_description_round_trips(iam: Any, text: str) -> None:
    arn = iam.create_policy(PolicyName="p", PolicyDocument=allow("s3:GetObject"), Description=text)[
        "Policy"
    ]["Arn"]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["Description"] == text
    details = iam.get_account_authorization_details(Filter=["LocalManagedPolicy"])
    assert details["Policies"][0]["Description"] == text


def test_fail_next_refuses_a_message_xml_cannot_carry(aws: AccessMock) -> None:
    with pytest.raises(ValueError, match="message must be text XML 1.0 can carry: character "
                       "U\\+0001 at index 1"):
        aws.jobs.fail_next(message="a\x01b")
    aws.jobs.fail_next(message="line\nbreak \U0001f600")
    iam = raw_client("iam")
    iam.create_user(UserName="alice")
    job = iam.get_service_last_accessed_details(JobId=generate(iam))
    assert job["JobStatus"] == "FAILED"
    assert job["Error"]["Message"] == "line\nbreak \U0001f600"


def test_text_rule_names_the_failing_member_of_a_scalar_list() -> None:
    operation = IAM_MODEL.operation_model("CreateOpenIDConnectProvider")
    params = {"Url": "https://example.com", "ClientIDList": ["ok", "a\x01b"]}
    message = validation_message(check(operation.input_shape, params, XML_TEXT), show_values=False)
    assert message == (
        "1 validation error detected: Value at 'clientIDList' failed to satisfy constraint: "
        "Member must satisfy constraint: [Member must have length less than or equal to 255, "
        "Member must have length greater than or equal to 1, " + XML_RULE + "]"
    )


def test_json_text_rule_refuses_only_lone_surrogates() -> None:
    operation = IAM_MODEL.operation_model("CreatePolicy")
    base = {"PolicyName": "p", "PolicyDocument": "{}"}
    assert check(operation.input_shape, {**base, "Description": "a\x01b"}, UTF8_TEXT) == []
    [violation] = check(operation.input_shape, {**base, "Description": "a\ud800"}, UTF8_TEXT)
    assert violation.path == "description"


# ---- every write operation, then every read -----------------------------------------------

SERVED = sorted(provider_for("iam").handlers)  # type: ignore[union-attr]
READS = [name for name in SERVED if name.startswith(("Get", "List"))]


def _takes_text(operation_name: str) -> bool:
    """Whether a write has a string member (GenerateCredentialReport, for one, has none)."""
    shape = IAM_MODEL.operation_model(operation_name).input_shape
    return shape is not None and any(
        member.type_name in ("string", "list", "structure") for member in shape.members.values()
    )


WRITES = [name for name in SERVED if name not in READS and _takes_text(name)]

SAML_ARN = "arn:aws:iam::123456789012:saml-provider/okta"
SAML_METADATA = '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"/>' + " " * 1000
OIDC_ARN = "arn:aws:iam::123456789012:oidc-provider/idp.example.com"
VIRTUAL_MFA = "arn:aws:iam::123456789012:mfa/vdev"  # unassigned, tagged
HARDWARE_MFA = "GAHT12345678"  # enabled for alice (any codes enable a hardware serial)

# A valid value for each member, by member name, naming the entities ``seed`` makes.
BASELINE: dict[str, Any] = {
    "UserName": "alice",
    "GroupName": "devs",
    "RoleName": "r1",
    "PolicyName": "inline",
    "PolicyArn": POLICY_ARN,
    "PolicyDocument": allow("s3:GetObject"),
    "AssumeRolePolicyDocument": TRUST_ROOT,
    "VersionId": "v1",
    "Arn": ALICE,
    "Tags": [{"Key": "k", "Value": "v"}],
    "TagKeys": ["k"],
    "Description": "d",
    "Path": "/",
    "NewPath": "/",
    "NewUserName": "alice",
    "NewGroupName": "devs",
    "Granularity": "SERVICE_LEVEL",
    "PermissionsBoundary": POLICY_ARN,
    "Status": "Active",
    "Password": "Passw0rd!Passw0rd",
    "OldPassword": "Passw0rd!Passw0rd",
    "NewPassword": "N3w!Passw0rd",
    "SerialNumber": VIRTUAL_MFA,
    "AuthenticationCode1": "123456",
    "AuthenticationCode2": "654321",
    "AccountAlias": "my-alias",
    "InstanceProfileName": "ip",
    "PolicySourceArn": ALICE,
    "ActionNames": ["s3:GetObject"],
    "PolicyInputList": [allow("s3:GetObject")],
    "SAMLProviderArn": SAML_ARN,
    "SAMLMetadataDocument": SAML_METADATA,
    "OpenIDConnectProviderArn": OIDC_ARN,
    "Url": "https://new.example.com",
    "ClientID": "client",
    "ClientIDList": ["client"],
    "ThumbprintList": ["a" * 40],
    "ServerCertificateName": "web",
    "NewServerCertificateName": "web",
    "CertificateBody": CERTIFICATE,
    "PrivateKey": KEY,
    "SSHPublicKeyBody": SSH_RSA,
    "Encoding": "SSH",
    "ServiceName": "codecommit.amazonaws.com",
}
# Operations that make a new entity get a new name, so that awkward text is really stored.
NEW_NAMES = {
    "CreateUser": {"UserName": "new-user"},
    "CreateGroup": {"GroupName": "new-group"},
    "CreateRole": {"RoleName": "new-role"},
    "CreatePolicy": {"PolicyName": "new-policy"},
    "CreateVirtualMFADevice": {"VirtualMFADeviceName": "new-device"},
    "CreateInstanceProfile": {"InstanceProfileName": "new-profile"},
    "CreateSAMLProvider": {"Name": "new-provider"},
    "UploadServerCertificate": {"ServerCertificateName": "new-cert"},
    "UploadSigningCertificate": {"CertificateBody": OTHER_CERTIFICATE},
}


def seed(iam: Any) -> dict[str, str]:
    """A user in a group, a role and a managed policy attached to all three, an inline
    policy on each, an access key and a finished job: something for every read."""
    iam.create_user(UserName="alice", Tags=[{"Key": "k", "Value": "v"}])
    iam.create_group(GroupName="devs")
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    iam.create_role(RoleName="r1", AssumeRolePolicyDocument=TRUST_ROOT)
    iam.create_policy(PolicyName="p1", PolicyDocument=allow("s3:GetObject"))
    document = allow("iam:GetUser")
    iam.attach_user_policy(UserName="alice", PolicyArn=POLICY_ARN)
    iam.attach_group_policy(GroupName="devs", PolicyArn=POLICY_ARN)
    iam.attach_role_policy(RoleName="r1", PolicyArn=POLICY_ARN)
    iam.put_user_policy(UserName="alice", PolicyName="inline", PolicyDocument=document)
    iam.put_group_policy(GroupName="devs", PolicyName="inline", PolicyDocument=document)
    iam.put_role_policy(RoleName="r1", PolicyName="inline", PolicyDocument=document)
    key = iam.create_access_key(UserName="alice")["AccessKey"]["AccessKeyId"]
    iam.create_login_profile(UserName="alice", Password="Passw0rd!Passw0rd")
    iam.update_account_password_policy(MinimumPasswordLength=8)
    iam.create_virtual_mfa_device(VirtualMFADeviceName="vdev", Tags=[{"Key": "k", "Value": "v"}])
    iam.enable_mfa_device(
        UserName="alice",
        SerialNumber=HARDWARE_MFA,
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    iam.generate_credential_report()
    iam.create_instance_profile(InstanceProfileName="ip", Tags=[{"Key": "k", "Value": "v"}])
    iam.add_role_to_instance_profile(InstanceProfileName="ip", RoleName="r1")
    iam.create_saml_provider(Name="okta", SAMLMetadataDocument=SAML_METADATA, Tags=[{"Key": "k", "Value": "v"}])
    iam.create_open_id_connect_provider(Url="https://idp.example.com", ClientIDList=["c"], Tags=[{"Key": "k", "Value": "v"}])
    organizations = boto3.client("organizations", region_name="us-east-1")
    org_id = organizations.create_organization()["Organization"]["Id"]
    path = f"{org_id}/{organizations.list_roots()['Roots'][0]['Id']}"
    org_job = iam.generate_organizations_access_report(EntityPath=path)["JobId"]
    iam.upload_server_certificate(
        ServerCertificateName="web", CertificateBody=CERTIFICATE, PrivateKey=KEY, Tags=[{"Key": "k", "Value": "v"}]
    )
    certificate = iam.upload_signing_certificate(UserName="alice", CertificateBody=CERTIFICATE)
    ssh_key = iam.upload_ssh_public_key(UserName="alice", SSHPublicKeyBody=SSH_RSA)
    credential = iam.create_service_specific_credential(UserName="alice", ServiceName="codecommit.amazonaws.com")
    return {
        "AccessKeyId": key,
        "JobId": generate(iam),
        "EntityPath": path,
        "OrgJobId": org_job,
        "CertificateId": certificate["Certificate"]["CertificateId"],
        "SSHPublicKeyId": ssh_key["SSHPublicKey"]["SSHPublicKeyId"],
        "ServiceSpecificCredentialId": credential["ServiceSpecificCredential"]["ServiceSpecificCredentialId"],
    }


def read_params(seeded: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Parameters for every served read operation, on the seeded entities."""
    user, group, role = {"UserName": "alice"}, {"GroupName": "devs"}, {"RoleName": "r1"}
    policy = {"PolicyArn": POLICY_ARN}
    job = {"JobId": seeded["JobId"]}
    return {
        "GetAccessKeyLastUsed": {"AccessKeyId": seeded["AccessKeyId"]},
        "GetAccountAuthorizationDetails": {},
        "GetAccountPasswordPolicy": {},
        "GetAccountSummary": {},
        "GetCredentialReport": {},
        "GetContextKeysForCustomPolicy": {"PolicyInputList": [allow("s3:GetObject")]},
        "GetContextKeysForPrincipalPolicy": {"PolicySourceArn": ALICE},
        "GetLoginProfile": user,
        "GetMFADevice": {"SerialNumber": HARDWARE_MFA, **user},
        "ListAccountAliases": {},
        "ListMFADevices": user,
        "ListMFADeviceTags": {"SerialNumber": VIRTUAL_MFA},
        "ListOrganizationsFeatures": {},
        "ListVirtualMFADevices": {},
        "GetGroup": group,
        "GetOrganizationsAccessReport": {"JobId": seeded["OrgJobId"]},
        "GetGroupPolicy": {**group, "PolicyName": "inline"},
        "GetPolicy": policy,
        "GetPolicyVersion": {**policy, "VersionId": "v1"},
        "GetRole": role,
        "GetRolePolicy": {**role, "PolicyName": "inline"},
        "GetServiceLastAccessedDetails": job,
        "GetServiceLastAccessedDetailsWithEntities": {**job, "ServiceNamespace": "s3"},
        "GetUser": user,
        "GetUserPolicy": {**user, "PolicyName": "inline"},
        "ListAccessKeys": user,
        "ListAttachedGroupPolicies": group,
        "ListAttachedRolePolicies": role,
        "ListAttachedUserPolicies": user,
        "ListEntitiesForPolicy": policy,
        "ListGroupPolicies": group,
        "ListGroups": {},
        "ListGroupsForUser": user,
        "ListPolicies": {"Scope": "Local"},
        "ListPolicyTags": policy,
        "GetInstanceProfile": {"InstanceProfileName": "ip"},
        "ListInstanceProfiles": {},
        "GetSAMLProvider": {"SAMLProviderArn": SAML_ARN},
        "ListSAMLProviders": {},
        "ListSAMLProviderTags": {"SAMLProviderArn": SAML_ARN},
        "GetOpenIDConnectProvider": {"OpenIDConnectProviderArn": OIDC_ARN},
        "ListOpenIDConnectProviders": {},
        "ListOpenIDConnectProviderTags": {"OpenIDConnectProviderArn": OIDC_ARN},
        "ListInstanceProfilesForRole": role,
        "ListInstanceProfileTags": {"InstanceProfileName": "ip"},
        "ListPoliciesGrantingServiceAccess": {"Arn": ALICE, "ServiceNamespaces": ["s3", "iam"]},
        "ListPolicyVersions": policy,
        "ListRolePolicies": role,
        "ListRoleTags": role,
        "ListRoles": {},
        "ListUserPolicies": user,
        "ListUserTags": user,
        "ListUsers": {},
        "GetServerCertificate": {"ServerCertificateName": "web"},
        "ListServerCertificates": {},
        "ListServerCertificateTags": {"ServerCertificateName": "web"},
        "ListSigningCertificates": user,
        "GetSSHPublicKey": {**user, "SSHPublicKeyId": seeded["SSHPublicKeyId"], "Encoding": "SSH"},
        "ListSSHPublicKeys": user,
        "ListServiceSpecificCredentials": user,
    }


def read_everything(iam: Any, seeded: dict[str, str]) -> list[Any]:
    """Every served read operation's answer (every page of GetAccountAuthorizationDetails)."""
    params = read_params(seeded)
    assert sorted(params) == READS, "a served read operation has no parameters here"
    answers: list[Any] = []
    for name, kwargs in params.items():
        if name == "GetAccountAuthorizationDetails":
            pages = iam.get_paginator("get_account_authorization_details").paginate(MaxItems=3)
            answers.extend(pages)
        else:
            answers.append(getattr(iam, xform_name(name))(**kwargs))
    return answers


def string_paths(shape: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path (member names and list index 0) of every string in an input shape."""
    if shape.type_name == "structure":
        for name, member in shape.members.items():
            yield from string_paths(member, (*path, name))
    elif shape.type_name == "list":
        yield from string_paths(shape.member, (*path, 0))
    elif shape.type_name == "string":
        yield path


def with_value(params: dict[str, Any], path: tuple[Any, ...], value: str) -> dict[str, Any]:
    """``params`` (deep-copied) with ``value`` at ``path``, the baseline filling the way."""
    result = json.loads(json.dumps(params))
    node: Any = result
    for step, next_step in zip(path, (*path[1:], None)):
        if next_step is None:
            break
        if isinstance(step, str) and step not in node:
            node[step] = json.loads(json.dumps(BASELINE.get(step, [] if next_step == 0 else {})))
        if isinstance(step, int) and not node:
            node.append({})
        node = node[step]
    if isinstance(path[-1], int) and len(node) <= path[-1]:
        node.append(value)  # a scalar list the baseline leaves empty
    else:
        node[path[-1]] = value
    return result


def member_path(path: tuple[Any, ...]) -> str:
    """AWS's name for the member at ``path`` (a scalar list is named at list level)."""
    parts: list[str] = []
    for index, step in enumerate(path):
        if isinstance(step, int):
            if index == len(path) - 1:
                break
            parts.append(f"{step + 1}.member")
        else:
            parts.append(step[:1].lower() + step[1:])
    return ".".join(parts)


def forbidden_texts(value: Any) -> list[str]:
    """Every string in a parsed answer that XML 1.0 could not have carried."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in forbidden_texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in forbidden_texts(item)]
    return [value] if isinstance(value, str) and not XML_TEXT.allows(value) else []


@pytest.mark.parametrize("operation_name", WRITES)
def test_hostile_text_through_every_write_then_everything_reads_back(
    iam: Any, operation_name: str
) -> None:
    seeded = seed(iam)
    operation = IAM_MODEL.operation_model(operation_name)
    baseline = {**BASELINE, **seeded, **NEW_NAMES.get(operation_name, {})}
    required = {
        name: baseline[name] for name in operation.input_shape.required_members
    }
    call = getattr(iam, xform_name(operation_name))
    paths = list(string_paths(operation.input_shape))
    assert paths, f"{operation_name} takes no string"
    for path in paths:
        for text in UNWRITABLE + LONE_SURROGATES + AWKWARD:
            params = with_value({**required}, path, text)
            try:
                call(**params)
            except ClientError as error:
                status = error.response["ResponseMetadata"]["HTTPStatusCode"]
                assert 400 <= status < 500, (path, text, error)
                code, message = error.response["Error"]["Code"], error.response["Error"]["Message"]
                if text in LONE_SURROGATES:
                    assert code == "MalformedQueryString", (path, text, error)
                elif text in UNWRITABLE:
                    assert code == "ValidationError", (path, text, error)
                    # A bad Marker gets IAM's own marker text (Simulate* are writes with one).
                    named = "marker is invalid" if path == ("Marker",) else f"at '{member_path(path)}'"
                    assert named in message, (path, text, message)
            else:
                assert text in AWKWARD, f"{operation_name} {path} accepted {text!r}"
    answers = read_everything(iam, seeded)
    assert forbidden_texts(answers) == []
