"""The publish flow (Orange Logic → iconik, with proxy-only media) and the campaign hand-off.

``flows.publish``: ``rules`` select Orange Logic assets (a Search ``query`` and/or ``folders``); each
rule says how media travel (``media: original | proxy``) and what happens to an asset that no longer
matches (``on_leave: leave | unpublish``). ``proxy_renditions`` names the Orange Logic rendition that
becomes the iconik proxy per asset type (``original`` sends the original file as the proxy);
``keyframes`` asks iconik to make keyframes and the poster from that proxy.

``flows.campaigns``: one iconik collection per campaign, the campaign read from an Orange Logic field
(``source: field``, default ``AB.Campaign``) or from the asset's folder (``source: folder``: the parent
folder's title); the collection title comes from ``collection_title`` (``{campaign}`` placeholder),
optionally under a ``parent_collection``; the campaign name is written to the collection's
``metadata_field`` through ``metadata_view``. iconik assets in a campaign collection that carry an asset
relation (``derived_relation_types``, any type when empty) to a published asset are recorded as
derived from it.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator, model_validator

Text = Annotated[StrictStr, Field(min_length=1)]
RuleName = Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]*$", max_length=64)]
Rendition = Annotated[
    StrictStr,
    Field(
        pattern=r"^(original|Path_[A-Za-z0-9]+)$", description="original, or Path_<format> e.g. Path_WebHigh"
    ),
]
ASSET_TYPES = ("Video", "Image", "Audio", "Multimedia")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PublishRule(_Model):
    name: RuleName = Field(description="stable name (publication state is kept per rule)")
    query: StrictStr | None = Field(
        None, description="Orange Logic Search query, e.g. DocType:Video AND AB.Status:Approved"
    )
    folders: list[Text] = Field(
        default_factory=list,
        description="folder paths (Root/Brand/...: the assets in it) or folder identifiers (and subfolders)",
    )
    media: Literal["original", "proxy"] = "proxy"
    on_leave: Literal["leave", "unpublish"] = "leave"

    @field_validator("query")
    @classmethod
    def _query_not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("query is empty; leave it out to select by folders only")
        if value is not None and value.count('"') % 2:
            raise ValueError(f"query has an unbalanced double quote: {value!r}")
        return value

    @field_validator("folders")
    @classmethod
    def _folders_quotable(cls, value: list[str]) -> list[str]:
        for folder in value:
            if '"' in folder:
                raise ValueError(f"a folder cannot contain a double quote: {folder!r}")
        return value

    @model_validator(mode="after")
    def _selects_something(self) -> PublishRule:
        if self.query is None and not self.folders:
            raise ValueError(f"rule {self.name!r} needs a query, folders, or both")
        return self


def _default_renditions() -> dict[str, str]:
    return {"Video": "Path_WebHigh", "Image": "Path_TR1"}


class PublishFlow(_Model):
    enabled: bool = False
    rules: list[PublishRule] = Field(default_factory=list)
    proxy_renditions: dict[StrictStr, Rendition] = Field(
        default_factory=_default_renditions,
        description="asset type (Video, Image, Audio, Multimedia) → rendition sent as the iconik proxy",
    )
    keyframes: bool = Field(True, description="ask iconik for keyframes + poster from the proxy")
    poll_interval_seconds: float = Field(60.0, gt=0)
    reconcile_interval_seconds: float = Field(3600.0, gt=0)

    @field_validator("proxy_renditions")
    @classmethod
    def _known_types(cls, value: dict[str, str]) -> dict[str, str]:
        for kind in value:
            if kind not in ASSET_TYPES:
                raise ValueError(f"unknown asset type {kind!r} (allowed: {', '.join(ASSET_TYPES)})")
        return value

    @model_validator(mode="after")
    def _rules_valid(self) -> PublishFlow:
        names = [rule.name for rule in self.rules]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"rule names must be unique: {', '.join(dupes)} repeated")
        if self.enabled and not self.rules:
            raise ValueError("publish is enabled but has no rules")
        return self

    def rule(self, name: str) -> PublishRule:
        for rule in self.rules:
            if rule.name == name:
                return rule
        raise KeyError(name)


_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class CampaignFlow(_Model):
    enabled: bool = False
    source: Literal["field", "folder"] = Field(
        "field", description="field: the campaign is an Orange Logic field; folder: the parent folder title"
    )
    field: Text = Field("AB.Campaign", description="Orange Logic field holding the campaign (source: field)")
    rules: list[RuleName] = Field(
        default_factory=list, description="publish rules whose assets go to campaigns (default: all)"
    )
    collection_title: Text = Field("Campaign: {campaign}", description="iconik collection title template")
    parent_collection: Text | None = Field(None, description="title of a parent collection (created once)")
    metadata_view: Text | None = Field(
        None,
        description="iconik view the campaign metadata is written through (default: field_map.iconik_view)",
    )
    metadata_field: Text | None = Field("campaign", description="iconik field receiving the campaign name")
    derived_relation_types: list[Text] = Field(
        default_factory=list, description="iconik relation types marking a derived asset (default: any)"
    )

    @field_validator("collection_title")
    @classmethod
    def _template(cls, value: str) -> str:
        names = _PLACEHOLDER.findall(value)
        unknown = sorted({n for n in names if n != "campaign"})
        if unknown:
            raise ValueError(f"unknown placeholder {{{unknown[0]}}} (allowed: {{campaign}})")
        if "campaign" not in names:
            raise ValueError("the template must contain {campaign}, or every campaign shares one collection")
        return value

    def title_for(self, campaign: str) -> str:
        return self.collection_title.replace("{campaign}", campaign)
