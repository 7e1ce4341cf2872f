"""iam-access-mock: an in-process mock of the AWS "last accessed" APIs.

    from iam_access_mock import mock_access

    @mock_access
    def test_something():
        ...
"""

from __future__ import annotations

from .activation import mock_access
from .errors import MockConfigurationError, ServiceError
from .handle import AccessMock

__all__ = ["AccessMock", "MockConfigurationError", "ServiceError", "mock_access"]
__version__ = "0.1.0"
