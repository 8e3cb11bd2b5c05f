"""What we send to iconik: strict models (unknown fields are a programming error, ``extra="forbid"``).

Serialised with ``body()``: fields left at ``None`` are not sent, so iconik keeps its own defaults.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class IconikRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True, by_alias=True)


class AssetCreate(IconikRequest):
    title: str
    external_id: str | None = None
    external_link: str | None = None
    type: Literal["ASSET", "SEQUENCE", "NLE_PROJECT", "PLACEHOLDER", "CUSTOM", "LINK", "SUBCLIP"] | None = (
        None
    )
    status: Literal["ACTIVE", "DELETED"] | None = None
    category: str | None = None
    is_online: bool | None = None
    collection_id: str | None = None


class AssetUpdate(IconikRequest):
    title: str | None = None
    external_id: str | None = None
    external_link: str | None = None
    status: Literal["ACTIVE", "DELETED"] | None = None
    category: str | None = None
    is_online: bool | None = None
    custom_keyframe: str | None = None
    custom_poster: str | None = None


class VersionCreate(IconikRequest):
    source_version_id: str | None = None
    copy_metadata: bool | None = None
    copy_segments: bool | None = None


class CollectionCreate(IconikRequest):
    title: str
    parent_id: str | None = None
    external_id: str | None = None
    status: Literal["ACTIVE", "HIDDEN", "DELETED"] | None = None
    category: str | None = None


class CollectionUpdate(IconikRequest):
    title: str | None = None
    parent_id: str | None = None
    external_id: str | None = None
    status: Literal["ACTIVE", "HIDDEN", "DELETED"] | None = None


class ShareCreate(IconikRequest):
    """A share by e-mail (``emails``) or, when ``emails`` is omitted, a share URL (``shares/url/``)."""

    emails: list[str] | None = None
    title: str | None = None
    message: str | None = None
    expires: str | None = None
    password: str | None = None
    allow_download: bool = False
    allow_download_proxy: bool | None = None
    allow_comments: bool = False
    allow_approving_comments: bool = False
    allow_setting_approve_status: bool = False
    allow_view_versions: bool | None = None
    is_approval: bool | None = None
    metadata_views: list[str] | None = None


class ShareUpdate(IconikRequest):
    title: str | None = None
    expires: str | None = None
    allow_download: bool | None = None
    allow_comments: bool | None = None


ApprovalStatus = Literal["N/A", "REQUESTED", "APPROVED", "NOT_APPROVED", "MIXED"]


class ApprovalRequest(IconikRequest):
    users: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)
    externals: list[str] = Field(default_factory=list)
    min_number: int = 1
    share_id: str | None = None
    version_id: str | None = None


class ApprovalDecision(IconikRequest):
    status: Literal["APPROVED", "NOT_APPROVED", "N/A", "REQUESTED"]
    version_id: str | None = None


SegmentType = Literal["MARKER", "QC", "GENERIC", "COMMENT", "TAG", "TRANSCRIPTION", "SCENE", "PERSON"]


class SegmentCreate(IconikRequest):
    segment_type: SegmentType = "COMMENT"
    segment_text: str | None = None
    segment_color: str | None = None
    segment_checked: bool | None = None
    time_start_milliseconds: int | None = None
    time_end_milliseconds: int | None = None
    parent_id: str | None = None
    user_id: str | None = None
    version_id: str | None = None
    external_id: str | None = None


class SegmentUpdate(IconikRequest):
    segment_text: str | None = None
    segment_checked: bool | None = None
    segment_color: str | None = None
    time_start_milliseconds: int | None = None
    time_end_milliseconds: int | None = None
    external_id: str | None = None


class MetadataFieldCreate(IconikRequest):
    name: str
    label: str
    field_type: Literal[
        "integer",
        "float",
        "boolean",
        "string",
        "string_exact",
        "text",
        "date",
        "datetime",
        "tag_cloud",
        "url",
        "drop_down",
        "email",
    ]
    description: str | None = None
    multi: bool | None = None
    required: bool | None = None
    read_only: bool | None = None
    options: list[dict[str, Any]] | None = None


class ViewField(IconikRequest):
    name: str
    label: str | None = None
    required: bool | None = None
    read_only: bool | None = None


class MetadataViewCreate(IconikRequest):
    name: str
    description: str | None = None
    view_fields: list[ViewField]


WriteMode = Literal["overwrite", "append", "delete"]


class FieldWrite(IconikRequest):
    field_values: list[dict[str, Any]]
    mode: WriteMode | None = None


class MetadataWrite(IconikRequest):
    metadata_values: dict[str, FieldWrite]

    @classmethod
    def of(cls, values: dict[str, list[Any]], mode: WriteMode | None = None) -> MetadataWrite:
        """``{"Field": [v1, v2]}`` → iconik's ``{"Field": {"field_values": [{"value": v1}, …]}}``."""
        return cls(
            metadata_values={
                name: FieldWrite(field_values=[{"value": v} for v in vals], mode=mode)
                if mode is not None
                else FieldWrite(field_values=[{"value": v} for v in vals])
                for name, vals in values.items()
            }
        )


