"""In-memory state of the Orange Logic emulator: records (assets, folders, albums), tokens, uploads.

Every record has the two identifiers real tenants have (reference §4): ``SystemIdentifier`` (the tenant
prefix plus a counter, e.g. ``ABR1001``) and the opaque ``RecordID`` (a.k.a. MediaEncryptedIdentifier).
Files live under ``data_dir``; only paths are kept in memory. Every change goes through ``touch`` so the
edit date moves with the shared ``SandboxClock``, and fires the record listeners (webhooks).
"""

from __future__ import annotations

import asyncio
import random
import secrets
import string
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from assetbridge_sandbox.clock import SandboxClock
from assetbridge_sandbox.config import OrangeLogicSandboxConfig
from assetbridge_sandbox.orangelogic.tenant import Tenant, load_tenant

MEDIA_TYPES = ("Image", "Video", "Audio", "Multimedia")
CONTAINER_TYPES = ("Folder", "Album", "Virtual-folder")
# Search's MediaType for containers (reference §4: folders are "Story", virtual folders "Album").
SEARCH_DOC_TYPE = {"Folder": "Story", "Album": "Album", "Virtual-folder": "Album"}

Value = str | list[str]
Listener = Callable[[str, "Record", dict[str, str]], None]


@dataclass
class Record:
    record_id: str
    identifier: str
    doc_type: str
    subtype: str
    created: datetime
    edited: datetime
    media_number: str
    values: dict[str, Value] = field(default_factory=dict)  # keyed by canonical API name
    file_path: Path | None = None
    file_name: str = ""
    content_type: str = ""
    size: int = 0
    version: int = 1
    import_messages: list[str] = field(default_factory=list)
    searchable: bool = True
    renditions: dict[str, Path] = field(default_factory=dict)
    rendition_dims: dict[str, tuple[int, int]] = field(default_factory=dict)
    width: int | None = None
    height: int | None = None

    @property
    def parent(self) -> str:
        value = self.values.get("CoreField.Parent-folder", "")
        return value if isinstance(value, str) else ""

    @property
    def extension(self) -> str:
        return self.file_name.rsplit(".", 1)[-1].lower() if "." in self.file_name else ""

    @property
    def search_doc_type(self) -> str:
        return SEARCH_DOC_TYPE.get(self.doc_type, self.doc_type)


@dataclass
class TokenInfo:
    token: str
    kind: str  # oauth | login | bearer
    expires_at: float | None  # None = never
    sliding_seconds: float | None = None  # login sessions extend on use
    revoked: bool = False


