"""The archive (product job 7): completed iconik projects into Orange Logic, each file proven intact.

A project is an iconik collection marked completed (``flows.archive.completion_field``). Its selected
assets' originals are streamed into an Orange Logic folder per project (``copy_to_orangelogic``) with the
retention fields; then the original is read back from Orange Logic and hashed. Three values are compared:
the md5 iconik recorded, the md5/sha256 of the bytes streamed, and the md5/sha256 of what Orange Logic
serves. The attestation (all values, algorithm, sizes, time) goes to ``archive_items`` and the audit log
in one unit of work, with an ``archived`` lineage event when they agree. A mismatch fails that asset with
an error naming the values; the other assets continue. A finished asset is never sent again: a re-run
(after a crash, or the next poll) skips it, and an interrupted multi-part upload continues its chunks.
When every asset is archived, the project metadata and a manifest of its assets go in as a JSON asset.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import structlog

from assetbridge.config.flows_archive import ArchiveFlow
from assetbridge.connectors.iconik.models import File
from assetbridge.connectors.orangelogic.models import UploadResult
from assetbridge.engine.context import SyncContext
from assetbridge.engine.media_to_ol import copy_to_orangelogic, hash_stream
from assetbridge.errors import AssetBridgeError, NotFoundError
from assetbridge.state.models_archive import ArchiveItem, ArchiveProject
from assetbridge.state.repositories.archives import ArchivesRepo, Attestation
from assetbridge.state.types import utcnow
from assetbridge.transfer.checksums import normalize_checksum

log = structlog.get_logger("assetbridge.archive")

FLOW = "archive"
ALGORITHM = "md5+sha256"
MAX_MISMATCHES = 2  # an asset whose copies kept differing is not sent again by polling
MANIFEST = "manifest"

Outcome = Literal["archived", "already_archived", "excluded", "failed", "planned"]


class ArchiveError(AssetBridgeError):
    """A project that cannot be archived as asked (names the collection and the value at fault)."""


class NotCompletedError(ArchiveError):
    """The collection has no completion value, or one that is not a completed value."""


@dataclass(frozen=True)
class Project:
    collection_id: str
    title: str
    project_id: str
    completion: str | None
    values: Mapping[str, list[Any]]  # the collection's project-view metadata


@dataclass(frozen=True)
class Candidate:
    asset_id: str
    title: str
    file: File | None
    excluded: str | None = None  # why the rule leaves it out
    error: str | None = None  # why it cannot be archived


@dataclass(frozen=True)
class AssetOutcome:
    asset_id: str
    outcome: Outcome
    file_name: str | None = None
    record_id: str | None = None
    error: str | None = None
    attestation: Attestation | None = None


@dataclass
class ArchiveReport:
    project: Project
    folder_record_id: str | None = None
    outcomes: list[AssetOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[AssetOutcome]:
        return [o for o in self.outcomes if o.outcome == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass(frozen=True)
class VerifyOutcome:
    asset_id: str
    record_id: str | None
    ok: bool
    problem: str | None = None


def _first(values: Sequence[Any]) -> str | None:
    for value in values:
        if value not in (None, ""):
            return str(value)
    return None


def completion_problem(flow: ArchiveFlow, project: Project) -> str | None:
    """Why the project is not (yet) to be archived; None when it is completed."""
    allowed = ", ".join(repr(v) for v in flow.completed_values)
    where = f"iconik collection {project.title!r} ({project.collection_id})"
    if project.completion is None:
        return f"{where} has no {flow.completion_field} value; it is archived when it is one of {allowed}"
    if project.completion not in flow.completed_values:
        return f"{where}: {flow.completion_field} is {project.completion!r}, not one of {allowed}"
    return None


def iconik_md5(attestation: Attestation) -> str | None:
    """iconik's recorded checksum as md5 hex, None when it recorded none or another algorithm."""
    recorded = normalize_checksum(attestation.iconik_checksum) if attestation.iconik_checksum else None
    return recorded if recorded and len(recorded) == 32 else None


