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
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

from .errors import MockConfigurationError

if TYPE_CHECKING:
    from .handle import AccessMock

F = TypeVar("F", bound=Callable[..., Any])

ACCOUNT_ENV = "IAM_ACCESS_MOCK_ACCOUNT_ID"

FAKE_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}
# Removed while active: with a session token left over, botocore would send it with the
# fake key; with a profile named, it would read that profile's credentials from disk.
_REMOVED_ENVIRONMENT = (
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
)
DEFAULT_REGION = "us-east-1"

# Every variable an activation may change; the pytest fixture snapshots these.
ENVIRONMENT_NAMES = (*FAKE_ENVIRONMENT, *_REMOVED_ENVIRONMENT, "AWS_DEFAULT_REGION")

_lock = threading.RLock()
_depth = 0
_handle: AccessMock | None = None
_saved_environment: dict[str, str | None] = {}
# The server of ``mock_access(server=True)`` (a ServedWorld) and the depth that started it.
_served: Any = None
_served_depth = 0


def _check_account_id(account_id: Any, source: str = "account_id") -> str | None:
    if account_id is None:
        return None
    if not isinstance(account_id, str):
        raise TypeError(f"{source} must be a string of 12 digits, not {type(account_id).__name__}")
    if len(account_id) != 12 or not account_id.isdigit() or not account_id.isascii():
        raise MockConfigurationError(f"{source} must be 12 digits, got {account_id!r}")
    return account_id


def _enter(account_id: str | None, server: bool = False) -> AccessMock:
    global _depth, _handle
    with _lock:
        if _depth == 0:
            from .handle import AccessMock
            from .transport import activate
            from .world import DEFAULT_ACCOUNT_ID, World

            chosen = (
                account_id
                or _check_account_id(os.environ.get(ACCOUNT_ENV), ACCOUNT_ENV)
                or DEFAULT_ACCOUNT_ID
            )
            handle = AccessMock(World(chosen))
            _set_environment()
            try:
                activate(handle.world)
            except BaseException:
                _restore_environment()
                raise
            _handle = handle
        else:
            assert _handle is not None
            if account_id is not None and account_id != _handle.account_id:
                # An inner activation shares the outer world, whose default account is fixed.
                raise MockConfigurationError(
                    f"mock_access(account_id={account_id!r}) inside an active mock whose "
                    f"account is {_handle.account_id}: nested activations share one world"
                )
        _depth += 1
        if server and _served is None:
            _serve(_handle)
        return _handle


def _serve(handle: AccessMock) -> None:
    """Serve the active world over HTTP until the activation that asked for it stops."""
    global _served, _served_depth
    from .server import ServedWorld

    try:
        _served = ServedWorld(handle)
    except BaseException:
        _exit()
        raise
    _served_depth = _depth


def _exit() -> None:
    global _depth, _handle, _served
    with _lock:
        if _depth == 0:
            raise RuntimeError("mock_access stopped more times than started")
        if _served is not None and _depth == _served_depth:
            served, _served = _served, None
            served.close()
        _depth -= 1
        if _depth == 0:
            from .transport import deactivate

            deactivate()
            _restore_environment()
            _handle = None


def _set_environment() -> None:
    environ = os.environ
    saved = _saved_environment
    saved.clear()
    for name in ENVIRONMENT_NAMES:
        saved[name] = environ.get(name)
    # Each write is a putenv(); suites that already export the fake values skip them all.
    for name, value in FAKE_ENVIRONMENT.items():
        if saved[name] != value:
            environ[name] = value
    for name in _REMOVED_ENVIRONMENT:
        if saved[name] is not None:
            del environ[name]
    if not saved["AWS_DEFAULT_REGION"]:
        # botocore reads only AWS_DEFAULT_REGION; AWS_REGION is what other SDKs read.
        environ["AWS_DEFAULT_REGION"] = environ.get("AWS_REGION") or DEFAULT_REGION


def _restore_environment() -> None:
    environ = os.environ
    for name, value in _saved_environment.items():
        if value is None:
            if name in environ:
                del environ[name]
        elif environ.get(name) != value:
            environ[name] = value
    _saved_environment.clear()



