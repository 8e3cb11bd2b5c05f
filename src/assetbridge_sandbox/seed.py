"""The seeded catalog: a deterministic, realistic set of media assets both emulators load at start-up.

``generate_catalog(seed, size, media_dir, media=...)`` returns the same ``Catalog`` for the same
arguments: videos, images and audio with real small media files (Debian's ``ffmpeg`` when present,
otherwise valid synthetic files written in Python), titles in several languages and scripts,
campaigns, languages, formats, rights windows (active, expired, expiring soon, not yet started,
withdrawn) and workflow/approval states.

Orange Logic (the system of record) loads every ``SeedAsset``; iconik loads the metadata schema and
the production-side items (``IconikSeed``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from assetbridge_sandbox import media

MediaKind = Literal["Video", "Image", "Audio"]
MEDIA_VARIANTS = 24

CAMPAIGNS = ["Spring Launch 2027", "Summer Splash", "Holiday Glow", "Brand Refresh", "Night Run"]
LANGUAGES = ["en", "fr", "de", "ja", "ar", "es", "zh"]
FORMATS = {"Video": ["16:9", "9:16", "1:1"], "Image": ["Print", "Web", "Social"], "Audio": ["Stereo", "5.1"]}
TERRITORIES = ["Worldwide", "EMEA", "North America", "APAC", "LATAM"]
CHANNELS = ["Social", "Broadcast", "Web", "Print", "OOH"]
STATUSES = ["Draft", "Pending Review", "Approved", "Rejected"]
RIGHTS_STATUSES = ["Approved", "Pending", "Withdrawn"]
RESTRICTIONS = ["", "No paid media", "Internal use only", "Editorial only", "No alterations"]

TITLE_WORDS = {
    "en": ["Sunrise over the bay", "City lights", "Product close-up", "Team huddle", "Finish line"],
    "fr": [
        "Lever de soleil",
        "Lumières de la ville",
        "Gros plan produit",
        "Réunion d'équipe",
        "Ligne d'arrivée",
    ],
    "de": [
        "Sonnenaufgang über der Bucht",
        "Lichter der Stadt",
        "Produktnahaufnahme",
        "Teambesprechung",
        "Ziellinie",
    ],
    "ja": ["湾の日の出", "街の灯り", "製品のクローズアップ", "チームミーティング", "ゴールライン"],
    "ar": ["شروق الشمس فوق الخليج", "أضواء المدينة", "لقطة قريبة للمنتج", "اجتماع الفريق", "خط النهاية"],
    "es": [
        "Amanecer en la bahía",
        "Luces de la ciudad",
        "Primer plano del producto",
        "Reunión de equipo",
        "Meta",
    ],
    "zh": ["海湾日出", "城市灯光", "产品特写", "团队会议", "终点线"],
}


@dataclass(frozen=True)
class RightsWindow:
    status: str  # one of RIGHTS_STATUSES
    start: datetime | None
    end: datetime | None
    territories: tuple[str, ...]
    channels: tuple[str, ...]
    restrictions: str


@dataclass(frozen=True)
class SeedAsset:
    key: str  # stable key within the catalog, e.g. "asset-0007"
    kind: MediaKind
    subtype: str  # Orange Logic subtype, e.g. "Standard"
    title: str
    language: str
    campaign: str
    format: str
    status: str  # Orange Logic workflow status (one of STATUSES)
    rights: RightsWindow
    media_path: Path
    file_name: str
    content_type: str
    created: datetime
    folder: str  # Orange Logic folder path, e.g. "Brand/Spring Launch 2027"
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class IconikSeed:
    """The production side: assets already made in iconik (for review hand-off and archive flows)."""

    key: str
    title: str
    media_path: Path
    file_name: str
    content_type: str
    approval: str  # N/A | REQUESTED | APPROVED | NOT_APPROVED
    project: str  # iconik collection (project) title


@dataclass(frozen=True)
class Catalog:
    seed: int
    now: datetime
    assets: list[SeedAsset] = field(default_factory=list)
    iconik_assets: list[IconikSeed] = field(default_factory=list)
    media_backend: str = "synthetic"


def _rights(rng: random.Random, now: datetime, index: int) -> RightsWindow:
    variant = index % 6
    territories = tuple(sorted(rng.sample(TERRITORIES, rng.randint(1, 2))))
    channels = tuple(sorted(rng.sample(CHANNELS, rng.randint(1, 3))))
    restrictions = rng.choice(RESTRICTIONS)
    day = timedelta(days=1)
    if variant == 0:  # expired
        return RightsWindow(
            "Approved", now - 400 * day, now - rng.randint(1, 60) * day, territories, channels, restrictions
        )
    if variant == 1:  # expiring soon (within two days)
        soon = now + timedelta(hours=rng.randint(2, 48))
        return RightsWindow("Approved", now - 100 * day, soon, territories, channels, restrictions)
    if variant == 2:  # not started yet
        return RightsWindow(
            "Approved", now + rng.randint(3, 30) * day, now + 400 * day, territories, channels, restrictions
        )
    if variant == 3:  # withdrawn or pending
        status = "Withdrawn" if rng.random() < 0.5 else "Pending"
        return RightsWindow(status, now - 30 * day, now + 300 * day, territories, channels, restrictions)
    # active, some open-ended
    end: datetime | None = None if variant == 5 else now + rng.randint(60, 700) * day
    return RightsWindow("Approved", now - rng.randint(1, 300) * day, end, territories, channels, restrictions)


def generate_catalog(
    seed: int,
    size: int,
    media_dir: Path,
    *,
    media_mode: Literal["auto", "ffmpeg", "synthetic"] = "auto",
    now: datetime | None = None,
) -> Catalog:
    """Build the catalog and write its media files under ``media_dir`` (reused when already there)."""
    rng = random.Random(seed)
    now = (now or datetime.now(tz=UTC)).replace(microsecond=0)
    backend = media.choose_backend(media_mode)
    media_dir.mkdir(parents=True, exist_ok=True)
    catalog = Catalog(seed=seed, now=now, media_backend=backend)
    kinds: list[MediaKind] = ["Video", "Video", "Image", "Audio"]
    for i in range(size):
        kind = kinds[i % len(kinds)]
        language = LANGUAGES[i % len(LANGUAGES)]
        campaign = CAMPAIGNS[rng.randrange(len(CAMPAIGNS))]
        phrase = TITLE_WORDS[language][rng.randrange(5)]
        title = f"{phrase} {i + 1:04d}"
        # Sample media are shared between assets (at most MEDIA_VARIANTS per kind), so a catalog of
        # 20,000 assets costs no more disk or start-up time than one of 100.
        variant = i % MEDIA_VARIANTS
        path, _, ctype = media.make_sample(
            media_dir, f"{kind.lower()}-{variant:02d}", kind, backend, variant=variant
        )
        file_name = f"asset-{i:04d}{path.suffix}"
        catalog.assets.append(
            SeedAsset(
                key=f"asset-{i:04d}",
                kind=kind,
                subtype="Standard",
                title=title,
                language=language,
                campaign=campaign,
                format=FORMATS[kind][rng.randrange(len(FORMATS[kind]))],
                status=STATUSES[rng.randrange(len(STATUSES))] if i % 3 else "Approved",
                rights=_rights(rng, now, i),
                media_path=path,
                file_name=file_name,
                content_type=ctype,
                created=now - timedelta(days=rng.randint(1, 900), seconds=rng.randint(0, 86_399)),
                folder=f"Brand/{campaign}",
                keywords=tuple(
                    sorted(rng.sample(["hero", "b-roll", "cutdown", "master", "teaser", "social"], 2))
                ),
            )
        )
    projects = ["Project Aurora", "Project Meridian"]
    approvals = ["APPROVED", "REQUESTED", "N/A", "NOT_APPROVED"]
    for j in range(max(0, min(8, size // 5))):
        path, file_name, ctype = media.make_sample(
            media_dir, f"iconik-{j:03d}", "Video", backend, variant=100 + j
        )
        catalog.iconik_assets.append(
            IconikSeed(
                key=f"iconik-{j:03d}",
                title=f"Edit {j + 1:02d} – {projects[j % 2]}",
                media_path=path,
                file_name=file_name,
                content_type=ctype,
                approval=approvals[j % len(approvals)],
                project=projects[j % 2],
            )
        )
    return catalog
