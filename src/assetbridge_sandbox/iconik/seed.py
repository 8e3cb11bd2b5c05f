"""Seeding the iconik emulator: the metadata schema AssetBridge maps to, and the production side.

Seeding goes through the emulator's own HTTP API (in-process, bypassing fault injection and the rate
limit), so seeded objects are exactly what API calls would have made and every rule the API enforces
applies to them. Media files are attached with ``files_seed`` (a storage copy, as an upload would leave).

What is seeded:
- metadata fields for every canonical field AssetBridge syncs (campaign, language, format, rights,
  restrictions, Orange Logic identifiers, review and original-request status, retention), an asset view
  ``AssetBridge`` and a collection view ``AssetBridge Project``;
- two project collections (one ``Active``, one ``Completed``) holding the catalog's ``iconik_assets``,
  each with an ORIGINAL file and an approval state (APPROVED, REQUESTED, NOT_APPROVED or none).
"""

from __future__ import annotations

from typing import Any

import httpx

from assetbridge_sandbox.iconik.files_seed import attach_original
from assetbridge_sandbox.iconik.state import IconikState
from assetbridge_sandbox.seed import (
    CAMPAIGNS,
    CHANNELS,
    FORMATS,
    LANGUAGES,
    RIGHTS_STATUSES,
    TERRITORIES,
    Catalog,
)

ASSET_VIEW = "AssetBridge"
PROJECT_VIEW = "AssetBridge Project"


def _options(values: list[str]) -> list[dict[str, str]]:
    return [{"label": v, "value": v} for v in values]


FIELDS: list[dict[str, Any]] = [
    {"name": "description", "label": "Description", "field_type": "text"},
    {"name": "campaign", "label": "Campaign", "field_type": "string"},
    {"name": "language", "label": "Language", "field_type": "drop_down", "options": _options(LANGUAGES)},
    {
        "name": "media_format",
        "label": "Format",
        "field_type": "drop_down",
        "options": _options(sorted({f for fs in FORMATS.values() for f in fs})),
    },
    {"name": "keywords", "label": "Keywords", "field_type": "tag_cloud", "multi": True},
    {
        "name": "rights_status",
        "label": "Usage rights",
        "field_type": "drop_down",
        "options": _options(RIGHTS_STATUSES),
    },
    {"name": "rights_start", "label": "Rights start", "field_type": "date"},
    {"name": "rights_end", "label": "Rights end", "field_type": "date"},
    {
        "name": "territories",
        "label": "Territories",
        "field_type": "drop_down",
        "multi": True,
        "options": _options(TERRITORIES),
    },
    {
        "name": "channels",
        "label": "Channels",
        "field_type": "drop_down",
        "multi": True,
        "options": _options(CHANNELS),
    },
    {"name": "usage_restrictions", "label": "Usage restrictions", "field_type": "text"},
    {"name": "ol_record_id", "label": "Orange Logic RecordID", "field_type": "string"},
    {"name": "ol_system_identifier", "label": "Orange Logic identifier", "field_type": "string"},
    {
        "name": "review_status",
        "label": "Orange Logic review",
        "field_type": "drop_down",
        "options": _options(["Pending Review", "Approved", "Rejected"]),
    },
    {"name": "review_comment", "label": "Review comment", "field_type": "text"},
    {
        "name": "original_status",
        "label": "Original from Orange Logic",
        "field_type": "drop_down",
        "options": _options(["Not requested", "Requested", "Transferring", "Available", "Failed"]),
    },
    {
        "name": "project_status",
        "label": "Project status",
        "field_type": "drop_down",
        "options": _options(["Active", "Completed"]),
    },
    {"name": "project_id", "label": "Project ID", "field_type": "string"},
    {
        "name": "retention_period",
        "label": "Retention period",
        "field_type": "drop_down",
        "options": _options(["1 year", "3 years", "7 years", "Permanent"]),
    },
]
ASSET_VIEW_FIELDS = [
    "description",
    "campaign",
    "language",
    "media_format",
    "keywords",
    "rights_status",
    "rights_start",
    "rights_end",
    "territories",
    "channels",
    "usage_restrictions",
    "ol_record_id",
    "ol_system_identifier",
    "review_status",
    "review_comment",
    "original_status",
]
PROJECT_VIEW_FIELDS = ["project_status", "project_id", "retention_period", "campaign"]


