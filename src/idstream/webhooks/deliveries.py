"""Delivery state as data: fan-out of stored events into delivery rows, claiming due rows,
recording each attempt and scheduling the next, redelivery, and retention. Plain functions
over a Session; the dispatcher owns threads and HTTP."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from idstream.config import Settings
from idstream.db import new_id
from idstream.errors import NotFound, field_error
from idstream.events import cursors
from idstream.events.store import StoredEvent, last_sequence
from idstream.webhooks import routing, service
from idstream.webhooks.models import (
    FAILED,
    FAILURE,
    FANOUT_CURSOR,
    PENDING,
    SENDING,
    SUCCEEDED,
    SUCCESS,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
)
from idstream.webhooks.signing import SigningKeyUnavailable
from idstream.webhooks.transport import SendResult, Target, classify, display_url

CURSOR = FANOUT_CURSOR


def backoff_ms(attempts: int, settings: Settings, rng: random.Random) -> int:
    """Exponential from webhook_retry_initial_seconds, capped at webhook_retry_max_seconds,
    with jitter (half to all of the step) so that receivers coming back are not stampeded."""
    step = settings.webhook_retry_initial_seconds * 2 ** max(0, attempts - 1)
    step = min(step, settings.webhook_retry_max_seconds)
    return max(1, int(1000 * step * (0.5 + rng.random() / 2)))


def fan_out_behind(session: Session) -> bool:
    return cursors.get(session, CURSOR) < last_sequence(session)


def any_due(session: Session, now: int, busy: Iterable[str] = ()) -> bool:
    query = select(WebhookDelivery.id).where(
        WebhookDelivery.status.in_((PENDING, SENDING)), WebhookDelivery.next_attempt_at <= now
    )
    busy = list(busy)
    if busy:
        query = query.where(WebhookDelivery.webhook_id.not_in(busy))
    return session.scalar(query.limit(1)) is not None


def fan_out(session: Session, now: int, settings: Settings, batch: int = 1000) -> int:
    """Create the delivery rows of the next events after the fan-out cursor; returns how many
    events it passed. The cursor row is locked, so instances never fan out twice."""
    position = cursors.lock(session, CURSOR)
    events = session.execute(
        select(StoredEvent.sequence, StoredEvent.id, StoredEvent.type, StoredEvent.tenant_id)
        .where(StoredEvent.sequence > position)
        .order_by(StoredEvent.sequence)
        .limit(batch)
    ).all()
    if not events:
        return 0
    webhooks = routing.all_webhooks(session)
    rows = []
    if webhooks:
        event_ids = [e.id for e in events]
        existing = {
            (row[0], row[1])
            for row in session.execute(
                select(WebhookDelivery.event_id, WebhookDelivery.webhook_id).where(
                    WebhookDelivery.event_id.in_(event_ids)
                )
            )
        }
        earlier = _earlier_attempts(session, event_ids)
        for event in events:
            for webhook in routing.select_for(webhooks, event.type, event.tenant_id):
                if (event.id, webhook.id) in existing:
                    continue
                row = _new_delivery(event.sequence, event.id, webhook.id, now, settings)
                _apply_earlier(row, earlier.get((event.id, webhook.id), []), now)
                rows.append(row)
    if rows:
        session.execute(insert(WebhookDelivery), rows)
    cursors.advance(session, CURSOR, events[-1].sequence)
    return len(events)


def _new_delivery(
    sequence: int, event_id: str, webhook_id: str, now: int, settings: Settings
) -> dict:
    return {
        "id": new_id(),
        "event_id": event_id,
        "event_sequence": sequence,
        "webhook_id": webhook_id,
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "give_up_at": now + int(settings.webhook_give_up_seconds * 1000),
        "created_at": now,
        "last_attempt_at": None,
        "last_status_code": None,
        "last_error": None,
    }


def _earlier_attempts(session: Session, event_ids: list[str]) -> dict[tuple[str, str], list]:
    """Attempts made before fan-out: the synchronous calls of transactional webhooks."""
    found: dict[tuple[str, str], list] = defaultdict(list)
    for attempt in session.scalars(
        select(WebhookAttempt).where(WebhookAttempt.event_id.in_(event_ids))
    ):
        found[(attempt.event_id, attempt.webhook_id)].append(attempt)
    return found


def _apply_earlier(row: dict, attempts: list[WebhookAttempt], now: int) -> None:
    if not attempts:
        return
    last = max(attempts, key=lambda a: a.end_instant)
    row.update(
        attempts=len(attempts),
        last_attempt_at=last.end_instant,
        last_status_code=last.status_code,
        last_error=last.error,
    )
    if any(a.result == SUCCESS for a in attempts):
        row["status"] = SUCCEEDED
    elif last.status_code is not None and not classify(last.status_code)[1]:
        row["status"] = FAILED


@dataclass
class Claimed:
    delivery_id: str
    event_id: str
    webhook_id: str
    attempts: int
    give_up_at: int
    payload: bytes
    target: Target | None
    problem: str | None = None  # why it cannot be sent now (its signing key is gone)


def claim(
    session: Session,
    now: int,
    *,
    limit: int,
    per_webhook: int,
    lease_ms: int,
    busy: Iterable[str] = (),
    skip_locked: bool = False,
) -> list[Claimed]:
    """Take due deliveries (and those whose claim lease ran out: their dispatcher died),
    oldest event first, at most `per_webhook` per webhook, none of webhooks in `busy`."""
    query = (
        select(WebhookDelivery)
        .where(
            WebhookDelivery.status.in_((PENDING, SENDING)),
            WebhookDelivery.next_attempt_at <= now,
        )
        .order_by(WebhookDelivery.event_sequence, WebhookDelivery.id)
        .limit(limit)
    )
    busy = list(busy)
    if busy:
        query = query.where(WebhookDelivery.webhook_id.not_in(busy))
    if skip_locked:
        # Several dispatchers on one PostgreSQL database share the due rows without waiting.
        query = query.with_for_update(skip_locked=True)
    rows = list(session.scalars(query))
    taken: list[WebhookDelivery] = []
    per: dict[str, int] = defaultdict(int)
    webhooks = {w.id: w for w in routing.all_webhooks(session)}
    for row in rows:
        if per[row.webhook_id] < _batch_limit(webhooks.get(row.webhook_id), per_webhook, lease_ms):
            per[row.webhook_id] += 1
            taken.append(row)
    if not taken:
        return []
    payloads: dict[str, bytes] = {
        row[0]: row[1]
        for row in session.execute(
            select(StoredEvent.id, StoredEvent.payload).where(
                StoredEvent.id.in_({row.event_id for row in taken})
            )
        )
    }
    targets: dict[str, Target | str] = {}
    claimed: list[Claimed] = []
    for row in taken:
        webhook = webhooks.get(row.webhook_id)
        payload = payloads.get(row.event_id)
        if webhook is None or payload is None:
            row.status = FAILED
            row.last_error = "The webhook was deleted." if webhook is None else "Event pruned."
            continue
        if webhook.id not in targets:
            try:
                targets[webhook.id] = service.target(session, webhook)
            except SigningKeyUnavailable as error:
                targets[webhook.id] = f"Not sent: {error}."
        target = targets[webhook.id]
        row.status = SENDING
        row.next_attempt_at = now + lease_ms
        claimed.append(
            Claimed(
                delivery_id=row.id,
                event_id=row.event_id,
                webhook_id=row.webhook_id,
                attempts=row.attempts,
                give_up_at=row.give_up_at,
                payload=payload,
                target=target if isinstance(target, Target) else None,
                problem=target if isinstance(target, str) else None,
            )
        )
    session.flush()
    return claimed


def _batch_limit(webhook: Webhook | None, per_webhook: int, lease_ms: int) -> int:
    """A batch is sent one after the other; it must end well within the claim's lease even
    when every call takes the webhook's full timeouts, or another dispatcher would take
    the same deliveries again."""
    if webhook is None:
        return per_webhook
    worst = int(webhook.doc.get("connectTimeout") or 1000) + int(
        webhook.doc.get("readTimeout") or 2000
    )
    return max(1, min(per_webhook, lease_ms // (2 * worst)))


@dataclass
class Outcome:
    claimed: Claimed
    result: SendResult
    start: int
    end: int


@dataclass
class Planned:
    """What one attempt changes: its attempt row and the delivery's next state."""

    attempt: dict
    change: dict

    @property
    def retry_at(self) -> int | None:
        return int(self.change["b_next"]) if self.change["b_status"] == PENDING else None


