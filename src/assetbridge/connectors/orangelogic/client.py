"""``OrangeLogicClient``: one tenant, every API the engine uses, behind one authenticated session.

    async with OrangeLogicClient(settings) as ol:
        async for asset in ol.search.iterate(field("MediaType", "Video")):
            ...
        await ol.datatable.update("Documents.Video.Default", {"CoreField.Identifier": "ABR12"},
                                  [set_value("CoreField.Title", "New title")])

Sub-APIs: ``search`` (pages, changed-since feed), ``datatable`` (records and field catalogue),
``renditions`` (expiring ``Path_*`` URLs), ``uploads`` (single, multi-part, new version, from URL);
downloads are methods here because they combine search, renditions and the session.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from assetbridge.connectors.orangelogic.auth import TokenManager
from assetbridge.connectors.orangelogic.core import Core
from assetbridge.connectors.orangelogic.datatable import set_value
from assetbridge.connectors.orangelogic.downloads import (
    ORIGINAL_PATH,
    DownloadResult,
    RangeReader,
    Source,
    download,
)
from assetbridge.connectors.orangelogic.errors import SYSTEM, detail_parser
from assetbridge.connectors.orangelogic.models import Folder
from assetbridge.connectors.orangelogic.records import DataTableApi
from assetbridge.connectors.orangelogic.renditions import RenditionLinks
from assetbridge.connectors.orangelogic.search import SearchApi
from assetbridge.connectors.orangelogic.settings import OrangeLogicSettings
from assetbridge.connectors.orangelogic.uploads import UploadApi
from assetbridge.errors import ValidationError
from assetbridge.transport.governor import RateGovernor
from assetbridge.transport.http import HttpSession


class OrangeLogicClient:
    def __init__(
        self,
        settings: OrangeLogicSettings,
        *,
        session: HttpSession | None = None,
        governor: RateGovernor | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """``session`` may be pre-built; ``governor`` shared between workers (default: one from
        ``settings.rate``, or none); ``clock`` drives token expiry and ``monotonic`` rendition URL age."""
        if governor is None and settings.rate is not None:
            governor = RateGovernor(settings.rate, name=SYSTEM)
        self.settings = settings
        self.session = session or HttpSession(
            system=SYSTEM,
            base_url=settings.base_url,
            timeouts=settings.timeouts,
            retry=settings.retry,
            detail_parser=detail_parser,
            governor=governor,
        )
        self.auth = TokenManager(settings, self.session, clock=clock)
        self.session.secrets = tuple(self.auth.secrets())
        self.core = Core(settings, self.session, self.auth)
        self.search = SearchApi(self.core)
        self.datatable = DataTableApi(self.core)
        self.renditions = RenditionLinks(
            self.search, ttl_seconds=settings.rendition_ttl_seconds, clock=monotonic
        )
        self.uploads = UploadApi(self.core, self.search, self.datatable)

    async def aclose(self) -> None:
        await self.session.aclose()

    async def __aenter__(self) -> OrangeLogicClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def create_folder(self, title: str, *, parent_record_id: str | None = None) -> Folder:
        """A folder (``Documents.Folder.Default``); without a parent it lands in the hidden root (§5.4)."""
        writes = [set_value("CoreField.Title", title)]
        if parent_record_id:
            writes.append(set_value("CoreField.Parent-folder", parent_record_id))
        result = await self.datatable.create("Documents.Folder.Default", writes)
        if not result.record_id:
            raise ValidationError(
                SYSTEM, "POST Documents.Folder.Default:Create", "the answer names no RecordID"
            )
        return Folder(
            record_id=result.record_id,
            system_identifier=result.system_identifier,
            title=title,
            parent_record_id=parent_record_id,
        )

    async def download_original(self, record_id: str, dest: Path, *, fmt: str = "TRX") -> DownloadResult:
        """The original file (``F=TRX``) of the asset with this RecordID, resumable, with digests."""
        query = urlencode({"F": fmt, "DocID": record_id})
        url = f"{self.settings.base_url}{ORIGINAL_PATH}?{query}"

        async def source(refresh: bool) -> Source:
            return Source(url, authenticated=True)

        return await download(self.core, source, dest)

    async def download_rendition(self, system_identifier: str, fmt: str, dest: Path) -> DownloadResult:
        """A rendition (``TR1``, ``TR7``, ``WebHigh``...) via its expiring URL, re-minted whenever needed."""
        links = self.renditions
        current: dict[str, Any] = {}

        async def source(refresh: bool) -> Source:
            link = await links.get(system_identifier, fmt, refresh=refresh)
            current["link"] = link
            return Source(link.uri, authenticated=False)

        def stale() -> bool:
            link = current.get("link")
            return link is not None and links.expired(link)

        return await download(self.core, source, dest, is_stale=stale)

    def original_reader(self, record_id: str, *, window: int = 64 * 1024 * 1024) -> RangeReader:
        """The original (``F=TRX``) of this RecordID as a windowed ``Range`` stream (nothing on disk)."""
        url = f"{self.settings.base_url}{ORIGINAL_PATH}?{urlencode({'F': 'TRX', 'DocID': record_id})}"

        async def source(refresh: bool) -> Source:
            return Source(url, authenticated=True)

        return RangeReader(self.core, source, window=window)

    def rendition_reader(
        self, system_identifier: str, fmt: str, *, window: int = 64 * 1024 * 1024
    ) -> RangeReader:
        """A rendition via its expiring URL as a windowed stream; the URL is minted again when it ages out
        or is refused (``NotFoundError`` when the asset has no such rendition)."""
        links = self.renditions
        current: dict[str, Any] = {}

        async def source(refresh: bool) -> Source:
            link = await links.get(system_identifier, fmt, refresh=refresh)
            current["link"] = link
            return Source(link.uri, authenticated=False)

        def stale() -> bool:
            link = current.get("link")
            return link is not None and links.expired(link)

        return RangeReader(self.core, source, window=window, is_stale=stale)
