"""The public surface is deliberate: a change to it shows up here first."""

import subprocess
import sys

import pytest

import iam_access_mock
from iam_access_mock import (
    AccessMock,
    Activation,
    Clock,
    CloudTrailFileError,
    CloudTrailLoad,
    JobControls,
    LastAccess,
    MockConfigurationError,
    mock_access,
)


def test_package_exports() -> None:
    assert sorted(iam_access_mock.__all__) == [
        "AccessMock",
        "AccessMockServer",
        "Activation",
        "Clock",
        "CloudTrailFileError",
        "CloudTrailLoad",
        "JobControls",
        "LastAccess",
        "MockConfigurationError",
        "ServiceError",
        "mock_access",
    ]
    for name in iam_access_mock.__all__:
        assert getattr(iam_access_mock, name).__name__ == name or name == "Activation"
    assert set(iam_access_mock.__all__) <= set(dir(iam_access_mock))


def test_exported_types_are_what_the_handle_gives() -> None:
    assert Activation is mock_access  # the activator's class, named for annotations
    assert issubclass(CloudTrailFileError, MockConfigurationError)
    activator = mock_access()
    assert isinstance(activator, Activation)
    with activator as aws:
        assert isinstance(aws, AccessMock)
        assert isinstance(aws.clock, Clock)
        assert isinstance(aws.jobs, JobControls)
        assert isinstance(aws.load_cloudtrail([]), CloudTrailLoad)
        aws.record_access(f"arn:aws:iam::{aws.account_id}:root", "s3")
        assert isinstance(aws.last_access(f"arn:aws:iam::{aws.account_id}:root"), LastAccess)


def test_a_misspelt_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'Clocks'"):
        iam_access_mock.Clocks  # type: ignore[attr-defined]  # noqa: B018


def test_import_loads_neither_jobs_nor_cloudtrail() -> None:
    """The handle's types that cost import time are loaded on first use."""
    code = (
        "import sys, iam_access_mock; "
        "print(sorted(m for m in ('iam_access_mock.jobs', 'iam_access_mock.cloudtrail', "
        "'difflib', 'iam_access_mock.server', 'werkzeug') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


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
        "add_trail",
        "last_access",
        "endpoint_url",
        "record_sign_in",
        "enable_root_mfa",
        "mfa_codes",
        "run_unused_access_analysis",
    }


def test_handle_controls_are_reachable() -> None:
    with mock_access() as aws:
        assert aws.account_id == "123456789012"
        assert callable(aws.clock.now) and callable(aws.clock.set) and callable(aws.clock.advance)
        assert callable(aws.jobs.complete_after) and callable(aws.jobs.fail_next)


def test_server_surface() -> None:
    from iam_access_mock import AccessMockServer

    assert issubclass(AccessMockServer, AccessMock)
    public = {name for name in dir(AccessMockServer) if not name.startswith("_")}
    assert public - {name for name in dir(AccessMock) if not name.startswith("_")} == {
        "start",
        "stop",
        "serve_forever",
    }
