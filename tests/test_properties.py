"""Property tests: whatever a caller sends to a served operation, the answer is AWS-shaped.

For every operation the library serves (IAM and STS, from the registry), hypothesis builds
values for every member from the service model: valid ones (seeded entity names, the
model's patterns and enums, in-range numbers), boundaries (empty, the maximum length and
one past it, range ends) and hostile ones (control characters, lone surrogates, U+FFFE,
long strings, huge and negative numbers, numbers that are text). Each call either succeeds
or raises a ClientError with a 4xx status and a code the model or the protocol names; never
another exception. A second property sends valid calls but for one string member, set to any
text: text XML 1.0 cannot carry is never accepted, whatever the member. The world still reads
back: GetAccountAuthorizationDetails parses after every accepted call (it shows everything
stored), and the List operations too after each operation's examples.

The profile keeps the whole module to a few seconds (CI runs the suite three times on two
cores): few examples per operation, no deadline (a call's time depends on the machine), no
example database (the suite runs without a cache), derandomized so that a run is
reproducible.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import botocore.session
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError
from botocore.model import OperationModel, Shape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from key_material import CERTIFICATE, KEY, OTHER_CERTIFICATE, SSH_PEM, SSH_RSA
from support import ACCOUNT, ALICE, TRUST_ROOT, allow, generate, raw_client, sends_lone_surrogates

from iam_access_mock import mock_access
from iam_access_mock.protocol import codec_for, protocol_of
from iam_access_mock.protocol.text import XML_TEXT, TextRule
from iam_access_mock.services import provider_for, served_services

settings.register_profile(
    "iam-access-mock-properties",
    max_examples=12,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = settings.get_profile("iam-access-mock-properties")
# One string member varies per example, so this property needs a few more to reach them all.
TEXT_PROFILE = settings(PROFILE, max_examples=30)

_session = botocore.session.get_session()
SERVED = [
    (service, name)
    for service in served_services()
    for name in sorted(provider_for(service).handlers)  # type: ignore[union-attr]
]
# The errors any operation may answer besides its modeled ones: the protocol's own (query's
# and JSON's SerializationException), and AccessDenied (observed, e.g. for another account's ARN).
PROTOCOL_ERRORS = {
    "ValidationError",
    "MalformedInput",
    "MalformedQueryString",
    "AccessDenied",
    "SerializationException",
}

POLICY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/p1"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/r1"
GROUP_ARN = f"arn:aws:iam::{ACCOUNT}:group/devs"

# Values that name the seeded entities, by member name: calls reach the handlers' logic.
SEEDS: dict[str, list[Any]] = {
    "UserName": ["alice", "bob"],
    "NewUserName": ["carol"],
    "GroupName": ["devs"],
    "NewGroupName": ["ops"],
    "RoleName": ["r1"],
    "PolicyName": ["inline", "p1"],
    "PolicyArn": [POLICY_ARN, "arn:aws:iam::aws:policy/IAMUserChangePassword"],
    "PermissionsBoundary": [POLICY_ARN],
    "Arn": [ALICE, ROLE_ARN, GROUP_ARN, POLICY_ARN],
    "RoleArn": [ROLE_ARN],
    "PolicyDocument": [allow("s3:GetObject"), allow("iam:*", resource="*")],
    "AssumeRolePolicyDocument": [TRUST_ROOT],
    "Policy": [allow("s3:GetObject")],
    "VersionId": ["v1", "v2"],
    "ServiceNamespace": ["s3", "iam"],
    "ServiceNamespaces[]": ["s3", "iam", "execute-api"],
    "Path": ["/", "/team/"],
    "NewPath": ["/team/"],
    "PathPrefix": ["/", "/team/"],
    "RoleSessionName": ["session"],
    "ServerCertificateName": ["web"],
    "NewServerCertificateName": ["web-2"],
    "CertificateBody": [CERTIFICATE, OTHER_CERTIFICATE],
    "PrivateKey": [KEY],
    "CertificateChain": [OTHER_CERTIFICATE],
    "SSHPublicKeyBody": [SSH_RSA, SSH_PEM],
    "ServiceName": ["codecommit.amazonaws.com", "cassandra.amazonaws.com", "bedrock.amazonaws.com"],
}
# Text that is hostile to a wire format or a parser.
HOSTILE_TEXT = [
    "",
    "a\x01b",
    "\x00",
    "\x0b\x0c",
    "\ud800",
    "a\udfffb",
    "\ufffe",
    "\x7f\x85",
    "\u2028",
    "\U0001f600",
    "]]>&<",
    "%zz",
    "line\nbreak\r",
    "é" * 2000,
]
HOSTILE_NUMBERS = [0, -1, 1 << 31, -(1 << 31) - 1, 1 << 63, -(1 << 63) - 1, 10**100]
NUMBERS_AS_TEXT = ["1.0", " 1", "+1", "9" * 5000, "1\x00", ""]


# A class reaching past ASCII (``[\u0020-\u00FF]+``, STS's ``\uE000-\uFFFD``): slow to build.
_BROAD_CLASS = re.compile(r"\\u(?!00[0-7])[0-9A-Fa-f]{4}")


def _pattern_strategy(pattern: str, low: int, high: int | None) -> st.SearchStrategy[str] | None:
    """Strings matching the model's (Java) pattern, where Python's ``re`` can read it."""
    if r"\p{" in pattern or _BROAD_CLASS.search(pattern) or low > 3:
        # Unicode categories, a text class the other strategies cover, or a minimum length
        # that regex generation would mostly miss (the seeds cover those members)
        return None
    try:
        compiled = re.compile(pattern, re.ASCII)
    except re.error:
        return None
    limit = high if high is not None else 200
    return st.from_regex(compiled, fullmatch=True).filter(lambda text: low <= len(text) <= limit)


def _valid_string(shape: Shape, member: str) -> st.SearchStrategy[Any]:
    meta = shape.metadata
    low, high = meta.get("min", 0), meta.get("max")
    if shape.enum:
        return st.sampled_from(shape.enum)
    options: list[st.SearchStrategy[Any]] = []
    if member in SEEDS:
        options.append(st.sampled_from(SEEDS[member]))
    if "pattern" in meta:
        matching = _pattern_strategy(meta["pattern"], low, high)
        if matching is not None:
            options.append(matching)
        elif not options:
            options.append(st.just("a" * max(low, 1)))
    if not options:
        size = max(low, 1)
        options.append(
            st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=size,
                    max_size=min(size + 20, high or size + 20))
        )
    return st.one_of(options)


def _string(shape: Shape, member: str) -> st.SearchStrategy[Any]:
    high = shape.metadata.get("max")
    options: list[st.SearchStrategy[Any]] = [
        _valid_string(shape, member),
        st.sampled_from(HOSTILE_TEXT),
        st.text(st.characters(exclude_categories=()), max_size=8),
    ]
    if high is not None and high <= 200_000:
        options.append(st.sampled_from(["a" * high, "a" * (high + 1)]))
    return st.one_of(options)


def _valid_number(shape: Shape) -> st.SearchStrategy[int]:
    meta = shape.metadata
    return st.integers(min_value=meta.get("min", 0), max_value=meta.get("max", 1000))


def _number(shape: Shape) -> st.SearchStrategy[Any]:
    meta = shape.metadata
    low, high = meta.get("min"), meta.get("max")
    edges = [value for value in (low, high) if value is not None]
    edges += [edge + step for edge in edges for step in (-1, 1)]
    options: list[st.SearchStrategy[Any]] = [
        _valid_number(shape),
        st.sampled_from(HOSTILE_NUMBERS + edges),
        st.integers(),
        st.sampled_from(NUMBERS_AS_TEXT),
    ]
    return st.one_of(options)


def valid_for(shape: Shape, member: str = "", depth: int = 0) -> st.SearchStrategy[Any]:
    """Values the model allows for one shape, favouring the seeded entities' names."""
    kind = shape.type_name
    if member in SEEDS and kind != "string":
        return st.sampled_from(SEEDS[member])
    if kind == "string":
        return _valid_string(shape, member)
    if kind in ("integer", "long"):
        return _valid_number(shape)
    if kind == "structure":
        required = set(shape.required_members)
        members = {name: valid_for(child, name, depth + 1) for name, child in shape.members.items()}
        return st.fixed_dictionaries(
            {name: value for name, value in members.items() if name in required},
            optional={name: value for name, value in members.items() if name not in required},
        )
    if kind == "list":
        low = shape.metadata.get("min", 0)
        items = valid_for(shape.member, member + "[]", depth + 1)
        return st.lists(items, min_size=low, max_size=max(low, 3))
    return strategy_for(shape, member, depth)


