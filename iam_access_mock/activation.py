"""``mock_access``: a decorator, context manager and start/stop activator.

Activations nest: an inner one shares the outer one's world, and the world is discarded
when the outermost one stops, so two activations one after another never share state.
While active, fake credentials and a region are set in the environment so that real
credentials are never read.
"""

from __future__ import annotations

import inspect
import os
import threading
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar, overload

if TYPE_CHECKING:
    from .handle import AccessMock

F = TypeVar("F", bound=Callable[..., Any])

ACCOUNT_ENV = "IAM_ACCESS_MOCK_ACCOUNT_ID"

FAKE_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}
_REMOVED_ENVIRONMENT = ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE")

_lock = threading.RLock()
_depth = 0
_handle: Optional["AccessMock"] = None
_saved_environment: dict[str, Optional[str]] = {}


def _check_account_id(account_id: Optional[str]) -> Optional[str]:
    if account_id is None:
        return None
    if not isinstance(account_id, str):
        raise TypeError("account_id must be a string of 12 digits")
    if len(account_id) != 12 or not account_id.isdigit():
        raise ValueError(f"account_id must be 12 digits, got {account_id!r}")
    return account_id


def _enter(account_id: Optional[str]) -> "AccessMock":
    global _depth, _handle
    with _lock:
        if _depth == 0:
            from .handle import AccessMock
            from .transport import activate
            from .world import DEFAULT_ACCOUNT_ID, World

            chosen = account_id or _check_account_id(os.environ.get(ACCOUNT_ENV)) or DEFAULT_ACCOUNT_ID
            _handle = AccessMock(World(chosen))
            _set_environment()
            activate(_handle.world)
        _depth += 1
        assert _handle is not None
        return _handle


def _exit() -> None:
    global _depth, _handle
    with _lock:
        if _depth == 0:
            raise RuntimeError("mock_access.stop() called more times than start()")
        _depth -= 1
        if _depth == 0:
            from .transport import deactivate

            deactivate()
            _restore_environment()
            _handle = None


def _set_environment() -> None:
    _saved_environment.clear()
    for name in (*FAKE_ENVIRONMENT, *_REMOVED_ENVIRONMENT, "AWS_DEFAULT_REGION"):
        _saved_environment[name] = os.environ.get(name)
    os.environ.update(FAKE_ENVIRONMENT)
    for name in _REMOVED_ENVIRONMENT:
        os.environ.pop(name, None)
    if not os.environ.get("AWS_DEFAULT_REGION") and not os.environ.get("AWS_REGION"):
        os.environ["AWS_DEFAULT_REGION"] = "us-east-1"


def _restore_environment() -> None:
    for name, value in _saved_environment.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    _saved_environment.clear()


def active_mock() -> Optional["AccessMock"]:
    """The handle of the activation in force, if any."""
    return _handle


class mock_access:  # noqa: N801 - lower case like the decorator it mostly is
    """Activate the mock: ``@mock_access``, ``@mock_access()``, ``with mock_access() as aws``,
    or ``m = mock_access(); aws = m.start(); ...; m.stop()``.

    ``account_id`` (12 digits) sets the default account; the environment variable
    ``IAM_ACCESS_MOCK_ACCOUNT_ID`` does too. An inner activation shares the outer world.
    """

    @overload
    def __new__(cls, func: F) -> F: ...

    @overload
    def __new__(cls, func: None = None, *, account_id: Optional[str] = None) -> "mock_access": ...

    def __new__(cls, func: Any = None, *, account_id: Optional[str] = None) -> Any:
        activator = super().__new__(cls)
        activator._account_id = _check_account_id(account_id)
        activator._started = 0
        if func is not None:
            return activator(func)
        return activator

    def __init__(self, func: Any = None, *, account_id: Optional[str] = None) -> None:
        pass  # everything happens in __new__, which may return the decorated function

    # ---- start / stop and the context manager ----
    def start(self) -> "AccessMock":
        handle = _enter(self._account_id)
        self._started += 1
        return handle

    def stop(self) -> None:
        if self._started == 0:
            raise RuntimeError("this mock_access was not started")
        self._started -= 1
        _exit()

    def __enter__(self) -> "AccessMock":
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()  # never swallows: returns None, so an exception keeps propagating

    async def __aenter__(self) -> "AccessMock":
        return self.start()

    async def __aexit__(self, *exc_info: Any) -> None:
        self.stop()

    # ---- the decorator ----
    def __call__(self, target: Any) -> Any:
        if inspect.isclass(target):
            return self._decorate_class(target)
        if not callable(target):
            raise TypeError(f"mock_access decorates functions and classes, not {type(target).__name__}")
        return self._decorate_function(target)

    def _decorate_function(self, func: Any) -> Any:
        import wrapt

        account_id = self._account_id

        if inspect.iscoroutinefunction(func):

            @wrapt.decorator
            async def run_async(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
                _enter(account_id)
                try:
                    return await wrapped(*args, **kwargs)
                finally:
                    _exit()

            return run_async(func)

        @wrapt.decorator
        def run(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
            _enter(account_id)
            try:
                return wrapped(*args, **kwargs)
            finally:
                _exit()

        return run(func)

    def _decorate_class(self, cls: type) -> type:
        import unittest

        if issubclass(cls, unittest.TestCase):
            # Wrapping run() puts setUp, the test and tearDown all inside the mock.
            cls.run = self._decorate_function(cls.__dict__.get("run", cls.run))  # type: ignore[method-assign]
            return cls
        for name, member in list(vars(cls).items()):
            if name.startswith("test") and inspect.isfunction(member):
                setattr(cls, name, self._decorate_function(member))
        return cls