class mock_access:
    """Activate the mock: ``@mock_access``, ``@mock_access()``, ``with mock_access() as aws``,
    or ``m = mock_access(); aws = m.start(); ...; m.stop()``.

    ``account_id`` (12 digits) sets the default account; the environment variable
    ``IAM_ACCESS_MOCK_ACCOUNT_ID`` does too. An inner activation shares the outer world, so
    it may not ask for a different account (MockConfigurationError).

    ``server=True`` also serves the world over HTTP on a free loopback port while active, and
    puts its URL in ``AWS_ENDPOINT_URL`` (restored on exit), so that child processes (the
    AWS CLI v2, other SDKs) share the test's state; the handle's ``endpoint_url`` tells it.
    In-process clients are still answered directly.

    As a decorator it serves sync and async functions, generator functions (active from
    the first ``next`` to the end, so pytest yield fixtures work), classes (every ``test*``
    method, inherited ones included) and ``unittest.TestCase`` subclasses (``run``, so
    ``setUp`` and ``tearDown`` are inside the mock; ``setUpClass`` is not).
    """

    _account_id: str | None
    _server: bool
    _started: int

    @overload
    def __new__(cls, func: F) -> F: ...  # type: ignore[misc]  # a decorator returns its target

    @overload
    def __new__(
        cls, func: None = None, *, account_id: str | None = None, server: bool = False
    ) -> mock_access: ...

    def __new__(cls, func: Any = None, *, account_id: str | None = None, server: bool = False) -> Any:
        activator = super().__new__(cls)
        activator._account_id = _check_account_id(account_id)
        if not isinstance(server, bool):
            raise TypeError(f"server must be True or False, not {type(server).__name__}")
        activator._server = server
        activator._started = 0
        if func is not None:
            return activator(func)
        return activator

    def __init__(self, func: Any = None, *, account_id: str | None = None, server: bool = False) -> None:
        pass  # everything happens in __new__, which may return the decorated function

    # ---- start / stop and the context manager ----
    def start(self) -> AccessMock:
        handle = _enter(self._account_id, self._server)
        self._started += 1
        return handle

    def stop(self) -> None:
        if self._started == 0:
            raise RuntimeError("this mock_access was not started")
        self._started -= 1
        _exit()

    def __enter__(self) -> AccessMock:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()  # returns None: an exception raised inside keeps propagating

    async def __aenter__(self) -> AccessMock:
        return self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        self.stop()

    # ---- the decorator ----
    def __call__(self, target: F) -> F:
        """Decorate ``target``; its type is kept (the wrapper is a transparent proxy)."""
        if inspect.isclass(target):
            return cast(F, self._decorate_class(target))
        if not callable(target):
            raise TypeError(
                f"mock_access decorates functions and classes, not {type(target).__name__}"
            )
        return cast(F, self._decorate_function(target))

    def _decorate_function(self, func: Any) -> Any:
        import wrapt

        account_id, server = self._account_id, self._server

        if inspect.iscoroutinefunction(func):

            @wrapt.decorator
            async def run_coroutine(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
                _enter(account_id, server)
                try:
                    return await wrapped(*args, **kwargs)
                finally:
                    _exit()

            return run_coroutine(func)

        if inspect.isgeneratorfunction(func):

            @wrapt.decorator
            def run_generator(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
                _enter(account_id, server)
                try:
                    return (yield from wrapped(*args, **kwargs))
                finally:
                    _exit()

            return run_generator(func)

        if inspect.isasyncgenfunction(func):

            @wrapt.decorator
            async def run_async_generator(
                wrapped: Any, instance: Any, args: Any, kwargs: Any
            ) -> Any:
                # Values sent with asend() are not passed on: async yield fixtures never send.
                _enter(account_id, server)
                try:
                    async for item in wrapped(*args, **kwargs):
                        yield item
                finally:
                    _exit()

            return run_async_generator(func)

        @wrapt.decorator
        def run(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
            _enter(account_id, server)
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
        for name in dir(cls):
            if not name.startswith("test"):
                continue
            member = inspect.getattr_static(cls, name)
            if isinstance(member, staticmethod):
                setattr(cls, name, staticmethod(self._decorate_function(member.__func__)))
            elif isinstance(member, classmethod):
                setattr(cls, name, classmethod(self._decorate_function(member.__func__)))
            elif inspect.isfunction(member):
                setattr(cls, name, self._decorate_function(member))
        return cls


# The activator's type, under a name for annotations (``self.activation: Activation``):
# to type checkers the public ``mock_access`` is the overloaded function below, not a class.
Activation = mock_access

if TYPE_CHECKING:
    # mypy ignores a ``__new__`` that returns anything but an instance, so it would type
    # ``@mock_access def f`` as ``mock_access`` and ``f()`` as Any. The package exports
    # these overloads to type checkers instead; at run time the name is the class itself.
    @overload
    def typed_mock_access(func: F, *, account_id: str | None = None, server: bool = False) -> F: ...

    @overload
    def typed_mock_access(
        func: None = None, *, account_id: str | None = None, server: bool = False
    ) -> Activation: ...

    def typed_mock_access(func: Any = None, *, account_id: str | None = None, server: bool = False) -> Any:
        """Activate the mock: see the ``mock_access`` class."""
        return mock_access(func, account_id=account_id, server=server)
