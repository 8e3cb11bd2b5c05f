"""The ``assetbridge.yaml`` schema (pydantic; unknown keys are errors).

String fields are strict (a number or boolean where text is expected is an error asking for quotes),
so what the YAML file says is what the engine gets.

``receiver`` (used by ``assetbridge run`` only): where the webhook receiver listens (``host``, ``port``),
the URL iconik and Orange Logic reach it at (``public_url``, default ``http://host:port``), the secret
header value AssetBridge registers with its own iconik webhooks (``iconik_secret``) and the Orange Logic
webhook signing secrets (``orangelogic_secrets``: the current one, plus the previous one during a
rotation), the read API's bearer token (``api_token``) — secrets as ``${ENV_VAR}`` references;
``register_iconik_webhooks`` and ``webhook_check_interval_seconds`` (how often FAILING iconik webhooks
are looked for and re-enabled).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, StrictStr

from assetbridge.config.flows_archive import ArchiveFlow
from assetbridge.config.flows_media import MediaFlow
from assetbridge.config.flows_publish import CampaignFlow, PublishFlow
from assetbridge.config.flows_review import ReviewFlow
from assetbridge.config.flows_rights import RightsFlow
from assetbridge.domain.fieldmap import Direction, Policy, Side, ValueKind

Text = Annotated[StrictStr, Field(min_length=1)]
HttpUrl = Annotated[StrictStr, Field(pattern=r"^https?://[^\s/]+", description="http(s)://host[:port]")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IconikConnection(_Model):
    base_url: HttpUrl = Field("https://app.iconik.io", description="scheme://host, without /API")
    app_id: Text = Field(description="the iconik application's App-ID")
    auth_token: SecretStr = Field(description="${ENV_VAR} reference to the application's Auth-Token")


class ClientCredentialsAuth(_Model):
    mode: Literal["client_credentials"] = "client_credentials"
    client_id: Text
    client_secret: SecretStr = Field(description="${ENV_VAR} reference")


class OAuth2Auth(_Model):
    mode: Literal["oauth2"]
    client_id: Text
    client_secret: SecretStr = Field(description="${ENV_VAR} reference")
    refresh_token: SecretStr | None = Field(None, description="${ENV_VAR} reference")
    authorization_code: SecretStr | None = Field(None, description="${ENV_VAR} reference")


class LoginAuth(_Model):
    mode: Literal["login"]
    login: Text
    password: SecretStr = Field(description="${ENV_VAR} reference")


class BearerAuth(_Model):
    mode: Literal["bearer"]
    token: SecretStr = Field(description="${ENV_VAR} reference")


OrangeLogicAuth = Annotated[
    ClientCredentialsAuth | OAuth2Auth | LoginAuth | BearerAuth, Field(discriminator="mode")
]


class OrangeLogicConnection(_Model):
    base_url: HttpUrl = Field(description="the tenant's host, e.g. https://acme.orangelogic.com")
    auth: OrangeLogicAuth


class Connections(_Model):
    iconik: IconikConnection
    orangelogic: OrangeLogicConnection


class StateConfig(_Model):
    url: Annotated[StrictStr, Field(pattern=r"^(sqlite|postgresql)(\+\w+)?://")] = Field(
        "sqlite:///assetbridge.db",
        description="SQLAlchemy URL; a relative SQLite path is relative to the config file's folder",
    )


class ValueMapTransform(_Model):
    kind: Literal["value_map"]
    map: dict[StrictStr, StrictStr] = Field(
        min_length=1, description="Orange Logic value → iconik value; one-to-one on two-way fields"
    )
    default: StrictStr | None = Field(None, description="iconik value for unmapped values (one-way only)")


class DateFormatTransform(_Model):
    kind: Literal["date_format"]
    format: Text = Field(description="strftime format of the Orange Logic text, e.g. %m/%d/%Y")


class SplitTransform(_Model):
    kind: Literal["split"]
    separator: Text


class JoinTransform(_Model):
    kind: Literal["join"]
    separator: Text


class CaseTransform(_Model):
    kind: Literal["case"]
    mode: Literal["lower", "upper", "title"]


class StripTransform(_Model):
    kind: Literal["strip"]


class TimezoneTransform(_Model):
    kind: Literal["timezone"]
    zone: Text = Field(description="IANA zone of Orange Logic datetimes, e.g. Europe/Paris")


TransformConfig = Annotated[
    ValueMapTransform
    | DateFormatTransform
    | SplitTransform
    | JoinTransform
    | CaseTransform
    | StripTransform
    | TimezoneTransform,
    Field(discriminator="kind"),
]


class FieldConfig(_Model):
    orangelogic: Text = Field(description="Orange Logic field API name, e.g. AB.Campaign or CoreField.Title")
    iconik: Annotated[StrictStr, Field(pattern=r"^(asset\.title|metadata\.[A-Za-z0-9_\-]+)$")] = Field(
        description="asset.title, or metadata.<field_name> of a field in the field map's view"
    )
    kind: ValueKind
    direction: Direction | None = Field(None, description="default: policies.direction")
    owner: Side | None = Field(None, description="default: policies.owner")
    policy: Policy | None = Field(None, description="default: policies.policy")
    multi: bool = False
    transforms: list[TransformConfig] = Field(default_factory=list)


class FieldMapConfig(_Model):
    iconik_view: Text = Field(description="name of the iconik metadata view values are written through")
    fields: dict[Text, FieldConfig] = Field(min_length=1, description="canonical field name → mapping")


class MatchKey(_Model):
    orangelogic: Text = Field("RecordID", description="Orange Logic field holding the key")
    iconik: Annotated[StrictStr, Field(pattern=r"^(external_id|metadata\.[A-Za-z0-9_\-]+)$")] = Field(
        "external_id", description="external_id, or metadata.<field_name>"
    )
    mirror_field: Text | None = Field(
        "AB.Iconik-id",
        description="Orange Logic field that receives the linked iconik asset id (the crosswalk mirrored "
        "in Orange Logic); null: do not mirror. Skipped when the tenant has no such writable field.",
    )


class MetadataSyncFlow(_Model):
    enabled: bool = True
    match_key: MatchKey = MatchKey()
    debounce_seconds: float = Field(2.0, ge=0, le=3600)
    poll_interval_seconds: float = Field(60.0, gt=0)
    reconcile_interval_seconds: float = Field(3600.0, gt=0)
    scope_query: StrictStr | None = Field(
        None, description="Orange Logic search query limiting which assets are synced (default: all)"
    )


class ReceiverConfig(_Model):
    host: Text = Field("127.0.0.1", description="address the webhook receiver listens on")
    port: int = Field(8790, ge=0, le=65535, description="port the webhook receiver listens on (0: any free)")
    public_url: HttpUrl | None = Field(
        None, description="URL the senders reach the receiver at (default http://host:port)"
    )
    iconik_secret: SecretStr | None = Field(
        None, description="${ENV_VAR} reference: secret header value of AssetBridge's iconik webhooks"
    )
    orangelogic_secrets: list[SecretStr] = Field(
        default_factory=list, description="${ENV_VAR} references: Orange Logic webhook signing secrets"
    )
    api_token: SecretStr | None = Field(
        None,
        description="${ENV_VAR} reference: bearer token of the read API (/api/lineage); "
        "without one that API answers loopback clients only",
    )
    register_iconik_webhooks: bool = Field(True, description="create/repair AssetBridge's iconik webhooks")
    webhook_check_interval_seconds: float = Field(
        300.0, gt=0, description="how often FAILING iconik webhooks are looked for and re-enabled"
    )


class Flows(_Model):
    metadata_sync: MetadataSyncFlow = MetadataSyncFlow()
    publish: PublishFlow = PublishFlow()
    campaigns: CampaignFlow = CampaignFlow()
    rights: RightsFlow = RightsFlow()
    media: MediaFlow = MediaFlow()
    review: ReviewFlow = ReviewFlow()
    archive: ArchiveFlow = ArchiveFlow()


class Policies(_Model):
    owner: Side = "orangelogic"
    policy: Policy = "owner_wins"
    direction: Direction = "both"


class AssetBridgeConfig(_Model):
    """The whole ``assetbridge.yaml``."""

    connections: Connections
    state: StateConfig = StateConfig()
    field_map: FieldMapConfig
    flows: Flows = Flows()
    policies: Policies = Policies()
    receiver: ReceiverConfig = ReceiverConfig()
