"""AWS Security Token Service: GetCallerIdentity and AssumeRole."""

from __future__ import annotations

from ...service import Provider

provider = Provider("sts")

from . import handlers  # noqa: F401