def input_for(shape: Shape) -> st.SearchStrategy[dict[str, Any]]:
    """An operation's input: valid, anything, or valid but for one member (any value)."""
    required = set(shape.required_members)
    valid = {name: valid_for(child, name, 1) for name, child in shape.members.items()}
    one_off = [
        st.fixed_dictionaries(
            {
                **{other: valid[other] for other in required if other != name},
                name: strategy_for(child, name, 1),
            },
            optional={other: valid[other] for other in valid if other not in required | {name}},
        )
        for name, child in shape.members.items()
    ]
    return st.one_of([valid_for(shape), strategy_for(shape), *one_off])


def strategy_for(shape: Shape, member: str = "", depth: int = 0) -> st.SearchStrategy[Any]:
    """Valid, boundary and hostile values for one shape of the model."""
    kind = shape.type_name
    if member in SEEDS and kind != "string":
        return st.one_of(st.sampled_from(SEEDS[member]), _container(shape, member, depth))
    if kind == "string":
        return _string(shape, member)
    if kind in ("integer", "long"):
        return _number(shape)
    if kind == "boolean":
        return st.booleans()
    if kind in ("float", "double"):
        return st.floats()
    if kind == "timestamp":
        return st.datetimes()
    if kind == "blob":
        return st.binary(max_size=16)
    return _container(shape, member, depth)


