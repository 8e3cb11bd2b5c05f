"""AssetBridge's own iconik webhooks: register them idempotently, notice FAILING ones, re-enable them.

iconik signs nothing (reference iconik-api §8.2): each webhook carries a secret header that the receiver
checks. Ours are recognized by name (``{prefix}:{event_type}:{realm}``), so a re-run, or a run after a
crash between a create and its answer, updates what is there instead of creating a second one. iconik
turns a webhook whose calls keep failing to ``FAILING`` and stops calling it (§8.1); nothing tells us, so
``check_iconik_webhooks`` looks, re-enables and reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from assetbridge.connectors.iconik.client import IconikClient
from assetbridge.connectors.iconik.models import Webhook
from assetbridge.connectors.iconik.requests import WebhookCreate
from assetbridge.transport.redaction import redact_text

SECRET_HEADER = "X-AssetBridge-Secret"  # noqa: S105 (a header name)
NAME_PREFIX = "assetbridge"


@dataclass(frozen=True)
class WebhookTopic:
    event_type: str
    realm: str | None = None
    operation: str | None = None

    def name(self, prefix: str) -> str:
        parts = [prefix, self.event_type, self.realm or "all"]
        return ":".join([*parts, self.operation] if self.operation else parts)


DEFAULT_TOPICS: tuple[WebhookTopic, ...] = (
    WebhookTopic("assets", "entity"),
    WebhookTopic("assets", "metadata"),
    WebhookTopic("assets", "versions"),
    WebhookTopic("assets", "approvals"),
    WebhookTopic("collections", "contents"),
    WebhookTopic("collections", "metadata"),  # a project marked completed (the archive flow)
)


@dataclass
class EnsureResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)  # duplicates and topics no longer wanted
    ids: dict[str, str] = field(default_factory=dict)  # webhook name -> id


@dataclass(frozen=True)
class FailingWebhook:
    id: str
    name: str
    topic: str
    first_failed_at: str | None
    last_error: str | None
    reenabled: bool


@dataclass
class WebhookHealth:
    failing: list[FailingWebhook] = field(default_factory=list)
    enabled: list[str] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    orangelogic_webhooks: bool = False

    @property
    def ok(self) -> bool:
        return not (self.failing or self.disabled or self.missing)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}

    def lines(self) -> list[str]:
        """Human-readable lines for ``assetbridge status``."""
        out = [f"iconik webhooks: {len(self.enabled)} enabled"]
        for hook in self.failing:
            action = "re-enabled (reconciliation repairs what it missed)" if hook.reenabled else "left as is"
            since = hook.first_failed_at or "an unknown time"
            out.append(
                f"iconik webhook {hook.name} ({hook.topic}) was FAILING since {since}: "
                f"{hook.last_error or 'no error recorded'}; {action}"
            )
        out += [f"iconik webhook {name} is DISABLED" for name in self.disabled]
        out += [f"iconik webhook {name} is missing (run the receiver set-up again)" for name in self.missing]
        if not self.orangelogic_webhooks:
            out.append(
                "orangelogic webhooks: off (off by default on tenants); changes are picked up by polling"
            )
        return out


def _topic_of(hook: Webhook) -> str:
    return ".".join(p for p in (hook.event_type, hook.realm or "*", hook.operation) if p)


def _header(hook: Webhook, name: str) -> str | None:
    return next((v for k, v in (hook.headers or {}).items() if k.lower() == name.lower()), None)


def _desired(topic: WebhookTopic, prefix: str, url: str, secret: str, header: str) -> WebhookCreate:
    return WebhookCreate(
        url=url,
        event_type=topic.event_type,
        realm=topic.realm,
        operation=topic.operation,
        name=topic.name(prefix),
        description="AssetBridge change capture (managed automatically; edits are reverted)",
        headers={header: secret},
        status="ENABLED",
    )


def _drifted(hook: Webhook, want: WebhookCreate, header: str) -> bool:
    return (
        hook.url != want.url
        or (hook.event_type or "").lower() != want.event_type
        or (hook.realm or None) != want.realm
        or (hook.operation or None) != want.operation
        or bool(hook.object_id)
        or bool(hook.query)
        or hook.status not in ("ENABLED", "FAILING")
        or _header(hook, header) != (want.headers or {}).get(header)
    )


def _ours(hooks: Iterable[Webhook], prefix: str) -> list[Webhook]:
    return [h for h in hooks if (h.name or "").startswith(prefix + ":") and h.status != "DELETED"]


async def ensure_iconik_webhooks(
    iconik: IconikClient,
    receiver_url: str,
    secret: str,
    topics: Sequence[WebhookTopic] = DEFAULT_TOPICS,
    *,
    secret_header: str = SECRET_HEADER,
    prefix: str = NAME_PREFIX,
) -> EnsureResult:
    """Make iconik hold exactly one webhook of ours per topic, pointing at ``receiver_url`` with the
    secret header; repair drift (URL, secret, filters, DISABLED), delete duplicates and unwanted topics.
    A FAILING webhook with the right definition is left for ``check_iconik_webhooks`` to report."""
    result = EnsureResult()
    existing = _ours(await iconik.list_webhooks(), prefix)
    by_name: dict[str, list[Webhook]] = {}
    for hook in existing:
        by_name.setdefault(hook.name or "", []).append(hook)
    for topic in topics:
        name = topic.name(prefix)
        want = _desired(topic, prefix, receiver_url, secret, secret_header)
        found = by_name.pop(name, [])
        if not found:
            created = await iconik.create_webhook(want)
            result.created.append(name)
            result.ids[name] = created.id
            continue
        keep = next((h for h in found if not _drifted(h, want, secret_header)), found[0])
        for extra in found:
            if extra is not keep:
                await iconik.delete_webhook(extra.id)
                result.deleted.append(name)
        if _drifted(keep, want, secret_header):
            await iconik.update_webhook(keep.id, want)
            result.updated.append(name)
        else:
            result.unchanged.append(name)
        result.ids[name] = keep.id
    for name, leftovers in by_name.items():
        for hook in leftovers:
            await iconik.delete_webhook(hook.id)
            result.deleted.append(name)
    return result


def _reenabled(hook: Webhook) -> WebhookCreate:
    description = (hook.model_extra or {}).get("description")
    return WebhookCreate(
        url=hook.url or "",
        event_type=hook.event_type or "",
        realm=hook.realm,
        operation=hook.operation,
        object_id=hook.object_id,
        name=hook.name,
        description=description if isinstance(description, str) else None,
        query=hook.query,
        headers=hook.headers,
        status="ENABLED",
    )


async def check_iconik_webhooks(
    iconik: IconikClient,
    *,
    topics: Sequence[WebhookTopic] | None = DEFAULT_TOPICS,
    reenable: bool = True,
    prefix: str = NAME_PREFIX,
    orangelogic_webhooks: bool = False,
) -> WebhookHealth:
    """Report the state of our iconik webhooks; re-enable (PUT status ENABLED) the FAILING ones.

    ``topics``: the ones that should exist (reported as missing otherwise); None skips that check.
    ``orangelogic_webhooks``: whether Orange Logic webhooks are in use (else a line says polling covers it).
    """
    health = WebhookHealth(orangelogic_webhooks=orangelogic_webhooks)
    ours = _ours(await iconik.list_webhooks(), prefix)
    for hook in ours:
        name = hook.name or hook.id
        if hook.status == "FAILING":
            if reenable:
                await iconik.update_webhook(hook.id, _reenabled(hook))
            error = redact_text(hook.last_error) if hook.last_error else None
            health.failing.append(
                FailingWebhook(hook.id, name, _topic_of(hook), hook.first_failed_at, error, reenable)
            )
        elif hook.status == "ENABLED":
            health.enabled.append(name)
        else:
            health.disabled.append(name)
    if topics is not None:
        present = {h.name for h in ours}
        health.missing = [t.name(prefix) for t in topics if t.name(prefix) not in present]
    return health
