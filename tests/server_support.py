"""What the server tests share: a socket guard that lets only loopback through (in this
process, and in the child processes the tests start), signed raw requests, and clients.

The conftest guard refuses every connection; the server tests need loopback, so their
modules replace it with ``loopback_guard``, which refuses anything else and records every
address asked for, so a module can prove at its end that nothing else was contacted.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import textwrap
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

FAKE_KEY = "AKIAIOSFODNN7EXAMPLE"
FAKE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def is_loopback(host: Any) -> bool:
    if not isinstance(host, str):
        return False
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0]).is_loopback
    except ValueError:
        return False


class Contacts:
    """Every host this process asked to connect to or look up, while guarded."""

    def __init__(self) -> None:
        self.hosts: list[str] = []
        self.refused: list[str] = []

    def check(self, host: Any) -> None:
        self.hosts.append(str(host))
        if not is_loopback(host):
            self.refused.append(str(host))
            raise ConnectionRefusedError(f"only loopback in the server tests, not {host!r}")


# The real functions, taken when this module is imported (before any test patches them).
_REAL = (socket.socket.connect, socket.socket.connect_ex, socket.create_connection, socket.getaddrinfo)


def allow_loopback_only(patch: pytest.MonkeyPatch, contacts: Contacts) -> None:
    """Replace the socket functions with ones that let only loopback through."""
    connect, connect_ex, create_connection, getaddrinfo = _REAL

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            contacts.check(address[0])
        return connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            contacts.check(address[0])
        return connect_ex(self, address)

    def guarded_create_connection(address: Any, *args: Any, **kwargs: Any) -> Any:
        contacts.check(address[0])
        return create_connection(address, *args, **kwargs)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        contacts.check(host.decode() if isinstance(host, bytes) else host)
        return getaddrinfo(host, *args, **kwargs)

    patch.setattr(socket.socket, "connect", guarded_connect)
    patch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    patch.setattr(socket, "create_connection", guarded_create_connection)
    patch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    for name in PROXY_VARIABLES:  # a proxy would be a non-loopback hop
        patch.delenv(name, raising=False)


PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture(scope="module", name="loopback_guard")
def loopback_guard_fixture() -> Iterator[Contacts]:
    """Loopback only, for the whole module; at its end, proof that nothing else was asked for."""
    contacts = Contacts()
    with pytest.MonkeyPatch.context() as patch:
        allow_loopback_only(patch, contacts)
        yield contacts
    assert contacts.refused == [], f"non-loopback addresses were asked for: {contacts.refused}"
    assert contacts.hosts and all(is_loopback(host) for host in contacts.hosts)


# ---- the same guard in child processes ------------------------------------------------------

_SITECUSTOMIZE = '''
import ipaddress, os, socket

_LOG = os.environ["IAM_MOCK_GUARD_LOG"]


def _check(host):
    try:
        ok = host in ("localhost", "") or ipaddress.ip_address(str(host).strip("[]")).is_loopback
    except ValueError:
        ok = False
    with open(_LOG, "a") as log:
        log.write(("ok " if ok else "REFUSED ") + str(host) + "\\n")
    if not ok:
        raise ConnectionRefusedError("only loopback in the server tests, not %r" % (host,))


_connect, _getaddrinfo = socket.socket.connect, socket.getaddrinfo


def connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _check(address[0])
    return _connect(self, address)


def getaddrinfo(host, *args, **kwargs):
    host = host.decode() if isinstance(host, bytes) else host
    if host not in ("0.0.0.0", "::"):  # the wildcard address is looked up to bind, not to connect
        _check(host)
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = connect
socket.getaddrinfo = getaddrinfo
'''

_GUARD_JS = """
const fs = require("fs");
const net = require("net");
const LOG = process.env.IAM_MOCK_GUARD_LOG;
function check(host) {
  const ok = host === "localhost" || host === "127.0.0.1" || host === "::1" ||
    (net.isIPv4(host) && host.startsWith("127."));
  fs.appendFileSync(LOG, (ok ? "ok " : "REFUSED ") + host + "\\n");
  if (!ok) throw new Error("only loopback in the server tests, not " + host);
}
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  let options = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (typeof options === "number" || typeof options === "string") {
    options = typeof args[1] === "string" ? { host: args[1] } : { path: options };
  }
  if (options && typeof options.path !== "string") check(options.host || "localhost");
  return connect.apply(this, args);
};
"""


class ChildGuard:
    """Environment for a child process (Python or node) with the loopback guard inside it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.log = folder / "contacts.log"
        (folder / "sitecustomize.py").write_text(textwrap.dedent(_SITECUSTOMIZE))
        (folder / "guard.js").write_text(_GUARD_JS)
        self.log.write_text("")

    def environ(self, **extra: str) -> dict[str, str]:
        environ = dict(os.environ)
        environ["PYTHONPATH"] = os.pathsep.join(
            [str(self.folder), *filter(None, [environ.get("PYTHONPATH")])]
        )
        environ["NODE_OPTIONS"] = f"--require {self.folder / 'guard.js'}"
        environ["IAM_MOCK_GUARD_LOG"] = str(self.log)
        environ.update(extra)
        return environ

    def contacts(self) -> list[str]:
        return self.log.read_text().splitlines()

    def assert_loopback_only(self) -> None:
        lines = self.contacts()
        assert lines, "the child's guard recorded no connection: was it loaded?"
        assert all(line.startswith("ok ") for line in lines), lines


# ---- clients and raw requests ------------------------------------------------------------


def client(service: str, endpoint_url: str, key: str = FAKE_KEY, secret: str = FAKE_SECRET,
           token: str | None = None, region: str = "us-east-1") -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
    )


def send(url: str, method: str = "GET", body: bytes = b"", headers: dict[str, str] | None = None
         ) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request with urllib; the status, headers and body, whatever the status."""
    request = urllib.request.Request(url, data=body or None, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def send_signed(endpoint_url: str, service: str, method: str = "POST", path: str = "/",
                body: bytes = b"", headers: dict[str, str] | None = None,
                region: str = "us-east-1") -> tuple[int, dict[str, str], bytes]:
    """A request signed with SigV4 (the fake key) for ``service``, as any SDK would send it."""
    request = AWSRequest(method=method, url=endpoint_url + path, data=body, headers=headers or {})
    SigV4Auth(Credentials(FAKE_KEY, FAKE_SECRET), service, region).add_auth(request)
    return send(request.url, method, body, dict(request.headers.items()))


def control(endpoint_url: str, name: str, document: Any = None, method: str = "POST"
            ) -> tuple[int, Any]:
    """A control API call: the status and the decoded JSON answer."""
    body = b"" if document is None else json.dumps(document).encode()
    status, _, answer = send(f"{endpoint_url}/_iam_access_mock/{name}", method, body,
                             {"Content-Type": "application/json"})
    return status, json.loads(answer)
