"""Side by side with moto: the mock answers the services it serves, moto every other one.

moto answers from a ``before-send`` event handler (``BotocoreStubber``) that botocore runs
inside ``Endpoint._do_get_response``, before ``Endpoint._send`` where the mock answers, so
with both active moto would answer everything. While a world is active, the wrapper here
makes moto's handler step aside (answer None, as it does when moto is off) for each service
the registry in ``services`` serves; botocore then goes on to ``_send``. The calls moto
still answers are recorded as activity by the ``_do_get_response`` wrapper in ``sync``, as
any call a ``before-send`` handler answers is.

The wrapper is installed when moto's module is imported, whether before or after the first
activation; importing iam_access_mock never imports moto.
"""

from __future__ import annotations

import threading
from types import ModuleType
from typing import Any

import wrapt

from ..services import provider_for
from . import active
from .sync import noted_operation

STUBBER_MODULE = "moto.core.botocore_stubber"
_PATCHED_ATTR = "_iam_access_mock_patched"

_hook_lock = threading.Lock()
_hook_registered = False


def install() -> None:
    """Wrap moto's stubber as soon as its module is loaded (now, if it already is)."""
    global _hook_registered
    if _hook_registered:  # every activation calls this: the usual case costs one read
        return
    with _hook_lock:
        if _hook_registered:
            return
        _hook_registered = True
    # Registered on the first activation, not on import: wrapt puts a finder on
    # sys.meta_path, which a program that never activates the mock should not pay for.
    wrapt.register_post_import_hook(wrap_stubber, STUBBER_MODULE)


def wrap_stubber(module: ModuleType) -> None:
    """Wrap ``BotocoreStubber.__call__`` of one loaded moto, once."""
    # The mark lives on the module: a moto that is unloaded and loaded again is wrapped anew.
    if getattr(module, _PATCHED_ATTR, False):
        return
    wrapt.wrap_function_wrapper(module, "BotocoreStubber.__call__", _step_aside_for_served)
    setattr(module, _PATCHED_ATTR, True)


def _step_aside_for_served(
    wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """moto's ``before-send`` handler, answering None for the services the mock serves."""
    # moto merely imported (its handler is on every client, switched off) costs one read.
    if active.world is None or not getattr(instance, "enabled", True):
        return wrapped(*args, **kwargs)
    if served_by_mock(_request_of(args, kwargs)):
        return None
    return wrapped(*args, **kwargs)


def served_by_mock(request: Any) -> bool:
    """Whether the mock, not moto, answers ``request`` (decided per service, not per operation).

    A whole service is the mock's: an IAM operation the mock does not implement gets the
    mock's NotImplemented answer rather than moto's, because moto's IAM state is not the
    mock's, and half of a service answered from each would disagree with itself.
    """
    operation = noted_operation(request)
    return operation is not None and provider_for(operation.service_model.service_name) is not None


def _request_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    # botocore emits ``handler(event_name=..., request=...)``; moto's own callers may not.
    request = kwargs.get("request")
    if request is None and len(args) > 1:
        request = args[1]
    return request