def compare(attestation: Attestation) -> list[str]:
    """Every disagreement between what iconik recorded, what was streamed and what Orange Logic serves."""
    a = attestation
    problems: list[str] = []
    if a.served_size != a.size:
        problems.append(f"size: streamed {a.size} bytes, Orange Logic serves {a.served_size}")
    recorded = iconik_md5(a)
    if recorded and recorded != a.streamed_md5:
        problems.append(f"md5: iconik recorded {recorded}, streamed {a.streamed_md5}")
    if a.served_md5 != a.streamed_md5:
        problems.append(f"md5: streamed {a.streamed_md5}, Orange Logic serves {a.served_md5}")
    if a.served_sha256 != a.streamed_sha256:
        problems.append(f"sha256: streamed {a.streamed_sha256}, Orange Logic serves {a.served_sha256}")
    return problems


def collection_from_event(data: Mapping[str, Any]) -> str | None:
    """The collection an iconik webhook body says had its metadata changed; None for other events."""
    if str(data.get("event_type", "")).lower() != "collections":
        return None
    if str(data.get("realm", "")).lower() != "metadata":
        return None
    object_id = data.get("object_id")
    return str(object_id) if isinstance(object_id, str) and object_id else None


def _flow(ctx: SyncContext) -> ArchiveFlow:
    return ctx.loaded.config.flows.archive


async def _view_id(ctx: SyncContext, name: str) -> str:
    for view in await ctx.iconik.list_views():
        if view.name == name:
            return view.id
    raise ArchiveError(f"iconik metadata view {name!r} does not exist (flows.archive)")


async def read_project(ctx: SyncContext, collection_id: str) -> Project:
    flow = _flow(ctx)
    try:
        collection = await ctx.iconik.get_collection(collection_id)
    except NotFoundError:
        raise ArchiveError(f"iconik collection {collection_id} does not exist") from None
    meta = await ctx.iconik.get_metadata("collections", collection_id, await _view_id(ctx, flow.project_view))
    values = {name: entry.values for name, entry in meta.metadata_values.items()}
    project_id = _first(values.get(flow.project_id_from, [])) if flow.project_id_from else None
    return Project(
        collection_id=collection_id,
        title=collection.title or collection_id,
        project_id=project_id or collection_id,
        completion=_first(values.get(flow.completion_field, [])),
        values=values,
    )


async def find_completed(ctx: SyncContext) -> list[Project]:
    """Completed projects not archived yet (the polling safety net behind the webhook)."""
    done = {p.collection_id for p in await ctx.db_call(_projects, ctx) if p.status == "done"}
    flow = _flow(ctx)
    found: list[Project] = []
    async for collection in ctx.iconik.iter_collections():
        if collection.id in done:
            continue
        project = await read_project(ctx, collection.id)
        if completion_problem(flow, project) is None:
            found.append(project)
    return found


async def _original_file(ctx: SyncContext, asset_id: str, version_id: str | None) -> File | None:
    originals = {f.id async for f in ctx.iconik.iter_formats(asset_id) if f.name == "ORIGINAL"}
    best: File | None = None
    async for file in ctx.iconik.iter_files(asset_id):
        if file.format_id not in originals or (file.status or "").upper() != "CLOSED":
            continue
        if best is None or file.version_id == version_id:
            best = file
    return best


async def select_assets(ctx: SyncContext, project: Project) -> list[Candidate]:
    flow = _flow(ctx)
    rule = flow.select
    view_id = await _view_id(ctx, rule.view or ctx.field_map.iconik_view) if rule else None
    out: list[Candidate] = []
    async for item in ctx.iconik.iter_collection_contents(project.collection_id, object_types=["assets"]):
        if item.object_type not in (None, "assets"):
            continue
        try:
            asset = await ctx.iconik.get_asset(item.id)
        except NotFoundError:
            out.append(Candidate(item.id, item.title or item.id, None, error="the iconik asset is purged"))
            continue
        title = asset.title or item.id
        if (asset.status or "").upper() == "DELETED":
            out.append(Candidate(asset.id, title, None, error="the iconik asset is deleted"))
            continue
        if rule is not None and view_id is not None:
            meta = await ctx.iconik.get_metadata("assets", asset.id, view_id)
            have = [str(v) for v in meta.values(rule.field) if v not in (None, "")]
            if not set(have) & set(rule.values):
                shown = ", ".join(repr(v) for v in have) or "no value"
                allowed = ", ".join(repr(v) for v in rule.values)
                reason = f"{rule.field} is {shown}, not one of {allowed}"
                out.append(Candidate(asset.id, title, None, excluded=reason))
                continue
        file = await _original_file(ctx, asset.id, asset.default_version_id)
        if file is None:
            out.append(
                Candidate(asset.id, title, None, error="no uploaded original file in iconik (deleted?)")
            )
            continue
        out.append(Candidate(asset.id, title, file))
    return out


