"""The generic model-constraint check against AWS's recorded ValidationError texts.

Every expected text below is copied character for character from real AWS captures
(research file iam-messages.md §1.2 for IAM, §1.3 for STS); the request is given as the
Query form AWS received, parsed by the codec, then checked against the botocore model.
"""

from __future__ import annotations

import botocore.session
import pytest
from support import needs_operation, parse_form

from iam_access_mock.protocol.constraints import Violation, check, validation_message

_session = botocore.session.get_session()
IAM = _session.get_service_model("iam")
STS = _session.get_service_model("sts")

SERVICE_NAMESPACES_RULES = (
    "Member must satisfy constraint: [Member must have length less than or equal to 64, "
    "Member must have length greater than or equal to 1, Member must satisfy regular expression "
    "pattern: [\\w-]*, Member must not be null]"
)
POLICY_INPUT_LIST_RULES = (
    "Member must satisfy constraint: [Member must have length less than or equal to 131072, "
    "Member must have length greater than or equal to 1, Member must satisfy regular expression "
    "pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]+]"
)
NULL_TAG_1 = (
    "Value at 'tags.1.member.value' failed to satisfy constraint: Member must not be null; "
    "Value at 'tags.1.member.key' failed to satisfy constraint: Member must not be null"
)


def iam_message(operation_name: str, form: list[tuple[str, str]]) -> str:
    params = parse_form(IAM, operation_name, form)
    violations = check(IAM.operation_model(operation_name).input_shape, params)
    return validation_message(violations, show_values=False)


def sts_message(operation_name: str, form: list[tuple[str, str]]) -> str:
    params = parse_form(STS, operation_name, form)
    return validation_message(check(STS.operation_model(operation_name).input_shape, params))


JOB_ID = "00000000-0000-0000-0000-000000000000"
USER_ARN = "arn:aws:iam::123456789012:user/alice"


# ---- IAM: the value is never printed -----------------------------------------------------


@pytest.mark.parametrize(
    "operation", ["GetServiceLastAccessedDetails", "GetServiceLastAccessedDetailsWithEntities"]
)
def test_max_items_above_1000(operation: str) -> None:
    form = [("JobId", JOB_ID), ("ServiceNamespace", "s3"), ("MaxItems", "1001")]
    assert iam_message(operation, form) == (
        "1 validation error detected: Value at 'maxItems' failed to satisfy constraint: "
        "Member must have value less than or equal to 1000"
    )


@pytest.mark.parametrize(
    "operation", ["GetServiceLastAccessedDetails", "GetServiceLastAccessedDetailsWithEntities"]
)
def test_max_items_zero(operation: str) -> None:
    form = [("JobId", JOB_ID), ("ServiceNamespace", "s3"), ("MaxItems", "0")]
    assert iam_message(operation, form) == (
        "1 validation error detected: Value at 'maxItems' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1"
    )


@pytest.mark.parametrize("value", ["Unknown", "user"])
def test_account_authorization_filter_outside_the_enum_is_reported_at_list_level(
    value: str,
) -> None:
    assert iam_message("GetAccountAuthorizationDetails", [("Filter.member.1", value)]) == (
        "1 validation error detected: Value at 'filter' failed to satisfy constraint: Member must "
        "satisfy constraint: [Member must satisfy enum value set: [LocalManagedPolicy, User, "
        "AWSManagedPolicy, Role, Group]]"
    )


@pytest.mark.parametrize("value", ["", "service_level", "INVALID"])
def test_granularity_outside_the_enum(value: str) -> None:
    form = [("Arn", USER_ARN), ("Granularity", value)]
    assert iam_message("GenerateServiceLastAccessedDetails", form) == (
        "1 validation error detected: Value at 'granularity' failed to satisfy constraint: "
        "Member must satisfy enum value set: [SERVICE_LEVEL, ACTION_LEVEL]"
    )


@pytest.mark.parametrize(
    ("namespace", "rule"),
    [
        ("s3:GetObject", "Member must satisfy regular expression pattern: [\\w-]*"),
        ("x" * 65, "Member must have length less than or equal to 64"),
        ("", "Member must have length greater than or equal to 1"),
    ],
)
def test_scalar_member_reports_only_the_violated_rule(namespace: str, rule: str) -> None:
    form = [("JobId", JOB_ID), ("ServiceNamespace", namespace)]
    assert iam_message("GetServiceLastAccessedDetailsWithEntities", form) == (
        f"1 validation error detected: Value at 'serviceNamespace' failed to satisfy constraint: {rule}"
    )


