"""The only package that touches botocore internals (and those of the libraries that wrap
botocore): wrappers installed once, process-wide, that do nothing unless a world is active.

``sync`` wraps botocore's own classes (and the AWS CLI v1's aliased copy); ``aio`` wraps
aiobotocore's (and so aioboto3's) once it is imported; ``moto`` makes moto's ``before-send``
handler leave the services the mock serves to the mock; ``credentials`` makes every
botocore copy and aiobotocore sign with the fake key instead of running credential
providers (credential_process, SSO, assume-role, metadata, ...).
"""

from __future__ import annotations

import threading
from typing import Any

from . import active, aio, credentials, endpoint_url, moto
from .sync import BOTOCORE_PACKAGES, install_copy, serve

_install_lock = threading.Lock()


def install() -> None:
    """Wrap every loaded botocore copy, and aiobotocore now or once imported; cheap to repeat."""
    with _install_lock:
        for package in BOTOCORE_PACKAGES:
            install_copy(package)
            credentials.install_copy(package)
            endpoint_url.install_copy(package)
        aio.install()
    moto.install()


def activate(world: Any) -> None:
    """Serve every botocore request from ``world`` until ``deactivate``."""
    install()
    active.world = world


def deactivate() -> None:
    active.world = None


__all__ = ["activate", "deactivate", "install", "serve"]
