"""IAM inline policies of users, groups and roles through boto3."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from support import TRUST_EC2, client_error

from iam_access_mock import AccessMock

DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}
DOC2 = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}],
}
KINDS = [("user", "alice", 2048), ("group", "devs", 5120), ("role", "worker", 10240)]


def document_of_size(size: int) -> str:
    """A policy document of exactly ``size`` characters, none of them white space."""
    head = '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::'
    tail = '"}}'
    return head + "b" * (size - len(head) - len(tail)) + tail


class Inline:
    """The four inline-policy operations of one kind of entity, bound to one entity."""

    def __init__(self, iam: Any, kind: str, name: str) -> None:
        self.iam, self.kind, self.name = iam, kind, name
        self.entity = {f"{kind.capitalize()}Name": name}

    def put(self, policy: str, document: Any, **entity: str) -> Any:
        text = document if isinstance(document, str) else json.dumps(document)
        return getattr(self.iam, f"put_{self.kind}_policy")(
            PolicyName=policy, PolicyDocument=text, **(entity or self.entity)
        )

    def get(self, policy: str, **entity: str) -> Any:
        return getattr(self.iam, f"get_{self.kind}_policy")(
            PolicyName=policy, **(entity or self.entity)
        )

    def delete(self, policy: str, **entity: str) -> Any:
        return getattr(self.iam, f"delete_{self.kind}_policy")(
            PolicyName=policy, **(entity or self.entity)
        )

    def names(self, **kwargs: Any) -> list[str]:
        return getattr(self.iam, f"list_{self.kind}_policies")(**self.entity, **kwargs)[
            "PolicyNames"
        ]


@pytest.fixture(params=KINDS, ids=[kind for kind, _, _ in KINDS])
def inline(request: pytest.FixtureRequest, access_mock: AccessMock) -> Inline:
    iam = boto3.client("iam")
    iam.create_user(UserName="alice")
    iam.create_group(GroupName="devs")
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST_EC2)
    kind, name, _ = request.param
    return Inline(iam, kind, name)


def test_put_get_list_delete(inline: Inline) -> None:
    inline.put("read", DOC)
    answer = inline.get("read")
    assert answer[f"{inline.kind.capitalize()}Name"] == inline.name
    assert answer["PolicyName"] == "read"
    assert answer["PolicyDocument"] == DOC
    assert inline.names() == ["read"]
    inline.delete("read")
    assert inline.names() == []


def test_put_replaces_the_document(inline: Inline) -> None:
    inline.put("p", DOC)
    inline.put("p", DOC2)
    assert inline.get("p")["PolicyDocument"] == DOC2
    assert inline.names() == ["p"]


def test_names_are_case_insensitive(inline: Inline) -> None:
    inline.put("MixedName", DOC)
    answer = inline.get("MIXEDNAME")
    assert (answer["PolicyName"], answer["PolicyDocument"]) == (
        "MIXEDNAME",
        DOC,
    )  # echoed as requested
    inline.put("mixedname", DOC2)  # same policy: replaced, first name kept
    assert inline.names() == ["MixedName"]
    assert inline.get("MixedName")["PolicyDocument"] == DOC2
    inline.delete("MIXEDNAME")
    assert inline.names() == []


def test_entity_names_are_case_insensitive(inline: Inline) -> None:
    upper = {f"{inline.kind.capitalize()}Name": inline.name.upper()}
    inline.put("p", DOC, **upper)
    answer = inline.get("p", **upper)
    assert answer[f"{inline.kind.capitalize()}Name"] == inline.name  # the stored case


def test_names_are_listed_ignoring_case(inline: Inline) -> None:
    for name in ("charlie", "Bravo", "alpha"):
        inline.put(name, DOC)
    assert inline.names() == ["alpha", "Bravo", "charlie"]


def test_list_paginator_with_page_size_one(inline: Inline) -> None:
    for name in ("b", "a", "c"):
        inline.put(name, DOC)
    paginator = inline.iam.get_paginator(f"list_{inline.kind}_policies")
    pages = list(paginator.paginate(**inline.entity, PaginationConfig={"PageSize": 1}))
    assert [page["PolicyNames"] for page in pages] == [["a"], ["b"], ["c"]]
    assert [page["IsTruncated"] for page in pages] == [True, True, False]


def test_paging_over_the_longest_names(inline: Inline) -> None:
    names = ["a" * 128, "B" * 128, "c" * 128]
    for name in names:
        inline.put(name, DOC)
    paginator = inline.iam.get_paginator(f"list_{inline.kind}_policies")
    pages = paginator.paginate(**inline.entity, PaginationConfig={"PageSize": 1})
    assert [name for page in pages for name in page["PolicyNames"]] == names


def test_missing_policy(inline: Inline) -> None:
    message = f"The {inline.kind} policy with name nope cannot be found."
    assert client_error(lambda: inline.get("nope")) == ("NoSuchEntity", message, 404)
    assert client_error(lambda: inline.delete("nope")) == ("NoSuchEntity", message, 404)


def test_missing_entity(inline: Inline) -> None:
    nobody = {f"{inline.kind.capitalize()}Name": "nobody"}
    message = f"The {inline.kind} with name nobody cannot be found."
    assert client_error(lambda: inline.put("p", DOC, **nobody)) == ("NoSuchEntity", message, 404)
    assert client_error(lambda: inline.get("p", **nobody)) == ("NoSuchEntity", message, 404)
    assert client_error(lambda: inline.delete("p", **nobody)) == ("NoSuchEntity", message, 404)
    list_policies = getattr(inline.iam, f"list_{inline.kind}_policies")
    assert client_error(lambda: list_policies(**nobody)) == ("NoSuchEntity", message, 404)


def test_malformed_document_writes_nothing(inline: Inline) -> None:
    inline.put("p", DOC)
    code, message, status = client_error(
        lambda: inline.put("p", {"Version": "2012-10-17", "Statement": []})
    )
    assert (code, message, status) == ("MalformedPolicyDocument", "Syntax errors in policy.", 400)
    assert inline.get("p")["PolicyDocument"] == DOC


@pytest.mark.parametrize("kind_index", range(len(KINDS)))
def test_aggregate_size_quota(access_mock: AccessMock, kind_index: int) -> None:
    kind, name, limit = KINDS[kind_index]
    iam = boto3.client("iam")
    iam.create_user(UserName="alice")
    iam.create_group(GroupName="devs")
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST_EC2)
    inline = Inline(iam, kind, name)
    half = document_of_size(limit // 2)
    inline.put("first", half)
    inline.put(
        "second", half.replace(",", " ,\n ")
    )  # white space is not counted: exactly at the limit
    assert client_error(lambda: inline.put("third", document_of_size(120))) == (
        "LimitExceeded",
        f"Maximum policy size of {limit} bytes exceeded for {kind} {name}",
        409,
    )
    inline.put("second", document_of_size(limit // 2 - 1))  # replacing counts only the new text
    assert inline.names() == ["first", "second"]
    assert (
        client_error(lambda: inline.put("FIRST", document_of_size(limit // 2 + 2)))[0]
        == "LimitExceeded"
    )
    assert inline.get("first")["PolicyDocument"] == json.loads(half)
