"""What only the console does, for the handle: password sign-ins (PasswordLastUsed) and the
account root's MFA device, and the codes a virtual MFA device shows."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from ...activity import AccessRecorder, parse_principal_arn, resolve_principal
from ...errors import MockConfigurationError
from .mfa import ROOT_DEVICE_NAME, current_codes, devices_of, enable, new_virtual_device, serial_for
from .store import IamStore, MfaDevice

if TYPE_CHECKING:
    from ...world import World

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def record_sign_in(world: World, principal_arn: Any, at: Any = None) -> None:
    """A console sign-in with a password: sets the user's PasswordLastUsed (or the root's)."""
    account_id, entity = resolve_principal(world, principal_arn)
    kind = parse_principal_arn(principal_arn)[2]
    if kind not in ("user", "root"):
        raise MockConfigurationError(
            f"{principal_arn!r}: only IAM users and the account root sign in with a password"
        )
    when = _EPOCH + timedelta(microseconds=AccessRecorder(world).micros(at))
    store: IamStore = world.iam(account_id)
    if entity == "root":
        store.root_password_last_used = when
        return
    user = store.user_by_id(entity)
    assert user is not None  # resolve_principal found it
    if user.login_profile is None:
        raise MockConfigurationError(
            f"{principal_arn!r} has no password: give it one with iam.create_login_profile first"
        )
    user.password_last_used = when


def enable_root_mfa(world: World, account_id: str, *, virtual: bool) -> str:
    """Enable an MFA device for the account root (AWS does it in the console only); returns
    its serial number. A virtual one is listed by ListVirtualMFADevices as assigned to root."""
    store: IamStore = world.iam(account_id)
    existing = devices_of(store, "root")
    if existing:
        return existing[0].serial
    now = world.clock.now()
    if virtual:
        device, _seed = new_virtual_device(serial_for(account_id, "/", ROOT_DEVICE_NAME), now)
    else:
        device = MfaDevice(serial=f"GAHT{account_id[-8:]}", created=now)
    enable(store, device, "root", now)
    return device.serial


def mfa_codes(world: World, serial_number: str) -> tuple[str, str]:
    """The two consecutive codes a virtual device shows at the mock clock's now."""
    if not isinstance(serial_number, str):
        raise TypeError(f"serial_number must be a str, got {type(serial_number).__name__}")
    parts = serial_number.split(":")
    account_id = parts[4] if len(parts) == 6 and parts[2] == "iam" else ""
    if not account_id.isdigit() or len(account_id) != 12:
        raise MockConfigurationError(
            f"serial_number must be a virtual MFA device's ARN (arn:aws:iam::ACCOUNT:mfa/NAME), got {serial_number!r}"
        )
    device = world.iam(account_id).mfa_devices.get(serial_number)
    if device is None or device.seed is None:
        raise MockConfigurationError(
            f"no virtual MFA device {serial_number!r} in account {account_id}"
        )
    return current_codes(device, world.clock.now())