def asset_fields(flow: ArchiveFlow, project: Project, asset_id: str, today: str) -> dict[str, str]:
    """The Orange Logic field values every archived asset of the project gets."""
    r = flow.retention
    fields: dict[str, str] = dict(flow.fields)
    if r.period_field:
        override = _first(project.values.get(r.period_from, [])) if r.period_from else None
        fields[r.period_field] = override or r.period
    if r.date_field:
        fields[r.date_field] = today
    if r.project_id_field:
        fields[r.project_id_field] = project.project_id
    if flow.crosswalk_field and asset_id != MANIFEST:
        fields[flow.crosswalk_field] = asset_id
    return fields


async def archive_project(ctx: SyncContext, collection_id: str, *, dry_run: bool = False) -> ArchiveReport:
    """Archive one completed project; per-asset failures are in the report, never raised."""
    flow = _flow(ctx)
    project = await read_project(ctx, collection_id)
    problem = completion_problem(flow, project)
    if problem is not None:
        raise NotCompletedError(problem)
    if flow.root_folder is None:
        raise ArchiveError("flows.archive.root_folder is not set (an Orange Logic folder RecordID)")
    candidates = await select_assets(ctx, project)
    report = ArchiveReport(project)
    if dry_run:
        for c in candidates:
            outcome: Outcome = "excluded" if c.excluded else "failed" if c.error else "planned"
            name = c.file.original_name if c.file else None
            report.outcomes.append(AssetOutcome(c.asset_id, outcome, name, error=c.excluded or c.error))
        return report
    row = await ctx.db_call(_start, ctx, project)
    report.folder_record_id = row.folder_record_id or await _make_folder(ctx, flow, project)
    today = utcnow().date().isoformat()
    for c in candidates:
        report.outcomes.append(await _archive_one(ctx, flow, project, report.folder_record_id, c, today))
    if flow.manifest and report.ok:
        report.outcomes.append(await _archive_manifest(ctx, flow, project, report, today))
    await ctx.db_call(_finish, ctx, collection_id)
    log.info(
        "archive.project",
        collection_id=collection_id,
        project_id=project.project_id,
        archived=sum(o.outcome in ("archived", "already_archived") for o in report.outcomes),
        failed=len(report.failed),
    )
    return report


async def _make_folder(ctx: SyncContext, flow: ArchiveFlow, project: Project) -> str:
    title = flow.folder_template.format(
        title=project.title, project_id=project.project_id, collection_id=project.collection_id
    ).strip()
    try:
        folder = await ctx.ol.create_folder(title, parent_record_id=flow.root_folder)
    except NotFoundError:
        raise ArchiveError(
            f"flows.archive.root_folder {flow.root_folder!r}: no such Orange Logic folder"
        ) from None
    await ctx.db_call(_set_folder, ctx, project.collection_id, folder.record_id, title)
    return folder.record_id