def _container(shape: Shape, member: str, depth: int) -> st.SearchStrategy[Any]:
    kind = shape.type_name
    if depth > 4:
        return st.just({} if kind in ("structure", "map") else [])
    if kind == "structure":
        required = set(shape.required_members)
        members = {
            name: strategy_for(child, name, depth + 1) for name, child in shape.members.items()
        }
        return st.fixed_dictionaries(
            {name: value for name, value in members.items() if name in required},
            optional={name: value for name, value in members.items() if name not in required},
        )
    if kind == "list":
        items = strategy_for(shape.member, member + "[]", depth + 1)
        too_many = items.map(lambda item: [item] * 201)  # past every list maximum IAM has
        return st.one_of(st.lists(items, max_size=3), too_many)
    if kind == "map":
        return st.dictionaries(
            strategy_for(shape.key, "", depth + 1),
            strategy_for(shape.value, "", depth + 1),
            max_size=3,
        )
    raise AssertionError(f"no strategy for {kind}")


def string_paths(shape: Shape | None, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path (member names, 0 for a list's member) of every string in an input shape."""
    if shape is None:
        return []
    if shape.type_name == "structure":
        return [
            found
            for name, member in shape.members.items()
            for found in string_paths(member, (*path, name))
        ]
    if shape.type_name == "list":
        return string_paths(shape.member, (*path, 0))
    return [path] if shape.type_name == "string" else []


def set_at(params: dict[str, Any], path: tuple[Any, ...], value: str) -> dict[str, Any]:
    """``params`` with ``value`` at ``path``, making the structures and lists on the way."""
    node: Any = params
    for step, after in pairwise(path):
        empty: Any = [] if isinstance(after, int) else {}
        if isinstance(step, int):
            if not node:
                node.append(empty)
        elif not isinstance(node.get(step), (dict, list)):
            node[step] = empty
        node = node[step]
    last = path[-1]
    if isinstance(last, int) and not node:
        node.append(value)
    else:
        node[last] = value
    return params


def text_rule_of(service: str) -> TextRule:
    """What text the service's protocol can carry (XML 1.0 for query, UTF-8 for JSON)."""
    return codec_for(protocol_of(_session.get_service_model(service))).text_rule


def unwritable_texts(value: Any, rule: TextRule = XML_TEXT) -> list[str]:
    """Every string in ``value`` (keys too) that ``rule`` (XML 1.0 by default) cannot carry."""
    if isinstance(value, dict):
        return unwritable_texts(list(value), rule) + unwritable_texts(list(value.values()), rule)
    if isinstance(value, list):
        return [text for item in value for text in unwritable_texts(item, rule)]
    return [value] if isinstance(value, str) and not rule.allows(value) else []


def modeled_codes(operation: OperationModel) -> set[str]:
    """The error codes the service's model has (botocore raises their modeled classes; IAM
    answers some an operation does not list, e.g. InvalidInput to UntagUser), plus the
    protocol's own."""
    codes = set(PROTOCOL_ERRORS)
    for shape in operation.service_model.error_shapes:
        codes.add(shape.metadata.get("error", {}).get("code", shape.name))
    return codes


def seed(iam: Any) -> dict[str, list[str]]:
    """Entities for the seeded names to find; the seeds only known once they exist: the JobId
    of a job for alice, the ids of her access key and other credentials."""
    iam.create_user(UserName="alice", Path="/team/", Tags=[{"Key": "k", "Value": "v"}])
    iam.create_user(UserName="bob")
    iam.create_group(GroupName="devs")
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    iam.create_role(RoleName="r1", AssumeRolePolicyDocument=TRUST_ROOT)
    iam.create_policy(PolicyName="p1", PolicyDocument=allow("s3:GetObject"))
    iam.attach_user_policy(UserName="alice", PolicyArn=POLICY_ARN)
    iam.put_role_policy(RoleName="r1", PolicyName="inline", PolicyDocument=allow("iam:GetUser"))
    key = iam.create_access_key(UserName="alice")["AccessKey"]["AccessKeyId"]
    iam.upload_server_certificate(ServerCertificateName="web", CertificateBody=CERTIFICATE, PrivateKey=KEY)
    certificate = iam.upload_signing_certificate(UserName="alice", CertificateBody=CERTIFICATE)
    ssh_key = iam.upload_ssh_public_key(UserName="alice", SSHPublicKeyBody=SSH_RSA)
    credential = iam.create_service_specific_credential(
        UserName="alice", ServiceName="codecommit.amazonaws.com"
    )
    return {
        "JobId": [generate(iam)],
        "AccessKeyId": [key],
        "CertificateId": [certificate["Certificate"]["CertificateId"]],
        "SSHPublicKeyId": [ssh_key["SSHPublicKey"]["SSHPublicKeyId"]],
        "ServiceSpecificCredentialId": [
            credential["ServiceSpecificCredential"]["ServiceSpecificCredentialId"]
        ],
    }


def read_back(iam: Any, *, full: bool = False) -> None:
    """The world still renders: GetAccountAuthorizationDetails shows every user, group, role
    and local policy with all they hold; ``full`` adds the List operations."""
    for page in iam.get_paginator("get_account_authorization_details").paginate():
        assert "UserDetailList" in page
    if full:
        iam.list_users()
        iam.list_roles()
        iam.list_groups()
        iam.list_policies(Scope="Local")
        for metadata in iam.list_server_certificates()["ServerCertificateMetadataList"]:
            iam.get_server_certificate(ServerCertificateName=metadata["ServerCertificateName"])
        iam.list_service_specific_credentials(AllUsers=True)
        for user in iam.list_users()["Users"]:
            iam.list_signing_certificates(UserName=user["UserName"])
            iam.list_ssh_public_keys(UserName=user["UserName"])


@pytest.fixture(scope="module")
def module_clients() -> dict[str, Any]:
    """One client per served service for the module: making a client costs ~10 ms, and the
    mock serves clients made before it is active."""
    with mock_access():
        return {service: sends_lone_surrogates(raw_client(service)) for service in served_services()}


@pytest.fixture
def clients(module_clients: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The clients, on a new world holding the seeded entities."""
    with mock_access():
        SEEDS.update(seed(module_clients["iam"]))
        yield module_clients


@pytest.mark.parametrize(("service", "operation_name"), SERVED)
def test_any_input_gets_an_answer_or_an_aws_error(
    clients: dict[str, Any], service: str, operation_name: str
) -> None:
    operation = _session.get_service_model(service).operation_model(operation_name)
    call = getattr(clients[service], xform_name(operation_name))
    codes = modeled_codes(operation)
    shape = operation.input_shape
    params = input_for(shape) if shape is not None else st.just({})

    @PROFILE
    @given(params=params)
    def property_holds(params: dict[str, Any]) -> None:
        try:
            call(**params)
        except ClientError as error:
            status = error.response["ResponseMetadata"]["HTTPStatusCode"]
            code = error.response["Error"]["Code"]
            assert 400 <= status < 500, error
            assert code in codes, error
        except UnicodeEncodeError:
            # botocore cannot put a lone surrogate in a URI label or a query string (rest-json
            # ``analyzerName``, ``ruleName``): nothing is sent.
            assert unwritable_texts(params, text_rule_of(service)), params
        else:
            # Accepted, so stored: text a response cannot carry is always refused instead.
            assert unwritable_texts(params, text_rule_of(service)) == [], params
            read_back(clients["iam"])

    property_holds()
    read_back(clients["iam"], full=True)  # nor did any refused call break a read


ANY_TEXT = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=6),
    st.sampled_from(HOSTILE_TEXT),
)
WITH_STRINGS = [
    (service, name)
    for service, name in SERVED
    if string_paths(_session.get_service_model(service).operation_model(name).input_shape)
]


@pytest.mark.parametrize(("service", "operation_name"), WITH_STRINGS)
def test_any_text_in_any_string_member_is_stored_only_if_a_response_can_carry_it(
    clients: dict[str, Any], service: str, operation_name: str
) -> None:
    """A valid call but for one string member: unwritable text is refused, whatever member."""
    operation = _session.get_service_model(service).operation_model(operation_name)
    call = getattr(clients[service], xform_name(operation_name))
    codes = modeled_codes(operation)
    paths = string_paths(operation.input_shape)

    @TEXT_PROFILE
    @given(params=valid_for(operation.input_shape), path=st.sampled_from(paths), text=ANY_TEXT)
    def property_holds(params: dict[str, Any], path: tuple[Any, ...], text: str) -> None:
        params = set_at(params, path, text)
        try:
            call(**params)
        except ClientError as error:
            assert 400 <= error.response["ResponseMetadata"]["HTTPStatusCode"] < 500, error
            assert error.response["Error"]["Code"] in codes, error
        except UnicodeEncodeError:
            # botocore cannot put a lone surrogate in a URI or a query string (rest-json
            # labels and parameters): nothing is sent. The codec's own test sends such bytes.
            assert any("\ud800" <= char <= "\udfff" for char in text), text
        else:
            assert text_rule_of(service).allows(text), (path, text)
            read_back(clients["iam"])

    property_holds()
    read_back(clients["iam"], full=True)