@pytest.mark.parametrize("namespace", ["s3:GetObject", "x" * 65, ""])
def test_scalar_list_member_reports_every_member_rule_at_list_level(namespace: str) -> None:
    form = [
        ("Arn", USER_ARN),
        ("ServiceNamespaces.member.1", "iam"),
        ("ServiceNamespaces.member.2", namespace),
    ]
    assert iam_message("ListPoliciesGrantingServiceAccess", form) == (
        f"1 validation error detected: Value at 'serviceNamespaces' failed to satisfy constraint: "
        f"{SERVICE_NAMESPACES_RULES}"
    )


def test_200_namespaces_pass_and_201_are_too_many() -> None:
    def form(count: int) -> list[tuple[str, str]]:
        return [("Arn", USER_ARN)] + [
            (f"ServiceNamespaces.member.{i}", "s3") for i in range(1, count + 1)
        ]

    assert (
        check(
            IAM.operation_model("ListPoliciesGrantingServiceAccess").input_shape,
            parse_form(IAM, "ListPoliciesGrantingServiceAccess", form(200)),
        )
        == []
    )
    assert iam_message("ListPoliciesGrantingServiceAccess", form(201)) == (
        "1 validation error detected: Value at 'serviceNamespaces' failed to satisfy constraint: "
        "Member must have length less than or equal to 200"
    )


def test_an_empty_list_on_the_wire_is_null_for_a_list_with_a_minimum() -> None:
    form = [("Arn", USER_ARN), ("ServiceNamespaces", "")]
    assert iam_message("ListPoliciesGrantingServiceAccess", form) == (
        "1 validation error detected: Value at 'serviceNamespaces' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_short_arn_and_short_job_id() -> None:
    assert iam_message(
        "ListPoliciesGrantingServiceAccess", [("Arn", "bad"), ("ServiceNamespaces.member.1", "s3")]
    ) == (
        "1 validation error detected: Value at 'arn' failed to satisfy constraint: "
        "Member must have length greater than or equal to 20"
    )
    assert iam_message("GetServiceLastAccessedDetails", [("JobId", "bad")]) == (
        "1 validation error detected: Value at 'jobId' failed to satisfy constraint: "
        "Member must have length greater than or equal to 36"
    )


@pytest.mark.parametrize("indexes", [[11], [1, 8, 15]])
def test_null_policy_documents_give_one_list_level_error_with_aws_server_pattern(
    indexes: list[int],
) -> None:
    form = [(f"PolicyInputList.member.{i}", '{"Version":"2012-10-17"}') for i in indexes]
    assert iam_message("GetContextKeysForCustomPolicy", form) == (
        f"1 validation error detected: Value at 'policyInputList' failed to satisfy constraint: "
        f"{POLICY_INPUT_LIST_RULES}"
    )


def test_policy_document_with_a_c1_control_character_breaks_aws_server_pattern() -> None:
    # U+0085 is inside botocore's pattern (\u0020-\u00FF) but outside AWS's own.
    message = iam_message(
        "GetContextKeysForCustomPolicy", [("PolicyInputList.member.1", "{\u0085}")]
    )
    assert message == (
        f"1 validation error detected: Value at 'policyInputList' failed to satisfy constraint: "
        f"{POLICY_INPUT_LIST_RULES}"
    )


@needs_operation("iam", "PutAccountProperties")
def test_empty_account_properties_map_is_null() -> None:
    assert iam_message("PutAccountProperties", []) == (
        "1 validation error detected: Value at 'properties' failed to satisfy constraint: Member must not be null"
    )


def test_tag_with_a_key_only_misses_its_value() -> None:
    form = [("UserName", "alice"), ("Tags.member.1.Key", "team")]
    assert iam_message("TagUser", form) == (
        "1 validation error detected: Value at 'tags.1.member.value' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_tag_value_outside_the_unicode_classes() -> None:
    form = [
        ("UserName", "alice"),
        ("Tags.member.1.Key", "team"),
        ("Tags.member.1.Value", "bad\nvalue"),
    ]
    assert iam_message("TagUser", form) == (
        "1 validation error detected: Value at 'tags.1.member.value' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*"
    )


def test_tag_texts_inside_the_unicode_classes_pass() -> None:
    form = [
        ("UserName", "alice"),
        ("Tags.member.1.Key", "équipe 1:a/b=c+d-e@f_g."),
        ("Tags.member.1.Value", ""),
    ]
    assert check(IAM.operation_model("TagUser").input_shape, parse_form(IAM, "TagUser", form)) == []


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        (
            [("Tags.member.2.Key", "team"), ("Tags.member.2.Value", "approved")],
            f"2 validation errors detected: {NULL_TAG_1}",
        ),
        (
            [("Tags.member.+1.Key", "team"), ("Tags.member.+1.Value", "approved")],
            f"2 validation errors detected: {NULL_TAG_1}",
        ),
        (
            [("Tags.member.one.Key", "team"), ("Tags.member.one.Value", "approved")],
            f"2 validation errors detected: {NULL_TAG_1}",
        ),
        (
            [("Tags.member.3.Key", "team"), ("Tags.member.3.Value", "approved")],
            f"4 validation errors detected: {NULL_TAG_1}; {NULL_TAG_1.replace('tags.1', 'tags.2')}",
        ),
        (
            [
                ("Tags.member.1.Key", "team"),
                ("Tags.member.1.Value", "approved"),
                ("Tags.member.3.Key", "other"),
                ("Tags.member.3.Value", "approved"),
            ],
            f"2 validation errors detected: {NULL_TAG_1.replace('tags.1', 'tags.2')}",
        ),
    ],
    ids=["only-2", "plus-1", "one", "only-3", "1-and-3"],
)
def test_missing_tags_are_null_value_before_key(form: list[tuple[str, str]], expected: str) -> None:
    assert iam_message("TagUser", [("UserName", "alice"), *form]) == expected