async def _archive_one(
    ctx: SyncContext, flow: ArchiveFlow, project: Project, folder: str, c: Candidate, today: str
) -> AssetOutcome:
    cid = project.collection_id
    if c.excluded:
        return AssetOutcome(c.asset_id, "excluded", error=c.excluded)
    file_name = c.file.original_name or c.file.name or c.file.id if c.file else None
    item = await ctx.db_call(
        _begin_item, ctx, cid, c.asset_id, "asset", c.file.id if c.file else None, file_name
    )
    if item.status == "done":
        return AssetOutcome(c.asset_id, "already_archived", file_name, item.record_id)
    mismatches = int((item.details or {}).get("mismatches", 0))
    if c.error or c.file is None or mismatches >= MAX_MISMATCHES:
        error = c.error or item.error or "no file"
        await ctx.db_call(_fail, ctx, cid, c.asset_id, f"iconik asset {c.asset_id} ({c.title}): {error}")
        return AssetOutcome(c.asset_id, "failed", file_name, error=error)
    assert file_name is not None
    try:
        copied = await copy_to_orangelogic(
            ctx,
            asset_id=c.asset_id,
            file_id=c.file.id,
            file_name=file_name,
            folder=folder,
            fields=asset_fields(flow, project, c.asset_id, today),
            key=f"archive:{cid}:{c.asset_id}:{c.file.id}:{mismatches}",
            multipart_threshold=flow.multipart_threshold,
            chunk_size=flow.chunk_size,
        )
        served = await hash_stream(ctx.ol.original_reader(copied.record_id).chunks())
    except AssetBridgeError as exc:
        await ctx.db_call(_fail, ctx, cid, c.asset_id, str(exc))
        log.warning("archive.asset_failed", collection_id=cid, asset_id=c.asset_id, error=str(exc))
        return AssetOutcome(c.asset_id, "failed", file_name, error=str(exc))
    attestation = Attestation(
        algorithm=ALGORITHM,
        size=copied.size,
        served_size=served[0],
        iconik_checksum=copied.iconik_checksum,
        streamed_md5=copied.md5,
        streamed_sha256=copied.sha256,
        served_md5=served[1],
        served_sha256=served[2],
        at=utcnow(),
    )
    return await _record(
        ctx, project, c.asset_id, file_name, copied.record_id, copied.system_identifier, attestation
    )


async def _record(
    ctx: SyncContext,
    project: Project,
    asset_id: str,
    file_name: str,
    record_id: str,
    system_identifier: str,
    attestation: Attestation,
) -> AssetOutcome:
    problems = compare(attestation)
    error = None
    if problems:
        error = f"checksum mismatch for iconik asset {asset_id} ({file_name}) → {record_id}: " + "; ".join(
            problems
        )
        log.error("archive.mismatch", collection_id=project.collection_id, asset_id=asset_id, error=error)
    await ctx.db_call(_attest, ctx, project, asset_id, record_id, system_identifier, attestation, error)
    outcome: Outcome = "failed" if error else "archived"
    return AssetOutcome(asset_id, outcome, file_name, record_id, error, attestation)


def manifest_bytes(
    project: Project, folder_record_id: str, items: Sequence[ArchiveItem], excluded: Sequence[AssetOutcome]
) -> bytes:
    """The project's metadata and its archived assets with their attestations (deterministic JSON, built
    from the stored rows so a resumed run writes the same document)."""
    assets = [
        {
            "iconik_asset_id": i.asset_id,
            "iconik_file_id": i.file_id,
            "file_name": i.file_name,
            "orangelogic_record_id": i.record_id,
            "orangelogic_system_identifier": i.system_identifier,
            "attestation": {
                "algorithm": i.algorithm,
                "size": i.size,
                "served_size": i.served_size,
                "iconik_checksum": i.iconik_checksum,
                "streamed_md5": i.streamed_md5,
                "streamed_sha256": i.streamed_sha256,
                "served_md5": i.served_md5,
                "served_sha256": i.served_sha256,
                "at": i.attested_at.isoformat() if i.attested_at else None,
            },
        }
        for i in sorted(items, key=lambda i: i.asset_id)
        if i.kind == "asset" and i.status == "done"
    ]
    document = {
        "project": {
            "iconik_collection_id": project.collection_id,
            "title": project.title,
            "project_id": project.project_id,
            "metadata": {k: v for k, v in sorted(project.values.items())},
        },
        "orangelogic_folder_record_id": folder_record_id,
        "assets": assets,
        "not_archived": sorted(
            ({"iconik_asset_id": o.asset_id, "reason": o.error} for o in excluded), key=str
        ),
    }
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True, default=str).encode()


