"""Background workers. Each is a `run_once(now_ms) -> int` (how much it did) that the loop
here and the tests both call; the loop only decides when to call it again."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Protocol

from idstream import clock

log = logging.getLogger(__name__)


class Worker(Protocol):
    name: str

    def run_once(self, now: int) -> int: ...

    def stop(self) -> None:
        """Called once the loop has ended: hand back claimed work, release leases."""


@dataclass
class WorkerLoop:
    """Runs one worker on a thread: again at once while it finds work, else after `idle`
    seconds or as soon as wake() is called (a commit that recorded events calls it)."""

    worker: Worker
    idle_seconds: float = 1.0
    _wake: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.worker.name, daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.worker.stop()

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                done = self.worker.run_once(clock.now_ms())
                failures = 0
            except Exception:
                # A worker must outlive any one bad pass; back off so a broken dependency
                # (database down) is not hammered.
                failures += 1
                log.exception("worker %s failed", self.worker.name)
                done = 0
            if done and not self._stop.is_set():
                continue
            delay = min(self.idle_seconds * (2 ** min(failures, 5)), 30.0)
            self._wake.wait(delay)
            self._wake.clear()


@dataclass
class WorkerGroup:
    loops: list[WorkerLoop] = field(default_factory=list)

    def add(self, worker: Worker, idle_seconds: float = 1.0) -> WorkerLoop:
        loop = WorkerLoop(worker, idle_seconds)
        self.loops.append(loop)
        return loop

    def start(self) -> None:
        for loop in self.loops:
            loop.start()

    def wake_all(self) -> None:
        for loop in self.loops:
            loop.wake()

    def stop(self) -> None:
        for loop in self.loops:
            loop.stop()
