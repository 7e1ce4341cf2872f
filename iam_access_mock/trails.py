"""The CloudTrail trails an account has, as far as policy generation needs them.

The CloudTrail API is not served; a test declares trails with ``aws.add_trail(arn,
regions=None)``. A trail belongs to the account in its ARN (an organization trail may live
in another account than the principals whose activity it logged). While the caller's account
has no declared trail, any well-formed trail ARN of that account names an all-regions trail,
so the simple case needs no set-up; another account's trail must be declared. Every recorded access (calls under the mock, ``record_access``,
``load_cloudtrail``) counts as logged by every trail that covers its region.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .activity import check_region
from .errors import MockConfigurationError
from .service import Provider

if TYPE_CHECKING:
    from .world import World

# arn:aws:cloudtrail:REGION:ACCOUNT:trail/NAME; CloudTrail's trail names are 3 to 128
# letters, digits, periods, underscores and dashes, starting and ending with a letter or digit.
_TRAIL_ARN = re.compile(
    r"arn:aws:cloudtrail:([a-z]{2}(?:-[a-z]+)+-\d{1,2}):(\d{12}):trail/"
    r"([A-Za-z0-9](?:[A-Za-z0-9._-]{1,126})[A-Za-z0-9])\Z"
)


@dataclass(frozen=True)
class Trail:
    """A trail: its ARN and the regions it logs (None: all regions)."""

    arn: str
    regions: frozenset[str] | None

    def covers(self, region: str) -> bool:
        return self.regions is None or region in self.regions


class TrailBook:
    """The trails declared for one account, by ARN."""

    def __init__(self, account_id: str, region: str | None = None) -> None:
        self.account_id = account_id
        self.trails: dict[str, Trail] = {}


# Not a served service: a holder for the per-account trail books in the world's stores, so
# that ``aws.reset()`` forgets them with everything else.
_CLOUDTRAIL = Provider("cloudtrail", store_factory=TrailBook)


def trail_book(world: World, account_id: str) -> TrailBook:
    book: TrailBook = world.store(_CLOUDTRAIL, account_id)
    return book


def parse_trail_arn(arn: str) -> tuple[str, str, str] | None:
    """(home region, account id, trail name) of a well-formed trail ARN, else None."""
    match = _TRAIL_ARN.match(arn)
    return None if match is None else (match.group(1), match.group(2), match.group(3))


def find_trail(world: World, arn: str, caller_account_id: str) -> Trail | None:
    """The trail ``arn`` names, or None if its account does not have it.

    An undeclared trail of the caller's own account exists (all regions) while that account
    declares none; another account's trail exists only once declared.
    """
    parsed = parse_trail_arn(arn)
    if parsed is None:
        return None
    book = trail_book(world, parsed[1])
    if not book.trails and parsed[1] == caller_account_id:
        return Trail(arn, None)
    return book.trails.get(arn)


def add_trail(world: World, arn: Any, regions: Any = None) -> Trail:
    """Declare (or redeclare) a trail; see ``AccessMock.add_trail``."""
    if not isinstance(arn, str):
        raise TypeError(f"arn must be a str, got {type(arn).__name__}")
    parsed = parse_trail_arn(arn)
    if parsed is None:
        raise MockConfigurationError(
            f"arn must be a trail ARN like 'arn:aws:cloudtrail:us-east-1:123456789012:trail/my-trail' "
            f"(partition aws, a region code, 12 digits, a name of 3 to 128 letters, digits, '.', "
            f"'_' or '-'), got {arn!r}"
        )
    covered: frozenset[str] | None = None
    if regions is not None:
        if isinstance(regions, (str, bytes)) or not isinstance(regions, Iterable):
            raise TypeError(
                f"regions must be None (all regions) or an iterable of region codes, got "
                f"{type(regions).__name__}"
            )
        names = list(regions)
        if not names:
            raise MockConfigurationError(
                "regions must name at least one region (None: all regions)"
            )
        try:
            covered = frozenset(check_region(name) for name in names)
        except TypeError as error:
            raise TypeError(f"regions: {error}") from None
        except ValueError as error:
            raise MockConfigurationError(f"regions: {error}") from None
    trail = Trail(arn, covered)
    with world.lock:
        trail_book(world, parsed[1]).trails[arn] = trail
    return trail
