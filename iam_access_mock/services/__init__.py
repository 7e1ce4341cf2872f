"""The services the library serves, by botocore service name; imported on first use."""

from __future__ import annotations

import importlib

from ..service import Provider

_MODULES = {
    "accessanalyzer": "iam_access_mock.services.accessanalyzer",
    "iam": "iam_access_mock.services.iam",
    "organizations": "iam_access_mock.services.organizations",
    "sts": "iam_access_mock.services.sts",
}
_loaded: dict[str, Provider | None] = {}


def provider_for(service_name: str) -> Provider | None:
    """The provider of a botocore service name, or None if the library does not serve it."""
    try:
        return _loaded[service_name]
    except KeyError:
        pass
    module_name = _MODULES.get(service_name)
    provider = importlib.import_module(module_name).provider if module_name else None
    _loaded[service_name] = provider
    return provider


def served_services() -> list[str]:
    return sorted(_MODULES)