@pytest.mark.parametrize("index", [10, 11])
def test_violations_are_capped_at_ten_lowest_indexes_first(index: int) -> None:
    form = [
        ("UserName", "alice"),
        (f"Tags.member.{index}.Key", "team"),
        (f"Tags.member.{index}.Value", "approved"),
    ]
    expected = "10 validation errors detected: " + "; ".join(
        NULL_TAG_1.replace("tags.1", f"tags.{i}") for i in range(1, 6)
    )
    assert iam_message("TagUser", form) == expected
    # 18 or 20 violations exist; only the message is capped.
    assert len(
        check(IAM.operation_model("TagUser").input_shape, parse_form(IAM, "TagUser", form))
    ) == 2 * (index - 1)


def test_untag_keys_outside_the_unicode_classes_list_every_key_rule() -> None:
    form = [("UserName", "alice"), ("TagKeys.member.1", "ok"), ("TagKeys.member.2", "<team>")]
    assert iam_message("UntagUser", form) == (
        "1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: Member must "
        "satisfy constraint: [Member must have length less than or equal to 128, Member must have "
        "length greater than or equal to 1, Member must satisfy regular expression pattern: "
        "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+, Member must not be null]"
    )


def test_name_patterns_use_java_ascii_word_characters() -> None:
    assert iam_message("GetUser", [("UserName", "name\u00e9")]) == (
        "1 validation error detected: Value at 'userName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w+=,.@-]+"
    )
    assert iam_message("GetUser", [("UserName", "name\n")]) == (
        "1 validation error detected: Value at 'userName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w+=,.@-]+"
    )
    assert check(IAM.operation_model("GetUser").input_shape, {"UserName": "a+b=c,d.e@f-g_1"}) == []


def test_missing_required_member_is_null() -> None:
    assert iam_message("GetRole", []) == (
        "1 validation error detected: Value at 'roleName' failed to satisfy constraint: Member must not be null"
    )


# ---- STS: the value is printed -----------------------------------------------------------


def test_sts_prints_the_number() -> None:
    form = [
        ("TargetPrincipal", "123456789012"),
        ("TaskPolicyArn.arn", "arn:aws:iam::aws:policy/root-task/X"),
        ("DurationSeconds", "901"),
    ]
    assert sts_message("AssumeRoot", form) == (
        "1 validation error detected: Value '901' at 'durationSeconds' failed to satisfy constraint: "
        "Member must have value less than or equal to 900"
    )


def test_sts_prints_null_for_a_missing_member() -> None:
    assert sts_message("AssumeRoot", [("TargetPrincipal", "123456789012")]) == (
        "1 validation error detected: Value null at 'taskPolicyArn' failed to satisfy constraint: "
        "Member must not be null"
    )


@needs_operation("sts", "GetWebIdentityToken")
@pytest.mark.parametrize(
    ("algorithm", "expected"),
    [
        (
            "",
            "Value '' at 'signingAlgorithm' failed to satisfy constraint: Member must have length greater than or equal to 5",
        ),
        (
            "none",
            "Value 'none' at 'signingAlgorithm' failed to satisfy constraint: Member must have length greater than or equal to 5",
        ),
        (
            "RS256x",
            "Value 'RS256x' at 'signingAlgorithm' failed to satisfy constraint: Member must have length less than or equal to 5",
        ),
    ],
)
def test_sts_signing_algorithm_length(algorithm: str, expected: str) -> None:
    form = [("Audience.member.1", "a"), ("SigningAlgorithm", algorithm)]
    assert sts_message("GetWebIdentityToken", form) == f"1 validation error detected: {expected}"


@needs_operation("sts", "GetWebIdentityToken")
@pytest.mark.parametrize("audience", [[], [("Audience", "")]], ids=["absent", "empty-list"])
def test_sts_missing_or_empty_audience_is_null(audience: list[tuple[str, str]]) -> None:
    assert sts_message("GetWebIdentityToken", [("SigningAlgorithm", "RS256"), *audience]) == (
        "1 validation error detected: Value null at 'audience' failed to satisfy constraint: Member must not be null"
    )


