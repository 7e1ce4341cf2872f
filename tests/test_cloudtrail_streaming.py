"""``load_cloudtrail`` streams log files: bounded blocks, a broken file applies nothing, and
every decoding path (``json`` alone; msgspec with ``json`` behind it; zlib or ISA-L gzip)
gives the same result as the record dicts themselves."""

from __future__ import annotations

import codecs
import gzip
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from support import ACCOUNT, TRUST_EC2

from iam_access_mock import cloudtrail, cloudtrail_workers
from iam_access_mock.activity import REGION_BITS
from iam_access_mock.cloudtrail import CloudTrailFileError
from iam_access_mock.errors import MockConfigurationError
from iam_access_mock.handle import AccessMock

USERS = ("alice", "bob", "carol")
DECODERS = [
    pytest.param(("json", False), id="json-zlib"),
    pytest.param(("msgspec", True), id="msgspec-isal"),
    pytest.param(("msgspec", False), id="msgspec-zlib"),
]


@pytest.fixture(params=DECODERS)
def decoder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    name, isal = request.param
    if name == "msgspec":
        pytest.importorskip("msgspec")
    if isal:
        pytest.importorskip("isal")
    else:
        monkeypatch.setattr(cloudtrail, "igzip_threaded", None)
    monkeypatch.setattr(cloudtrail, "DECODER", name)
    return str(name)


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of 512 bytes and at most 40 records held: every record crosses a block, and a
    file of more records is read twice."""
    monkeypatch.setattr(cloudtrail, "_BLOCK", 512)
    monkeypatch.setattr(cloudtrail, "_WINDOW", 256)
    monkeypatch.setattr(cloudtrail, "BUFFERED_RECORDS", 40)


@pytest.fixture
def principals(access_mock: AccessMock) -> None:
    iam = boto3.client("iam")
    for name in USERS:
        iam.create_user(UserName=name)
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST_EC2)


def _identity(index: int) -> dict[str, Any]:
    if index % 4 == 3:
        return {
            "type": "AssumedRole",
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s{index % 7}",
            "accountId": ACCOUNT,
            "sessionContext": {
                "sessionIssuer": {"type": "Role", "arn": f"arn:aws:iam::{ACCOUNT}:role/app"},
                "attributes": {"creationDate": "2026-09-01T00:00:00Z"},
            },
        }
    return {
        "type": "IAMUser",
        "arn": f"arn:aws:iam::{ACCOUNT}:user/{USERS[index % 3]}",
        "accountId": ACCOUNT,
        "userName": USERS[index % 3],
    }


EVENTS = [
    ("s3.amazonaws.com", "ListBuckets"),
    ("ec2.amazonaws.com", "RunInstances"),
    ("iam.amazonaws.com", "PutRolePolicy"),
    ("sts.amazonaws.com", "GetCallerIdentity"),
    ("lambda.amazonaws.com", "Invoke"),
]


def make_records(count: int) -> list[dict[str, Any]]:
    """Records as CloudTrail writes them, with what makes splitting them hard: nested arrays
    of objects, JSON text in strings ("},{" inside a string), escapes, non-ASCII text."""
    records = []
    for index in range(count):
        source, name = EVENTS[index % len(EVENTS)]
        minute, second = divmod(index * 7 % 3600, 60)
        records.append(
            {
                "eventVersion": "1.09",
                "userIdentity": _identity(index),
                "eventTime": f"2026-09-{1 + index % 9:02d}T1{index % 10}:{minute % 60:02d}:{second:02d}Z"
                if index % 11
                else f"2026-09-02T10:00:{index % 60:02d}.{index % 1000:03d}+00:00",
                "eventSource": source,
                "eventName": name,
                "awsRegion": ("us-east-1", "eu-west-1", "ap-south-1")[index % 3],
                "requestParameters": {
                    "tagSpecificationSet": {"items": [{"key": "a"}, {"key": "b"}]},
                    "policyDocument": json.dumps({"Statement": [{"Effect": "Allow"}, {}]}),
                    "note": 'café \\ "quoted" ∑ 💡 },{ ]',
                }
                if index % 3 == 0
                else None,
                "eventType": "AwsApiCall" if index % 13 else "AwsConsoleSignIn",
            }
        )
    return records


def snapshot(aws: AccessMock) -> dict[Any, Any]:
    """Everything the index keeps, regions by name: last accesses per service and action,
    and every history."""
    index = aws.world.activity
    index.apply_all_deferred()
    regions = index._regions

    def unpacked(packed: int) -> tuple[int, str]:
        return packed >> REGION_BITS, regions[packed & ((1 << REGION_BITS) - 1)]

    found = {}
    for key, entity in index._entities.items():
        history = {
            action: [unpacked(packed) for packed in times]
            for action, times in (entity.history or {}).items()
        }
        services = {name: unpacked(packed) for name, packed in entity.services.items()}
        actions = {name: unpacked(packed) for name, packed in entity.actions.items()}
        found[key] = (services, actions, history)
    return found


def reset(aws: AccessMock) -> None:
    aws.world.activity.__init__()  # type: ignore[misc]  # the IAM calls of the set-up too


def write(path: Path, text: str | bytes, gz: bool = True) -> Path:
    data = text.encode() if isinstance(text, str) else text
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def _reference(aws: AccessMock, records: list[Any]) -> tuple[Any, dict[Any, Any]]:
    """What the record dicts themselves give (no file, no decoder) on an empty index, which
    is then emptied again."""
    reset(aws)
    loaded = aws.load_cloudtrail(list(records))
    state = snapshot(aws)
    reset(aws)
    return loaded, state


def _counts(loaded: Any) -> tuple[int, int, int, int]:
    return (int(loaded), loaded.skipped, loaded.unknown, loaded.malformed)


# ---- streaming ------------------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [True, False], ids=["json.gz", "json"])
def test_a_file_much_larger_than_a_block_loads_as_its_records(
    access_mock: AccessMock,
    principals: None,
    small_blocks: None,
    decoder: str,
    tmp_path: Path,
    gz: bool,
) -> None:
    records = make_records(300)  # ~150 KB: 300 blocks, read twice (more than 40 records)
    expected, state = _reference(access_mock, records)
    path = write(tmp_path / "big.json", json.dumps({"Records": records}), gz)

    loaded = access_mock.load_cloudtrail(path)

    assert _counts(loaded) == _counts(expected) and loaded.files == 1
    assert loaded.taken > 200 and loaded.skipped > 0
    assert snapshot(access_mock) == state


def test_times_stay_right_when_the_time_cache_is_full(
    access_mock: AccessMock, principals: None, decoder: str, tmp_path: Path, monkeypatch: Any
) -> None:
    """A log of more distinct minutes than the cache holds (here 3): each time is its own,
    in CloudTrail's form (seconds on a cached minute) and in others."""
    monkeypatch.setattr(cloudtrail, "_TIME_CACHE_SIZE", 3)
    times = []
    for minute in range(12):
        times += [f"2026-09-01T10:{minute:02d}:05Z", f"2026-09-01T10:{minute:02d}:59Z"]
        times.append(f"2026-09-01T12:{minute:02d}:30.5+02:00")  # 10:MM:30.5 UTC
    records = [
        {
            "eventTime": when,
            "userIdentity": _identity(0),
            "eventSource": "s3.amazonaws.com",
            "eventName": "ListBuckets",
            "awsRegion": "us-east-1",
            "eventType": "AwsApiCall",
        }
        for when in times
    ]

    access_mock.load_cloudtrail(write(tmp_path / "log.json.gz", json.dumps({"Records": records})))

    alice = boto3.client("iam").get_user(UserName="alice")["User"]["UserId"]
    history = snapshot(access_mock)[(ACCOUNT, alice)][2]
    expected = sorted(
        int((datetime(2026, 9, 1, 10, minute, tzinfo=timezone.utc).timestamp() + second) * 1e6)
        for minute in range(12)
        for second in (5, 59, 30.5)
    )
    assert sorted(micros for micros, _ in history["s3:listallmybuckets"]) == expected


