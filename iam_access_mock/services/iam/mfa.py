"""MFA devices: virtual devices (Create/DeleteVirtualMFADevice, ListVirtualMFADevices, tags),
and Enable/Deactivate/ResyncMFADevice, ListMFADevices, GetMFADevice for users.

A virtual device has a real TOTP seed (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits), and
EnableMFADevice and ResyncMFADevice check the two codes against it on the mock clock, as AWS
does: two consecutive codes, the second of the current step or of one of the two before it
(rule chosen for the allowed drift). ``aws.mfa_codes(serial)`` gives a test the two codes of
now. A serial number that is no virtual device of the account is a hardware device: the mock
cannot know its seed, so any two six-digit codes enable it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import secrets
import struct
from datetime import datetime
from typing import Any

from ...errors import DeleteConflict, EntityAlreadyExists, LimitExceeded, NoSuchEntity, ServiceError
from ...pagination import paginate
from ...service import RequestContext
from . import provider
from .store import IamStore, MfaDevice, User
from .tags import check_new_tags, check_tag_keys, list_tags_page, merge_tags, remove_tags, tag_list
from .users import ROOT_CREATE_DATE, caller_user, require_user, user_dict

STEP_SECONDS = 30
DRIFT_STEPS = 2  # how many steps back the second code may be
MFA_DEVICES_PER_USER = 8  # IAM quota: "MFA devices in use per user: 8"
ROOT_DEVICE_NAME = "root-account-mfa-device"


def totp(seed: bytes, step: int) -> str:
    digest = hmac.new(seed, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def step_of(when: datetime) -> int:
    return int(when.timestamp()) // STEP_SECONDS


def current_codes(device: MfaDevice, now: datetime) -> tuple[str, str]:
    """The two consecutive codes a user would read off the device now."""
    if device.seed is None:
        raise ValueError(f"{device.serial} is a hardware device: the mock has no seed for it")
    step = step_of(now)
    return totp(device.seed, step - 1), totp(device.seed, step)


def _codes_valid(device: MfaDevice, now: datetime, first: str, second: str) -> bool:
    if device.seed is None:
        return True
    step = step_of(now)
    return any(
        hmac.compare_digest(totp(device.seed, k), first)
        and hmac.compare_digest(totp(device.seed, k + 1), second)
        for k in range(step - 1 - DRIFT_STEPS, step)
    )


def invalid_code() -> ServiceError:
    return ServiceError(
        "Authentication code for device is not valid.", code="InvalidAuthenticationCode", status=403
    )


def serial_for(account_id: str, path: str, name: str) -> str:
    return f"arn:aws:iam::{account_id}:mfa{path}{name}"


def _qr_png(uri: str) -> bytes:
    import segno  # imported on first use: only CreateVirtualMFADevice draws QR codes

    buffer = io.BytesIO()
    segno.make_qr(uri).save(buffer, kind="png", scale=4)
    return buffer.getvalue()


def new_virtual_device(serial: str, now: datetime) -> tuple[MfaDevice, bytes]:
    """A device with a fresh 20-byte seed, and its base32 seed text."""
    seed = secrets.token_bytes(20)
    return MfaDevice(serial=serial, created=now, seed=seed), base64.b32encode(seed)


def _device_owner(ctx: RequestContext, params: dict[str, Any]) -> User | None:
    """The user named by UserName, else the caller (None for the account root)."""
    name = params.get("UserName")
    return require_user(ctx.store, name) if name is not None else caller_user(ctx)


def _owner_id(user: User | None) -> str:
    return "root" if user is None else user.unique_id


def _user_element(ctx: RequestContext, owner_id: str) -> dict[str, Any] | None:
    if owner_id == "root":
        return {
            "UserId": ctx.account_id,
            "Arn": f"arn:aws:iam::{ctx.account_id}:root",
            "CreateDate": ROOT_CREATE_DATE,
        }
    user = ctx.store.user_by_id(owner_id)
    return None if user is None else user_dict(user)


def _user_name(ctx: RequestContext, owner_id: str) -> str:
    """How a device's user is named: the user's name, the account id for the root (rule chosen)."""
    if owner_id == "root":
        return ctx.account_id
    user = ctx.store.user_by_id(owner_id)
    return user.name if user is not None else owner_id


def _virtual(store: IamStore, serial: str) -> MfaDevice:
    device = store.mfa_devices.get(serial)
    if device is None or device.seed is None:
        raise NoSuchEntity(f"VirtualMFADevice with serial number {serial} doesn't exist.")
    return device


def _enabled_for(store: IamStore, owner_id: str, serial: str) -> MfaDevice:
    device = store.mfa_devices.get(serial)
    if device is None or device.user_id != owner_id:
        raise NoSuchEntity(f"MFA Device with serial number {serial} does not exist.")
    return device


def devices_of(store: IamStore, owner_id: str) -> list[MfaDevice]:
    """The devices enabled for a user (or "root"), in the order they were enabled."""
    found = [device for device in store.mfa_devices.values() if device.user_id == owner_id]
    return sorted(found, key=lambda device: (device.enabled or device.created, device.serial))


def enable(store: IamStore, device: MfaDevice, owner_id: str, now: datetime) -> None:
    device.user_id = owner_id
    device.enabled = now
    store.mfa_devices[device.serial] = device
    if owner_id != "root":
        user = store.user_by_id(owner_id)
        if user is not None:
            user.mfa_devices[device.serial] = None


# ---- virtual devices ---------------------------------------------------------------------------


@provider.handles("CreateVirtualMFADevice")
def create_virtual_mfa_device(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """A new unassigned device with its base32 seed and a QR code (PNG) of its otpauth URI;
    the seed is returned only here, as on AWS."""
    store: IamStore = ctx.store
    tags = params.get("Tags") or []
    check_new_tags(tags, allow_empty=True)
    path, name = params.get("Path", "/"), params["VirtualMFADeviceName"]
    serial = serial_for(ctx.account_id, path, name)
    if serial in store.mfa_devices:
        raise EntityAlreadyExists("MFADevice entity at the same path and name already exists.")
    device, seed_text = new_virtual_device(serial, ctx.world.clock.now())
    merge_tags(device.tags, tags, "TagsPerMFADevice")
    store.mfa_devices[serial] = device
    uri = f"otpauth://totp/Amazon%20Web%20Services:{name}@{ctx.account_id}?secret={seed_text.decode()}&issuer=Amazon%20Web%20Services"
    return {
        "VirtualMFADevice": {
            "SerialNumber": serial,
            "Base32StringSeed": seed_text,
            "QRCodePNG": _qr_png(uri),
            "Tags": tag_list(device.tags),
        }
    }


@provider.handles("DeleteVirtualMFADevice")
def delete_virtual_mfa_device(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store: IamStore = ctx.store
    device = _virtual(store, params["SerialNumber"])
    if device.user_id is not None:
        raise DeleteConflict("MFA Device is still in use")
    del store.mfa_devices[device.serial]
    return {}


@provider.handles("ListVirtualMFADevices")
def list_virtual_mfa_devices(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """By serial number (rule chosen); Assigned ones carry their User and EnableDate; the seed
    and QR code are never listed."""
    store: IamStore = ctx.store
    status = params.get("AssignmentStatus") or "Any"
    devices = sorted(
        (
            device
            for device in store.mfa_devices.values()
            if device.seed is not None
            and (status == "Any" or (status == "Assigned") == (device.user_id is not None))
        ),
        key=lambda device: device.serial,
    )
    page, marker = paginate(
        devices,
        marker=params.get("Marker"),
        max_items=params.get("MaxItems"),
        scope=("ListVirtualMFADevices", status),
        key=lambda device: device.serial,
    )
    entries = []
    for device in page:
        entry: dict[str, Any] = {"SerialNumber": device.serial}
        if device.user_id is not None:
            entry["User"] = _user_element(ctx, device.user_id)
            entry["EnableDate"] = device.enabled
        entry["Tags"] = tag_list(device.tags)
        entries.append(entry)
    return {"VirtualMFADevices": entries, "IsTruncated": marker is not None, "Marker": marker}


# ---- devices of users ----------------------------------------------------------------------------


@provider.handles("EnableMFADevice")
def enable_mfa_device(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store: IamStore = ctx.store
    user = require_user(store, params["UserName"])
    serial = params["SerialNumber"]
    device = store.mfa_devices.get(serial)
    if device is not None and device.user_id is not None:
        raise EntityAlreadyExists("MFA Device is already in use.")
    if len(user.mfa_devices) >= MFA_DEVICES_PER_USER:
        raise LimitExceeded(f"Cannot exceed quota for MFADevicesPerUser: {MFA_DEVICES_PER_USER}")
    now = ctx.world.clock.now()
    if device is None:
        device = MfaDevice(serial=serial, created=now)  # a hardware device, by its serial
    if not _codes_valid(device, now, params["AuthenticationCode1"], params["AuthenticationCode2"]):
        raise invalid_code()
    enable(store, device, user.unique_id, now)
    return {}


@provider.handles("DeactivateMFADevice")
def deactivate_mfa_device(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """A virtual device goes back to Unassigned; a hardware one is forgotten."""
    store: IamStore = ctx.store
    owner = _device_owner(ctx, params)
    device = _enabled_for(store, _owner_id(owner), params["SerialNumber"])
    if owner is not None:
        owner.mfa_devices.pop(device.serial, None)
    if device.seed is None:
        del store.mfa_devices[device.serial]
    else:
        device.user_id = device.enabled = None
    return {}


@provider.handles("ResyncMFADevice")
def resync_mfa_device(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store: IamStore = ctx.store
    user = require_user(store, params["UserName"])
    device = _enabled_for(store, user.unique_id, params["SerialNumber"])
    if not _codes_valid(
        device, ctx.world.clock.now(), params["AuthenticationCode1"], params["AuthenticationCode2"]
    ):
        raise invalid_code()
    return {}


@provider.handles("ListMFADevices")
def list_mfa_devices(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The user's enabled devices (without UserName: the caller's, the root's for the root)."""
    store: IamStore = ctx.store
    owner_id = _owner_id(_device_owner(ctx, params))
    page, marker = paginate(
        devices_of(store, owner_id),
        marker=params.get("Marker"),
        max_items=params.get("MaxItems"),
        scope=("ListMFADevices", owner_id),
        key=lambda device: device.serial,
    )
    name = _user_name(ctx, owner_id)
    return {
        "MFADevices": [
            {"UserName": name, "SerialNumber": device.serial, "EnableDate": device.enabled}
            for device in page
        ],
        "IsTruncated": marker is not None,
        "Marker": marker,
    }


@provider.handles("GetMFADevice")
def get_mfa_device(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store: IamStore = ctx.store
    owner_id = _owner_id(_device_owner(ctx, params))
    device = _enabled_for(store, owner_id, params["SerialNumber"])
    return {
        "UserName": _user_name(ctx, owner_id),
        "SerialNumber": device.serial,
        "EnableDate": device.enabled,
    }


@provider.handles("TagMFADevice")
def tag_mfa_device(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    tags = params["Tags"]
    check_new_tags(tags, allow_empty=False)
    device = _virtual(ctx.store, params["SerialNumber"])
    merge_tags(device.tags, tags, "TagsPerMFADevice")
    return {}


@provider.handles("UntagMFADevice")
def untag_mfa_device(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    keys = params["TagKeys"]
    check_tag_keys(keys)
    remove_tags(_virtual(ctx.store, params["SerialNumber"]).tags, keys)
    return {}


@provider.handles("ListMFADeviceTags")
def list_mfa_device_tags(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    device = _virtual(ctx.store, params["SerialNumber"])
    return list_tags_page(device.tags, params, ("ListMFADeviceTags", device.serial))
