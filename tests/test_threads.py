"""Many threads against one mock: nothing lost, nothing duplicated, workers are served."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError

from iam_access_mock import mock_access

THREADS = 16
USERS_PER_THREAD = 50


def all_user_names(iam: Any) -> list[str]:
    paginator = iam.get_paginator("list_users")
    return [
        user["UserName"]
        for page in paginator.paginate(PaginationConfig={"PageSize": 37})
        for user in page["Users"]
    ]


def test_threads_sharing_one_client_lose_and_duplicate_nothing() -> None:
    start = threading.Barrier(THREADS)

    def work(thread: int) -> list[str]:
        start.wait()
        ids = []
        for index in range(USERS_PER_THREAD):
            name = f"t{thread:02d}-u{index:02d}"
            created = iam.create_user(UserName=name)["User"]
            assert iam.get_user(UserName=name)["User"]["UserId"] == created["UserId"]
            ids.append(created["UserId"])
        return ids

    with mock_access():
        iam = boto3.client("iam")  # one client shared by every thread
        with ThreadPoolExecutor(THREADS) as pool:
            ids = [user_id for chunk in pool.map(work, range(THREADS)) for user_id in chunk]
        names = all_user_names(iam)

    expected = {f"t{t:02d}-u{i:02d}" for t in range(THREADS) for i in range(USERS_PER_THREAD)}
    assert len(names) == THREADS * USERS_PER_THREAD
    assert set(names) == expected
    assert len(set(ids)) == THREADS * USERS_PER_THREAD


def test_readers_and_writers_at_once() -> None:
    done = threading.Event()

    def write() -> None:
        try:
            for index in range(200):
                iam.create_user(UserName=f"w{index:03d}")
        finally:
            done.set()

    def read() -> int:
        listings = 0
        while not done.is_set():
            names = [u["UserName"] for u in iam.list_users(MaxItems=1000)["Users"]]
            # users are created in name order, so a consistent snapshot is a prefix
            assert names == [f"w{index:03d}" for index in range(len(names))]
            listings += 1
        return listings

    with mock_access():
        iam = boto3.client("iam")
        with ThreadPoolExecutor(5) as pool:
            readers = [pool.submit(read) for _ in range(4)]
            writer = pool.submit(write)
            writer.result()
            assert all(reader.result() >= 0 for reader in readers)  # re-raises a reader's failure
        assert len(all_user_names(iam)) == 200


def test_threads_started_inside_the_mock_are_served() -> None:
    results: dict[str, Any] = {}

    def worker() -> None:
        # a client created in the worker, at an address where nothing listens
        sts = boto3.client(
            "sts", endpoint_url="http://127.0.0.1:9", config=Config(retries={"max_attempts": 0})
        )
        try:
            results["account"] = sts.get_caller_identity()["Account"]
            results["user"] = boto3.client("iam").get_user(UserName="made-in-main")["User"][
                "UserName"
            ]
        except Exception as error:  # noqa: BLE001 - handed to the main thread's assertion
            results["error"] = error

    with mock_access():
        boto3.client("iam").create_user(UserName="made-in-main")
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
    assert results == {"account": "123456789012", "user": "made-in-main"}


def test_activations_from_many_threads_at_once() -> None:
    def activate_and_call(thread: int) -> None:
        for round_ in range(10):
            with mock_access():
                iam = boto3.client("iam")
                name = f"t{thread}-r{round_}"
                iam.create_user(UserName=name)
                assert iam.get_user(UserName=name)["User"]["UserName"] == name

    with ThreadPoolExecutor(8) as pool:
        for future in [pool.submit(activate_and_call, thread) for thread in range(8)]:
            future.result()
    sts = boto3.client(
        "sts", endpoint_url="http://127.0.0.1:9", config=Config(retries={"max_attempts": 0})
    )
    try:
        sts.get_caller_identity()
    except EndpointConnectionError:
        pass
    else:
        raise AssertionError("the mock is still active after every thread stopped it")
