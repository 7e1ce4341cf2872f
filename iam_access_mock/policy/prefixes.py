"""The IAM service prefix (action namespace) of each botocore service.

botocore's ``signingName`` is the IAM prefix for almost every service; the exceptions
are listed here, checked against the action catalogue by the test suite.
"""

from __future__ import annotations

from botocore.model import ServiceModel

# botocore service name -> IAM prefix, where the signing name is not the prefix.
PREFIX_EXCEPTIONS: dict[str, str] = {
    "cloudwatch": "cloudwatch",  # signs as "monitoring"
}

_cache: dict[str, str] = {}


def iam_prefix_for(service_model: ServiceModel) -> str:
    name = service_model.service_name
    prefix = _cache.get(name)
    if prefix is None:
        prefix = PREFIX_EXCEPTIONS.get(name) or service_model.signing_name or service_model.endpoint_prefix
        _cache[name] = prefix
    return prefix
