"""Tags of IAM users and roles: validation, merge, removal and listing, shared by both.

IAM treats tag keys case-insensitively (AWS: "Duplicate tag keys found. Please note that Tag
keys are case insensitive."): a stored tag is replaced by a new one whose key differs only in
case, and untagging matches keys regardless of case.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from ...errors import InvalidInput, LimitExceeded
from ...pagination import paginate
from ...protocol.constraints import Violation
from ...service import iam_validation_error

MAX_TAGS_PER_ENTITY = 50

# The model's patterns use Java's \p{..} classes, which Python's re cannot compile, so the
# generic constraint check skips them; they are enforced here with AWS's texts.
_KEY_PATTERN = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+"
_VALUE_PATTERN = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*"
# Recorded (2026) for UntagRole: a failing member of a scalar list lists every member rule.
_TAG_KEYS_RULES = (
    "Member must satisfy constraint: [Member must have length less than or equal to 128, "
    "Member must have length greater than or equal to 1, Member must satisfy regular expression "
    f"pattern: {_KEY_PATTERN}, Member must not be null]"
)
_EXTRA_TAG_CHARACTERS = frozenset("_.:/=+-@")


def _tag_text_ok(text: str) -> bool:
    return all(ch in _EXTRA_TAG_CHARACTERS or unicodedata.category(ch)[0] in "LZN" for ch in text)


def check_tag_characters(tags: list[dict[str, Any]]) -> None:
    """Reject tag keys and values outside IAM's character classes (ValidationError)."""
    violations = []
    for index, tag in enumerate(tags, 1):
        # Observed order within one member: value before key.
        value, key = tag.get("Value"), tag.get("Key")
        if isinstance(value, str) and not _tag_text_ok(value):
            violations.append(
                Violation(
                    f"tags.{index}.member.value",
                    value,
                    f"Member must satisfy regular expression pattern: {_VALUE_PATTERN}",
                )
            )
        if isinstance(key, str) and key and not _tag_text_ok(key):
            violations.append(
                Violation(
                    f"tags.{index}.member.key",
                    key,
                    f"Member must satisfy regular expression pattern: {_KEY_PATTERN}",
                )
            )
    if violations:
        raise iam_validation_error(violations)


def check_new_tags(tags: list[dict[str, Any]], *, allow_empty: bool) -> None:
    """The checks AWS makes on tags to add, in its order: characters, empty list,
    reserved ``aws:`` prefix, then duplicate keys (the reserved check wins when both apply)."""
    check_tag_characters(tags)
    if not tags:
        if allow_empty:
            return
        # Observed for TagUser with an empty Tags list; note the trailing space.
        raise InvalidInput("Error occurred while validating input. ")
    # Rule chosen: the prefix is matched case-insensitively (AWS documents "aws:" as reserved
    # without saying whether "AWS:" is; other services reject every case).
    if any(tag["Key"].lower().startswith("aws:") for tag in tags):
        raise InvalidInput("Tag keys beginning with aws: are reserved for system use.")
    if len({tag["Key"].lower() for tag in tags}) != len(tags):
        raise InvalidInput(
            "Duplicate tag keys found. Please note that Tag keys are case insensitive."
        )


def merge_tags(existing: dict[str, str], tags: list[dict[str, Any]], quota_name: str) -> None:
    """Add ``tags`` to ``existing``; a key differing only in case replaces the value and keeps
    the stored key's case (rule chosen). More than 50 tags in all gives LimitExceeded."""
    stored_keys = {key.lower(): key for key in existing}
    added = sum(1 for tag in tags if tag["Key"].lower() not in stored_keys)
    if len(existing) + added > MAX_TAGS_PER_ENTITY:
        # AWS's quota-text pattern ("Cannot exceed quota for AccessKeysPerUser: 2"); the tag
        # quota's own name is not recorded anywhere we could find.
        raise LimitExceeded(f"Cannot exceed quota for {quota_name}: {MAX_TAGS_PER_ENTITY}")
    for tag in tags:
        existing[stored_keys.get(tag["Key"].lower(), tag["Key"])] = tag["Value"]


def check_tag_keys(keys: list[str]) -> None:
    """Validate an Untag request's TagKeys: characters, then a non-empty list."""
    if any(not _tag_text_ok(key) for key in keys if key):
        raise iam_validation_error([Violation("tagKeys", keys, _TAG_KEYS_RULES)])
    if not keys:
        # Not recorded for users/roles (OIDC/SAML untag with [] gave InvalidInput, no text):
        # the empty-Tags text is reused.
        raise InvalidInput("Error occurred while validating input. ")


def remove_tags(existing: dict[str, str], keys: Iterable[str]) -> None:
    """Remove the tags whose keys match ``keys`` regardless of case; unknown keys are ignored."""
    doomed = {key.lower() for key in keys}
    for key in [key for key in existing if key.lower() in doomed]:
        del existing[key]


def tag_list(tags: dict[str, str]) -> list[dict[str, str]] | None:
    """The Tags element: in the order tags were added; omitted (None) when there are none."""
    return [{"Key": key, "Value": value} for key, value in tags.items()] or None


def list_tags_page(tags: dict[str, str], params: dict[str, Any], scope: Any) -> dict[str, Any]:
    """A ListUserTags / ListRoleTags answer: tags in the order they were added, paginated."""
    page, marker = paginate(
        [{"Key": key, "Value": value} for key, value in tags.items()],
        marker=params.get("Marker"),
        max_items=params.get("MaxItems"),
        scope=scope,
    )
    return {"Tags": page, "IsTruncated": marker is not None, "Marker": marker}