@pytest.mark.parametrize(
    ("when", "expected", "malformed"),
    [
        ("2028-02-29T23:59:59Z", datetime(2028, 2, 29, 23, 59, 59, tzinfo=timezone.utc), 0),
        ("1970-01-01T00:00:00Z", datetime(1970, 1, 1, tzinfo=timezone.utc), 0),
        ("2026-09-01T10:00:60Z", None, 1),
        # These two records are both malformed: the first names the same minute.
        ("2026-09-01T24:00:00Z", None, 2),
        ("2026-09-01T10:60:00Z", None, 2),
        ("2026-02-29T10:00:00Z", None, 2),
        ("2026-13-01T10:00:00Z", None, 2),
    ],
)
def test_cloudtrail_times_that_name_no_moment_are_malformed(
    access_mock: AccessMock,
    principals: None,
    decoder: str,
    tmp_path: Path,
    when: str,
    expected: datetime | None,
    malformed: int,
) -> None:
    access_mock.clock.set(datetime(2030, 1, 1, tzinfo=timezone.utc))
    records = [
        {
            "eventTime": moment,
            "userIdentity": _identity(0),
            "eventSource": "ec2.amazonaws.com",
            "eventName": name,
            "awsRegion": "us-east-1",
            "eventType": "AwsApiCall",
        }
        # The same day and minute first, well formed: the bad time meets a warm cache.
        for moment, name in ((when[:17] + "00Z", "DescribeRegions"), (when, "RunInstances"))
    ]

    loaded = access_mock.load_cloudtrail(
        write(tmp_path / "log.json.gz", json.dumps({"Records": records}))
    )

    found = access_mock.last_access(f"arn:aws:iam::{ACCOUNT}:user/alice", "ec2:RunInstances")
    assert (found.when if found else None) == expected
    assert loaded.malformed == malformed


