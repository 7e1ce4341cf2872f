"""Server mode: the same dispatch behind a loopback HTTP endpoint, for the AWS CLI v2, other
SDKs and child processes.

``AccessMockServer`` is a handle (``AccessMock``) on a world of its own, served over HTTP by
waitress while started (a thread pool and keep-alive connections: werkzeug's development
server closes every connection and starts a thread for each, which made a call 0.7 ms
slower, see benchmarks/bench_server.py); ``mock_access(server=True)`` serves the active
world instead (``serve_active_world``). Only loopback addresses are bound unless asked.
"""

from __future__ import annotations

import ipaddress
import os
import threading
from collections.abc import Callable
from typing import Any

from ..activation import _check_account_id
from ..errors import MockConfigurationError
from ..handle import AccessMock
from ..transport import active
from ..world import World

ENDPOINT_ENV = "AWS_ENDPOINT_URL"
# The variables ``mock_access(server=True)`` sets for child processes, besides the fake
# credentials and region every activation sets.
SERVED_ENVIRONMENT = (ENDPOINT_ENV, "AWS_REGION")
# Worker threads answering requests: handlers hold the world's lock, so more would only queue.
_THREADS = 8


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (127.0.0.0/8, ::1) or ``localhost``."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class AccessMockServer(AccessMock):
    """A mock served over HTTP on loopback: ``with AccessMockServer() as server:`` or
    ``server.start()`` ... ``server.stop()``; ``server.endpoint_url`` is where to point clients.

    It is also the handle of its world (``record_access``, ``load_cloudtrail``, ``clock``,
    ``jobs``, ``reset``). ``port=0`` picks a free port. A host outside 127.0.0.0/8 and ::1
    needs ``allow_non_loopback=True``: the server has no authentication.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        account_id: str | None = None,
        allow_non_loopback: bool = False,
        world: World | None = None,
    ) -> None:
        if not isinstance(host, str):
            raise TypeError(f"host must be a string, not {type(host).__name__}")
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise MockConfigurationError(f"port must be an int from 0 to 65535, got {port!r}")
        if not allow_non_loopback and not is_loopback(host):
            raise MockConfigurationError(
                f"host {host!r} is not a loopback address: the server has no authentication, "
                "so binding it needs allow_non_loopback=True (--allow-non-loopback)"
            )
        if world is None:
            from ..activation import ACCOUNT_ENV
            from ..world import DEFAULT_ACCOUNT_ID

            chosen = (
                _check_account_id(account_id)
                or _check_account_id(os.environ.get(ACCOUNT_ENV), ACCOUNT_ENV)
                or DEFAULT_ACCOUNT_ID
            )
            world = World(chosen)
        super().__init__(world)
        self.host = host
        self.port = port
        self._http: Any = None
        self._thread: threading.Thread | None = None

    @property
    def endpoint_url(self) -> str | None:  # type: ignore[override]
        """``http://127.0.0.1:<port>`` while started, else None."""
        if self._http is None:
            return None
        host = f"[{self.host.strip('[]')}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> AccessMockServer:
        """Bind and serve in a daemon thread; returns the server."""
        self._bind()
        self._thread = threading.Thread(
            target=self._http.run, name=f"iam-access-mock server :{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self, on_ready: Callable[[AccessMockServer], object] | None = None) -> None:
        """Bind and serve in this thread until KeyboardInterrupt (the console script's loop);
        ``on_ready(self)`` runs once the port is bound."""
        self._bind()
        try:
            if on_ready is not None:
                on_ready(self)
            self._http.run()  # waitress ends its loop and its workers on KeyboardInterrupt
        finally:
            http, self._http = self._http, None
            http.task_dispatcher.shutdown()
            http.close()

    def _bind(self) -> None:
        if self._http is not None:
            raise RuntimeError("this AccessMockServer is already started")
        try:
            from waitress.server import create_server
        except ImportError as error:
            raise MockConfigurationError(
                "server mode needs waitress: pip install 'iam-access-mock[server]'"
            ) from error

        from .http import MAX_BODY, ServerApp

        host = self.host.strip("[]")
        self._http = create_server(
            ServerApp(self),
            # One address: "localhost" could resolve to two, and waitress would bind both.
            host="127.0.0.1" if host.lower().rstrip(".") == "localhost" else host,
            port=self.port,
            threads=_THREADS,
            # Twice the application's own limit, so that it, not waitress, answers a body
            # just over it, in the protocol's error format.
            max_request_body_size=2 * MAX_BODY,
            ident="iam-access-mock",
            # Between two test sessions a client may keep a connection idle for long.
            channel_timeout=300,
        )
        self.port = int(self._http.effective_port)

    def stop(self) -> None:
        """Stop serving, close open connections and release the port."""
        if self._http is None:
            raise RuntimeError("this AccessMockServer was not started")
        http, self._http = self._http, None
        # Closing every channel (the listening socket, the connections, the wake-up pipe)
        # from inside the loop's own thread ends waitress's loop: it runs while any is open.
        http.trigger.pull_trigger(lambda: _close_all(http))
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        http.task_dispatcher.shutdown()

    def __enter__(self) -> AccessMockServer:  # noqa: PYI034 - typing.Self needs Python 3.11
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.endpoint_url or "stopped"
        return f"<AccessMockServer {where} account_id={self.account_id}>"


def _close_all(http: Any) -> None:
    from waitress.channel import HTTPChannel

    for channel in list(http._map.values()):
        # A connection's handle_close also drops its buffers; the listening socket and the
        # wake-up pipe just close.
        (channel.handle_close if isinstance(channel, HTTPChannel) else channel.close)()


class ServedWorld:
    """What ``mock_access(server=True)`` started: the server and the environment it changed."""

    def __init__(self, handle: AccessMock) -> None:
        self.server = AccessMockServer(world=handle.world).start()
        self.handle = handle
        url = self.server.endpoint_url or ""
        self._saved = {name: os.environ.get(name) for name in SERVED_ENVIRONMENT}
        os.environ[ENDPOINT_ENV] = url
        # botocore reads AWS_DEFAULT_REGION (set by the activation); the other SDKs read
        # AWS_REGION.
        os.environ.setdefault("AWS_REGION", os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
        handle._endpoint_url = active.served_url = url

    def close(self) -> None:
        self.handle._endpoint_url = active.served_url = None
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self.server.stop()


__all__ = ["AccessMockServer", "ServedWorld", "is_loopback"]
