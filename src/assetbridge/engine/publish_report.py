"""What a publish pass did (or, dry-run, would do): per rule and per asset, as text-free data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assetbridge.domain.rights import RightsDecision
from assetbridge.errors import ApiError, TransientError

if TYPE_CHECKING:
    from assetbridge.engine.campaigns import DerivedFound

ACTIONS = ("publish", "new_version", "up_to_date", "blocked", "unpublish", "left", "error")


@dataclass(frozen=True)
class RuleSelection:
    rule: str
    query: str
    count: int
    total: int
    warning: str | None = None
    error: str | None = None  # Orange Logic refused the rule's query

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class PublishOutcome:
    rule: str
    record_id: str
    system_identifier: str
    title: str | None
    action: str = "error"
    asset_id: str | None = None
    link_id: int | None = None
    created: bool = False
    ol_version: int | None = None
    iconik_version_id: str | None = None
    media: str | None = None
    media_id: str | None = None
    campaign: str | None = None
    collection_id: str | None = None
    reason: str | None = None
    error: str | None = None
    retryable: bool = False
    rights: RightsDecision | None = None
    writes: list[str] = field(default_factory=list)

    def fail(self, error: BaseException) -> None:
        self.action = "error"
        self.error = (
            f"{error.system}: {error}" if isinstance(error, ApiError) else f"{type(error).__name__}: {error}"
        )
        self.retryable = isinstance(error, TransientError)

    def to_dict(self) -> dict[str, Any]:
        rights = self.rights
        return {
            "rule": self.rule,
            "record_id": self.record_id,
            "system_identifier": self.system_identifier,
            "title": self.title,
            "action": self.action,
            "asset_id": self.asset_id,
            "created": self.created,
            "ol_version": self.ol_version,
            "iconik_version_id": self.iconik_version_id,
            "media": self.media,
            "media_id": self.media_id,
            "campaign": self.campaign,
            "collection_id": self.collection_id,
            "reason": self.reason,
            "error": self.error,
            "writes": list(self.writes),
            "rights": None
            if rights is None
            else {
                "allowed": rights.allowed,
                "reason": rights.reason,
                "doubtful": rights.doubtful,
                "next_change_at": rights.next_change_at.isoformat() if rights.next_change_at else None,
                "values": {
                    k: v if isinstance(v, str | int | float | bool | type(None) | list) else str(v)
                    for k, v in rights.values.items()
                },
            },
        }


@dataclass
class PublishReport:
    dry_run: bool
    full: bool = False
    rules: list[RuleSelection] = field(default_factory=list)
    outcomes: list[PublishOutcome] = field(default_factory=list)
    derived: list[DerivedFound] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(o.action == "error" for o in self.outcomes) and not any(r.error for r in self.rules)

    @property
    def warnings(self) -> list[str]:
        return [r.warning for r in self.rules if r.warning]

    @property
    def summary(self) -> dict[str, int]:
        counts = {action: 0 for action in ACTIONS}
        for outcome in self.outcomes:
            counts[outcome.action] = counts.get(outcome.action, 0) + 1
        counts["created"] = sum(o.created for o in self.outcomes)
        counts["derived"] = len(self.derived)
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "full": self.full,
            "ok": self.ok,
            "summary": self.summary,
            "rules": [r.to_dict() for r in self.rules],
            "warnings": self.warnings,
            "assets": [o.to_dict() for o in self.outcomes],
            "derived": [d.to_dict() for d in self.derived],
        }
