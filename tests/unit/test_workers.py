"""The worker loop: it calls run_once until stopped, then lets the worker hand back its work."""

from __future__ import annotations

import threading

from idstream.workers import WorkerLoop


class CountingWorker:
    name = "counting"

    def __init__(self) -> None:
        self.passes = 0
        self.stopped = False
        self.first_pass = threading.Event()

    def run_once(self, now: int) -> int:
        self.passes += 1
        self.first_pass.set()
        return 0

    def stop(self) -> None:
        self.stopped = True


class FailingOnceWorker(CountingWorker):
    def __init__(self) -> None:
        super().__init__()
        self.second_pass = threading.Event()

    def run_once(self, now: int) -> int:
        super().run_once(now)
        if self.passes == 1:
            raise RuntimeError("database unreachable")
        self.second_pass.set()
        return 0


def test_loop_runs_the_worker_and_stops_it() -> None:
    worker = CountingWorker()
    loop = WorkerLoop(worker, idle_seconds=60)
    loop.start()
    assert worker.first_pass.wait(10)

    loop.stop()

    assert worker.passes >= 1
    assert worker.stopped


def test_a_failing_pass_does_not_end_the_loop() -> None:
    worker = FailingOnceWorker()
    loop = WorkerLoop(worker, idle_seconds=60)
    loop.start()
    assert worker.first_pass.wait(10)

    loop.wake()

    assert worker.second_pass.wait(10)
    loop.stop()
    assert worker.stopped
