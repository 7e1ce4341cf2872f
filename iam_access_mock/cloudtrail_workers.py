"""Folders of CloudTrail log files scanned in worker processes, applied here in file order.

Decoding and judging records (``cloudtrail.scan_file``) needs nothing of the world, and is
most of a load's time; applying them to the index is this process's. So where a folder is
large and the machine has more than one CPU, worker processes scan files while this one
applies what they found, file by file in delivery order, exactly as a load in one process
would: the same records, counts and errors (a broken file raises, the files before it stay
loaded), since the same code judges each record and the world is only ever read here.

A worker is ``python -m iam_access_mock.cloudtrail_workers``, a process of its own, not
multiprocessing's: its spawn start method imports the caller's main module again in the
child, which a test script need not have guarded. Requests and answers are pickles on the
worker's stdin and stdout; a worker that ends with its stdin, so none outlives the load.
A worker that cannot start or dies is replaced by this process for the files it had.

Rules: ``workers_for`` picks the number (``IAM_ACCESS_MOCK_CLOUDTRAIL_WORKERS`` overrides
it; 0 reads everything here); at most ``_AHEAD`` files per worker are scanned ahead of
what is applied, so memory stays bounded by a few files' records.
"""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from .cloudtrail import (
    CloudTrailFileError,
    RecordLoader,
    Scanned,
    Scanner,
    TableMaps,
    Tables,
    scan_file,
)
from .errors import MockConfigurationError

ENVIRONMENT = "IAM_ACCESS_MOCK_CLOUDTRAIL_WORKERS"
# A folder smaller than this (compressed bytes) is read here: starting a worker costs more.
PARALLEL_BYTES = 8 << 20
MAX_WORKERS = 4
_AHEAD = 2
_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)

# What a worker answers, with its tables' new entries since its last answer.
_OK, _TOO_LARGE, _BROKEN, _LOST = "ok", "too large", "broken", "lost"


def workers_for(files: Sequence[Path]) -> int:
    """How many worker processes scan ``files``: none for a small folder or one CPU."""
    configured = os.environ.get(ENVIRONMENT)
    if configured is not None:
        try:
            wanted = int(configured)
        except ValueError:
            raise MockConfigurationError(
                f"{ENVIRONMENT} must be a number of worker processes, got {configured!r}"
            ) from None
        return max(0, min(wanted, MAX_WORKERS, len(files)))
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    if cpus < 2 or len(files) < 2:
        return 0
    size = 0
    for path in files:
        try:
            size += path.stat().st_size
        except OSError:
            pass  # the load will say what is wrong with it
        if size >= PARALLEL_BYTES:
            return min(cpus, MAX_WORKERS, len(files))
    return 0


def load_files(loader: RecordLoader, files: Sequence[Path], decoder: str) -> None:
    """Take every file into ``loader``, in order; scanned by workers where that helps."""
    count = workers_for(files)
    if not count:
        for path in files:
            loader.take_file(path, decoder)
        return
    pool = _Pool(count, decoder)
    finished = False
    try:
        for path, worker, answer in pool.answers(files):
            status, arns, events, regions, found = answer
            worker.tables[0].extend(arns)
            worker.tables[1].extend(events)
            worker.tables[2].extend(regions)
            if status == _OK:
                loader.take_scanned(worker.tables, worker.maps, found)
            elif status == _BROKEN:
                raise CloudTrailFileError(path, found)
            else:  # too large to send, or the worker is gone: read here
                loader.take_file(path, decoder)
        finished = True
    finally:
        pool.close(abandon=not finished)


def worker_command() -> list[str]:
    return [sys.executable, "-m", __name__]


