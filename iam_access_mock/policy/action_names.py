"""The one table of API and CloudTrail names that differ from IAM's names.

Calls made under the mock and CloudTrail records both name an operation (``ListBuckets``,
``UpdateFunctionCode20150331v2``); Access Advisor counts the IAM action it is authorized as
(``s3:ListAllMyBuckets``, ``lambda:UpdateFunctionCode``). This module maps one to the other.
"""

from __future__ import annotations

import re

# eventSource -> IAM prefix, where the host's first label is not the prefix
# (aws-semantics.md §3.5; public CloudTrail tooling agrees on these).
EVENT_SOURCE_PREFIXES: dict[str, str] = {
    "monitoring.amazonaws.com": "cloudwatch",
    "email.amazonaws.com": "ses",
    "tagging.amazonaws.com": "tag",
}

# Services whose event names carry the API version called: lambda's
# "UpdateFunctionCode20150331v2", cloudfront's "...2019_03_26" (§3.5).
DATED_EVENT_NAMESPACES = frozenset({"lambda", "cloudfront"})
_API_VERSION_SUFFIX = re.compile(r"(?:\d{8}|\d{4}_\d{2}_\d{2})(?:v\d+)?\Z")

# (IAM prefix, CloudTrail eventName or API operation name) -> the IAM action(s) AWS
# authorizes it as, where the names differ. S3: §3.5 and the "Permissions" paragraph of
# each operation in botocore's S3 model; lambda: Invoke is authorized as InvokeFunction.
_S3_ACTIONS: dict[str, str | tuple[str, ...]] = {
    "ListBuckets": "ListAllMyBuckets",
    "HeadBucket": "ListBucket",
    "ListObjects": "ListBucket",
    "ListObjectsV2": "ListBucket",
    "ListObjectVersions": "ListBucketVersions",
    "ListMultipartUploads": "ListBucketMultipartUploads",
    "ListParts": "ListMultipartUploadParts",
    "HeadObject": "GetObject",
    "SelectObjectContent": "GetObject",
    "CreateMultipartUpload": "PutObject",
    "UploadPart": "PutObject",
    "CompleteMultipartUpload": "PutObject",
    "PostObject": "PutObject",
    "CopyObject": ("PutObject", "GetObject"),
    "UploadPartCopy": ("PutObject", "GetObject"),
    "DeleteObjects": "DeleteObject",
    "GetBucketLifecycle": "GetLifecycleConfiguration",
    "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
    "PutBucketLifecycle": "PutLifecycleConfiguration",
    "PutBucketLifecycleConfiguration": "PutLifecycleConfiguration",
    "DeleteBucketLifecycle": "PutLifecycleConfiguration",
    "GetBucketCors": "GetBucketCORS",
    "PutBucketCors": "PutBucketCORS",
    "DeleteBucketCors": "PutBucketCORS",
    "GetBucketEncryption": "GetEncryptionConfiguration",
    "PutBucketEncryption": "PutEncryptionConfiguration",
    "DeleteBucketEncryption": "PutEncryptionConfiguration",
    "GetBucketReplication": "GetReplicationConfiguration",
    "PutBucketReplication": "PutReplicationConfiguration",
    "DeleteBucketReplication": "PutReplicationConfiguration",
    "DeleteBucketTagging": "PutBucketTagging",
    "GetPublicAccessBlock": "GetBucketPublicAccessBlock",
    "PutPublicAccessBlock": "PutBucketPublicAccessBlock",
    "DeletePublicAccessBlock": "PutBucketPublicAccessBlock",
    "DeleteBucketPublicAccessBlock": "PutBucketPublicAccessBlock",
    "DeleteAccountPublicAccessBlock": "PutAccountPublicAccessBlock",
    "GetBucketNotificationConfiguration": "GetBucketNotification",
    "PutBucketNotificationConfiguration": "PutBucketNotification",
    "GetObjectLockConfiguration": "GetBucketObjectLockConfiguration",
    "PutObjectLockConfiguration": "PutBucketObjectLockConfiguration",
    "DeleteBucketOwnershipControls": "PutBucketOwnershipControls",
    "GetBucketAccelerateConfiguration": "GetAccelerateConfiguration",
    "PutBucketAccelerateConfiguration": "PutAccelerateConfiguration",
    "GetBucketAnalyticsConfiguration": "GetAnalyticsConfiguration",
    "ListBucketAnalyticsConfigurations": "GetAnalyticsConfiguration",
    "PutBucketAnalyticsConfiguration": "PutAnalyticsConfiguration",
    "DeleteBucketAnalyticsConfiguration": "PutAnalyticsConfiguration",
    "GetBucketInventoryConfiguration": "GetInventoryConfiguration",
    "ListBucketInventoryConfigurations": "GetInventoryConfiguration",
    "PutBucketInventoryConfiguration": "PutInventoryConfiguration",
    "DeleteBucketInventoryConfiguration": "PutInventoryConfiguration",
    "GetBucketMetricsConfiguration": "GetMetricsConfiguration",
    "ListBucketMetricsConfigurations": "GetMetricsConfiguration",
    "PutBucketMetricsConfiguration": "PutMetricsConfiguration",
    "DeleteBucketMetricsConfiguration": "PutMetricsConfiguration",
    "GetBucketIntelligentTieringConfiguration": "GetIntelligentTieringConfiguration",
    "ListBucketIntelligentTieringConfigurations": "GetIntelligentTieringConfiguration",
    "PutBucketIntelligentTieringConfiguration": "PutIntelligentTieringConfiguration",
    "DeleteBucketIntelligentTieringConfiguration": "PutIntelligentTieringConfiguration",
}
_LAMBDA_ACTIONS: dict[str, str | tuple[str, ...]] = {
    "Invoke": "InvokeFunction",
    "InvokeWithResponseStream": "InvokeFunction",
}

IAM_ACTION_EXCEPTIONS: dict[tuple[str, str], tuple[str, ...]] = {
    (namespace, name): (actions,) if isinstance(actions, str) else actions
    for namespace, table in (("s3", _S3_ACTIONS), ("lambda", _LAMBDA_ACTIONS))
    for name, actions in table.items()
}


def iam_prefix(event_source: str) -> str | None:
    """The IAM prefix of a CloudTrail eventSource ("s3.amazonaws.com" -> "s3"), or None."""
    found = EVENT_SOURCE_PREFIXES.get(event_source)
    if found is not None:
        return found
    label, dot, domain = event_source.partition(".")
    return label if dot and domain == "amazonaws.com" else None


def iam_actions(namespace: str, name: str) -> tuple[str, ...]:
    """The IAM action name(s) a CloudTrail eventName or API operation name is authorized as."""
    found = IAM_ACTION_EXCEPTIONS.get((namespace, name))
    if found is not None:
        return found
    if namespace in DATED_EVENT_NAMESPACES:
        undated = _API_VERSION_SUFFIX.sub("", name)
        return IAM_ACTION_EXCEPTIONS.get((namespace, undated), (undated,))
    return (name,)
