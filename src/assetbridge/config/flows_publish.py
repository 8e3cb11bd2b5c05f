"""The publish flow (Orange Logic → iconik, with proxy-only media) and the campaign hand-off."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PublishFlow(_Model):
    enabled: bool = False


class CampaignFlow(_Model):
    enabled: bool = False