@dataclass
class OLState:
    config: OrangeLogicSandboxConfig
    clock: SandboxClock
    data_dir: Path
    tenant: Tenant = field(init=False)
    records: dict[str, Record] = field(default_factory=dict)
    by_identifier: dict[str, str] = field(default_factory=dict)  # lower-case SystemIdentifier -> RecordID
    tokens: dict[str, TokenInfo] = field(default_factory=dict)
    refresh_tokens: dict[str, str] = field(default_factory=dict)
    auth_codes: set[str] = field(default_factory=set)
    listeners: list[Listener] = field(default_factory=list)
    multipart_threshold: int = 0
    seed: int = 0
    signing_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    links: dict[str, tuple[str, str, float | None]] = field(
        default_factory=dict
    )  # link id -> record, format, exp
    uploads: dict[str, Any] = field(default_factory=dict)  # multi-part transactions and items by id
    deleted: list[tuple[Record, datetime]] = field(default_factory=list)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    _counter: int = 1000

    def __post_init__(self) -> None:
        self.tenant = load_tenant(self.config.tenant_file)
        self.multipart_threshold = self.config.multipart_threshold_bytes
        self._random = random.Random(self.seed)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self.incoming_dir.mkdir(parents=True, exist_ok=True)
        self.tokens[self.config.static_bearer_token] = TokenInfo(
            self.config.static_bearer_token, "bearer", None
        )
        self.root = self.new_record("Folder", "Default", {"CoreField.Title": "Root"}, parent="", fire=False)

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def incoming_dir(self) -> Path:
        return self.data_dir / "incoming"

    def random_id(self, length: int = 12) -> str:
        alphabet = string.ascii_uppercase + string.digits
        return "2" + "".join(self._random.choice(alphabet) for _ in range(length - 1))

    def new_token(self) -> str:
        return "".join(self._random.choice(string.ascii_letters + string.digits) for _ in range(40))

    # records ----------------------------------------------------------------------------------------
    def new_record(
        self,
        doc_type: str,
        subtype: str,
        values: dict[str, Value] | None = None,
        *,
        parent: str | None = None,
        created: datetime | None = None,
        fire: bool = True,
        muted: dict[str, str] | None = None,
    ) -> Record:
        self._counter += 1
        now = self.now()
        record = Record(
            record_id=self.random_id(),
            identifier=f"{self.config.tenant_prefix}{self._counter}",
            doc_type=doc_type,
            subtype=subtype,
            created=(created or now).replace(microsecond=0),
            edited=now,
            media_number=uuid.UUID(int=self._random.getrandbits(128)).hex,
        )
        record.values.update(values or {})
        if parent is None:
            parent = self.root.record_id
        if parent:
            record.values["CoreField.Parent-folder"] = parent
        self.records[record.record_id] = record
        self.by_identifier[record.identifier.lower()] = record.record_id
        if fire:
            self.fire("asset.created", record, muted or {})
        return record

    def find(self, ident: str) -> Record | None:
        """A record by RecordID or SystemIdentifier (many endpoints accept either, reference §4)."""
        if ident in self.records:
            return self.records[ident]
        rid = self.by_identifier.get(ident.lower())
        if rid is not None:
            return self.records.get(rid)
        for rec in self.records.values():
            if rec.record_id.lower() == ident.lower():
                return rec
        return None

    def now(self) -> datetime:
        """Record dates have whole seconds: real tenants show none finer (reference fixtures
        ``orangelogic_search.json``, ``orangelogic_data_folder_read_ok.json``), and queries and sorts
        compare what is shown, so two edits in one second carry the same ``EditDate``."""
        return self.clock.now().replace(microsecond=0)

    def touch(self, record: Record, muted: dict[str, str] | None = None) -> None:
        record.edited = self.now()
        self.fire("asset.edited", record, muted or {})

    def delete(self, record: Record, muted: dict[str, str] | None = None) -> None:
        self.records.pop(record.record_id, None)
        self.by_identifier.pop(record.identifier.lower(), None)
        self.deleted.append((record, self.now()))
        self.fire("asset.deleted", record, muted or {})

    def fire(self, topic: str, record: Record, muted: dict[str, str]) -> None:
        for listener in self.listeners:
            listener(topic, record, muted)

    def children(self, record_id: str) -> list[Record]:
        return [r for r in self.records.values() if r.parent == record_id]

    def folder_path(self, record: Record) -> str:
        parts: list[str] = []
        current: Record | None = self.records.get(record.parent) if record.parent else None
        while current is not None and current.record_id != self.root.record_id:
            title = current.values.get("CoreField.Title", "")
            parts.append(title if isinstance(title, str) else "")
            current = self.records.get(current.parent) if current.parent else None
        return "/".join(["Root", *reversed(parts)])

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def ensure_folder_path(self, path: str, start: Record | None = None) -> Record:
        """The folder at ``a/b/c`` under ``start`` (the root), created as needed (§7.4 register step)."""
        current = start or self.root
        for part in [p for p in path.split("/") if p]:
            match = next(
                (
                    r
                    for r in self.children(current.record_id)
                    if r.doc_type == "Folder" and r.values.get("CoreField.Title") == part
                ),
                None,
            )
            if match is None:
                match = self.new_record(
                    "Folder", "Default", {"CoreField.Title": part}, parent=current.record_id
                )
            current = match
        return current

    # tokens -----------------------------------------------------------------------------------------
    def issue_token(self, kind: str, ttl: float, *, sliding: bool = False) -> TokenInfo:
        info = TokenInfo(self.new_token(), kind, self.clock.time() + ttl, ttl if sliding else None)
        self.tokens[info.token] = info
        return info

    def check_token(self, token: str) -> TokenInfo | None:
        info = self.tokens.get(token)
        if info is None or info.revoked:
            return None
        now = self.clock.time()
        if info.expires_at is not None and now >= info.expires_at:
            return None
        if info.sliding_seconds is not None:
            info.expires_at = now + info.sliding_seconds
        return info

    def expire_tokens(self, kind: str | None = None) -> int:
        count = 0
        for info in self.tokens.values():
            if kind is None or info.kind == kind:
                info.revoked = True
                count += 1
        return count

    def snapshot(self, record: Record) -> dict[str, Any]:
        return {
            "RecordID": record.record_id,
            "SystemIdentifier": record.identifier,
            "DocType": record.doc_type,
            "DocSubType": record.subtype,
            "CreateDate": record.created.isoformat(),
            "EditDate": record.edited.isoformat(),
            "Version": record.version,
            "FileName": record.file_name,
            "FileSize": record.size,
            "ContentType": record.content_type,
            "Searchable": record.searchable,
            "Path": self.folder_path(record),
            "Fields": dict(record.values),
            "ImportMessages": list(record.import_messages),
            "Renditions": sorted(record.renditions),
        }


def new_state(
    config: OrangeLogicSandboxConfig, clock: SandboxClock, data_dir: Path, seed: int = 0
) -> OLState:
    return OLState(config=config, clock=clock, data_dir=Path(data_dir), seed=seed)


def system_value(state: OLState, record: Record, name: str) -> Any:
    """Values the platform maintains (not stored in ``record.values``)."""
    lowered = name.lower()
    if lowered in ("recordid", "mediaencryptedidentifier", "document.recordid"):
        return record.record_id
    if lowered in ("coreField.identifier".lower(), "coreField.unique-identifier".lower(), "systemidentifier"):
        return record.identifier
    if lowered in ("corefield.doctype", "corefield.type"):
        return record.doc_type
    if lowered == "corefield.createdate":
        return record.created
    if lowered == "corefield.editdate":
        return record.edited
    if lowered == "corefield.medianumber":
        return record.media_number
    if lowered == "corefield.filesize":
        return str(record.size)
    if lowered == "corefield.version":
        return str(record.version)
    if lowered == "document.fileextension":
        return record.extension
    if lowered == "corefield.mimetype":
        return record.content_type
    if lowered == "corefield.docsubtype":
        return record.subtype
    if lowered == "corefield.originalfilename":
        return record.file_name
    if lowered == "corefield.import-messages":
        return "\n".join(record.import_messages)
    return None
