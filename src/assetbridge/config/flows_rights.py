"""Rights-aware sharing: the rights model and what happens in iconik when access must end."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RightsFlow(_Model):
    enabled: bool = False
