"""The approval bridge: an Orange Logic review decision shown in iconik.

``bridge_decision(ctx, record_id)`` reads the record's review status (and the reviewer's comment) and,
when it is one of the configured approved/rejected values, writes the decision to each hand-off of that
record still ``pending_review``: the version's approval status (only while it is the asset's current
version: iconik's decision endpoint writes the current one), the mapped metadata fields, and the comment
as a COMMENT segment on the version. The row moves to ``approved``/``rejected`` with the status written,
an audit row and an ``approved``/``rejected`` lineage event, in one unit of work.

Re-running after a crash repeats only idempotent writes: the approval and metadata PUTs overwrite, and a
comment segment with the same text already on the version is not posted again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

from assetbridge.config.flows_review import ReviewFlow
from assetbridge.connectors.iconik.requests import ApprovalDecision, MetadataWrite, SegmentCreate
from assetbridge.engine.context import OL_MODEL, SyncContext
from assetbridge.engine.review import FLOW
from assetbridge.errors import ApiError, NotFoundError, TransientError
from assetbridge.state import Database
from assetbridge.state.repositories.reviews import ReviewRepo
from assetbridge.state.types import utcnow

log = logging.getLogger(__name__)

Decision = Literal["approved", "rejected"]


@dataclass(frozen=True)
class DecisionResult:
    record_id: str
    asset_id: str
    version_id: str
    outcome: Literal["approved", "rejected", "pending", "failed"]
    ol_status: str | None = None
    comment: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class _Pending:
    id: int
    asset_id: str
    version_id: str
    system_identifier: str
    ol_status: str | None


def decision_of(model: ReviewFlow, status: str | None) -> Decision | None:
    if status in model.approved_values:
        return "approved"
    if status in model.rejected_values:
        return "rejected"
    return None


def _pending(db: Database, record_id: str) -> list[_Pending]:
    with db.session() as session:
        return [
            _Pending(r.id, r.asset_id, r.version_id, r.system_identifier or "", r.ol_status)
            for r in ReviewRepo(session).pending_for_record(record_id)
        ]


def _note_status(db: Database, handoff_id: int, status: str | None) -> None:
    with db.unit_of_work() as uow:
        repo = ReviewRepo(uow.session)
        row = repo.by_id(handoff_id)
        if row is not None and row.status == "pending_review":
            repo.set_status(row, "pending_review", ol_status=status)


def _record_decision(
    db: Database,
    handoff_id: int,
    decision: Decision,
    status: str,
    comment: str | None,
    written: str | None,
    notes: list[str],
    event_id: str | None,
) -> None:
    with db.unit_of_work() as uow:
        repo = ReviewRepo(uow.session)
        row = repo.by_id(handoff_id)
        if row is None or row.status != "pending_review":
            return
        repo.set_status(
            row,
            decision,
            ol_status=status,
            comment=comment,
            written_status=written,
            decided_at=utcnow(),
            details={**(row.details or {}), "bridge_notes": notes},
        )
        link = uow.links.get(row.link_id) if row.link_id is not None else None
        uow.audit.record(
            f"review_{decision}",
            link_id=row.link_id,
            system="iconik",
            before="pending_review",
            after={"ol_status": status, "approval_written": written},
            reason=comment or f"Orange Logic status {status!r}",
            event_id=event_id,
            flow=FLOW,
            details={
                "record_id": row.record_id,
                "asset_id": row.asset_id,
                "version_id": row.version_id,
                "comment": comment,
                "notes": notes,
            },
        )
        uow.lineage.record(
            decision,
            flow=FLOW,
            link=link,
            record_id=row.record_id,
            system_identifier=row.system_identifier,
            asset_id=row.asset_id,
            version_id=row.version_id,
            event_ref=event_id,
            details={"ol_status": status, "comment": comment},
        )


def _fail(db: Database, handoff_id: int, message: str, event_id: str | None) -> None:
    with db.unit_of_work() as uow:
        repo = ReviewRepo(uow.session)
        row = repo.by_id(handoff_id)
        if row is None:
            return
        repo.set_status(row, "failed", error=message)
        uow.audit.record(
            "review_failed",
            link_id=row.link_id,
            system="iconik",
            reason=message,
            event_id=event_id,
            flow=FLOW,
            details={"record_id": row.record_id, "asset_id": row.asset_id, "version_id": row.version_id},
        )


async def show_decision(
    ctx: SyncContext,
    model: ReviewFlow,
    asset_id: str,
    version_id: str,
    decision: Decision,
    status: str,
    comment: str | None,
) -> tuple[str | None, list[str]]:
    """Write the decision into iconik; returns the approval status written (None: not written) and notes."""
    iconik = ctx.iconik
    notes: list[str] = []
    written: str | None = None
    if model.iconik_approval:
        asset = await iconik.get_asset(asset_id)
        current = asset.default_version_id or (asset.versions[0].id if asset.versions else None)
        if current == version_id:
            request = ApprovalDecision(status="APPROVED" if decision == "approved" else "NOT_APPROVED")
            await iconik.set_approval("assets", asset_id, request)
            written = request.status
        else:
            notes.append(
                f"version {version_id} is no longer current ({current}): approval status not written"
            )
    values: dict[str, list[Any]] = {}
    if model.iconik_status_field is not None:
        values[model.iconik_status_field] = [model.iconik_status(status)]
    if model.iconik_comment_field is not None:
        values[model.iconik_comment_field] = [comment] if comment else []
    if values:
        view_id = (await ctx.schema()).view_id
        await iconik.put_metadata("assets", asset_id, view_id, MetadataWrite.of(values))
    if comment and model.comment_on_version:
        text = f"Orange Logic review: {status}. {comment}"
        existing = [
            s.segment_text
            async for s in iconik.iter_segments(asset_id, segment_type="COMMENT", version_id=version_id)
        ]
        if text not in existing:
            await iconik.create_segment(
                asset_id, SegmentCreate(segment_type="COMMENT", segment_text=text, version_id=version_id)
            )
        notes.append("comment posted on the version")
    return written, notes


async def bridge_decision(
    ctx: SyncContext, record_id: str, *, event_id: str | None = None
) -> list[DecisionResult]:
    """Bring the record's Orange Logic decision to iconik for each of its pending hand-offs."""
    model: ReviewFlow = ctx.loaded.config.flows.review
    pending = await ctx.db_call(_pending, ctx.db, record_id)
    if not model.enabled or not pending:
        return []
    try:
        asset = await ctx.ol.datatable.read_asset(pending[-1].system_identifier, OL_MODEL)
    except NotFoundError as error:
        message = f"Orange Logic record {record_id} is gone: {error.message}"
        for item in pending:
            await ctx.db_call(_fail, ctx.db, item.id, message, event_id)
        return [
            DecisionResult(record_id, p.asset_id, p.version_id, "failed", detail=message) for p in pending
        ]
    status = asset.value(model.status_field)
    comment = asset.value(model.comment_field) if model.comment_field else None
    decision = decision_of(model, status)
    results: list[DecisionResult] = []
    for item in pending:
        if decision is None:
            if item.ol_status != status:
                await ctx.db_call(_note_status, ctx.db, item.id, status)
            results.append(DecisionResult(record_id, item.asset_id, item.version_id, "pending", status))
            continue
        try:
            written, notes = await show_decision(
                ctx, model, item.asset_id, item.version_id, decision, status or "", comment
            )
        except TransientError:
            raise
        except ApiError as error:
            message = (
                f"decision {status!r} could not be shown on iconik asset {item.asset_id}: {error.message}"
            )
            await ctx.db_call(_fail, ctx.db, item.id, message, event_id)
            results.append(
                DecisionResult(record_id, item.asset_id, item.version_id, "failed", status, detail=message)
            )
            continue
        await ctx.db_call(
            _record_decision, ctx.db, item.id, decision, status or "", comment, written, notes, event_id
        )
        log.info("Orange Logic decision %s of %s shown on iconik asset %s", status, record_id, item.asset_id)
        results.append(DecisionResult(record_id, item.asset_id, item.version_id, decision, status, comment))
    return results
