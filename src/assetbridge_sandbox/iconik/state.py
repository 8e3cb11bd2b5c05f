"""The iconik emulator's in-memory state, shared by all its route modules.

Objects are stored as JSON-shaped dicts in the wire format the specs define, so a route returns
what it stores (plus computed fields). Media bytes never live here: they are in the sandbox storage
(``assetbridge_sandbox.storage``), on disk.

Every change that a real tenant would announce on its event bus goes through ``emit``; the
notifications module subscribes to it and delivers webhooks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assetbridge_sandbox.clock import SandboxClock, iso
from assetbridge_sandbox.iconik.common import new_id
from assetbridge_sandbox.iconik.search_index import AssetTable

if TYPE_CHECKING:
    from assetbridge_sandbox.config import IconikSandboxConfig
    from assetbridge_sandbox.storage.service import StorageService


@dataclass(frozen=True)
class Event:
    """One event on iconik's bus; ``payload()`` is the webhook body (reference §8.2)."""

    event_type: str  # assets | collections | jobs | ...
    # entity | metadata | contents | shares | files | formats | file_sets | segments | versions | approvals
    realm: str
    operation: str  # create | update | delete | restore | purge
    object_id: str
    data: dict[str, Any]
    system_domain_id: str
    user_id: str
    request_id: str

    def payload(self) -> dict[str, Any]:
        return {
            "system_domain_id": self.system_domain_id,
            "event_type": self.event_type,
            "object_id": self.object_id,
            "user_id": self.user_id,
            "realm": self.realm,
            "operation": self.operation,
            "data": self.data,
            "request_id": self.request_id,
        }


Listener = Callable[[Event], None]


@dataclass
class IconikState:
    config: IconikSandboxConfig
    clock: SandboxClock
    storage: StorageService

    # Credentials: App-ID -> Auth-Token. The configured pair is added at start-up.
    apps: dict[str, str] = field(default_factory=dict)
    revoked_tokens: set[str] = field(default_factory=set)

    # assets service
    # asset id -> AssetSchema (with versions), indexed for search
    assets: AssetTable = field(default_factory=AssetTable)
    delete_queue: dict[str, dict[str, Any]] = field(default_factory=dict)  # object id -> queue entry
    collections: dict[str, dict[str, Any]] = field(default_factory=dict)
    # collection id -> ordered content entries {object_id, object_type, date_created}
    collection_contents: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    shares: dict[str, dict[str, Any]] = field(
        default_factory=dict
    )  # share id -> ShareSchema (+object_type/id)
    # (object_type, object_id, version_id or "") -> {"requested": {...}, "users": {user_id: status}, ...}
    approvals: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    segments: dict[str, dict[str, Any]] = field(default_factory=dict)  # segment id -> SegmentSchema
    custom_actions: dict[str, dict[str, Any]] = field(default_factory=dict)
    relations: dict[str, dict[str, Any]] = field(default_factory=dict)  # relation id -> RelationSchema

    # metadata service
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)  # field name -> MetadataFieldSchema
    views: dict[str, dict[str, Any]] = field(default_factory=dict)  # view id -> MetadataViewSchema
    categories: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (object_type, name)
    # (object_type, object_id, version_id or "") -> {field name: [raw values]}
    metadata_values: dict[tuple[str, str, str], dict[str, list[Any]]] = field(default_factory=dict)

    # files service
    storages: dict[str, dict[str, Any]] = field(default_factory=dict)
    formats: dict[str, dict[str, Any]] = field(default_factory=dict)
    file_sets: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    proxies: dict[str, dict[str, Any]] = field(default_factory=dict)
    keyframes: dict[str, dict[str, Any]] = field(default_factory=dict)

    # jobs and notifications services
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)

    listeners: list[Listener] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)  # every event emitted, for the control API

    def __post_init__(self) -> None:
        self.apps.setdefault(self.config.app_id, self.config.auth_token)

    def now(self) -> str:
        return iso(self.clock.now())

    def emit(
        self, event_type: str, realm: str, operation: str, object_id: str, data: dict[str, Any]
    ) -> Event:
        event = Event(
            event_type=event_type,
            realm=realm,
            operation=operation,
            object_id=object_id,
            data=data,
            system_domain_id=self.config.system_domain_id,
            user_id=self.config.user_id,
            request_id=new_id().replace("-", ""),
        )
        self.events.append(event)
        for listener in list(self.listeners):
            listener(event)
        return event

    def touch_asset(self, asset_id: str) -> None:
        """Bump an asset's ``date_modified`` (metadata, files and versions changes do this too)."""
        asset = self.assets.get(asset_id)
        if asset is not None:
            asset["date_modified"] = self.now()

    def new_job(
        self,
        *,
        title: str,
        job_type: str,
        object_type: str | None = None,
        object_id: str | None = None,
        status: str = "READY",
        **extra: Any,
    ) -> dict[str, Any]:
        now = self.now()
        job: dict[str, Any] = {
            "id": new_id(),
            "title": title,
            "type": job_type,
            "status": status,
            "object_type": object_type,
            "object_id": object_id,
            "created_by": self.config.user_id,
            "date_created": now,
            "date_modified": now,
            "progress": 0,
            "progress_processed": 0,
            "progress_total": None,
            "priority": 5,
            "steps": [],
            "message": None,
            "metadata": {},
            "parent_id": None,
            **extra,
        }
        self.jobs[job["id"]] = job
        self.emit("jobs", "entity", "create", job["id"], dict(job))
        return job

    def set_job_status(self, job_id: str, status: str, *, message: str | None = None) -> None:
        job = self.jobs[job_id]
        job["status"] = status
        if status in {"FINISHED", "FINISHED_WITH_WARNING", "SKIPPED"}:
            job["progress"] = 100
        if message is not None:
            job["message"] = message
        job["date_modified"] = self.now()
        self.emit("jobs", "entity", "update", job_id, dict(job))