async def _archive_manifest(
    ctx: SyncContext, flow: ArchiveFlow, project: Project, report: ArchiveReport, today: str
) -> AssetOutcome:
    cid = project.collection_id
    name = f"{project.project_id}-manifest.json"
    folder = report.folder_record_id
    assert folder is not None
    item = await ctx.db_call(_begin_item, ctx, cid, MANIFEST, "manifest", None, name)
    if item.status == "done":
        return AssetOutcome(MANIFEST, "already_archived", name, item.record_id)
    items = await ctx.db_call(_items, ctx, cid)
    excluded = [o for o in report.outcomes if o.outcome == "excluded"]
    data = manifest_bytes(project, folder, items, excluded)
    size, md5, sha256 = await hash_stream(_one(data))
    started = (item.details or {}).get("upload_started")
    try:
        result = await _manifest_sent(ctx, name, folder, started) if started else None
        if result is None:
            await ctx.db_call(_note, ctx, cid, MANIFEST, {"upload_started": utcnow().isoformat()})
            result = await ctx.ol.uploads.upload_stream(
                lambda: _one(data),
                size,
                file_name=name,
                folder_record_id=folder,
                metadata=asset_fields(flow, project, MANIFEST, today),
            )
        record_id = result.record_id or ""
        served = await hash_stream(ctx.ol.original_reader(record_id).chunks())
    except AssetBridgeError as exc:
        await ctx.db_call(_fail, ctx, cid, MANIFEST, f"project manifest {name}: {exc}")
        return AssetOutcome(MANIFEST, "failed", name, error=str(exc))
    attestation = Attestation(ALGORITHM, size, served[0], None, md5, sha256, served[1], served[2], utcnow())
    return await _record(ctx, project, MANIFEST, name, record_id, result.system_identifier or "", attestation)


async def _manifest_sent(ctx: SyncContext, name: str, folder: str, started: str) -> UploadResult | None:
    """The manifest an interrupted run may have uploaded (same name and folder, created since then)."""
    try:
        return await ctx.ol.uploads.find_uploaded(name, folder, since=datetime.fromisoformat(started))
    except ValueError:
        return None


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def verify_project(ctx: SyncContext, name: str) -> tuple[ArchiveProject, list[VerifyOutcome]]:
    """Read every archived file back from Orange Logic and compare it with its attestation."""
    found = await ctx.db_call(_find, ctx, name)
    if found is None:
        raise ArchiveError(f"no archived project {name!r} (give a collection id, project id or title)")
    project, items = found
    outcomes: list[VerifyOutcome] = []
    for item in items:
        outcomes.append(await _verify_item(ctx, item))
    await ctx.db_call(_audit_verify, ctx, project.collection_id, outcomes)
    return project, outcomes


async def _verify_item(ctx: SyncContext, item: ArchiveItem) -> VerifyOutcome:
    if item.status != "done" or not item.record_id:
        return VerifyOutcome(
            item.asset_id, item.record_id, False, f"not archived: {item.error or item.status}"
        )
    try:
        size, md5, sha256 = await hash_stream(ctx.ol.original_reader(item.record_id).chunks())
    except AssetBridgeError as exc:
        return VerifyOutcome(item.asset_id, item.record_id, False, f"cannot read it from Orange Logic: {exc}")
    problems = []
    if size != item.served_size:
        problems.append(f"size: attested {item.served_size}, now {size}")
    if md5 != item.served_md5:
        problems.append(f"md5: attested {item.served_md5}, now {md5}")
    if sha256 != item.served_sha256:
        problems.append(f"sha256: attested {item.served_sha256}, now {sha256}")
    return VerifyOutcome(item.asset_id, item.record_id, not problems, "; ".join(problems) or None)


# State functions (run off the event loop through ctx.db_call).


def _projects(ctx: SyncContext) -> list[ArchiveProject]:
    with ctx.db.unit_of_work() as uow:
        return list(ArchivesRepo(uow.session).projects())


def _start(ctx: SyncContext, project: Project) -> ArchiveProject:
    with ctx.db.unit_of_work() as uow:
        return ArchivesRepo(uow.session).start_project(
            project.collection_id, project_id=project.project_id, title=project.title
        )


