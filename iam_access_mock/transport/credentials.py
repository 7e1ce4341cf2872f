"""Credentials while active: the mock's fake key instead of anything botocore's providers find.

The rule, for botocore (each loaded copy, the AWS CLI v1's included) and aiobotocore alike:

* **Replaced**: credentials whose ``method`` is the ``METHOD`` of one of botocore's own
  credential providers other than ``env``: ``shared-credentials-file``, ``config-file``,
  ``custom-process``, ``sso``, ``login``, ``assume-role`` (role_arn with source_profile or
  credential_source), ``assume-role-with-web-identity``, ``container-role``, ``iam-role``,
  ``ec2-credentials-file``, ``boto-config`` (the set is read from the loaded botocore, so
  providers it adds later are covered too). While active they sign as the fake key of
  ``activation.FAKE_ENVIRONMENT`` (the default account's root): ``get_frozen_credentials``
  answers the fake ones and ``_refresh`` does nothing, so no credential process, SSO token
  cache, web identity token, STS call or metadata endpoint is used, whether they were
  resolved before activation (a client or session made earlier) or not.
* **Resolved while active**: a session with no credentials of its own, or with ones it
  cached from a provider or the environment, gets from ``get_credentials`` (which
  ``create_client`` calls) what botocore's first provider would give now, the
  environment's keys, unless the session names a profile (``Session(profile_name=...)``,
  the CLI's ``--profile``: botocore skips the environment then, see
  ``create_credential_resolver``); failing that, the fake ones. No other
  provider runs, and nothing is cached on the session: ``session._credentials`` and its
  resolver stay as they were, so after the mock stops the session resolves exactly as it
  would have. (Reading the environment again matters for ``boto3.DEFAULT_SESSION``: keys
  it cached in an earlier test must not hide the ones this test put there.)
* **Kept**: ``explicit`` credentials (keys passed to a client or ``Session``, or
  ``set_credentials``): that is how a test calls as a user or role session of the mock
  (``identity.py``). ``env`` credentials: the environment holds the fake keys while active,
  or whatever keys the test put there. Credentials of any other method, made by the
  user's own code: their refresh runs that code, whose own botocore calls this covers.
* A client created with no credentials at all signs with the fake ones
  (``lend_fake_credentials``), so it is served instead of failing with NoCredentialsError.

Each wrapper reads ``active.world`` first and passes straight through while no mock is
active; the per-request cost while active is one frozenset lookup.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections import namedtuple
from types import ModuleType
from typing import Any

import wrapt

from ..activation import FAKE_ENVIRONMENT
from . import active

# The ``method`` of the credentials the mock hands out, for a reader who inspects them.
FAKE_METHOD = "iam-access-mock"
FAKE_ACCESS_KEY = FAKE_ENVIRONMENT["AWS_ACCESS_KEY_ID"]
FAKE_SECRET_KEY = FAKE_ENVIRONMENT["AWS_SECRET_ACCESS_KEY"]

# Providers whose credentials are kept: while active the environment is the mock's own.
_KEPT_PROVIDER_METHODS = frozenset({"env"})

_PATCHED_ATTR = "_iam_access_mock_credentials_patched"
_aio_lock = threading.Lock()

# The fields botocore's signers read from frozen credentials (ReadOnlyCredentials).
_FakeCredentials = namedtuple("_FakeCredentials", ["access_key", "secret_key", "token"])
_FAKE_CREDENTIALS = _FakeCredentials(FAKE_ACCESS_KEY, FAKE_SECRET_KEY, None)


def lend_fake_credentials(auth: Any) -> Any:
    """``auth`` (a signer's auth object), with the fake credentials if it has none."""
    # Only a client created with no credentials reaches here with None: unsigned clients
    # get no auth object at all and keep sending unsigned requests.
    if (
        active.world is not None
        and auth is not None
        and getattr(auth, "credentials", True) is None
    ):
        auth.credentials = _FAKE_CREDENTIALS
    return auth


def _fake_credentials_for_anonymous_clients(
    wrapped: Any, instance: Any, args: tuple, kwargs: dict
) -> Any:
    return lend_fake_credentials(wrapped(*args, **kwargs))


def provider_methods(base: type, *modules: ModuleType) -> frozenset[str]:
    """The ``METHOD`` of every credential provider class (subclasses of ``base``) in
    ``modules``, except those whose credentials are kept."""
    methods = {
        getattr(cls, "METHOD", None)
        for module in modules
        for cls in vars(module).values()
        if isinstance(cls, type) and issubclass(cls, base)
    }
    named = frozenset(method for method in methods if isinstance(method, str))
    return named - _KEPT_PROVIDER_METHODS


def _names_a_profile(session: Any) -> bool:
    # botocore's create_credential_resolver drops the environment provider on this test:
    # ``Session(profile_name=...)`` or the CLI's ``--profile``, not AWS_PROFILE.
    return session.instance_variables().get("profile") is not None


class _SyncCopy:
    """The wrappers of one botocore copy, with that copy's credential classes."""

    def __init__(self, credentials: ModuleType) -> None:
        self.replaced = provider_methods(credentials.CredentialProvider, credentials)
        self.resolved_again = self.replaced | _KEPT_PROVIDER_METHODS
        self._credentials_class = credentials.Credentials
        self._env_provider_class = credentials.EnvProvider
        # Built before the wrappers exist; a namedtuple, so sharing it is safe.
        self.frozen = self.fake().get_frozen_credentials()

    def fake(self) -> Any:
        """New fake credentials: the caller may keep or change them."""
        return self._credentials_class(FAKE_ACCESS_KEY, FAKE_SECRET_KEY, method=FAKE_METHOD)

    def session_credentials(self, wrapped: Any, instance: Any, args: tuple, kwargs: dict) -> Any:
        """``Session.get_credentials``: while active, never run the provider chain."""
        if active.world is None:
            return wrapped(*args, **kwargs)
        own = getattr(instance, "_credentials", None)
        if own is not None and getattr(own, "method", None) not in self.resolved_again:
            return own
        if not _names_a_profile(instance):
            from_environment = self._env_provider_class().load()
            if from_environment is not None:
                return from_environment
        return self.fake()

    def frozen_credentials(self, wrapped: Any, instance: Any, args: tuple, kwargs: dict) -> Any:
        """``get_frozen_credentials``: where signing reads (and a refresh would fetch) keys."""
        if active.world is not None and getattr(instance, "method", None) in self.replaced:
            return self.frozen
        return wrapped(*args, **kwargs)

    def refresh(self, wrapped: Any, instance: Any, args: tuple, kwargs: dict) -> Any:
        """``RefreshableCredentials._refresh``: reading ``access_key`` or ``account_id``
        (the endpoint resolver reads it for AccountId endpoints) refreshes too."""
        if active.world is not None and getattr(instance, "method", None) in self.replaced:
            return None
        return wrapped(*args, **kwargs)


class _AioCopy:
    """The async wrappers of aiobotocore, whose sessions and credentials use coroutines."""

    def __init__(self, credentials: ModuleType, botocore_credentials: ModuleType) -> None:
        self.replaced = provider_methods(
            botocore_credentials.CredentialProvider, botocore_credentials, credentials
        )
        self.resolved_again = self.replaced | _KEPT_PROVIDER_METHODS
        self._credentials_class = credentials.AioCredentials
        self._env_provider_class = credentials.AioEnvProvider
        self.frozen = botocore_credentials.Credentials(
            FAKE_ACCESS_KEY, FAKE_SECRET_KEY, method=FAKE_METHOD
        ).get_frozen_credentials()

    def fake(self) -> Any:
        return self._credentials_class(FAKE_ACCESS_KEY, FAKE_SECRET_KEY, method=FAKE_METHOD)

    async def session_credentials(
        self, wrapped: Any, instance: Any, args: tuple, kwargs: dict
    ) -> Any:
        """``AioSession.get_credentials``: while active, never run the provider chain."""
        if active.world is None:
            return await wrapped(*args, **kwargs)
        own = getattr(instance, "_credentials", None)
        if own is not None and getattr(own, "method", None) not in self.resolved_again:
            return own
        if not _names_a_profile(instance):
            from_environment = await self._env_provider_class().load()
            if from_environment is not None:
                return from_environment
        return self.fake()

    async def frozen_credentials(
        self, wrapped: Any, instance: Any, args: tuple, kwargs: dict
    ) -> Any:
        if active.world is not None and getattr(instance, "method", None) in self.replaced:
            return self.frozen
        return await wrapped(*args, **kwargs)

    async def refresh(self, wrapped: Any, instance: Any, args: tuple, kwargs: dict) -> Any:
        if active.world is not None and getattr(instance, "method", None) in self.replaced:
            return None
        return await wrapped(*args, **kwargs)


def install_copy(package: str) -> None:
    """Wrap the credential handling of the botocore copy loaded as ``package``, once."""
    session = sys.modules.get(package + ".session")
    if session is None:
        if package != "botocore":
            return
        session = importlib.import_module("botocore.session")
    # The mark lives on the module object: a copy loaded again is wrapped again.
    if getattr(session, _PATCHED_ATTR, False):
        return
    root = session.__name__.rsplit(".", 1)[0]
    credentials = importlib.import_module(root + ".credentials")
    signers = importlib.import_module(root + ".signers")
    copy = _SyncCopy(credentials)
    wrapt.wrap_function_wrapper(session, "Session.get_credentials", copy.session_credentials)
    for name in ("Credentials", "RefreshableCredentials"):
        wrapt.wrap_function_wrapper(
            credentials, f"{name}.get_frozen_credentials", copy.frozen_credentials
        )
    wrapt.wrap_function_wrapper(credentials, "RefreshableCredentials._refresh", copy.refresh)
    wrapt.wrap_function_wrapper(
        signers, "RequestSigner.get_auth_instance", _fake_credentials_for_anonymous_clients
    )
    setattr(session, _PATCHED_ATTR, True)


def wrap_aio(root: str) -> None:
    """Wrap the credential handling of one loaded aiobotocore (``aio.py`` calls this)."""
    # Imported before taking the lock: an import can run the post-import hook, in this
    # thread or in another one that holds the package's import lock.
    session = importlib.import_module(root + ".session")
    credentials = importlib.import_module(root + ".credentials")
    botocore_credentials = importlib.import_module("botocore.credentials")
    with _aio_lock:
        if getattr(session, _PATCHED_ATTR, False):
            return
        copy = _AioCopy(credentials, botocore_credentials)
        wrapt.wrap_function_wrapper(session, "AioSession.get_credentials", copy.session_credentials)
        for name in ("AioCredentials", "AioRefreshableCredentials"):
            wrapt.wrap_function_wrapper(
                credentials, f"{name}.get_frozen_credentials", copy.frozen_credentials
            )
        wrapt.wrap_function_wrapper(credentials, "AioRefreshableCredentials._refresh", copy.refresh)
        setattr(session, _PATCHED_ATTR, True)
