from __future__ import annotations

import pytest
from pydantic import ValidationError as PydanticValidationError

from assetbridge.connectors.orangelogic import ClientCredentialsAuth, LoginAuth, OrangeLogicSettings


def test_auth_mode_is_chosen_by_its_discriminator_and_secrets_stay_hidden() -> None:
    settings = OrangeLogicSettings.model_validate(
        {
            "base_url": "https://acme.orangelogic.com/",
            "auth": {"mode": "login", "login": "api", "password": "pw-123"},
        }
    )
    assert isinstance(settings.auth, LoginAuth)
    assert settings.base_url == "https://acme.orangelogic.com"
    assert "pw-123" not in repr(settings) and "pw-123" not in str(settings.model_dump())


def test_chunk_size_must_be_a_multiple_of_131072() -> None:
    auth = ClientCredentialsAuth(client_id="c", client_secret="s")
    OrangeLogicSettings(base_url="https://t.example", auth=auth, chunk_size_bytes=131_072 * 3)
    with pytest.raises(PydanticValidationError, match="131072"):
        OrangeLogicSettings(base_url="https://t.example", auth=auth, chunk_size_bytes=1_000_000)


def test_unknown_keys_and_bad_urls_are_refused() -> None:
    auth = {"mode": "client_credentials", "client_id": "c", "client_secret": "s"}
    with pytest.raises(PydanticValidationError):
        OrangeLogicSettings.model_validate({"base_url": "https://t.example", "auth": auth, "retries": 3})
    with pytest.raises(PydanticValidationError, match="http"):
        OrangeLogicSettings.model_validate({"base_url": "t.example", "auth": auth})