class SeedError(RuntimeError):
    pass


async def _call(client: httpx.AsyncClient, method: str, path: str, body: Any = None) -> Any:
    response = await client.request(method, path, json=body)
    if response.status_code >= 300:
        raise SeedError(f"seeding iconik: {method} {path} -> {response.status_code}: {response.text[:300]}")
    return response.json() if response.content else None


async def seed_iconik(app: Any, state: IconikState, catalog: Catalog) -> dict[str, Any]:
    """Load the schema and the production side into the emulator app (the inner FastAPI app)."""
    limiter = app.state.limiter
    was_enabled = limiter.config.enabled
    limiter.config.enabled = False
    headers = {"App-ID": state.config.app_id, "Auth-Token": state.config.auth_token}
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://iconik.sandbox", headers=headers
        ) as client:
            return await _seed(client, state, catalog)
    finally:
        limiter.config.enabled = was_enabled


async def _seed(client: httpx.AsyncClient, state: IconikState, catalog: Catalog) -> dict[str, Any]:
    for field in FIELDS:
        await _call(client, "POST", "/API/metadata/v1/fields/", field)
    asset_view = await _call(
        client,
        "POST",
        "/API/metadata/v1/views/",
        {
            "name": ASSET_VIEW,
            "description": "Fields synced with Orange Logic",
            "view_fields": _names(ASSET_VIEW_FIELDS),
        },
    )
    project_view = await _call(
        client,
        "POST",
        "/API/metadata/v1/views/",
        {"name": PROJECT_VIEW, "description": "Project fields", "view_fields": _names(PROJECT_VIEW_FIELDS)},
    )
    projects: dict[str, str] = {}
    for index, title in enumerate(sorted({a.project for a in catalog.iconik_assets})):
        collection = await _call(client, "POST", "/API/assets/v1/collections/", {"title": title})
        projects[title] = collection["id"]
        values = {
            "project_status": "Completed" if index % 2 else "Active",
            "project_id": f"PRJ-{1000 + index}",
            "retention_period": "7 years",
            "campaign": CAMPAIGNS[index % len(CAMPAIGNS)],
        }
        await _call(
            client,
            "PUT",
            f"/API/metadata/v1/collections/{collection['id']}/views/{project_view['id']}/",
            _values(values),
        )
    assets: dict[str, str] = {}
    for item in catalog.iconik_assets:
        asset = await _call(
            client,
            "POST",
            "/API/assets/v1/assets/",
            {"title": item.title, "type": "ASSET", "status": "ACTIVE"},
        )
        version_id = asset["versions"][0]["id"]
        attach_original(state, asset["id"], version_id, item.media_path, item.file_name, item.content_type)
        await _call(
            client,
            "POST",
            f"/API/assets/v1/collections/{projects[item.project]}/contents/",
            {"object_id": asset["id"], "object_type": "assets"},
        )
        await _call(
            client,
            "PUT",
            f"/API/metadata/v1/assets/{asset['id']}/views/{asset_view['id']}/",
            _values(
                {"description": f"Production edit for {item.project}", "original_status": "Not requested"}
            ),
        )
        if item.approval != "N/A":
            base = f"/API/assets/v1/assets/{asset['id']}"
            await _call(
                client,
                "POST",
                f"{base}/approvals/request/",
                {"users": [state.config.user_id], "min_number": 1},
            )
            if item.approval in {"APPROVED", "NOT_APPROVED"}:
                await _call(client, "PUT", f"{base}/approvals/", {"status": item.approval})
        assets[item.key] = asset["id"]
    return {
        "asset_view_id": asset_view["id"],
        "project_view_id": project_view["id"],
        "projects": projects,
        "assets": assets,
    }


def _names(names: list[str]) -> list[dict[str, str]]:
    return [{"name": n} for n in names]


def _values(values: dict[str, str]) -> dict[str, Any]:
    return {"metadata_values": {k: {"field_values": [{"value": v}]} for k, v in values.items()}}
