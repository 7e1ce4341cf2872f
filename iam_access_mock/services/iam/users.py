"""IAM users: Create/Get/List/Update/Delete and their tags."""

from __future__ import annotations

from typing import Any

from ...errors import EntityAlreadyExists, NoSuchEntity
from ...identity import new_id
from ...service import RequestContext
from . import provider
from .store import IamStore, User


def _user_dict(user: User) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Path": user.path,
        "UserName": user.name,
        "UserId": user.unique_id,
        "Arn": user.arn,
        "CreateDate": user.created,
    }
    return out


def _require_user(store: IamStore, name: str) -> User:
    user = store.user(name)
    if user is None:
        raise NoSuchEntity(f"The user with name {name} cannot be found.")
    return user


@provider.handles("CreateUser")
def create_user(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store: IamStore = ctx.store
    name = params["UserName"]
    path = params.get("Path", "/")
    if store.user(name) is not None:
        raise EntityAlreadyExists(f"User with name {name} already exists.")
    user = User(name, path, new_id("AIDA"), f"arn:aws:iam::{ctx.account_id}:user{path}{name}", ctx.world.clock.now())
    store.add(user)
    return {"User": _user_dict(user)}


@provider.handles("GetUser")
def get_user(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store: IamStore = ctx.store
    name = params.get("UserName")
    if name is None:
        # Without UserName, GetUser describes the caller (AWS derives it from the access key).
        user = store.user_by_id(ctx.principal.entity_id or "") if ctx.principal.kind == "user" else None
        if user is None:
            raise NoSuchEntity("The user with name root cannot be found.")
        return {"User": _user_dict(user)}
    return {"User": _user_dict(_require_user(store, name))}
