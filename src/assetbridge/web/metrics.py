"""Prometheus counters of the webhook receiver, on a registry of their own (one per app)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter


class WebhookMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.received = Counter(
            "assetbridge_webhooks_received",
            "Authenticated webhook deliveries stored in the inbox (quarantined ones included)",
            ["system"],
            registry=self.registry,
        )
        self.duplicates = Counter(
            "assetbridge_webhooks_duplicates",
            "Authenticated deliveries of an event already in the inbox (dropped)",
            ["system"],
            registry=self.registry,
        )
        self.rejected = Counter(
            "assetbridge_webhooks_rejected",
            "Deliveries refused before storing (bad signature or secret, wrong domain, too large)",
            ["system", "reason"],
            registry=self.registry,
        )
        self.quarantined = Counter(
            "assetbridge_webhooks_quarantined",
            "Authenticated deliveries stored as quarantined (not processable)",
            ["system"],
            registry=self.registry,
        )
        self.inbox_errors = Counter(
            "assetbridge_webhooks_inbox_errors",
            "Deliveries answered 503 because the inbox could not store them",
            ["system"],
            registry=self.registry,
        )