@pytest.mark.parametrize(
    "layout",
    [
        pytest.param(lambda d: json.dumps(d, separators=(",", ":")), id="compact"),
        pytest.param(lambda d: json.dumps(d, indent=2), id="indented"),
        pytest.param(lambda d: json.dumps(d, ensure_ascii=False), id="utf-8"),
        pytest.param(lambda d: "\ufeff" + json.dumps(d), id="bom"),
        pytest.param(lambda d: json.dumps({"other": [1, {"x": 2}], **d}), id="a key before"),
        pytest.param(lambda d: json.dumps({**d, "other": [{"y": "]}"}]}), id="a key after"),
        pytest.param(lambda d: json.dumps(d)[:-1] + ', "Records": []}', id="Records twice"),
    ],
)
def test_every_layout_and_decoder_give_what_json_reads(
    access_mock: AccessMock,
    principals: None,
    small_blocks: None,
    decoder: str,
    tmp_path: Path,
    layout: Any,
) -> None:
    records = make_records(60)
    text = layout({"Records": records})
    expected, state = _reference(access_mock, json.loads(text.lstrip("\ufeff"))["Records"])

    loaded = access_mock.load_cloudtrail(write(tmp_path / "log.json.gz", text))

    assert _counts(loaded) == _counts(expected)
    assert snapshot(access_mock) == state


def test_a_utf16_file_is_decoded_whole(
    access_mock: AccessMock, principals: None, decoder: str, tmp_path: Path
) -> None:
    records = make_records(20)
    expected, state = _reference(access_mock, records)
    data = codecs.BOM_UTF16_LE + json.dumps({"Records": records}).encode("utf-16-le")
    loaded = access_mock.load_cloudtrail(write(tmp_path / "log.json", data, gz=False))
    assert _counts(loaded) == _counts(expected)
    assert snapshot(access_mock) == state


# Records that one decoder or the other reads differently: json has the last word.
ODD_RECORDS = [
    pytest.param('"a string"', id="a string"),
    pytest.param("null", id="null"),
    pytest.param("[1, 2]", id="a list"),
    pytest.param('{"eventTime": NaN}', id="NaN"),
    pytest.param('{"eventName": 1e400}', id="a number out of range"),
    pytest.param('{"eventName": "\\ud800"}', id="a lone surrogate"),
    pytest.param('{"requestParameters": "\\udfff"}', id="a lone surrogate, skipped"),
    pytest.param('{"userIdentity": {"type": "IAMUser"}, "userIdentity": "x"}', id="a key twice"),
    pytest.param('{"eventName": "GetObject", "eventName": 7}', id="a kept key twice"),
    pytest.param(
        '{"userIdentity": {"type": "AssumedRole", "sessionContext": {"sessionIssuer": {"x": 1}}}}',
        id="an issuer without type",
    ),
    pytest.param(
        '{"userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::123456789012:assumed-role/app/x", "sessionContext": {"sessionIssuer": {}}}}',
        id="an empty issuer",
    ),
    pytest.param('{"eventSource": {"a": 1}, "awsRegion": ["us-east-1"]}', id="objects for strings"),
]