@needs_operation("sts", "GetWebIdentityToken")
def test_sts_empty_audience_member_prints_the_list_as_java_does() -> None:
    form = [("SigningAlgorithm", "RS256"), ("Audience.member.1", "")]
    assert sts_message("GetWebIdentityToken", form) == (
        "1 validation error detected: Value '[]' at 'audience' failed to satisfy constraint: Member must "
        "satisfy constraint: [Member must have length less than or equal to 1000, Member must have length "
        "greater than or equal to 1]"
    )


@needs_operation("sts", "GetWebIdentityToken")
def test_sts_eleven_audiences() -> None:
    form = [("SigningAlgorithm", "RS256")] + [
        (f"Audience.member.{i + 1}", str(i)) for i in range(11)
    ]
    assert sts_message("GetWebIdentityToken", form) == (
        "1 validation error detected: Value '[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]' at 'audience' failed to "
        "satisfy constraint: Member must have length less than or equal to 10"
    )


@needs_operation("sts", "GetWebIdentityToken")
@pytest.mark.parametrize(
    ("seconds", "rule"),
    [
        ("0", "Member must have value greater than or equal to 60"),
        ("59", "Member must have value greater than or equal to 60"),
        ("3601", "Member must have value less than or equal to 3600"),
    ],
)
def test_sts_duration_bounds(seconds: str, rule: str) -> None:
    form = [("SigningAlgorithm", "RS256"), ("Audience.member.1", "a"), ("DurationSeconds", seconds)]
    assert sts_message("GetWebIdentityToken", form) == (
        f"1 validation error detected: Value '{seconds}' at 'durationSeconds' failed to satisfy constraint: {rule}"
    )


KEY_PATTERN_RULE = "Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+"


@needs_operation("sts", "GetWebIdentityToken")
@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        (
            "",
            "test",
            (
                "2 validation errors detected: Value '' at 'tags.1.member.key' failed to satisfy constraint: "
                "Member must have length greater than or equal to 1; Value '' at 'tags.1.member.key' failed to "
                f"satisfy constraint: {KEY_PATTERN_RULE}"
            ),
        ),
        (
            "<team>",
            "test",
            f"1 validation error detected: Value '<team>' at 'tags.1.member.key' failed to satisfy constraint: {KEY_PATTERN_RULE}",
        ),
        (
            "k" * 129,
            "test",
            (
                f"1 validation error detected: Value '{'k' * 129}' at 'tags.1.member.key' failed to satisfy "
                "constraint: Member must have length less than or equal to 128"
            ),
        ),
        (
            "team",
            "v" * 257,
            (
                f"1 validation error detected: Value '{'v' * 257}' at 'tags.1.member.value' failed to satisfy "
                "constraint: Member must have length less than or equal to 256"
            ),
        ),
    ],
    ids=["empty-key", "angle-brackets", "long-key", "long-value"],
)
def test_sts_tag_rules(key: str, value: str, expected: str) -> None:
    form = [
        ("SigningAlgorithm", "RS256"),
        ("Audience.member.1", "a"),
        ("Tags.member.1.Key", key),
        ("Tags.member.1.Value", value),
    ]
    assert sts_message("GetWebIdentityToken", form) == expected


@needs_operation("sts", "GetWebIdentityToken")
def test_sts_prints_too_many_tags_as_java_objects() -> None:
    form = [("SigningAlgorithm", "RS256"), ("Audience.member.1", "a")]
    for i in range(51):
        form += [(f"Tags.member.{i + 1}.Key", str(i)), (f"Tags.member.{i + 1}.Value", "test")]
    listed = ", ".join(f"Tag(key={i}, value=test)" for i in range(51))
    assert sts_message("GetWebIdentityToken", form) == (
        f"1 validation error detected: Value '[{listed}]' at 'tags' failed to satisfy constraint: "
        "Member must have length less than or equal to 50"
    )


# ---- the message grammar -----------------------------------------------------------------


def test_plural_and_separator() -> None:
    violations = [Violation("a", 1, "rule one"), Violation("b", None, "rule two")]
    assert validation_message(violations) == (
        "2 validation errors detected: Value '1' at 'a' failed to satisfy constraint: rule one; "
        "Value null at 'b' failed to satisfy constraint: rule two"
    )
    assert validation_message(violations[:1], show_values=False) == (
        "1 validation error detected: Value at 'a' failed to satisfy constraint: rule one"
    )


def test_values_print_as_java_prints_them() -> None:
    message = validation_message([Violation("flags", [True, None, 3], "rule")])
    assert (
        message
        == "1 validation error detected: Value '[true, null, 3]' at 'flags' failed to satisfy constraint: rule"
    )
