"""Orange Logic emulator: every authentication path, token transport, expiry on the sandbox clock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

CC = "/webapi/security/clientcredentialsauthentication/authenticate_46H_v1"
OAUTH = "/webapi/security/oauth2/token_48I_v1"
SEARCH = "/API/Search/v4.0/Search"


@pytest.fixture
def info(sandbox: Any) -> dict[str, Any]:
    return dict(sandbox.info()["orangelogic"])


@pytest.fixture
def http(info: dict[str, Any]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=info["base_url"], timeout=10) as client:
        yield client


def _cc(http: httpx.Client, info: dict[str, Any], **override: str) -> httpx.Response:
    data = {
        "grant_type": "client_credentials",
        "client_id": info["client_id"],
        "client_secret": info["client_secret"],
    }
    return http.post(CC, data={**data, **override})


def _search(http: httpx.Client, **kwargs: Any) -> httpx.Response:
    return http.post(SEARCH, data={"query": "", "format": "json", **kwargs.pop("data", {})}, **kwargs)


def _assert_legacy_401(resp: httpx.Response) -> None:
    assert resp.status_code == 401
    body = resp.json()
    assert body["APIRequestInfo"]["IsLoggedIn"] is False
    assert body["APIResponse"]["Code"] != "SUCCESS"


def test_client_credentials_bearer_expires_after_token_ttl(
    sandbox: Any, http: httpx.Client, info: dict[str, Any]
) -> None:
    resp = _cc(http, info)
    assert resp.status_code == 200
    body = resp.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    ok = _search(http, headers=headers)
    assert ok.status_code == 200 and ok.json()["APIRequestInfo"]["IsLoggedIn"] is True
    sandbox.clock.advance(3599)
    assert _search(http, headers=headers).status_code == 200
    sandbox.clock.advance(2)
    _assert_legacy_401(_search(http, headers=headers))


def test_client_credentials_json_body_and_bad_secret(http: httpx.Client, info: dict[str, Any]) -> None:
    good = http.post(
        CC,
        json={
            "grant_type": "client_credentials",
            "client_id": info["client_id"],
            "client_secret": info["client_secret"],
        },
    )
    assert good.status_code == 200 and good.json()["access_token"]
    bad = _cc(http, info, client_secret="wrong")
    assert bad.status_code == 401
    assert set(bad.json()) >= {"Message", "ErrorCode"}
    assert "wrong" not in bad.text


def test_oauth2_authorization_code_and_refresh(
    sandbox: Any, http: httpx.Client, info: dict[str, Any]
) -> None:
    code = http.post("/_sandbox/orangelogic/oauth2/codes").json()["code"]
    creds = {"client_id": info["client_id"], "client_secret": info["client_secret"]}
    first = http.post(OAUTH, data={**creds, "grant_type": "authorization_code", "code": code})
    assert first.status_code == 200
    tokens = first.json()
    assert tokens["refresh_token"] and tokens["access_token"]
    reused = http.post(OAUTH, data={**creds, "grant_type": "authorization_code", "code": code})
    assert reused.status_code == 400 and reused.json()["ErrorCode"]
    sandbox.clock.advance(3601)
    _assert_legacy_401(_search(http, headers={"Authorization": f"Bearer {tokens['access_token']}"}))
    refreshed = http.post(
        OAUTH, data={**creds, "grant_type": "refresh_token", "code": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200
    assert (
        _search(http, headers={"Authorization": f"Bearer {refreshed.json()['access_token']}"}).status_code
        == 200
    )


@pytest.mark.parametrize("version", ["v1.0", "v2.0"])
def test_login_token_as_parameter_any_case_with_sliding_timeout(
    sandbox: Any, info: dict[str, Any], version: str
) -> None:
    with httpx.Client(base_url=info["base_url"], timeout=10) as http:
        resp = http.get(
            f"/api/Authentication/{version}/Login",
            params={"Login": info["login"], "Password": info["password"], "format": "json"},
        )
        assert resp.status_code == 200
        body = resp.json()
        assert body["APIRequestInfo"]["TimeoutPeriodMinutes"] == 60
        assert body["APIRequestInfo"]["Parameters"] == {"Login": info["login"]}
        inner = body["APIResponse"]["Response"] if version == "v2.0" else body["APIResponse"]
        assert inner["Code"] == "SUCCESS"
        token = inner["Token"]
    with httpx.Client(base_url=info["base_url"], timeout=10) as fresh:  # no session cookie
        assert _search(fresh, data={"token": token}).status_code == 200
        sandbox.clock.advance(3000)
        assert fresh.get(SEARCH, params={"TOKEN": token, "FORMAT": "JSON"}).status_code == 200
        sandbox.clock.advance(3000)  # 6000 s after login but only 3000 s after the last use
        assert _search(fresh, headers={"Token": token}).status_code == 200
        sandbox.clock.advance(3601)
        _assert_legacy_401(_search(fresh, data={"token": token}))


def test_login_cookie_and_wrong_password(info: dict[str, Any], http: httpx.Client) -> None:
    bad = http.post(
        "/API/Authentication/v1.0/Login", data={"Login": info["login"], "Password": "x", "format": "json"}
    )
    _assert_legacy_401(bad)
    assert "Password" not in bad.json()["APIRequestInfo"].get("Parameters", {})
    good = http.post(
        "/API/Authentication/v1.0/Login",
        data={"Login": info["login"], "Password": info["password"], "format": "json"},
    )
    assert good.status_code == 200
    # An invalid token while a valid session cookie is in effect: the cookie wins (reference §2.3).
    assert _search(http, data={"token": "not-a-token"}).status_code == 200


def test_static_bearer_never_expires_until_revoked(sandbox: Any, http: httpx.Client) -> None:
    token = sandbox.config.orangelogic.static_bearer_token
    headers = {"Authorization": f"Bearer {token}"}
    sandbox.clock.advance(365 * 86400)
    assert _search(http, headers=headers).status_code == 200
    assert http.post("/_sandbox/orangelogic/tokens/revoke", json={"token": token}).json() == {"revoked": True}
    _assert_legacy_401(_search(http, headers=headers))


def test_control_api_expires_issued_tokens(http: httpx.Client, info: dict[str, Any]) -> None:
    headers = {"Authorization": f"Bearer {_cc(http, info).json()['access_token']}"}
    assert _search(http, headers=headers).status_code == 200
    assert http.post("/_sandbox/orangelogic/tokens/expire", json={"kind": "oauth"}).json()["expired"] >= 1
    _assert_legacy_401(_search(http, headers=headers))


def test_missing_token_shapes_per_family(http: httpx.Client) -> None:
    _assert_legacy_401(_search(http))
    webapi = http.get("/webapi/objectmanagement/share/getlink_4HZ_v1", params={"Identifier": "ABR1"})
    assert webapi.status_code == 401
    assert webapi.json()["ErrorCode"] == "OL_ERR_002_NOTALLOWED" and webapi.json()["Message"]
    dt = http.post(
        "/API/DataTable/v2.2/Documents.Image.Default:Read", data={"RecordID": "x", "format": "json"}
    )
    assert dt.status_code == 401 and dt.json()["Response"]["ErrorList"]["ErrorDetails"]


def test_case_insensitive_paths_and_xml_not_supported(sandbox: Any, http: httpx.Client) -> None:
    headers = {"Authorization": f"Bearer {sandbox.config.orangelogic.static_bearer_token}"}
    resp = http.get("/api/search/V4.0/search", params={"Format": "JSON", "QUERY": ""}, headers=headers)
    assert resp.status_code == 200 and resp.json()["APIResponse"]["GlobalInfo"]["TotalCount"] == 0
    assert resp.headers["x-cortex-provideridentity"]
    xml = http.get("/API/Search/v4.0/Search", params={"query": ""}, headers=headers)
    assert xml.json()["APIResponse"]["Code"] == "FORMAT_NOT_SUPPORTED"
    assert "not supported by the sandbox" in xml.json()["APIResponse"]["Message"]
    unknown = http.get("/API/Nothing/v1.0/Here", headers=headers)
    assert unknown.status_code == 404 and unknown.json()["ErrorCode"] == "OL_ERR_001_NOTFOUND"