@pytest.mark.parametrize("odd", ODD_RECORDS)
def test_odd_records_count_the_same_whatever_the_decoder(
    access_mock: AccessMock,
    principals: None,
    small_blocks: None,
    decoder: str,
    tmp_path: Path,
    odd: str,
) -> None:
    good = make_records(30)
    # The odd record first in a block, and within one.
    body = ", ".join([odd, *(json.dumps(record) for record in good[:15]), odd])
    body += ", " + ", ".join(json.dumps(record) for record in good[15:])
    text = '{"Records": [' + body + "]}"
    expected, state = _reference(access_mock, json.loads(text)["Records"])

    loaded = access_mock.load_cloudtrail(write(tmp_path / "odd.json.gz", text))

    assert _counts(loaded) == _counts(expected)
    assert snapshot(access_mock) == state


# ---- a broken file applies nothing ---------------------------------------------------------------


BROKEN_ENDS = [
    pytest.param(b', {"eventTime": }]}', "not valid JSON", id="bad JSON"),
    pytest.param(b', {"eventTime": "2026-09-01T00:00:00Z"', "not valid JSON", id="cut short"),
    pytest.param(b', {"x": "\xff"}]}', "not valid JSON", id="bad UTF-8, skipped field"),
    pytest.param(b", " + b"[" * 300 + b"]" * 300 + b"]}", "nested deeper than 256", id="deep"),
    pytest.param(b",]}", "not valid JSON", id="a trailing comma"),
    pytest.param(b"]} {}", "not valid JSON", id="more after the document"),
    pytest.param(b"]", "not valid JSON", id="no closing brace"),
]


@pytest.mark.parametrize(("end", "problem"), BROKEN_ENDS)
@pytest.mark.parametrize("count", [30, 300], ids=["held", "read twice"])
def test_a_broken_record_near_the_end_of_a_big_file_applies_nothing(
    access_mock: AccessMock,
    principals: None,
    small_blocks: None,
    decoder: str,
    tmp_path: Path,
    end: bytes,
    problem: str,
    count: int,
) -> None:
    records = make_records(count)
    text = '{"Records": [' + ", ".join(json.dumps(record) for record in records)
    path = write(tmp_path / "broken.json.gz", text.encode() + end)
    reset(access_mock)
    with pytest.raises(CloudTrailFileError, match=problem) as error:
        access_mock.load_cloudtrail(path)
    assert error.value.path == str(path)
    assert snapshot(access_mock) == {}


def test_a_gzip_file_cut_short_applies_nothing(
    access_mock: AccessMock, principals: None, small_blocks: None, decoder: str, tmp_path: Path
) -> None:
    data = gzip.compress(json.dumps({"Records": make_records(300)}).encode())
    path = tmp_path / "cut.json.gz"
    path.write_bytes(data[: len(data) - 20])
    reset(access_mock)
    with pytest.raises(CloudTrailFileError, match="not a valid gzip file"):
        access_mock.load_cloudtrail(path)
    assert snapshot(access_mock) == {}


def test_in_a_folder_the_files_before_a_broken_one_stay_loaded(
    access_mock: AccessMock, principals: None, small_blocks: None, decoder: str, tmp_path: Path
) -> None:
    records = make_records(120)
    _, state = _reference(access_mock, records[:60])
    write(tmp_path / "1.json.gz", json.dumps({"Records": records[:60]}))
    write(tmp_path / "2.json.gz", json.dumps({"Records": records[60:]})[:-3] + ", {]}")
    with pytest.raises(CloudTrailFileError, match=r"2\.json\.gz: not valid JSON"):
        access_mock.load_cloudtrail(tmp_path)
    assert snapshot(access_mock) == state


# ---- folders scanned in worker processes ----------------------------------------------------------


