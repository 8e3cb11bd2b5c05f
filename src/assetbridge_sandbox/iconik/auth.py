"""iconik emulator: token check and the current user (reference §1.2).

The app middleware already answers 401 "Token is invalid" for missing, wrong or revoked
credentials, so reaching these routes means the token is valid.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from assetbridge_sandbox.iconik.state import IconikState


def current_user(state: IconikState) -> dict[str, Any]:
    """A UserSchema for the configured sandbox user (an admin power user)."""
    created = "2024-01-01T00:00:00.000000+00:00"
    return {
        "id": state.config.user_id,
        "first_name": "Sandbox",
        "last_name": "User",
        "email": "sandbox-user@example.com",
        "type": "POWER",
        "status": "ACTIVE",
        "is_admin": True,
        "is_super_admin": False,
        "is_super_admin_light": False,
        "groups": [],
        "system_domain_id": state.config.system_domain_id,
        "system_domains": [state.config.system_domain_id],
        "hide_email": False,
        "hide_phone": False,
        "metadata": None,
        "date_created": created,
        "date_modified": created,
    }


def build_router(state: IconikState) -> APIRouter:
    router = APIRouter()

    @router.get("/API/auth/v1/auth/token/")
    async def check_token() -> dict[str, Any]:
        return {}

    @router.get("/API/users/v1/users/current/")
    async def read_current_user() -> dict[str, Any]:
        return current_user(state)

    return router