def plan(outcome: Outcome, settings: Settings, rng: random.Random) -> Planned:
    item, result = outcome.claimed, outcome.result
    url = display_url(item.target.url) if item.target else ""
    tries = item.attempts + 1
    status, next_at, error = FAILED, outcome.end, result.error
    if result.ok:
        status = SUCCEEDED
    elif result.retryable:
        delay = backoff_ms(tries, settings, rng)
        if result.retry_after_seconds is not None:
            delay = max(delay, int(result.retry_after_seconds * 1000))
        next_at = outcome.end + delay
        if next_at > item.give_up_at:
            error = f"Gave up: {result.error}"
        else:
            status = PENDING
    return Planned(
        attempt_values(item.event_id, item.webhook_id, url, result, outcome.start),
        {
            "b_id": item.delivery_id,
            "b_status": status,
            "b_attempts": tries,
            "b_next": next_at,
            "b_last": outcome.end,
            "b_code": result.status_code,
            "b_error": error,
        },
    )


def write(
    session: Session,
    planned: Sequence[Planned],
    holds: Sequence[tuple[str, Sequence[str], int]] = (),
) -> None:
    """Write attempts and delivery states in batched statements, and hand back claimed
    deliveries that were not tried (`holds`: webhook, ids, and when they are due again)."""
    connection = session.connection()
    if planned:
        connection.execute(
            insert(cast(Table, WebhookAttempt.__table__)), [p.attempt for p in planned]
        )
        table = cast(Table, WebhookDelivery.__table__)
        # A delivery changed meanwhile (webhook deleted, redelivered) keeps its new state.
        connection.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"), table.c.status == SENDING)
            .values(
                status=bindparam("b_status"),
                attempts=bindparam("b_attempts"),
                next_attempt_at=bindparam("b_next"),
                last_attempt_at=bindparam("b_last"),
                last_status_code=bindparam("b_code"),
                last_error=bindparam("b_error"),
            ),
            [p.change for p in planned],
        )
    for webhook_id, delivery_ids, until in holds:
        hold(session, webhook_id, delivery_ids, until)