def _folder(root: Path, files: int, per_file: int) -> list[dict[str, Any]]:
    """CloudTrail's delivery layout: a folder per region and day, file names stamped with
    the delivery time (written out of order, so the load must sort them)."""
    records = make_records(files * per_file)
    for index, record in enumerate(records):  # and what the world judges: unknown, future
        if index % 17 == 5:
            record["userIdentity"] = {
                "type": "IAMUser",
                "arn": f"arn:aws:iam::{ACCOUNT}:user/mallory",
            }
        elif index % 23 == 6:
            record["eventTime"] = "2099-01-01T00:00:00Z"
        elif index % 29 == 7:
            record["eventTime"] = "yesterday"
    for number in reversed(range(files)):
        folder = root / "AWSLogs" / ACCOUNT / "CloudTrail" / "us-east-1" / "2026" / "09" / "01"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{ACCOUNT}_CloudTrail_us-east-1_20260901T{number // 60:02d}{number % 60:02d}Z_x{number}.json.gz"
        write(
            folder / name,
            json.dumps({"Records": records[number * per_file : (number + 1) * per_file]}),
        )
    return records


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cloudtrail_workers.ENVIRONMENT, "2")


def test_a_folder_scanned_by_workers_loads_as_in_one_process(
    access_mock: AccessMock,
    principals: None,
    decoder: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    records = _folder(tmp_path, files=9, per_file=60)
    expected_counts, expected = _reference(access_mock, records)
    assert expected_counts.unknown and expected_counts.skipped and expected_counts.malformed
    monkeypatch.setenv(cloudtrail_workers.ENVIRONMENT, "0")
    here = access_mock.load_cloudtrail(tmp_path)
    assert snapshot(access_mock) == expected
    reset(access_mock)
    monkeypatch.setenv(cloudtrail_workers.ENVIRONMENT, "2")
    started: list[list[str]] = []
    command = cloudtrail_workers.worker_command
    monkeypatch.setattr(
        cloudtrail_workers, "worker_command", lambda: started.append(command()) or started[-1]
    )
    loaded = access_mock.load_cloudtrail(tmp_path)
    assert len(started) == 2
    assert _counts(loaded) == _counts(here) == _counts(expected_counts)
    assert loaded.files == 9
    assert snapshot(access_mock) == expected


def test_files_load_in_delivery_order_so_a_tie_goes_to_the_later_delivered(
    access_mock: AccessMock, principals: None, tmp_path: Path, workers: None
) -> None:
    """Two accesses in the same second from two Regions: the file delivered later (by the
    time in its name, not its path) gives the Region of the last access."""
    access_mock.clock.set(datetime(2026, 9, 30, tzinfo=timezone.utc))
    for region, stamp in (("eu-west-1", "1100"), ("ap-south-1", "1200")):
        folder = tmp_path / "AWSLogs" / ACCOUNT / "CloudTrail" / region / "2026" / "09" / "01"
        folder.mkdir(parents=True)
        record = {
            "eventVersion": "1.09",
            "userIdentity": _identity(0),
            "eventTime": "2026-09-01T10:00:00Z",
            "eventSource": "s3.amazonaws.com",
            "eventName": "ListBuckets",
            "awsRegion": region,
        }
        write(
            folder / f"{ACCOUNT}_CloudTrail_{region}_20260901T{stamp}Z_a.json.gz",
            json.dumps({"Records": [record]}),
        )
    assert access_mock.load_cloudtrail(tmp_path) == 2
    last = access_mock.last_access(f"arn:aws:iam::{ACCOUNT}:user/alice", "s3")
    assert last is not None and last.region == "ap-south-1"  # in path order it is first


def test_a_broken_file_among_workers_raises_and_the_files_before_it_stay_loaded(
    access_mock: AccessMock, principals: None, tmp_path: Path, workers: None
) -> None:
    records = _folder(tmp_path, files=8, per_file=30)
    files = cloudtrail.log_files(tmp_path)
    broken = files[5]
    write(broken, '{"Records": [{"eventVersion": "1.09"},')  # cut short
    reset(access_mock)
    with pytest.raises(CloudTrailFileError) as raised:
        access_mock.load_cloudtrail(tmp_path)
    assert raised.value.path == str(broken)
    assert "not valid JSON" in str(raised.value)
    _, expected = _reference(access_mock, records[: 5 * 30])
    reset(access_mock)
    for path in files[:5]:
        access_mock.load_cloudtrail(path)
    before = snapshot(access_mock)
    assert before == expected
    reset(access_mock)
    with pytest.raises(CloudTrailFileError):
        access_mock.load_cloudtrail(tmp_path)
    assert snapshot(access_mock) == before


@pytest.mark.parametrize(
    "command",
    [
        ["/nonexistent/python"],
        [sys.executable, "-c", "pass"],
        [sys.executable, "-c", "print('x' * 99)"],
    ],
    ids=["cannot-start", "exits", "answers-garbage"],
)
def test_a_worker_that_fails_leaves_its_files_to_this_process(
    access_mock: AccessMock,
    principals: None,
    tmp_path: Path,
    workers: None,
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
) -> None:
    records = _folder(tmp_path, files=4, per_file=40)
    expected_counts, expected = _reference(access_mock, records)
    monkeypatch.setattr(cloudtrail_workers, "worker_command", lambda: command)
    loaded = access_mock.load_cloudtrail(tmp_path)
    assert _counts(loaded) == _counts(expected_counts)
    assert snapshot(access_mock) == expected


def test_how_many_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = [write(tmp_path / f"{number}.json.gz", b"x" * 1000) for number in range(3)]
    monkeypatch.delenv(cloudtrail_workers.ENVIRONMENT, raising=False)
    assert cloudtrail_workers.workers_for(files) == 0  # 3 KB: not worth a process
    assert cloudtrail_workers.workers_for(files[:1]) == 0
    monkeypatch.setenv(cloudtrail_workers.ENVIRONMENT, "9")
    assert cloudtrail_workers.workers_for(files) == 3  # no more than files
    monkeypatch.setenv(cloudtrail_workers.ENVIRONMENT, "0")
    assert cloudtrail_workers.workers_for(files) == 0
    monkeypatch.setenv(cloudtrail_workers.ENVIRONMENT, "two")
    with pytest.raises(MockConfigurationError, match=cloudtrail_workers.ENVIRONMENT):
        cloudtrail_workers.workers_for(files)


# ---- loaded accesses are applied when first read (deferred) ----------------------------------------


def test_an_access_recorded_after_a_load_is_the_later_one_on_a_tie(
    access_mock: AccessMock, principals: None, tmp_path: Path
) -> None:
    """A load hands each principal's accesses to the index to apply when first read; a call
    recorded after it, at the same time from another Region, is still the later-recorded."""
    access_mock.clock.set(datetime(2026, 9, 30, tzinfo=timezone.utc))
    alice = f"arn:aws:iam::{ACCOUNT}:user/alice"
    record = {
        "eventVersion": "1.09",
        "userIdentity": _identity(0),
        "eventTime": "2026-09-01T10:00:00Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": "ListBuckets",
        "awsRegion": "eu-west-1",
    }
    write(tmp_path / "log.json.gz", json.dumps({"Records": [record]}))
    assert access_mock.load_cloudtrail(tmp_path / "log.json.gz") == 1
    access_mock.record_access(
        alice,
        "s3:ListAllMyBuckets",
        at=datetime(2026, 9, 1, 10, tzinfo=timezone.utc),
        region="ap-south-1",
    )
    last = access_mock.last_access(alice, "s3")
    assert last is not None and last.region == "ap-south-1"
    # and the other way round: loaded after, the load's access is the later one
    access_mock.load_cloudtrail(tmp_path / "log.json.gz")
    last = access_mock.last_access(alice, "s3:ListAllMyBuckets")
    assert last is not None and last.region == "eu-west-1"


def test_accesses_handed_over_in_several_runs_keep_the_order_recorded(
    access_mock: AccessMock, principals: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loader hands records to the index some at a time (here 5), and the index picks
    each principal's out only when it is read: on a tie (the same call in the same second),
    the later-recorded Region still wins, across and within those runs."""
    monkeypatch.setattr(cloudtrail, "_APPLIED_AT_ONCE", 5)
    access_mock.clock.set(datetime(2026, 9, 30, tzinfo=timezone.utc))
    regions = (
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "eu-west-1",
        "eu-central-1",
        "ap-south-1",
    )
    records = []
    for index in range(14):  # alice and bob in turn: runs 0-4, 5-9 and 10-13
        user = ("alice", "bob")[index % 2]
        records.append(
            {
                "eventVersion": "1.09",
                "userIdentity": {
                    "type": "IAMUser",
                    "arn": f"arn:aws:iam::{ACCOUNT}:user/{user}",
                    "accountId": ACCOUNT,
                    "userName": user,
                },
                "eventTime": "2026-09-01T10:00:00Z",
                "eventSource": "s3.amazonaws.com",
                "eventName": "ListBuckets",
                # alice: each Region in turn; bob: the other way round
                "awsRegion": regions[index // 2] if user == "alice" else regions[-1 - index // 2],
            }
        )
    assert (
        access_mock.load_cloudtrail(
            write(tmp_path / "log.json.gz", json.dumps({"Records": records}))
        )
        == 14
    )
    for user, region in (("alice", "ap-south-1"), ("bob", "us-east-1")):
        for service in ("s3", "s3:ListAllMyBuckets"):
            last = access_mock.last_access(f"arn:aws:iam::{ACCOUNT}:user/{user}", service)
            assert last is not None and last.region == region, (user, service)


def test_an_organizations_report_reads_accesses_loaded_for_its_accounts(
    access_mock: AccessMock, principals: None, tmp_path: Path
) -> None:
    access_mock.clock.set(datetime(2026, 9, 30, tzinfo=timezone.utc))
    records = make_records(40)
    write(tmp_path / "log.json.gz", json.dumps({"Records": records}))
    reset(access_mock)  # the set-up's own IAM calls
    access_mock.load_cloudtrail(tmp_path / "log.json.gz")
    latest = access_mock.world.activity.account_services(ACCOUNT)  # before anything is read
    _, expected = _reference(access_mock, records)
    services: dict[str, int] = {}
    for (account, _entity), (by_service, _actions, _history) in expected.items():
        assert account == ACCOUNT
        for namespace, (micros, _region) in by_service.items():
            services[namespace] = max(services.get(namespace, 0), micros)
    assert {namespace: packed >> REGION_BITS for namespace, packed in latest.items()} == services


# ---- what a file may hold that no decoder should trip on -----------------------------------------


def test_whitespace_between_records_is_not_held(
    access_mock: AccessMock, principals: None, decoder: str, tmp_path: Path, small_blocks: None
) -> None:
    records = make_records(3)
    text = '{"Records": [' + " " * 20_000 + json.dumps(records[0]) + "," + "\n" * 20_000
    text += ",".join(json.dumps(record) for record in records[1:]) + " " * 5_000 + "]}"
    expected_counts, expected = _reference(access_mock, records)
    loaded = access_mock.load_cloudtrail(write(tmp_path / "spaced.json.gz", text))
    assert _counts(loaded) == _counts(expected_counts)
    assert snapshot(access_mock) == expected


def test_an_integer_too_long_for_python_is_read_the_same_by_every_decoder(
    access_mock: AccessMock, principals: None, decoder: str, tmp_path: Path
) -> None:
    """Python refuses to convert 4,300 digits and more; in a field no record is judged by it
    changes nothing, in one that is it makes the record malformed."""
    records = make_records(4)
    long_integer = "1" + "0" * 5000
    records[1]["requestParameters"] = {"count": "LONG"}
    records[2]["eventTime"] = "LONG"
    text = json.dumps({"Records": records}).replace('"LONG"', long_integer)
    loaded = access_mock.load_cloudtrail(write(tmp_path / "long.json.gz", text))
    # record 0 is a console sign-in (skipped), 1 and 3 are taken, 2 is malformed
    assert (int(loaded), loaded.skipped, loaded.malformed) == (2, 1, 1)


def test_a_file_gone_since_it_was_listed_is_a_cloudtrail_file_error(
    access_mock: AccessMock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = write(tmp_path / "gone.json.gz", json.dumps({"Records": []}))
    listed = cloudtrail.log_files(tmp_path)
    log.unlink()
    monkeypatch.setattr(cloudtrail, "log_files", lambda path: listed)
    with pytest.raises(CloudTrailFileError, match="cannot be read"):
        access_mock.load_cloudtrail(tmp_path)


def test_a_fifo_or_a_broken_link_in_a_folder_is_not_a_log_file(tmp_path: Path) -> None:
    write(tmp_path / "real.json", json.dumps({"Records": []}), gz=False)
    os.mkfifo(tmp_path / "pipe.json")
    os.symlink(tmp_path / "nowhere", tmp_path / "broken.json.gz")
    assert cloudtrail.log_files(tmp_path) == [tmp_path / "real.json"]
