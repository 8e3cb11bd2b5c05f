"""Orange Logic emulator: loading a generated catalog with ``seed_orangelogic``, checked over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from assetbridge_sandbox.orangelogic.seed import seed_orangelogic
from assetbridge_sandbox.seed import generate_catalog


def test_seeding_a_small_catalog(sandbox: Any, tmp_path: Path) -> None:
    catalog = generate_catalog(7, 6, tmp_path / "media", media_mode="synthetic")
    loaded = seed_orangelogic(sandbox.orangelogic, catalog)
    assert set(loaded) == {a.key for a in catalog.assets}
    token = sandbox.config.orangelogic.static_bearer_token
    with httpx.Client(
        base_url=sandbox.urls["orangelogic"], headers={"Authorization": f"Bearer {token}"}, timeout=10
    ) as ol:
        body = ol.post(
            "/API/Search/v4.0/Search",
            data={
                "query": "NOT MediaType:Story",
                "format": "json",
                "countperpage": "100",
                "fields": "SystemIdentifier,Title,MediaType,ParentFolderTitle,Path,Language,RightsStatus",
            },
        ).json()
        assert body["APIResponse"]["GlobalInfo"]["TotalCount"] == 6
        by_id = {item["SystemIdentifier"]: item for item in body["APIResponse"]["Items"]}
        for asset in catalog.assets:
            record = loaded[asset.key]
            item = by_id[record.identifier]
            assert item["Title"] == asset.title and item["MediaType"] == asset.kind
            assert item["ParentFolderTitle"] == asset.folder.rsplit("/", 1)[-1]
            assert item["Path"] == f"Root/{asset.folder}"
            assert item["Language"] == {"Value": asset.language}
            assert item["RightsStatus"] == {"Value": asset.rights.status}
            fields = ol.post(
                "/API/DataTable/v2.2/Documents.All:Read",
                data={"RecordID": record.record_id, "format": "json"},
            ).json()["Response"][0]
            assert fields["AB.Campaign"] == asset.campaign and fields["AB.Status"] == asset.status
            assert fields["AB.Territories"] == "|".join(asset.rights.territories)
            assert fields["CoreField.CreateDate"] == asset.created.strftime("%Y-%m-%dT%H:%M:%S")
            if asset.rights.end is not None:
                assert fields["AB.Rights-end"] == asset.rights.end.strftime("%Y-%m-%dT%H:%M:%S")
            original = ol.get("/htm/GetDocumentAPI.aspx", params={"F": "TRX", "DocID": record.record_id})
            assert original.content == asset.media_path.read_bytes()
        folders = ol.post(
            "/API/Search/v4.0/Search", data={"query": "MediaType:Story", "format": "json", "fields": "Title"}
        ).json()
        titles = {i["Title"] for i in folders["APIResponse"]["Items"]}
        assert "Brand" in titles and {a.campaign for a in catalog.assets} <= titles