def _set_folder(ctx: SyncContext, collection_id: str, record_id: str, title: str) -> None:
    with ctx.db.unit_of_work() as uow:
        ArchivesRepo(uow.session).set_folder(collection_id, record_id, title)


def _finish(ctx: SyncContext, collection_id: str) -> None:
    with ctx.db.unit_of_work() as uow:
        ArchivesRepo(uow.session).finish_project(collection_id)


def _begin_item(
    ctx: SyncContext, collection_id: str, asset_id: str, kind: str, file_id: str | None, file_name: str | None
) -> ArchiveItem:
    with ctx.db.unit_of_work() as uow:
        return ArchivesRepo(uow.session).begin_item(
            collection_id, asset_id, kind=kind, file_id=file_id, file_name=file_name
        )


def _fail(ctx: SyncContext, collection_id: str, asset_id: str, error: str) -> None:
    with ctx.db.unit_of_work() as uow:
        ArchivesRepo(uow.session).fail_item(collection_id, asset_id, error)
        uow.audit.record(
            "archive_failed",
            system="orangelogic",
            flow=FLOW,
            reason=error,
            details={"collection_id": collection_id, "asset_id": asset_id},
        )


def _attest(
    ctx: SyncContext,
    project: Project,
    asset_id: str,
    record_id: str,
    system_identifier: str,
    attestation: Attestation,
    error: str | None,
) -> None:
    cid = project.collection_id
    with ctx.db.unit_of_work() as uow:
        repo = ArchivesRepo(uow.session)
        repo.attest(
            cid,
            asset_id,
            record_id=record_id,
            system_identifier=system_identifier,
            attestation=attestation,
            ok=error is None,
            error=error,
        )
        details = {
            "collection_id": cid,
            "project_id": project.project_id,
            "asset_id": asset_id,
            "record_id": record_id,
            "system_identifier": system_identifier,
            **attestation.as_dict(),
            "iconik_md5_compared": iconik_md5(attestation) is not None,
        }
        if error is not None:
            item = repo.item(cid, asset_id)
            mismatches = int(((item and item.details) or {}).get("mismatches", 0)) + 1
            repo.note(cid, asset_id, {"mismatches": mismatches, "upload_started": None})
        uow.audit.record(
            "archive_mismatch" if error else "archive_attested",
            system="orangelogic",
            flow=FLOW,
            reason=error or "iconik, streamed and served checksums agree",
            details=details,
        )
        if error is None:
            uow.lineage.record(
                "archived",
                flow=FLOW,
                record_id=record_id,
                system_identifier=system_identifier,
                asset_id=None if asset_id == MANIFEST else asset_id,
                related_kind="collection",
                related_id=cid,
                event_ref=f"archive:{cid}:{asset_id}",
                details=details,
            )


def _items(ctx: SyncContext, collection_id: str) -> list[ArchiveItem]:
    with ctx.db.unit_of_work() as uow:
        return list(ArchivesRepo(uow.session).items(collection_id))


def _note(ctx: SyncContext, collection_id: str, asset_id: str, details: Mapping[str, Any]) -> None:
    with ctx.db.unit_of_work() as uow:
        ArchivesRepo(uow.session).note(collection_id, asset_id, details)


def _find(ctx: SyncContext, name: str) -> tuple[ArchiveProject, list[ArchiveItem]] | None:
    with ctx.db.unit_of_work() as uow:
        repo = ArchivesRepo(uow.session)
        project = repo.find_project(name)
        if project is None:
            return None
        return project, list(repo.items(project.collection_id))


def _audit_verify(ctx: SyncContext, collection_id: str, outcomes: list[VerifyOutcome]) -> None:
    with ctx.db.unit_of_work() as uow:
        for o in outcomes:
            uow.audit.record(
                "archive_verified" if o.ok else "archive_verify_failed",
                system="orangelogic",
                flow=FLOW,
                reason=o.problem or "Orange Logic still serves the attested bytes",
                details={"collection_id": collection_id, "asset_id": o.asset_id, "record_id": o.record_id},
            )
    log.info("archive.verified", collection_id=collection_id, checked=len(outcomes))
