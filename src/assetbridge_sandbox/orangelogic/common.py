"""Request parameters, envelopes and errors shared by the Orange Logic routes.

Parameters (read by ``formstream.read_params``) are case-insensitive and may come from the query string or
a POST body; an HTTP header of the same name overrides both (reference §1.2). Keys are decoded without
turning ``+`` into a space so that DataTable operators written literally (``CoreField.Keywords+=a|b``)
survive, as on real tenants.

Error shapes per family (reference §1.4): legacy ``/API`` calls answer ``APIResponse.Code != "SUCCESS"``
(HTTP ``legacy_error_status``, 200 by default like real tenants; 401 for authentication), DataTable puts
``Response.ErrorList.ErrorDetails``, ``/webapi`` answers ``{"Message", "ErrorCode"}`` with a 4xx status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, unquote_plus

from starlette.responses import JSONResponse

Family = Literal["legacy", "datatable", "webapi"]

PROVIDER_VERSION = "SANDBOX.R1.2026A.1"
PROVIDER_IDENTITY = "SBX-LOCAL-001"
RESPONSE_HEADERS = {
    "x-cortex-location": "SBX",
    "x-cortex-providerid": "5a9f1c2e00004a1e8000sandbox000001",
    "x-cortex-provideridentity": PROVIDER_IDENTITY,
}


class OLError(Exception):
    def __init__(
        self, status: int, message: str, *, code: str = "ERROR", extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.extra = extra or {}


def parse_pairs(raw: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for part in raw.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((unquote(key), unquote_plus(value)))
    return pairs


@dataclass
class StoredFile:
    """A file part of a multipart body, already written under ``data_dir/incoming`` (or only counted)."""

    field: str
    filename: str
    content_type: str
    path: Path | None
    size: int = 0


@dataclass
class Params:
    pairs: list[tuple[str, str]] = field(default_factory=list)
    files: list[StoredFile] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def get(self, name: str, default: str | None = None) -> str | None:
        lowered = name.lower()
        if lowered in self.headers:
            return self.headers[lowered]
        for key, value in self.pairs:
            if key.lower() == lowered:
                return value
        return default

    def getall(self, name: str) -> list[str]:
        lowered = name.lower()
        return [v for k, v in self.pairs if k.lower() == lowered]

    def has(self, name: str) -> bool:
        return self.get(name) is not None

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.get(name)
        if value is None or value == "":
            return default
        return value.strip().lower() in ("1", "true", "yes", "on")

    def int(self, name: str, default: int) -> int:
        value = self.get(name)
        if value is None or value.strip() == "":
            return default
        try:
            return int(value)
        except ValueError as exc:
            raise OLError(400, f"Parameter '{name}' must be an integer, got '{value}'") from exc


def request_info(
    module: str,
    version: str,
    resource: str,
    *,
    login: str | None,
    timeout_minutes: int,
    params: Params | None = None,
) -> dict[str, Any]:
    info: dict[str, Any] = {
        "Module": module,
        "APIVersion": version,
        "Resource": resource,
        "IsLoggedIn": login is not None,
        "ProviderVersion": PROVIDER_VERSION,
        "ProviderIdentity": PROVIDER_IDENTITY,
        "Status": "LoggedIn" if login is not None else "NotLoggedIn",
    }
    if login is not None:
        info["UserLogin"] = login
    if params is not None:
        shown = {k: v for k, v in params.pairs if k.lower() not in ("password", "token", "format")}
        if shown:
            info["Parameters"] = shown
    info["TimeoutPeriodMinutes"] = timeout_minutes
    return info


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers={**RESPONSE_HEADERS, **(headers or {})})


def webapi_error(
    status: int, message: str, code: str = "OL_ERR_006_BADREQUEST", **extra: Any
) -> JSONResponse:
    return json_response({"Message": message, "ErrorCode": code, **extra}, status)


def us_date(value: datetime) -> str:
    """Search v3/v4 default date rendering: the instance locale, ``M/d/yyyy h:mm:ss AM`` (reference §3.4)."""
    hour = value.hour % 12 or 12
    suffix = "AM" if value.hour < 12 else "PM"
    return f"{value.month}/{value.day}/{value.year} {hour}:{value.minute:02d}:{value.second:02d} {suffix}"


def iso_date(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def format_date(value: datetime, date_format: str | None) -> str:
    """``DateFormat``: absent → locale form; ``u`` → ``yyyy-MM-dd HH:mm:ssZ``; anything ISO-like → ISO."""
    if not date_format:
        return us_date(value)
    if date_format == "u":
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    return iso_date(value)


def parse_date(text: str) -> datetime:
    """Dates accepted in queries and DataTable writes: ISO (date or date-time, optional Z) or ``M/d/yyyy``."""
    value = text.strip().strip('"')
    for fmt in ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            pass
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