class _Worker:
    """One worker process, the thread that talks to it, and its tables as seen here."""

    def __init__(self, decoder: str) -> None:
        self.decoder = decoder
        self.tables: Tables = ([], [], [])
        self.maps = TableMaps()
        self.process: subprocess.Popen[bytes] | None
        environment = dict(os.environ)
        path = environment.get("PYTHONPATH")
        environment["PYTHONPATH"] = _PACKAGE_ROOT + (os.pathsep + path if path else "")
        try:
            self.process = subprocess.Popen(
                worker_command(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                # A worker that fails is replaced here, where the same file fails the same way.
                stderr=subprocess.DEVNULL,
                env=environment,
            )
        except OSError:
            self.process = None

    def scan(self, path: Path) -> tuple[Any, ...]:
        process = self.process
        if process is not None:
            try:
                pickle.dump((str(path), self.decoder), process.stdin)  # type: ignore[arg-type]
                process.stdin.flush()  # type: ignore[union-attr]
                return pickle.load(process.stdout)  # type: ignore[no-any-return,arg-type]
            except Exception:  # noqa: BLE001 - whatever it answered, this process reads the file
                self.stop()
        return (_LOST, [], [], [], None)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        for stream in (process.stdin, process.stdout):
            try:
                stream.close()  # type: ignore[union-attr]
            except OSError:
                pass
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class _Pool:
    """Worker threads taking file numbers from one queue; answers kept by number until the
    loader takes them, in order."""

    def __init__(self, count: int, decoder: str) -> None:
        self._requests: queue.Queue[tuple[int, Path] | None] = queue.Queue()
        self._answers: dict[int, tuple[_Worker, tuple[Any, ...]]] = {}
        self._ready = threading.Condition()
        self._closed = False
        self._workers = [_Worker(decoder) for _ in range(count)]
        self._threads = [
            threading.Thread(target=self._serve, args=(worker,), daemon=True)
            for worker in self._workers
        ]
        for thread in self._threads:
            thread.start()

    def _serve(self, worker: _Worker) -> None:
        while True:
            request = self._requests.get()
            if request is None or self._closed:
                return
            number, path = request
            answer: tuple[Any, ...] = (_LOST, [], [], [], None)
            try:
                answer = worker.scan(path)
            finally:  # an answer always, or the loader would wait for it forever
                with self._ready:
                    self._answers[number] = (worker, answer)
                    self._ready.notify_all()

    def answers(self, files: Sequence[Path]) -> Iterator[tuple[Path, _Worker, tuple[Any, ...]]]:
        ahead = _AHEAD * len(self._workers)
        for number, path in enumerate(files[:ahead]):
            self._requests.put((number, path))
        for number, path in enumerate(files):
            with self._ready:
                while number not in self._answers:
                    self._ready.wait()
                worker, answer = self._answers.pop(number)
            if number + ahead < len(files):
                self._requests.put((number + ahead, files[number + ahead]))
            yield path, worker, answer

    def close(self, abandon: bool) -> None:
        """Stop the workers: idle ones end with their stdin; when the load is abandoned
        (a broken file), any may be scanning a file no one will take, and is killed."""
        self._closed = True
        for _ in self._threads:
            self._requests.put(None)
        for worker in self._workers:
            if abandon and worker.process is not None:
                worker.process.kill()
            worker.stop()
        for thread in self._threads:
            thread.join()


# ---- the worker process ------------------------------------------------------------------------


def _serve_requests(requests: IO[bytes], answers: IO[bytes]) -> None:
    scanner = Scanner()
    sent = [0, 0, 0]  # how much of each table the loader has
    while True:
        try:
            path_text, decoder = pickle.load(requests)
        except EOFError:
            return
        path = Path(path_text)
        try:
            found: Scanned | str | None = scan_file(path, decoder, scanner)
            status = _OK if found is not None else _TOO_LARGE
        except CloudTrailFileError as error:
            status, found = _BROKEN, error.problem
        arns, events, regions = scanner.tables()
        news = (arns[sent[0] :], events[sent[1] :], regions[sent[2] :])
        sent = [len(arns), len(events), len(regions)]
        pickle.dump((status, *news, found), answers, protocol=pickle.HIGHEST_PROTOCOL)
        answers.flush()


if __name__ == "__main__":
    _serve_requests(sys.stdin.buffer, sys.stdout.buffer)
