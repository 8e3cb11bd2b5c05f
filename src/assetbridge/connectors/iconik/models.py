"""What we read from iconik: tolerant models (unknown fields are kept in ``model_extra``).

Field names and enums follow iconik's OpenAPI specs (reference §3–§8). Only ``id`` is required on
entities; everything else is optional because list/search documents carry subsets.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class IconikModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class AssetVersion(IconikModel):
    id: str
    version_number: int | None = None
    status: str | None = None
    analyze_status: str | None = None
    archive_status: str | None = None
    is_online: bool | None = None
    created_by_user: str | None = None
    date_created: str | None = None


class Asset(IconikModel):
    id: str
    title: str | None = None
    type: str | None = None
    status: str | None = None
    external_id: str | None = None
    external_link: str | None = None
    category: str | None = None
    is_online: bool | None = None
    archive_status: str | None = None
    analyze_status: str | None = None
    created_by_user: str | None = None
    date_created: str | None = None
    date_modified: str | None = None
    date_deleted: str | None = None
    in_collections: list[str] | None = None
    versions: list[AssetVersion] = Field(default_factory=list)
    default_version_id: str | None = None
    metadata: dict[str, Any] | None = None
    object_type: str | None = None
    sort_key: list[Any] | None = Field(None, alias="_sort")

    @property
    def latest_version_id(self) -> str | None:
        """``default_version_id`` when iconik sends it, else the newest version (reference §3.2)."""
        if self.default_version_id:
            return self.default_version_id
        if not self.versions:
            return None
        numbered = [v for v in self.versions if v.version_number is not None]
        if numbered:
            return max(numbered, key=lambda v: v.version_number or 0).id
        return self.versions[-1].id


class AssetVersions(IconikModel):
    asset_id: str | None = None
    versions: list[AssetVersion] = Field(default_factory=list)


class Collection(IconikModel):
    id: str
    title: str | None = None
    parent_id: str | None = None
    status: str | None = None
    external_id: str | None = None
    in_collections: list[str] | None = None
    parents: list[str] | None = None
    object_type: str | None = None
    date_created: str | None = None
    date_modified: str | None = None


class Relation(IconikModel):
    """An asset-to-asset relation (``RelationSchema``): ``asset_id`` → ``related_to_asset_id``."""

    id: str | None = None
    asset_id: str | None = None
    related_to_asset_id: str
    relation_type: str
    description: str | None = None


class CollectionItem(IconikModel):
    """One entry of a collection's contents: an asset or a sub-collection (``object_type``)."""

    id: str
    object_type: str | None = None
    title: str | None = None


class Share(IconikModel):
    id: str
    object_id: str | None = None
    object_type: str | None = None
    title: str | None = None
    url: str | None = None
    expires: str | None = None
    allow_download: bool | None = None
    allow_comments: bool | None = None
    date_created: str | None = None


class ApprovalBy(IconikModel):
    status: str | None = None
    user: str | None = None
    external: str | None = None
    change_date: str | None = None


class Approval(IconikModel):
    status: str | None = None
    users: list[str] | None = None
    groups: list[str] | None = None
    externals: list[str] | None = None
    min_number: int | None = None
    object_id: str | None = None
    object_type: str | None = None
    version_id: str | None = None
    approvals_by: list[ApprovalBy] | None = None


class Segment(IconikModel):
    id: str
    segment_type: str | None = None
    segment_text: str | None = None
    segment_checked: bool | None = None
    time_start_milliseconds: int | None = None
    time_end_milliseconds: int | None = None
    parent_id: str | None = None
    user_id: str | None = None
    version_id: str | None = None
    asset_id: str | None = None
    status: str | None = None
    external_id: str | None = None
    date_created: str | None = None
    date_modified: str | None = None


class MetadataFieldOption(IconikModel):
    label: str | None = None
    value: Any = None


class MetadataField(IconikModel):
    name: str
    label: str | None = None
    field_type: str | None = None
    multi: bool | None = None
    required: bool | None = None
    read_only: bool | None = None
    options: list[MetadataFieldOption] | None = None
    description: str | None = None


class MetadataView(IconikModel):
    id: str
    name: str | None = None
    description: str | None = None
    view_fields: list[MetadataField] = Field(default_factory=list)


class FieldValues(IconikModel):
    field_values: list[dict[str, Any]] = Field(default_factory=list)
    mode: str | None = None

    @property
    def values(self) -> list[Any]:
        return [v.get("value") for v in self.field_values]


