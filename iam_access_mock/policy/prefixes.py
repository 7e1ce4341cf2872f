"""The IAM service prefix (action namespace) of each botocore service.

botocore's ``signingName`` (else its ``endpointPrefix``) is the IAM prefix for almost every
service: sesv2 signs as "ses", pinpoint as "mobiletargeting", lex-runtime as "lex", the
API Gateway management API as "execute-api". The exceptions below were found by walking every
service botocore ships (1.44.5) and comparing its operation names with the action names of
the catalogue's namespaces. A service newer than the catalogue gets its signing name all the
same, so its calls are recorded under the prefix IAM will most likely give it.
"""

from __future__ import annotations

from botocore.model import ServiceModel

# botocore service name -> IAM prefix, where the signing name is not the prefix.
PREFIX_EXCEPTIONS: dict[str, str] = {
    "cloudcontrol": "cloudformation",  # Cloud Control API actions are cloudformation:CreateResource etc.
    "cloudwatch": "cloudwatch",  # signs as "monitoring"
    "iot-data": "iot",  # signs as "iotdata"; iot:Publish, iot:GetThingShadow
    "iot-jobs-data": "iotjobsdata",  # the prefix has no hyphens
    "iotsecuretunneling": "iot",  # signs as "IoTSecuredTunneling"; iot:OpenTunnel etc.
    "mturk": "mechanicalturk",  # signs as "mturk-requester"
    "partnercentral-account": "partnercentral",  # the four Partner Central APIs share one prefix
    "partnercentral-benefits": "partnercentral",
    "partnercentral-channel": "partnercentral",
    "partnercentral-selling": "partnercentral",
    "resourcegroupstaggingapi": "tag",  # signs as "tagging"
    # The access portal API (GetRoleCredentials, ListAccounts) signs as "awsssoportal" and is
    # authorised by the portal's bearer token, not by IAM actions; it is filed under IAM
    # Identity Center's namespace (rule chosen).
    "sso": "sso",
}

_cache: dict[str, str] = {}


def iam_prefix_for(service_model: ServiceModel) -> str:
    """The IAM action namespace of a botocore service (cached per service name)."""
    name = service_model.service_name
    prefix = _cache.get(name)
    if prefix is None:
        prefix = PREFIX_EXCEPTIONS.get(name) or service_model.signing_name or service_model.endpoint_prefix
        _cache[name] = prefix
    return prefix
