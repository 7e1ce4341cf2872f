"""``AccessMock``: the handle a test gets from an activation."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .clock import Clock
    from .jobs import JobControls
    from .world import World


class AccessMock:
    """The handle of an active mock: its clock, job controls and activity, and ``reset``."""

    def __init__(self, world: "World") -> None:
        self.world = world

    @property
    def account_id(self) -> str:
        """The default account: unknown access keys act as its root."""
        return self.world.default_account_id

    @property
    def clock(self) -> "Clock":
        return self.world.clock

    @property
    def jobs(self) -> "JobControls":
        return self.world.jobs

    def reset(self) -> None:
        """Wipe all state: entities, keys, activity, jobs; the clock follows real time again."""
        self.world.reset()

    def __repr__(self) -> str:
        return f"<AccessMock account_id={self.account_id}>"