class FormatCreate(IconikRequest):
    name: str = "ORIGINAL"
    user_id: str | None = None
    version_id: str | None = None
    metadata: list[dict[str, Any]] | None = None
    storage_methods: list[str] | None = None
    components: list[dict[str, Any]] | None = None
    is_online: bool | None = None


class FileSetCreate(IconikRequest):
    name: str
    format_id: str
    storage_id: str
    base_dir: str = ""
    component_ids: list[str] = Field(default_factory=list)
    version_id: str | None = None


class FileCreate(IconikRequest):
    original_name: str
    directory_path: str = ""
    type: Literal["FILE", "DIRECTORY", "SYMLINK"] = "FILE"
    size: int | None = None
    format_id: str | None = None
    file_set_id: str | None = None
    storage_id: str | None = None
    version_id: str | None = None
    name: str | None = None
    checksum: str | None = None
    status: str | None = None
    file_date_created: str | None = None
    file_date_modified: str | None = None


class ProxyCreate(IconikRequest):
    name: str
    filename: str | None = None
    format: str | None = "mp4"
    codec: str | None = None
    frame_rate: str | None = None
    resolution: dict[str, int] | None = None
    bit_rate: int | None = None
    size: int | None = None
    storage_id: str | None = None
    version_id: str | None = None


class KeyframeCreate(IconikRequest):
    type: Literal["KEYFRAME_MAP", "KEYFRAME", "POSTER"] = "POSTER"
    name: str | None = None
    filename: str | None = None
    format: str | None = None
    size: int | None = None
    resolution: dict[str, int] | None = None
    version_id: str | None = None
    storage_id: str | None = None


class SearchTerm(IconikRequest):
    name: str
    value: str | None = None
    value_in: list[str] | None = None
    range: dict[str, str] | None = None
    exists: bool | None = None
    missing: bool | None = None


class SearchFilter(IconikRequest):
    operator: Literal["AND", "OR", "NOT"] = "AND"
    terms: list[SearchTerm] = Field(default_factory=list)
    filters: list[SearchFilter] | None = None


class SortSpec(IconikRequest):
    name: str
    order: Literal["asc", "desc"] = "asc"


DocType = Literal["assets", "collections", "segments", "saved_searches", "saved_search_groups"]


def _assets_only() -> list[DocType]:
    return ["assets"]


class SearchCriteria(IconikRequest):
    doc_types: list[DocType] = Field(default_factory=_assets_only)
    query: str | None = None
    filter: SearchFilter | None = None
    sort: list[SortSpec] | None = None
    include_fields: list[str] | None = None
    exclude_fields: list[str] | None = None
    facets: list[str] | None = None
    search_fields: list[str] | None = None
    metadata_view_id: str | None = None
    search_after: list[Any] | None = None


class WebhookCreate(IconikRequest):
    url: str
    event_type: str
    status: Literal["ENABLED", "DISABLED"] = "ENABLED"
    realm: str | None = None
    operation: str | None = None
    object_id: str | None = None
    name: str | None = None
    description: str | None = None
    query: str | None = None
    headers: dict[str, str] | None = None


class JobCreate(IconikRequest):
    title: str
    type: str = "CUSTOM"
    status: str = "STARTED"
    object_type: str | None = None
    object_id: str | None = None
    parent_id: str | None = None
    message: str | None = None
    progress_processed: int | None = None
    progress_total: int | None = None
    custom_type: str | None = None


class JobUpdate(IconikRequest):
    status: str | None = None
    message: str | None = None
    error_message: str | None = None
    progress_processed: int | None = None
    progress_total: int | None = None
    title: str | None = None


CustomActionContext = Literal[
    "ASSET",
    "ASSET_SUBCLIP",
    "SHARED_ASSET",
    "COLLECTION",
    "SHARED_COLLECTION",
    "BULK",
    "SAVED_SEARCH",
    "NONE",
]


class CustomActionCreate(IconikRequest):
    title: str
    url: str
    type: Literal["POST", "OPEN"] = "POST"
    context: CustomActionContext = "ASSET"
    headers: dict[str, str] | None = None
    app_id: str | None = None
    metadata_view: str | None = None
