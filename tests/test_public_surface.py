"""The public surface is deliberate: a change to it shows up here first."""

import iam_access_mock
from iam_access_mock import AccessMock, mock_access


def test_package_exports() -> None:
    assert sorted(iam_access_mock.__all__) == ["AccessMock", "MockConfigurationError", "ServiceError", "mock_access"]


def test_handle_surface() -> None:
    public = {name for name in dir(AccessMock) if not name.startswith("_")}
    assert public == {
        "account_id",
        "clock",
        "jobs",
        "reset",
        "record_access",
        "record_accesses",
        "load_cloudtrail",
        "last_access",
    }


def test_handle_controls_are_reachable() -> None:
    with mock_access() as aws:
        assert aws.account_id == "123456789012"
        assert callable(aws.clock.now) and callable(aws.clock.set) and callable(aws.clock.advance)
        assert callable(aws.jobs.complete_after) and callable(aws.jobs.fail_next)
