"""Each revoke action and its re-grant, on pairs linked by a metadata sync pass (SQLite and PostgreSQL):
what iconik holds after ``enforce_record``, the state row, the audit rows, and a second evaluation that
changes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest
from tests.integration.test_sync_engine import Bench, linked, make_loaded

from assetbridge.connectors.iconik.requests import ProxyCreate
from assetbridge.connectors.orangelogic.datatable import set_value
from assetbridge.engine.context import OL_MODEL, SyncContext, open_context
from assetbridge.engine.rights import Enforcement, enforce_record
from assetbridge.errors import ApiError, ConfigError
from assetbridge.state.repositories.rights import RightsRepo

T = TypeVar("T")


def with_rights(**rights: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        document["flows"]["rights"] = {**document["flows"]["rights"], "enabled": True, **rights}

    return change


def make_bench(sandbox_factory: Any, tmp_path: Path, state_url: str, **rights: Any) -> Bench:
    server = sandbox_factory(catalog_size=8, media="synthetic")
    return Bench(server, make_loaded(tmp_path, server, state_url, with_rights(**rights)))


def in_context(bench: Bench, work: Callable[[SyncContext], Coroutine[Any, Any, T]]) -> T:
    async def go() -> T:
        async with open_context(bench.loaded) as ctx:
            return await work(ctx)

    return asyncio.run(go())


def approved_pair(bench: Bench) -> tuple[str, str, str]:
    """(RecordID, identifier, iconik asset id) of a synced record whose rights are open now."""
    report = bench.sync()
    assert report.ok, report.to_dict()
    pairs = linked(bench, report)
    snapshot = bench.ol_snapshot()
    for record_id, asset_id in sorted(pairs.items()):
        result = in_context(bench, lambda ctx, r=record_id: enforce_record(ctx, r))  # type: ignore[misc]
        if result.decision is not None and result.decision.allowed:
            return record_id, snapshot[record_id]["SystemIdentifier"], asset_id
    raise AssertionError("the seeded catalog has no record with open rights")


def set_status(bench: Bench, identifier: str, status: str) -> None:
    async def write(ctx: SyncContext) -> None:
        await ctx.ol.datatable.update(
            OL_MODEL, {"CoreField.Identifier": identifier}, [set_value("AB.Usage-rights-status", status)]
        )

    in_context(bench, write)


def enforce(bench: Bench, record_id: str) -> Enforcement:
    return in_context(bench, lambda ctx: enforce_record(ctx, record_id))


def audit_count(bench: Bench) -> int:
    db = bench_db(bench)
    try:
        with db.unit_of_work() as uow:
            return sum(
                uow.audit.count(action=a) for a in ("rights_revoked", "rights_granted", "rights_decided")
            )
    finally:
        db.dispose()


def bench_db(bench: Bench) -> Any:
    from assetbridge.state import Database

    return Database(bench.loaded.state_url)


def state_row(bench: Bench, record_id: str) -> dict[str, Any]:
    db = bench_db(bench)
    try:
        with db.session() as session:
            row = RightsRepo(session).get(record_id)
            assert row is not None
            return {
                "access": row.access,
                "removed": row.removed,
                "since": row.since,
                "values": row.rights_values,
            }
    finally:
        db.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def state_url(request: Any, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def test_restrict_sets_the_flag_and_regrant_restores_the_previous_value(
    sandbox_factory: Any, tmp_path: Path, state_url: str
) -> None:
    bench = make_bench(
        sandbox_factory,
        tmp_path,
        state_url,
        action="restrict",
        restrict={"field": "description", "value": "RIGHTS EXPIRED"},
    )
    try:
        record_id, identifier, asset_id = approved_pair(bench)
        bench.put_metadata(asset_id, "description", ["Hero shot"])
        set_status(bench, identifier, "Withdrawn")
        assert enforce(bench, record_id).outcome == "revoked"
        assert bench.metadata(asset_id)["description"] == ["RIGHTS EXPIRED"]
        row = state_row(bench, record_id)
        assert row["access"] == "revoked"
        assert row["removed"] == {
            "restrict": {"field": "description", "before": ["Hero shot"], "set": "RIGHTS EXPIRED"}
        }
        assert row["values"]["AB.Usage-rights-status"] == "Withdrawn"

        rows, events = audit_count(bench), bench.mark()
        assert enforce(bench, record_id).outcome == "unchanged"
        assert (audit_count(bench), bench.iconik_writes(events)) == (rows, []), (
            "a second evaluation writes nothing"
        )

        set_status(bench, identifier, "Approved")
        assert enforce(bench, record_id).outcome == "granted"
        assert bench.metadata(asset_id)["description"] == ["Hero shot"]
        assert state_row(bench, record_id)["access"] == "granted"
    finally:
        bench.close()


def test_delete_proxy_and_delete_asset(sandbox_factory: Any, tmp_path: Path) -> None:
    bench = make_bench(sandbox_factory, tmp_path, f"sqlite:///{tmp_path / 'state.db'}", action="delete_proxy")
    try:
        record_id, identifier, asset_id = approved_pair(bench)
        proxy = in_context(
            bench, lambda ctx: ctx.iconik.create_proxy(asset_id, ProxyCreate(name="proxy.mp4"))
        )
        set_status(bench, identifier, "Withdrawn")
        assert enforce(bench, record_id).outcome == "revoked"
        assert bench.iconik.get(f"/API/files/v1/assets/{asset_id}/proxies/").json()["objects"] == []
        assert state_row(bench, record_id)["removed"] == {"proxies": [proxy.id]}
        set_status(bench, identifier, "Approved")
        granted = enforce(bench, record_id)
        assert granted.outcome == "granted"
        assert state_row(bench, record_id)["removed"]["regranted"] == [
            "deleted proxies are not restored: the publish flow re-creates media"
        ]
    finally:
        bench.close()

    second = tmp_path / "second"
    second.mkdir()
    bench = make_bench(sandbox_factory, second, f"sqlite:///{second / 'state.db'}", action="delete_asset")
    try:
        record_id, identifier, asset_id = approved_pair(bench)
        set_status(bench, identifier, "Withdrawn")
        assert enforce(bench, record_id).outcome == "revoked"
        assert bench.iconik.get(f"/API/assets/v1/assets/{asset_id}/").json()["status"] == "DELETED"
        queued = bench.iconik.get("/API/assets/v1/delete_queue/assets/").json()["objects"]
        assert asset_id in [q.get("object_id", q.get("id")) for q in queued]
        set_status(bench, identifier, "Approved")
        assert enforce(bench, record_id).outcome == "granted"
        assert bench.iconik.get(f"/API/assets/v1/assets/{asset_id}/").json()["status"] == "ACTIVE"
    finally:
        bench.close()


def test_a_restrict_flag_that_is_a_synced_field_is_refused(sandbox_factory: Any, tmp_path: Path) -> None:
    bench = make_bench(
        sandbox_factory,
        tmp_path,
        f"sqlite:///{tmp_path / 'state.db'}",
        action="restrict",
        restrict={"field": "usage_restrictions", "value": "Rights expired"},
    )
    try:
        report = bench.sync()
        for record_id, asset_id in sorted(linked(bench, report).items()):
            with pytest.raises(ConfigError, match=r"synced by field_map\.fields\.usage_restrictions"):
                enforce(bench, record_id)
            assert bench.metadata(asset_id).get("usage_restrictions") != ["Rights expired"]
        assert audit_count(bench) == 0
    finally:
        bench.close()


def test_a_record_deleted_in_orange_logic_fails_closed(sandbox_factory: Any, tmp_path: Path) -> None:
    bench = make_bench(sandbox_factory, tmp_path, f"sqlite:///{tmp_path / 'state.db'}", action="unshare")
    try:
        record_id, identifier, asset_id = approved_pair(bench)
        in_context(bench, lambda ctx: ctx.ol.datatable.delete(OL_MODEL, {"CoreField.Identifier": identifier}))
        result = enforce(bench, record_id)
        assert result.outcome == "revoked"
        assert result.decision is not None and result.decision.doubtful
        assert result.decision.reason == f"Orange Logic record {record_id} not found: no rights to go on"
        assert state_row(bench, record_id)["access"] == "revoked"
        assert enforce(bench, record_id).outcome == "unchanged"
        assert bench.iconik.get(f"/API/assets/v1/assets/{asset_id}/").json()["status"] == "ACTIVE"
    finally:
        bench.close()


def test_a_revoke_interrupted_half_way_is_completed_and_fully_undone(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    bench = make_bench(sandbox_factory, tmp_path, f"sqlite:///{tmp_path / 'state.db'}", action="unshare")
    try:
        record_id, identifier, asset_id = approved_pair(bench)
        collections = []
        for title in ("First", "Second"):
            created = bench.iconik.post("/API/assets/v1/collections/", json={"title": title})
            assert created.status_code == 201, created.text
            collections.append(created.json()["id"])
            body = {"object_id": asset_id, "object_type": "assets"}
            added = bench.iconik.post(f"/API/assets/v1/collections/{collections[-1]}/contents/", json=body)
            assert added.status_code in (200, 201), added.text
        set_status(bench, identifier, "Withdrawn")
        # the second removal is refused once: the revoke stops after leaving the first collection
        rule = {
            "kind": "status",
            "status": 403,
            "method": "DELETE",
            "path": f"{collections[1]}/contents/",
            "count": 1,
        }
        bench.iconik.put("/_sandbox/faults", json={"rules": [rule]}).raise_for_status()
        with pytest.raises(ApiError):
            enforce(bench, record_id)
        assert state_row(bench, record_id)["access"] == "granted"
        assert state_row(bench, record_id)["removed"]["pending"]["collections"] == collections

        assert enforce(bench, record_id).outcome == "revoked"
        assert sorted(state_row(bench, record_id)["removed"]["collections"]) == sorted(collections)
        asset = bench.iconik.get(f"/API/assets/v1/assets/{asset_id}/", params={"include_collections": "true"})
        assert asset.json()["in_collections"] == []

        set_status(bench, identifier, "Approved")
        assert enforce(bench, record_id).outcome == "granted"
        asset = bench.iconik.get(f"/API/assets/v1/assets/{asset_id}/", params={"include_collections": "true"})
        assert sorted(asset.json()["in_collections"]) == sorted(collections)
    finally:
        bench.close()
