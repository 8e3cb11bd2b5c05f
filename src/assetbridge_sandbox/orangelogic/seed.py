"""Loading the seeded catalog into the Orange Logic emulator (Orange Logic is the system of record).

``seed_orangelogic(state, catalog)`` creates the folder tree from each asset's ``folder`` path, one record
per ``SeedAsset`` with its media file (hard-linked, or copied in chunks, into the emulator's data
directory), title, language, campaign, format, workflow status, keywords and rights fields; create and edit
dates are the asset's ``created``. Renditions are made lazily on first request. No webhooks fire.
Returns ``{seed key: Record}``.
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from assetbridge_sandbox.orangelogic.common import iso_date
from assetbridge_sandbox.orangelogic.state import OLState, Record, Value

if TYPE_CHECKING:
    from assetbridge_sandbox.seed import Catalog, SeedAsset


def _link_or_copy(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        dest.unlink()
    try:
        os.link(src, dest)
    except OSError:
        shutil.copyfile(src, dest)


def _date(value: datetime | None) -> str:
    return iso_date(value) if value else ""


def _known(state: OLState, field: str, values: list[str]) -> None:
    """Catalog values outside the tenant's option lists become options (as an admin would add them)."""
    for value in values:
        fdef = state.tenant.field(field)
        if fdef is not None and fdef.is_authority and value and value not in fdef.options:
            state.tenant.add_option(fdef, value)


def _values(asset: SeedAsset) -> dict[str, Value]:
    rights = asset.rights
    return {
        "CoreField.Title": asset.title,
        "CoreField.Keywords": list(asset.keywords),
        "AB.Language": asset.language,
        "AB.Campaign": asset.campaign,
        "AB.Format": asset.format,
        "AB.Status": asset.status,
        "AB.Usage-rights-status": rights.status,
        "AB.Rights-start": _date(rights.start),
        "AB.Rights-end": _date(rights.end),
        "AB.Territories": list(rights.territories),
        "AB.Channels": list(rights.channels),
        "AB.Restrictions": rights.restrictions,
        "CoreField.Purpose": "Public",
    }


def seed_orangelogic(state: OLState, catalog: Catalog) -> dict[str, Record]:
    loaded: dict[str, Record] = {}
    folders: dict[str, Record] = {}
    for asset in catalog.assets:
        values = _values(asset)
        for name, value in values.items():
            _known(state, name, value if isinstance(value, list) else [value])
        folder = folders.get(asset.folder)
        if folder is None:  # resolving a path scans the tree: once per folder, not per asset
            folder = folders[asset.folder] = state.ensure_folder_path(asset.folder)
        subtype = state.tenant.canonical_subtype(asset.kind, asset.subtype) or "Default"
        record = state.new_record(
            asset.kind, subtype, values, parent=folder.record_id, created=asset.created, fire=False
        )
        record.edited = record.created
        dest = state.files_dir / record.record_id / "v1" / asset.file_name
        _link_or_copy(asset.media_path, dest)
        record.file_path = dest
        record.file_name = asset.file_name
        record.content_type = asset.content_type
        record.size = dest.stat().st_size
        loaded[asset.key] = record
    return loaded
