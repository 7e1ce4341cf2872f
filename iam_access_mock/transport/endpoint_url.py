"""In-process clients ignore the ``AWS_ENDPOINT_URL`` that ``mock_access(server=True)`` sets.

That variable is for child processes. A client made in the test process is answered from the
world directly anyway, and keeping AWS's own URL keeps moto's ``before-send`` handler
working: it recognizes a service by its AWS host name, never by a loopback URL.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import wrapt

from . import active

_PATCHED_ATTR = "_iam_access_mock_endpoint_url_patched"


def _ignore_served_url(wrapped: Any, instance: Any, args: tuple, kwargs: dict) -> Any:
    url = wrapped(*args, **kwargs)
    served = active.served_url
    explicit = args[1] if len(args) > 1 else kwargs.get("endpoint_url")
    if served is not None and explicit is None and url == served:
        return None
    return url


def install_copy(package: str) -> None:
    """Wrap the configured-endpoint lookup of the botocore copy loaded as ``package``, once."""
    module = sys.modules.get(package + ".args")
    if module is None:
        if package != "botocore":
            return
        module = importlib.import_module("botocore.args")
    if getattr(module, _PATCHED_ATTR, False):
        return
    if hasattr(module.ClientArgsCreator, "_compute_configured_endpoint_url"):
        wrapt.wrap_function_wrapper(
            module, "ClientArgsCreator._compute_configured_endpoint_url", _ignore_served_url
        )
    setattr(module, _PATCHED_ATTR, True)
