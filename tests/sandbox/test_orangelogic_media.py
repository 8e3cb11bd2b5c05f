"""Orange Logic emulator: renditions and their expiry, downloads with Range, share links, uploads
(single, new version, from a URL, multi-part with MD5-checked chunks)."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

UPLOAD = "/API/UploadMedia/v3.0/UploadNewMedia"
MP = "/webapi/mediafile/import/upload"
ALIGN = 131_072


@pytest.fixture
def ol(sandbox: Any) -> Iterator[httpx.Client]:
    token = sandbox.config.orangelogic.static_bearer_token
    with httpx.Client(
        base_url=sandbox.urls["orangelogic"], headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as client:
        yield client


def upload(ol: httpx.Client, name: str, data: bytes, ctype: str, **params: str) -> dict[str, Any]:
    resp = ol.post(UPLOAD, params={"format": "json", **params}, files={"InputStream": (name, data, ctype)})
    assert resp.status_code == 200, resp.text
    body = resp.json()["APIResponse"]
    assert body["Code"] == "SUCCESS", body
    return dict(body)


def item(ol: httpx.Client, ident: str, fields: str) -> dict[str, Any]:
    resp = ol.post(
        "/API/Search/v4.0/Search",
        data={"query": f"SystemIdentifier:{ident}", "fields": fields, "format": "json"},
    )
    items = resp.json()["APIResponse"]["Items"]
    assert len(items) == 1, resp.text
    return dict(items[0])


def test_single_upload_metadata_folder_and_import_messages(sandbox: Any, ol: httpx.Client) -> None:
    folder = ol.post(
        "/API/DataTable/v2.2/Documents.Folder.Default:Create",
        data={"CoreField.Title:": "Uploads", "format": "json"},
    ).json()["Response"]
    meta = {"CoreField.Title": "Hero still", "AB.Language": "fr", "AB.Status": "Bogus", "X.Unknown": "1"}
    body = upload(
        ol,
        "hero.jpg",
        b"\xff\xd8\xff" + b"j" * 5000,
        "image/jpeg",
        FolderRecordID=folder["CoreField.Identifier"],
        Metadata=json.dumps(meta),
    )
    assert body["SystemIdentifier"].startswith("ABR") and body["RecordID"]
    found = item(ol, body["SystemIdentifier"], "Title,Language,MediaType,ParentFolderTitle,OriginalFilename")
    assert found == {
        "Title": "Hero still",
        "Language": {"Value": "fr"},
        "MediaType": "Image",
        "ParentFolderTitle": "Uploads",
        "OriginalFilename": "hero.jpg",
    }
    snapshot = httpx.get(
        f"{sandbox.urls['orangelogic']}/_sandbox/orangelogic/assets/{body['RecordID']}"
    ).json()
    messages = " ".join(snapshot["ImportMessages"])
    assert "X.Unknown" in messages and "Bogus" in messages
    no_file = ol.post(UPLOAD, params={"format": "json"}, data={"FileName": "x.jpg"})
    assert no_file.json()["APIResponse"]["Code"] == "MISSING_FILE"
    broken = ol.post(
        UPLOAD, params={"format": "json"}, content=b"junk", headers={"content-type": "multipart/form-data"}
    )
    assert broken.status_code == 200 and broken.json()["APIResponse"]["Code"] == "INVALID_REQUEST"


def test_rendition_uris_expire_after_600_seconds_and_support_range(sandbox: Any, ol: httpx.Client) -> None:
    body = upload(ol, "clip.mp4", b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40, "video/mp4")
    found = item(ol, body["SystemIdentifier"], "Path_TR1,Path_TR7,Path_WebHigh,Path_WebLow")
    for fmt in ("Path_TR1", "Path_TR7", "Path_WebHigh"):
        assert found[fmt]["URI"].startswith(sandbox.urls["orangelogic"]) and found[fmt]["Width"]
    assert found["Path_TR7"]["Height"] == 192
    assert found["Path_WebLow"] == {
        "URI": "",
        "Width": "",
        "Height": "",
        "Warning": "The requested format WebLow is not available for this asset",
    }
    with httpx.Client(timeout=30) as anonymous:  # the URI is its own credential
        full = anonymous.get(found["Path_WebHigh"]["URI"])
        assert full.status_code == 200 and len(full.content) > 100
        part = anonymous.get(found["Path_WebHigh"]["URI"], headers={"Range": "bytes=10-19"})
        assert part.status_code == 206 and part.content == full.content[10:20]
        assert part.headers["content-range"] == f"bytes 10-19/{len(full.content)}"
        assert anonymous.get(found["Path_TR1"]["URI"]).content[:2] == b"\xff\xd8"
        sandbox.clock.advance(590)  # a few real seconds may have passed since the URI was issued
        assert anonymous.get(found["Path_TR7"]["URI"]).status_code == 200
        sandbox.clock.advance(11)
        expired = anonymous.get(found["Path_TR7"]["URI"])
        assert expired.status_code == 403 and b"expired" in expired.content
        tampered = found["Path_TR1"]["URI"].replace("/Assets/V2/", "/Assets/V2/x")
        assert anonymous.get(tampered).status_code == 403


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")
def test_ffmpeg_renditions_from_real_media(tmp_path: Path, ol: httpx.Client) -> None:
    from assetbridge_sandbox import media

    path, name, ctype = media.make_sample(tmp_path, "real", "Video", "ffmpeg", variant=3)
    body = upload(ol, name, path.read_bytes(), ctype)
    found = item(ol, body["SystemIdentifier"], "Path_TR7,Path_WebHigh")
    thumb = httpx.get(found["Path_TR7"]["URI"], timeout=30).content
    proxy = httpx.get(found["Path_WebHigh"]["URI"], timeout=30).content
    assert thumb[:2] == b"\xff\xd8" and len(thumb) > 225  # a real frame, not the placeholder
    assert proxy[4:8] == b"ftyp"


def test_original_download_with_range_and_auth(sandbox: Any, ol: httpx.Client) -> None:
    data = bytes(range(256)) * 100
    body = upload(ol, "doc.wav", data, "audio/wav")
    url = "/htm/GetDocumentAPI.aspx"
    full = ol.get(url, params={"F": "TRX", "DocID": body["RecordID"]})
    assert full.status_code == 200 and full.content == data
    part = ol.get(url, params={"F": "TRX", "DocID": body["RecordID"]}, headers={"Range": "bytes=1000-"})
    assert part.status_code == 206 and part.content == data[1000:]
    with httpx.Client(base_url=sandbox.urls["orangelogic"], timeout=10) as anonymous:
        assert anonymous.get(url, params={"F": "TRX", "DocID": body["RecordID"]}).status_code == 401
        token = sandbox.config.orangelogic.static_bearer_token
        with_param = anonymous.get(url, params={"F": "TRX", "DocID": body["RecordID"], "token": token})
        assert with_param.content == data
    assert ol.get(url, params={"F": "TRX", "DocID": "NOPE"}).status_code == 404
    assert ol.get(url, params={"F": "TR1", "DocID": body["RecordID"]}).status_code == 404  # audio: no TR1


def test_getlink_share_link_expires(sandbox: Any, ol: httpx.Client) -> None:
    body = upload(ol, "share.jpg", b"\xff\xd8share" * 100, "image/jpeg")
    expires = sandbox.clock.now().replace(microsecond=0).timestamp() + 3600
    iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(expires))
    resp = ol.get(
        "/webapi/objectmanagement/share/getlink_4HZ_v1",
        params={"Identifier": body["SystemIdentifier"], "Format": "TRX", "ExpirationDate": iso},
    )
    link = resp.json()
    assert link["identifier"] == body["SystemIdentifier"] and link["recordID"] == body["RecordID"]
    assert link["expirationDate"].startswith(iso) and link["fileExtension"] == "jpg"
    assert httpx.get(link["link"]).content == b"\xff\xd8share" * 100
    sandbox.clock.advance(3601)
    assert httpx.get(link["link"]).status_code == 410
    missing = ol.get("/webapi/objectmanagement/share/getlink_4HZ_v1", params={"Identifier": "NOPE"})
    assert missing.status_code == 404 and missing.json()["ErrorCode"] == "OL_ERR_001_NOTFOUND"
    no_format = ol.get(
        "/webapi/objectmanagement/share/getlink_4HZ_v1",
        params={"Identifier": body["SystemIdentifier"], "Format": "WebHigh"},
    )
    assert no_format.status_code == 404 and no_format.json()["Format"] == "WebHigh"


def test_new_version_replaces_file_and_moves_edit_date(sandbox: Any, ol: httpx.Client) -> None:
    body = upload(ol, "v1.jpg", b"\xff\xd8first", "image/jpeg")
    before = item(ol, body["SystemIdentifier"], "EditDate")["EditDate"]
    sandbox.clock.advance(3600)
    resp = ol.post(
        "/API/UploadMedia/v3.0/UploadNewVersion",
        params={"format": "json", "RecordID": body["RecordID"]},
        files={"file": ("v2.jpg", b"\xff\xd8second", "image/jpeg")},
    )
    assert resp.json()["APIResponse"]["Version"] == 2
    assert resp.json()["APIResponse"]["SystemIdentifier"] == body["SystemIdentifier"]
    assert ol.get("/htm/GetDocumentAPI.aspx", params={"DocID": body["RecordID"]}).content == b"\xff\xd8second"
    assert item(ol, body["SystemIdentifier"], "EditDate")["EditDate"] != before
    missing = ol.post(
        "/API/UploadMedia/v3.0/UploadNewVersion",
        params={"format": "json", "RecordID": "NOPE"},
        files={"file": ("v2.jpg", b"x", "image/jpeg")},
    )
    assert missing.status_code == 404


def test_import_from_url_streams_into_a_new_asset(ol: httpx.Client) -> None:
    source = upload(ol, "source.mp4", b"\x00\x00\x00\x18ftypisom" + b"v" * 300_000, "video/mp4")
    link = ol.get(
        "/webapi/objectmanagement/share/getlink_4HZ_v1",
        params={"Identifier": source["SystemIdentifier"], "Format": "TRX"},
    ).json()["link"]
    resp = ol.post(
        f"{MP}/uploadmediawithurl_4c1_v1",
        json={
            "fileURL": link,
            "fileName": "copy.mp4",
            "importMode": "ProcessInLine",
            "metadata": {"CoreField.Title": "Copied"},
        },
    )
    assert resp.status_code == 200, resp.text
    imported = resp.json()
    assert imported["identifier"] != source["SystemIdentifier"]
    original = ol.get("/htm/GetDocumentAPI.aspx", params={"DocID": imported["recordID"]}).content
    assert len(original) == 300_012 and original[4:8] == b"ftyp"
    assert item(ol, imported["identifier"], "Title,MediaType") == {"Title": "Copied", "MediaType": "Video"}
    broken = ol.post(
        f"{MP}/uploadmediawithurl_4c1_v1", json={"fileURL": link.rsplit("/", 1)[0] + "/nolink.mp4"}
    )
    assert broken.status_code == 400 and broken.json()["ErrorCode"] == "OL_ERR_006_BADREQUEST"


def test_background_upload_is_not_searchable_until_processed(ol: httpx.Client) -> None:
    body = upload(ol, "bg.jpg", b"\xff\xd8bg", "image/jpeg", UploadMode="ProcessFullyInBackground")
    query = {"query": f"SystemIdentifier:{body['SystemIdentifier']}", "format": "json"}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if (
            ol.post("/API/Search/v4.0/Search", data=query).json()["APIResponse"]["GlobalInfo"]["TotalCount"]
            == 1
        ):
            break
        time.sleep(0.05)
    else:
        pytest.fail("background upload never became searchable")
    bad_mode = ol.post(
        UPLOAD,
        params={"format": "json", "UploadMode": "Whenever"},
        files={"f": ("a.jpg", b"x", "image/jpeg")},
    )
    assert bad_mode.json()["APIResponse"]["Code"] == "INVALID_PARAMETER"


def _chunk(ol: httpx.Client, item_id: str, data: bytes, start: int, md5: str | None = None) -> httpx.Response:
    chunk = data[start : start + ALIGN]
    params: dict[str, Any] = {"start": start, "end": start + len(chunk) - 1, "totalLength": len(data)}
    if md5 is not None:
        params["md5"] = md5
    return ol.post(f"{MP}/item/26_v1/{item_id}", params=params, files={"data": ("blob", chunk)})


def test_multipart_upload_with_bad_chunk_md5_retried(sandbox: Any, ol: httpx.Client) -> None:
    control = f"{sandbox.urls['orangelogic']}/_sandbox/orangelogic/multipart-threshold"
    assert httpx.put(control, json={"bytes": 2 * ALIGN}).json() == {"bytes": 2 * ALIGN}
    data = bytes(i % 251 for i in range(3 * ALIGN + 1000))
    too_big = ol.post(UPLOAD, params={"format": "json"}, files={"f": ("big.mp4", data, "video/mp4")})
    assert too_big.status_code == 413 and too_big.json()["APIResponse"]["Code"] == "FILE_TOO_LARGE"

    boundary = "sbxboundary"

    def chunked_body() -> Iterator[bytes]:  # no Content-Length: the limit is enforced while streaming
        yield f'--{boundary}\r\nContent-Disposition: form-data; name="f"; filename="big.mp4"\r\n\r\n'.encode()
        yield from (data[i : i + 65536] for i in range(0, len(data), 65536))
        yield f"\r\n--{boundary}--\r\n".encode()

    streamed = ol.post(
        UPLOAD,
        params={"format": "json"},
        content=chunked_body(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert streamed.status_code == 413
    assert list((sandbox.orangelogic.data_dir / "incoming").iterdir()) == []  # nothing left behind

    tx = ol.post(f"{MP}/createtransaction_23_v1", json={"metadata": {"CoreField.Title": "Big master"}}).json()
    reg = ol.post(
        f"{MP}/registerassets_24_v1",
        json={
            "transactionID": tx["transactionID"],
            "files": [{"fileName": "Masters/big.mp4", "fileSize": len(data)}],
        },
    ).json()
    entry = reg["items"][0]
    assert entry["startposition"] == 0 and entry["requestedFileSize"] == len(data) and entry["identifier"]
    item_id = entry["uploadItemID"]
    md5 = [
        hashlib.md5(data[s : s + ALIGN], usedforsecurity=False).hexdigest()
        for s in range(0, len(data), ALIGN)
    ]
    assert _chunk(ol, item_id, data, 0, md5[0]).status_code == 200
    bad = _chunk(ol, item_id, data, ALIGN, md5[0])  # wrong digest for the second chunk
    assert bad.status_code == 400 and "MD5" in bad.json()["Message"]
    b64 = base64.b64encode(hashlib.md5(data[3 * ALIGN :], usedforsecurity=False).digest()).decode()
    assert _chunk(ol, item_id, data, 3 * ALIGN, b64).status_code == 200  # out of order, base64 MD5
    assert _chunk(ol, item_id, data, 2 * ALIGN).status_code == 200  # MD5 optional
    incomplete = ol.post(f"{MP}/complete_27_v1", json={"uploadItemID": item_id}).json()
    assert incomplete["uploadStatus"] == "Incomplete"
    assert _chunk(ol, item_id, data, ALIGN, md5[1]).status_code == 200  # the failed chunk alone
    done = ol.post(f"{MP}/complete_27_v1", json={"uploadItemID": item_id}).json()
    assert done == {
        "uploadItemID": item_id,
        "duplicateRecordID": None,
        "assetVersion": 0,
        "uploadStatus": "Success",
    }
    assert ol.get("/htm/GetDocumentAPI.aspx", params={"DocID": entry["dO_recordID"]}).content == data
    assert (
        list((sandbox.orangelogic.data_dir / "incoming").iterdir()) == []
    )  # chunks and parts moved or removed
    found = item(ol, entry["identifier"], "Title,ParentFolderTitle,MediaType")
    assert found == {"Title": "Big master", "ParentFolderTitle": "Masters", "MediaType": "Video"}


def test_multipart_chunk_rules(ol: httpx.Client) -> None:
    tx = ol.post(f"{MP}/createtransaction_23_v1", json={}).json()
    entry = ol.post(
        f"{MP}/registerassets_24_v1",
        json={"transactionID": tx["transactionID"], "files": [{"fileName": "a.mov", "fileSize": 2 * ALIGN}]},
    ).json()["items"][0]
    item_id = entry["uploadItemID"]
    misaligned = ol.post(
        f"{MP}/item/26_v1/{item_id}",
        params={"start": 100, "end": ALIGN - 1, "totalLength": 2 * ALIGN},
        files={"data": ("b", b"x" * (ALIGN - 100))},
    )
    assert misaligned.status_code == 400 and misaligned.json()["ErrorCode"] == "OL_ERR_006_BADREQUEST"
    short = ol.post(
        f"{MP}/item/26_v1/{item_id}",
        params={"start": 0, "end": ALIGN - 1, "totalLength": 2 * ALIGN},
        files={"data": ("b", b"x" * 10)},
    )
    assert short.status_code == 400
    wrong_total = ol.post(
        f"{MP}/item/26_v1/{item_id}",
        params={"start": 0, "end": ALIGN - 1, "totalLength": 5},
        files={"data": ("b", b"x" * ALIGN)},
    )
    assert wrong_total.status_code == 400
    assert (
        ol.post(f"{MP}/item/26_v1/NOPE", params={"start": 0, "end": 0, "totalLength": 1}).status_code == 404
    )
    bad_files = ol.post(
        f"{MP}/registerassets_24_v1", json={"transactionID": tx["transactionID"], "files": "x"}
    )
    assert bad_files.status_code == 400


def test_multipart_new_version_of_existing_asset(ol: httpx.Client) -> None:
    body = upload(ol, "old.jpg", b"\xff\xd8old", "image/jpeg")
    tx = ol.post(f"{MP}/createtransaction_23_v1", json={}).json()
    data = b"\xff\xd8new" * 1000
    entry = ol.post(
        f"{MP}/registerassets_24_v1",
        json={
            "transactionID": tx["transactionID"],
            "files": [{"fileName": "new.jpg", "fileSize": len(data), "recordID": body["RecordID"]}],
        },
    ).json()["items"][0]
    assert entry["identifier"] == body["SystemIdentifier"]
    assert _chunk(ol, entry["uploadItemID"], data, 0).status_code == 200
    done = ol.post(f"{MP}/complete_27_v1", json={"uploadItemID": entry["uploadItemID"]}).json()
    assert done["uploadStatus"] == "Success" and done["assetVersion"] == 2
    assert ol.get("/htm/GetDocumentAPI.aspx", params={"DocID": body["RecordID"]}).content == data
