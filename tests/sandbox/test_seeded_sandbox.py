"""A sandbox started with a catalog: both emulators hold the seeded data, reachable over their APIs."""

from __future__ import annotations

from typing import Any

import httpx
from tests.conftest import iconik_client

from assetbridge_sandbox.server import SandboxServer


def _ol_token(server: SandboxServer) -> str:
    info = server.info()["orangelogic"]
    response = httpx.post(
        info["base_url"] + "/webapi/security/clientcredentialsauthentication/authenticate_46H_v1",
        data={
            "grant_type": "client_credentials",
            "client_id": info["client_id"],
            "client_secret": info["client_secret"],
        },
        timeout=10,
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def test_seeded_catalog_is_in_both_systems(sandbox_factory: Any) -> None:
    server: SandboxServer = sandbox_factory(catalog_size=12, media="synthetic")
    assert server.info()["seeded"] == {"media": "synthetic", "orangelogic_assets": 12, "iconik_assets": 2}

    ol = server.info()["orangelogic"]
    search = httpx.post(
        ol["base_url"] + "/API/Search/v4.0/Search",
        data={
            "query": "DocType:Video",
            "fields": "Title,SystemIdentifier",
            "format": "json",
            "countperpage": "50",
        },
        headers={"Authorization": f"Bearer {_ol_token(server)}"},
        timeout=10,
    )
    assert search.status_code == 200, search.text
    body = search.json()
    assert body["APIResponse"]["GlobalInfo"]["TotalCount"] == 6  # every other seeded asset is a video
    assert all(item["SystemIdentifier"].startswith("ABR") for item in body["APIResponse"]["Items"])

    with iconik_client(server) as iconik:
        views = iconik.get("/API/metadata/v1/views/").json()["objects"]
        assert {v["name"] for v in views} >= {"AssetBridge", "AssetBridge Project"}
        field = iconik.get("/API/metadata/v1/fields/rights_status/").json()
        assert {o["value"] for o in field["options"]} == {"Approved", "Pending", "Withdrawn"}
        assets = iconik.get("/API/assets/v1/assets/", params={"per_page": 100}).json()["objects"]
        assert len(assets) == 2
        statuses = {
            iconik.get(f"/API/assets/v1/assets/{a['id']}/approvals/request/").json().get("status")
            for a in assets
        }
        assert statuses <= {"APPROVED", "REQUESTED", "NOT_APPROVED", "N/A"} and "APPROVED" in statuses
        files = iconik.get(f"/API/files/v1/assets/{assets[0]['id']}/files/").json()["objects"]
        assert files and files[0]["status"] == "CLOSED" and files[0]["size"] > 0
        projects = iconik.get("/API/assets/v1/collections/").json()["objects"]
        assert len(projects) == 2