class MetadataValues(IconikModel):
    object_id: str | None = None
    object_type: str | None = None
    version_id: str | None = None
    job_id: str | None = None
    date_created: str | None = None
    date_modified: str | None = None
    metadata_values: dict[str, FieldValues] = Field(default_factory=dict)

    def values(self, field: str) -> list[Any]:
        entry = self.metadata_values.get(field)
        return entry.values if entry is not None else []


class Storage(IconikModel):
    id: str
    name: str | None = None
    method: str | None = None
    purpose: str | None = None
    status: str | None = None
    default: bool | None = None


class Format(IconikModel):
    id: str
    name: str | None = None
    status: str | None = None
    version_id: str | None = None
    asset_id: str | None = None
    storage_methods: list[str] | None = None


class FileSet(IconikModel):
    id: str
    name: str | None = None
    format_id: str | None = None
    storage_id: str | None = None
    base_dir: str | None = None
    version_id: str | None = None
    status: str | None = None


class File(IconikModel):
    id: str
    name: str | None = None
    original_name: str | None = None
    directory_path: str | None = None
    size: int | None = None
    checksum: str | None = None
    status: str | None = None
    type: str | None = None
    asset_id: str | None = None
    format_id: str | None = None
    file_set_id: str | None = None
    storage_id: str | None = None
    version_id: str | None = None
    upload_url: str | None = None
    upload_method: str | None = None
    storage_method: str | None = None
    multipart_upload_url: str | None = None
    upload_filename: str | None = None
    upload_credentials: dict[str, Any] | None = None
    upload_headers: dict[str, Any] | None = None
    url: str | None = None


class Proxy(IconikModel):
    id: str
    name: str | None = None
    filename: str | None = None
    format: str | None = None
    codec: str | None = None
    size: int | None = None
    status: str | None = None
    storage_id: str | None = None
    version_id: str | None = None
    asset_id: str | None = None
    url: str | None = None
    upload_url: str | None = None
    upload_method: str | None = None
    storage_method: str | None = None
    multipart_upload_url: str | None = None


class Keyframe(IconikModel):
    id: str
    type: str | None = None
    name: str | None = None
    filename: str | None = None
    status: str | None = None
    size: int | None = None
    version_id: str | None = None
    asset_id: str | None = None
    url: str | None = None
    upload_url: str | None = None
    upload_method: str | None = None


class JobStep(IconikModel):
    label: str | None = None
    status: str | None = None


class Job(IconikModel):
    id: str
    title: str | None = None
    type: str | None = None
    status: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    parent_id: str | None = None
    progress: int | float | None = None
    message: str | None = None
    error_message: str | None = None
    date_created: str | None = None
    date_modified: str | None = None
    steps: list[JobStep] | None = None


JOB_TERMINAL = frozenset({"FINISHED", "FINISHED_WITH_WARNING", "SKIPPED", "FAILED", "ABORTED"})
JOB_SUCCESS = frozenset({"FINISHED", "FINISHED_WITH_WARNING", "SKIPPED"})


class Webhook(IconikModel):
    id: str
    url: str | None = None
    event_type: str | None = None
    realm: str | None = None
    operation: str | None = None
    object_id: str | None = None
    status: str | None = None
    name: str | None = None
    query: str | None = None
    headers: dict[str, str] | None = None
    first_failed_at: str | None = None
    last_error: str | None = None


class CustomAction(IconikModel):
    id: str
    title: str | None = None
    type: str | None = None
    context: str | None = None
    url: str | None = None
    app_id: str | None = None


class WebhookEvent(IconikModel):
    """The JSON iconik POSTs to a webhook URL (reference §8.2). ``request_id`` serves de-duplication."""

    event_type: str
    realm: str | None = None
    operation: str | None = None
    object_id: str | None = None
    system_domain_id: str | None = None
    user_id: str | None = None
    request_id: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class CustomActionPayload(IconikModel):
    """The JSON iconik POSTs to a custom action's URL (reference §6.5); ``auth_token`` is a user token."""

    action_id: str | None = None
    context: str | None = None
    user_id: str | None = None
    system_domain_id: str | None = None
    asset_ids: list[str] = Field(default_factory=list)
    collection_ids: list[str] = Field(default_factory=list)
    saved_search_ids: list[str] = Field(default_factory=list)
    date_created: str | None = None
    auth_token: SecretStr | None = None


class JobRef(IconikModel):
    job_id: str | None = None


class Page(IconikModel):
    """One page of a list or search: the raw objects plus iconik's envelope fields."""

    objects: list[dict[str, Any]] = Field(default_factory=list)
    page: int | None = None
    pages: int | None = None
    per_page: int | None = None
    total: int | None = None
    next_url: str | None = None
    facets: dict[str, Any] | None = None
