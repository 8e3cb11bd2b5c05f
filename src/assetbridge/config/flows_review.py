"""The review hand-off: approved iconik media into Orange Logic review, and the decision back.

Trigger: an iconik asset version whose approval status is ``APPROVED`` (webhook, with a poll as the
safety net), narrowed by ``rule``. Action: the version's ``format`` file and the field map's values go to
Orange Logic as a new version of the linked asset, or as a new asset in ``folder`` (a RecordID) when the
iconik asset is not linked; ``status_field`` is set to ``pending_value``. Bridge back: when
``status_field`` becomes one of ``approved_values``/``rejected_values``, iconik shows it as the
version's approval status (``iconik_approval``), the metadata fields ``iconik_status_field`` /
``iconik_comment_field`` of the field map's view, and the reviewer's comment (``comment_field``) as a
comment on the version (``comment_on_version``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictStr, model_validator

Text = Annotated[StrictStr, Field(min_length=1)]
IconikField = Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9_\-]+$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReviewRule(_Model):
    """Every part given must hold (an empty part does not narrow)."""

    collections: list[Text] = Field(
        default_factory=list, description="iconik collection ids; the asset must be in one of them"
    )
    metadata: dict[IconikField, list[Text]] = Field(
        default_factory=dict,
        description="iconik metadata field (in the field map's view) → accepted values; one must be set",
    )
    media_types: list[Text] = Field(
        default_factory=list,
        description="media types of the file sent (video, image, audio, …, from its name's MIME type)",
    )


class ReviewFlow(_Model):
    enabled: bool = False
    rule: ReviewRule = ReviewRule()
    format: Text = Field("ORIGINAL", description="iconik format whose file is sent")
    folder: Text | None = Field(
        None, description="Orange Logic folder RecordID receiving approved assets that are not linked"
    )
    status_field: Text = Field("AB.Status", description="Orange Logic field of the review status")
    pending_value: Text = Field("Pending Review", description="status set at the hand-off")
    approved_values: list[Text] = Field(default_factory=lambda: ["Approved"], min_length=1)
    rejected_values: list[Text] = Field(default_factory=lambda: ["Rejected"], min_length=1)
    comment_field: Text | None = Field(
        "AB.Review-comment", description="Orange Logic field holding the reviewer's comment"
    )
    iconik_approval: bool = Field(
        True, description="set the version's approval status (APPROVED / NOT_APPROVED) from the decision"
    )
    iconik_status_field: IconikField | None = Field(
        "review_status", description="iconik metadata field showing the Orange Logic status"
    )
    iconik_status_values: dict[Text, Text] = Field(
        default_factory=dict,
        description="Orange Logic status → iconik option of iconik_status_field (unlisted: the same text)",
    )
    iconik_comment_field: IconikField | None = Field(
        "review_comment", description="iconik metadata field holding the reviewer's comment"
    )
    comment_on_version: bool = Field(True, description="post the reviewer's comment on the iconik version")
    import_from_url: bool = Field(
        False,
        description="Orange Logic imports the file from iconik's signed URL (the bytes skip AssetBridge)",
    )
    multipart_threshold_bytes: int | None = Field(
        None, ge=131_072, description="files above this use the multi-part upload (default: 1.5 GiB)"
    )
    chunk_size_bytes: int | None = Field(
        None, ge=131_072, description="multi-part chunk size, a multiple of 131072 (default: 8 MiB)"
    )
    poll_interval_seconds: float = Field(
        300, gt=0, description="safety-net poll: approvals missed by webhooks, decisions in Orange Logic"
    )

    @model_validator(mode="after")
    def _consistent(self) -> ReviewFlow:
        both = sorted(set(self.approved_values) & set(self.rejected_values))
        if both:
            raise ValueError(f"status values both approved and rejected: {', '.join(both)}")
        if self.pending_value in (*self.approved_values, *self.rejected_values):
            raise ValueError(f"pending_value {self.pending_value!r} is also a decision value")
        if self.chunk_size_bytes is not None and self.chunk_size_bytes % 131_072:
            raise ValueError(f"chunk_size_bytes {self.chunk_size_bytes} is not a multiple of 131072")
        if self.enabled and self.folder is None:
            raise ValueError("flows.review.folder (an Orange Logic folder RecordID) is needed when enabled")
        return self

    def iconik_status(self, ol_status: str) -> str:
        return self.iconik_status_values.get(ol_status, ol_status)