def attempt_values(
    event_id: str, webhook_id: str, url: str, result: SendResult, start: int
) -> dict:
    return {
        "id": new_id(),
        "event_id": event_id,
        "webhook_id": webhook_id,
        "url": url,
        "start_instant": start,
        "end_instant": start + result.duration_ms,
        "status_code": result.status_code,
        "error": result.error,
        "result": SUCCESS if result.ok else FAILURE,
    }


def attempt_row(
    event_id: str, webhook_id: str, url: str, result: SendResult, start: int
) -> WebhookAttempt:
    return WebhookAttempt(**attempt_values(event_id, webhook_id, url, result, start))


def hold(session: Session, webhook_id: str, delivery_ids: Sequence[str], until: int) -> None:
    """The webhook's receiver is in trouble: hand back the claimed deliveries that were not
    tried, and hold every other one it is owed until `until`, so that a dead receiver with a
    backlog costs one attempt per retry, not one per pass."""
    if delivery_ids:
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(delivery_ids), WebhookDelivery.status == SENDING)
            .values(status=PENDING, next_attempt_at=until)
        )
    session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.webhook_id == webhook_id,
            WebhookDelivery.status == PENDING,
            WebhookDelivery.next_attempt_at < until,
        )
        .values(next_attempt_at=until)
    )


def redeliver(
    session: Session, event_id: str, webhook_id: str | None, now: int, settings: Settings
) -> list[str]:
    """Send a stored event again to one webhook, or to every webhook it was delivered to;
    returns the webhook ids."""
    event = session.scalar(select(StoredEvent).where(StoredEvent.id == event_id))
    if event is None:
        raise NotFound()
    existing = {
        d.webhook_id: d
        for d in session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.event_id == event_id)
        )
    }
    if webhook_id is not None:
        if session.get(Webhook, webhook_id) is None:
            raise field_error("webhookId", "invalid", f"No webhook with Id [{webhook_id}].")
        webhook_ids = [webhook_id]
    else:
        live = {w.id for w in routing.all_webhooks(session)}
        webhook_ids = sorted(w for w in existing if w in live)
    for target_id in webhook_ids:
        delivery = existing.get(target_id)
        if delivery is None:
            session.execute(
                insert(WebhookDelivery),
                [_new_delivery(event.sequence, event.id, target_id, now, settings)],
            )
            continue
        delivery.status = PENDING
        delivery.attempts = 0
        delivery.next_attempt_at = now
        delivery.give_up_at = now + int(settings.webhook_give_up_seconds * 1000)
    session.flush()
    return webhook_ids
