"""iam-access-mock: an in-process mock of the AWS "last accessed" APIs.

    from iam_access_mock import mock_access

    @mock_access
    def test_something():
        ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .activation import Activation
from .activity import LastAccess
from .errors import MockConfigurationError, ServiceError
from .handle import AccessMock

if TYPE_CHECKING:
    # Type checkers see the decorator's overloads (activation.typed_mock_access), which keep
    # the decorated callable's type; at run time ``mock_access`` is the class.
    from .activation import typed_mock_access as mock_access
    from .clock import Clock
    from .cloudtrail import CloudTrailFileError, CloudTrailLoad
    from .jobs import JobControls
    from .server import AccessMockServer
else:
    from .activation import mock_access

    # The handle's other types are imported on first use: jobs and cloudtrail cost a few
    # milliseconds of import (dataclasses, uuid, gzip) that a plain ``import`` need not pay.
    # Defined for run time only, so that type checkers still flag a misspelt name.
    _LAZY = {
        "AccessMockServer": ".server",
        "Clock": ".clock",
        "CloudTrailFileError": ".cloudtrail",
        "CloudTrailLoad": ".cloudtrail",
        "JobControls": ".jobs",
    }

    def __getattr__(name: str) -> Any:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        import importlib

        value = getattr(importlib.import_module(module, __name__), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *_LAZY})


__all__ = [
    "AccessMock",
    "AccessMockServer",
    "Activation",
    "Clock",
    "CloudTrailFileError",
    "CloudTrailLoad",
    "JobControls",
    "LastAccess",
    "MockConfigurationError",
    "ServiceError",
    "mock_access",
]
__version__ = "0.1.0"
