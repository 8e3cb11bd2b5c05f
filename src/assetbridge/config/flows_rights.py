"""Rights-aware sharing: the rights model and what happens in iconik when access must end.

``status_field`` holds the rights status: ``approved_values`` allow access, ``denied_values`` are the
other statuses the tenant uses (any other value is unknown: the decision fails closed as doubtful).
``start_field``/``end_field`` hold the window (either may be omitted: an open side); values are ISO-8601,
the Orange Logic locale form, or one of ``date_formats`` (strftime); values without an offset are in
``timezone``. A date without a time starts at midnight and, as an end, includes that whole day.
``territories_field``/``channels_field``/``restrictions_field`` are read and recorded with every decision
(they travel to iconik as metadata through the field map). ``action`` is what ends access.
"""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator, model_validator

Text = Annotated[StrictStr, Field(min_length=1)]

RevokeAction = Literal["unshare", "restrict", "delete_proxy", "delete_asset"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RestrictConfig(_Model):
    """``restrict``: an iconik metadata field (in the field map's view) set to ``value`` while access is
    revoked and back to its previous value when it is re-granted."""

    field: Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9_\-]+$")] = Field(
        description="iconik metadata field name, e.g. usage_restrictions"
    )
    value: Text = Field(description="value written while access is revoked, e.g. 'Rights expired'")


class RightsFlow(_Model):
    enabled: bool = False
    status_field: Text = Field(
        "AB.Usage-rights-status", description="Orange Logic field of the rights status"
    )
    approved_values: list[Text] = Field(
        default_factory=lambda: ["Approved"], min_length=1, description="statuses that allow access"
    )
    denied_values: list[Text] = Field(
        default_factory=lambda: ["Pending", "Withdrawn"],
        description="known statuses that do not allow access (any other value is doubtful)",
    )
    start_field: Text | None = Field("AB.Rights-start", description="Orange Logic field of the window start")
    end_field: Text | None = Field("AB.Rights-end", description="Orange Logic field of the window end")
    date_formats: list[Text] = Field(
        default_factory=list,
        description="extra strftime formats of the window values (ISO-8601 and the locale form always work)",
    )
    timezone: Text = Field("UTC", description="IANA zone of window values written without an offset")
    territories_field: Text | None = "AB.Territories"
    channels_field: Text | None = "AB.Channels"
    restrictions_field: Text | None = "AB.Restrictions"
    action: RevokeAction = Field("unshare", description="what ends access in iconik")
    shared_collections: list[Text] = Field(
        default_factory=list,
        description="unshare: iconik collection ids the asset is removed from (besides its shares)",
    )
    restrict: RestrictConfig | None = Field(None, description="restrict: the metadata flag to set")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name such as 'Europe/Paris')"
            ) from None
        return value

    @field_validator("date_formats")
    @classmethod
    def _formats(cls, value: list[str]) -> list[str]:
        for fmt in value:
            if "%" not in fmt:
                raise ValueError(f"date format {fmt!r} has no % directive (e.g. '%d.%m.%Y')")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> RightsFlow:
        both = sorted(set(self.approved_values) & set(self.denied_values))
        if both:
            raise ValueError(f"status values both approved and denied: {', '.join(both)}")
        if self.action == "restrict" and self.restrict is None:
            raise ValueError("action 'restrict' needs restrict: {field: <iconik field>, value: <text>}")
        if self.action != "restrict" and self.restrict is not None:
            raise ValueError(f"restrict is set but action is {self.action!r} (set action: restrict)")
        if self.shared_collections and self.action != "unshare":
            raise ValueError(
                f"shared_collections is only used by action 'unshare' (action is {self.action!r})"
            )
        if self.start_field is not None and self.start_field == self.end_field:
            raise ValueError(f"start_field and end_field are the same field ({self.start_field})")
        return self
