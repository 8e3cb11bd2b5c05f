"""The review hand-off: approved iconik media into Orange Logic review, and the decision back."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReviewFlow(_Model):
    enabled: bool = False
