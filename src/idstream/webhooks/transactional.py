"""Transactional webhooks: for a tenant event whose transactionType is not None, the webhooks
are called before the change commits; too few successes roll the change back (504,
[WebhookTransactionException]). The calls that were made are kept as attempts, and the
fan-out later turns the failed ones into deliveries retried like any other."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.orm import Session

from idstream import clock
from idstream.config import Settings
from idstream.errors import general_error
from idstream.events import store
from idstream.tenants import service as tenants
from idstream.tenants.models import Tenant
from idstream.webhooks import routing, service
from idstream.webhooks.deliveries import attempt_row
from idstream.webhooks.models import Webhook
from idstream.webhooks.signing import SigningKeyUnavailable
from idstream.webhooks.transport import SendResult, Target, Transport, display_url

EXCEPTION_CODE = "WebhookTransactionException"


def enough(transaction_type: str, successes: int, total: int) -> bool:
    """FusionAuth's definitions; with no webhook to ask, nothing holds the change back."""
    if total == 0 or transaction_type == "None":
        return True
    if transaction_type == "Any":
        return successes >= 1
    if transaction_type == "SimpleMajority":
        return 2 * successes > total
    if transaction_type == "SuperMajority":
        return 3 * successes >= 2 * total
    return successes == total  # AbsoluteMajority


class TransactionalWebhooks:
    """The before-commit hook (idstream.db.Database.before_commit_hooks)."""

    def __init__(self, settings: Settings, transport: Transport | None = None) -> None:
        self.transport = transport or Transport(deny_private=settings.webhook_deny_private)
        self._pool = ThreadPoolExecutor(32, thread_name_prefix="webhook-transaction")

    def __call__(self, session: Session) -> None:
        for event in store.pending_events(session):
            if not (event.type.is_tenant_event and event.type.transactional and event.tenant_id):
                continue
            tenant = session.get(Tenant, event.tenant_id)
            if tenant is None:
                continue
            kind = tenants.transaction_type(tenant, event.type)
            if kind == "None":
                continue
            webhooks = routing.webhooks_for(session, event.type.name, event.tenant_id)
            if not webhooks:
                continue
            started = clock.now_ms()
            # Targets are read here: the session belongs to this thread, the calls do not.
            targets = [self._target(session, w) for w in webhooks]
            calls = [self._pool.submit(self._call, t, event.payload) for t in targets]
            results = [call.result() for call in calls]
            successes = sum(1 for result in results if result.ok)
            if not enough(kind, successes, len(webhooks)):
                raise general_error(
                    EXCEPTION_CODE,
                    f"The [{event.type.name}] event needs {kind} of its {len(webhooks)} "
                    f"webhooks to succeed and {successes} did; the change was not made.",
                    status_code=504,
                )
            for webhook, result in zip(webhooks, results, strict=True):
                url = display_url(webhook.url)
                session.add(attempt_row(event.id, webhook.id, url, result, started))

    @staticmethod
    def _target(session: Session, webhook: Webhook) -> Target | str:
        try:
            return service.target(session, webhook)
        except SigningKeyUnavailable as error:
            return f"Not sent: {error}."

    def _call(self, target: Target | str, body: bytes) -> SendResult:
        if isinstance(target, str):
            return SendResult(False, None, True, target, 0)
        return self.transport.send(target, body)
