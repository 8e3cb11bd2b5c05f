"""What a revoke removes from iconik and how a re-grant undoes it (see ``engine.rights``).

A revoke is planned first (what it will remove, observed in iconik), the plan is stored, then applied. An
attempt interrupted half-way (a transient failure after some collections were left) is retried with the
stored plan merged in, so the re-grant still knows every collection and the flag's value from before.
"""

from __future__ import annotations

from typing import Any

from assetbridge.config.flows_rights import RightsFlow
from assetbridge.connectors.iconik.requests import MetadataWrite
from assetbridge.engine.context import SyncContext
from assetbridge.errors import ConfigError, NotFoundError


def _merge_ids(first: list[Any], second: list[Any]) -> list[Any]:
    return list(dict.fromkeys([*first, *second]))


async def plan_revoke(
    ctx: SyncContext, model: RightsFlow, asset_id: str, pending: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What revoking ``asset_id`` removes now, merged with ``pending`` (a plan an earlier attempt stored)."""
    iconik = ctx.iconik
    pending = pending or {}
    if model.action == "unshare":
        asset = await iconik.get_asset(asset_id, include_collections=True)
        current = list(asset.in_collections or [])
        wanted = set(model.shared_collections)
        targets = [c for c in current if c in wanted] if wanted else current
        shares = [
            {"id": s.id, "title": s.title, "expires": s.expires}
            async for s in iconik.iter_shares("assets", asset_id)
        ]
        known = {str(s.get("id")) for s in shares}
        earlier = [
            s for s in pending.get("shares", []) if isinstance(s, dict) and str(s.get("id")) not in known
        ]
        return {
            "collections": _merge_ids(list(pending.get("collections", [])), targets),
            "shares": [*earlier, *shares],
        }
    if model.action == "restrict":
        assert model.restrict is not None
        stored = pending.get("restrict")
        if isinstance(stored, dict) and stored.get("field") == model.restrict.field:
            return {"restrict": stored}
        view_id = (await ctx.schema()).view_id
        metadata = await iconik.get_metadata("assets", asset_id, view_id)
        field = metadata.metadata_values.get(model.restrict.field)
        before = [v.get("value") for v in field.field_values] if field is not None else []
        return {"restrict": {"field": model.restrict.field, "before": before, "set": model.restrict.value}}
    if model.action == "delete_proxy":
        proxies = [p.id async for p in iconik.iter_proxies(asset_id)]
        return {"proxies": _merge_ids(list(pending.get("proxies", [])), proxies)}
    return {"asset_deleted": True}


async def apply_revoke(ctx: SyncContext, model: RightsFlow, asset_id: str, plan: dict[str, Any]) -> None:
    """Remove what ``plan`` lists; something already gone counts as removed."""
    iconik = ctx.iconik
    try:
        if model.action == "restrict":
            restrict = plan["restrict"]
            view_id = (await ctx.schema()).view_id
            write = MetadataWrite.of({str(restrict["field"]): [restrict["set"]]})
            await iconik.put_metadata("assets", asset_id, view_id, write)
        elif model.action == "delete_asset":
            await iconik.delete_asset(asset_id)
    except NotFoundError:
        return
    for collection_id in plan.get("collections", []):
        try:
            await iconik.remove_from_collection(str(collection_id), asset_id)
        except NotFoundError:
            continue
    for share in plan.get("shares", []):
        try:
            await iconik.delete_share("assets", asset_id, str(share["id"]))
        except NotFoundError:
            continue
    for proxy_id in plan.get("proxies", []):
        try:
            await iconik.delete_proxy(asset_id, str(proxy_id))
        except NotFoundError:
            continue


async def regrant(ctx: SyncContext, asset_id: str, removed: dict[str, Any]) -> list[str]:
    """Undo what a revoke removed, as far as iconik allows; returns notes for the audit log."""
    iconik = ctx.iconik
    notes: list[str] = []
    if removed.get("asset_deleted"):
        try:
            await iconik.restore_asset(asset_id)
            notes.append("asset restored from the delete queue")
        except NotFoundError:
            notes.append("asset no longer in the delete queue: not restored")
    for collection_id in removed.get("collections", []):
        try:
            await iconik.add_to_collection(str(collection_id), asset_id)
        except NotFoundError:
            notes.append(f"collection {collection_id} no longer exists")
            continue
        notes.append(f"back in collection {collection_id}")
    if removed.get("shares"):
        ids = ", ".join(str(s.get("id")) for s in removed["shares"])
        notes.append(f"deleted shares are not restored (ids {ids}): share again if needed")
    restrict = removed.get("restrict")
    if isinstance(restrict, dict):
        view_id = (await ctx.schema()).view_id
        write = MetadataWrite.of({str(restrict["field"]): list(restrict.get("before") or [])})
        await iconik.put_metadata("assets", asset_id, view_id, write)
        notes.append(f"{restrict['field']} set back to {restrict.get('before')!r}")
    if removed.get("proxies"):
        notes.append("deleted proxies are not restored: the publish flow re-creates media")
    return notes


def check_restrict_field(ctx: SyncContext, model: RightsFlow) -> None:
    """The restrict flag must not be a synced field: the metadata sync would carry it to Orange Logic."""
    assert model.restrict is not None
    name = model.restrict.field
    synced = [spec.name for spec in ctx.field_map.fields if spec.iconik_metadata_field == name]
    if synced:
        raise ConfigError(
            f"iconik field {name!r} is synced by field_map.fields.{synced[0]}; the restrict flag needs a "
            "field the metadata sync does not carry",
            key="flows.rights.restrict.field",
        )
