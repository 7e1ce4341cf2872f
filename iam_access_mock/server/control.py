"""The control API: the handle's Python API as JSON endpoints under ``/_iam_access_mock/``,
for processes that cannot import Python (the model: moto's ``/moto-api/``).

Every endpoint takes and answers JSON. A bad request is a 400 ``{"error": ..., "field": ...}``
naming the field; an unknown path a 404 and a wrong method a 405, in the same shape.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from .. import __version__, bounded_json
from ..handle import AccessMock
from ..protocol import HttpResponse
from ..services import served_services

# A request body nests a few levels; deeper JSON is refused before it is decoded.
_MAX_DEPTH = 32


class ControlError(Exception):
    """A control request the API refuses: status, message and the field at fault."""

    def __init__(self, message: str, field: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.field, self.status = message, field, status


Endpoint = Callable[[AccessMock, bytes], dict[str, Any]]


def respond(handle: AccessMock, method: str, name: str, body: bytes) -> HttpResponse:
    """Answer one control request; ``name`` is the path after ``/_iam_access_mock/``."""
    try:
        methods = ENDPOINTS.get(name.rstrip("/"))
        if methods is None:
            raise ControlError(f"no control endpoint {name!r}; see {sorted(ENDPOINTS)}", status=404)
        endpoint = methods.get(method)
        if endpoint is None:
            raise ControlError(f"{name} takes {' or '.join(sorted(methods))}, not {method}", status=405)
        return _json(200, endpoint(handle, body))
    except ControlError as error:
        return _json(error.status, {"error": error.message, "field": error.field})
    except (ValueError, TypeError) as error:
        # The handle's own checks (MockConfigurationError is a ValueError) name the argument.
        return _json(400, {"error": str(error), "field": _field_of(error)})


def _json(status: int, document: dict[str, Any]) -> HttpResponse:
    return HttpResponse(status, {"Content-Type": "application/json"}, json.dumps(document).encode())


def _field_of(error: Exception) -> str | None:
    return getattr(error, "field", None)


# ---- reading request bodies --------------------------------------------------------------


def _object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        document = bounded_json.loads(body, max_depth=_MAX_DEPTH)
    except ValueError as error:
        raise ControlError(f"the body is not JSON: {error}") from error
    if not isinstance(document, dict):
        raise ControlError("the body must be a JSON object")
    return document


def _get(document: dict[str, Any], name: str, kinds: tuple[type, ...], default: Any = None) -> Any:
    value = document.get(name, default)
    if value is None:
        return default
    if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
        wanted = " or ".join(kind.__name__.replace("str", "string").replace("int", "integer") for kind in kinds)
        raise ControlError(f"{name} must be a {wanted}, got {json.dumps(value)[:60]}", name)
    return value


def _required(document: dict[str, Any], name: str, kinds: tuple[type, ...]) -> Any:
    if document.get(name) is None:
        raise ControlError(f"{name} is required", name)
    return _get(document, name, kinds)


def _time(value: Any, field: str) -> datetime:
    """An ISO 8601 time (naive means UTC; a trailing Z is accepted) or epoch seconds."""
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, timezone.utc)
        if isinstance(value, str):
            text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
            parsed = datetime.fromisoformat(text)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    except (ValueError, OverflowError, OSError) as error:
        raise ControlError(f"{field} is not a time: {error}", field) from error
    raise ControlError(f"{field} must be an ISO 8601 string or epoch seconds", field)


def _duration(document: dict[str, Any], field: str) -> timedelta:
    """``{"days": .., "hours": .., "minutes": .., "seconds": ..}``, any of them, summed."""
    units = ("days", "hours", "minutes", "seconds")
    if not any(document.get(unit) is not None for unit in units):
        raise ControlError(f"{field} needs one of {', '.join(units)}", field)
    try:
        return timedelta(**{unit: _get(document, unit, (int, float), 0) for unit in units})
    except OverflowError as error:
        raise ControlError(f"{field} is too long: {error}", field) from error


# ---- endpoints ---------------------------------------------------------------------------


def health(handle: AccessMock, body: bytes) -> dict[str, Any]:
    return {
        "status": "ok",
        "version": __version__,
        "account_id": handle.account_id,
        "services": served_services(),
        "now": handle.clock.now().isoformat(),
    }


def reset(handle: AccessMock, body: bytes) -> dict[str, Any]:
    handle.reset()
    return {}


def record_accesses(handle: AccessMock, body: bytes) -> dict[str, Any]:
    """``{"accesses": [{"principal_arn", "action", "at"?, "region"?}, ...]}`` or one such item."""
    document = _object(body)
    items = document.get("accesses", [document])
    if not isinstance(items, list):
        raise ControlError("accesses must be a list of objects", "accesses")
    accesses = []
    for position, item in enumerate(items):
        where = f"accesses[{position}]" if "accesses" in document else ""
        if not isinstance(item, dict):
            raise ControlError(f"{where} must be an object", where)
        try:
            access = {
                "principal_arn": _required(item, "principal_arn", (str,)),
                "action": _required(item, "action", (str,)),
                "region": _get(item, "region", (str,)),
                "at": None if item.get("at") is None else _time(item["at"], "at"),
            }
        except ControlError as error:
            raise ControlError(error.message, f"{where}.{error.field}".lstrip(".")) from error
        accesses.append(access)
    try:
        return {"recorded": handle.record_accesses(accesses)}
    except (ValueError, TypeError) as error:
        raise ControlError(str(error), "accesses" if "accesses" in document else None) from error


def load_cloudtrail(handle: AccessMock, body: bytes) -> dict[str, Any]:
    """A CloudTrail log file as delivered (``{"Records": [...]}``, gzip or not)."""
    from ..cloudtrail import MAX_DEPTH

    if body[:2] == b"\x1f\x8b":
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError, zlib.error) as error:
            raise ControlError(f"the body is not valid gzip: {error}") from error
    try:
        document = bounded_json.loads(body, max_depth=MAX_DEPTH)
    except ValueError as error:
        raise ControlError(f"the body is not JSON: {error}") from error
    if not isinstance(document, dict) or not isinstance(document.get("Records"), list):
        raise ControlError('a CloudTrail log is an object with a "Records" list', "Records")
    loaded = handle.load_cloudtrail(document)
    return {
        "taken": int(loaded),
        "skipped": loaded.skipped,
        "unknown": loaded.unknown,
        "malformed": loaded.malformed,
    }


def get_clock(handle: AccessMock, body: bytes) -> dict[str, Any]:
    return {"now": handle.clock.now().isoformat(), "pinned": handle.clock.pinned}


def set_clock(handle: AccessMock, body: bytes) -> dict[str, Any]:
    """``{"now": "2026-11-02T10:00:00Z"}``: pin the clock there."""
    document = _object(body)
    when = _time(_required(document, "now", (str, int, float)), "now")
    _as_field(handle.clock.set, "now", when)
    return get_clock(handle, b"")


def advance_clock(handle: AccessMock, body: bytes) -> dict[str, Any]:
    """``{"days": 2}``, ``{"seconds": -30}``...: move the clock (back with negative values)."""
    delta = _duration(_object(body), "seconds")
    _as_field(handle.clock.advance, "seconds", delta)
    return get_clock(handle, b"")


def follow_real_time(handle: AccessMock, body: bytes) -> dict[str, Any]:
    handle.clock.follow_real_time()
    return get_clock(handle, b"")


def complete_jobs_after(handle: AccessMock, body: bytes) -> dict[str, Any]:
    """``{"polls": 2}`` or ``{"seconds": 60}`` (or days/hours/minutes); ``{}``: at once."""
    document = _object(body)
    polls = _get(document, "polls", (int,))
    has_duration = any(document.get(unit) is not None for unit in ("days", "hours", "minutes", "seconds"))
    duration = _duration(document, "seconds") if has_duration else None
    if polls is not None and polls < 0:
        raise ControlError(f"polls must be 0 or more, got {polls}", "polls")
    _as_field(lambda: handle.jobs.complete_after(polls=polls, duration=duration), "seconds")
    return {}


def fail_next_job(handle: AccessMock, body: bytes) -> dict[str, Any]:
    """``{"code": "ServiceFailure", "message": "..."}``, both optional."""
    document = _object(body)
    code = _get(document, "code", (str,), "ServiceFailure")
    message = _get(document, "message", (str,), "The job failed.")
    try:
        handle.jobs.fail_next(code=code, message=message)
    except ValueError as error:
        raise ControlError(str(error), "code" if str(error).startswith("code") else "message") from error
    return {}


def _as_field(call: Callable[..., Any], field: str, *args: Any) -> None:
    try:
        call(*args)
    except ValueError as error:
        raise ControlError(str(error), field) from error


ENDPOINTS: dict[str, dict[str, Endpoint]] = {
    "health": {"GET": health},
    "reset": {"POST": reset},
    "accesses": {"POST": record_accesses},
    "cloudtrail": {"POST": load_cloudtrail},
    "clock": {"GET": get_clock},
    "clock/set": {"POST": set_clock},
    "clock/advance": {"POST": advance_clock},
    "clock/follow-real-time": {"POST": follow_real_time},
    "jobs/complete-after": {"POST": complete_jobs_after},
    "jobs/fail-next": {"POST": fail_next_job},
}
