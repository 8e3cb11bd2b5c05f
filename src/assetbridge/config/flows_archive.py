"""The archive flow: completed iconik projects into Orange Logic, with a checksum chain of custody."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ArchiveFlow(_Model):
    enabled: bool = False
