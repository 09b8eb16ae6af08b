"""Fixtures of the webhook delivery tests: a fake clock, a dispatcher and a real receiver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from idstream import clock as idstream_clock
from idstream.config import Settings
from idstream.db import Database
from idstream.webhooks.dispatcher import Dispatcher, DispatcherOptions
from tests.receivers import FakeClock, Receiver


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """idstream's clock, stopped: a test moves it on itself."""
    fake = FakeClock()
    monkeypatch.setattr(idstream_clock, "now_ms", fake.now_ms)
    return fake


@pytest.fixture
def dispatcher(database: Database, settings: Settings) -> Iterator[Dispatcher]:
    # A fixed seed: the retry jitter, and so a failing run, is the same every time.
    dispatcher = Dispatcher(database, settings, options=DispatcherOptions(seed=7))
    yield dispatcher
    dispatcher.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as receiver:
        yield receiver
