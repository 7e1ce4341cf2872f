"""The only package that touches botocore internals (and those of the libraries that wrap
botocore): wrappers installed once, process-wide, that do nothing unless a world is active.

``sync`` wraps botocore's own classes (and the AWS CLI v1's aliased copy).
"""

from __future__ import annotations

import threading
from typing import Any

from . import active
from .sync import BOTOCORE_PACKAGES, install_copy, serve

_install_lock = threading.Lock()


def install() -> None:
    """Wrap every loaded botocore copy once; cheap to call again."""
    with _install_lock:
        for package in BOTOCORE_PACKAGES:
            install_copy(package)


def activate(world: Any) -> None:
    """Serve every botocore request from ``world`` until ``deactivate``."""
    install()
    active.world = world


def deactivate() -> None:
    active.world = None


__all__ = ["activate", "deactivate", "install", "serve"]
