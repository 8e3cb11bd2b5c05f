"""The transfer engine and "original on request" (the iconik custom action)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MediaFlow(_Model):
    enabled: bool = False
