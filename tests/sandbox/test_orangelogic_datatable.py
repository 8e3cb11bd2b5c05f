"""Orange Logic emulator: DataTable v2.2 verbs, operators, validation and import messages over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

DT = "/API/DataTable/v2.2"


@pytest.fixture
def ol(sandbox: Any) -> Iterator[httpx.Client]:
    token = sandbox.config.orangelogic.static_bearer_token
    with httpx.Client(
        base_url=sandbox.urls["orangelogic"], headers={"Authorization": f"Bearer {token}"}, timeout=10
    ) as client:
        yield client


def call(ol: httpx.Client, obj_verb: str, **data: str) -> dict[str, Any]:
    resp = ol.post(f"{DT}/{obj_verb}", data={**data, "format": "json"})
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def post(ol: httpx.Client, obj_verb: str, data: dict[str, str]) -> dict[str, Any]:
    resp = ol.post(f"{DT}/{obj_verb}", data={**data, "format": "json"})
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def read(ol: httpx.Client, ident: str) -> dict[str, Any]:
    body = post(ol, "Documents.All:Read", {"CoreField.Identifier": ident})
    assert body["ResponseSummary"]["TotalItemCount"] == 1
    return dict(body["Response"][0])


def error_of(body: dict[str, Any]) -> str:
    return str(body["Response"]["ErrorList"]["ErrorDetails"])


@pytest.fixture
def asset(ol: httpx.Client) -> str:
    body = post(
        ol, "Documents.Video.Default:Create", {"CoreField.Title:": "Launch film", "AB.Status:": "Draft"}
    )
    assert body["Response"]["RecordsAffected"]["Result"]["Code"] == "SUCCESS"
    return str(body["Response"]["CoreField.Identifier"])


def test_create_read_envelope_and_identifiers(sandbox: Any, ol: httpx.Client, asset: str) -> None:
    body = post(ol, "Documents.Video.Default:Read", {"CoreField.Identifier": asset})
    assert body["APIRequestInfo"]["Module"] == "DataTable"
    assert body["RequestInterpretation"]["Filters"] == [
        {
            "Field": "CoreField.Identifier",
            "Operator": "=",
            "OperatorDescription": "Field must be equal to value",
            "Value": asset,
        }
    ]
    record = body["Response"][0]
    assert record["CoreField.Title"] == "Launch film" and record["AB.Status"] == "Draft"
    assert asset.startswith(sandbox.config.orangelogic.tenant_prefix)
    assert record["RecordID"] != asset and len(record["RecordID"]) >= 10
    assert record["CoreField.Parent-folder"]  # the hidden root
    assert body["ResponseSummary"] == {"CurrentPage": 1, "ItemsPerPage": 30, "TotalItemCount": 1}
    by_record_id = post(ol, "Documents.All:Read", {"RecordID": record["RecordID"]})["Response"][0]
    assert by_record_id["CoreField.Identifier"] == asset
    # The alternative path order and a literal '+=' in the raw query string (how the docs write it).
    alt = ol.post(
        f"/API/v2.2/DataTable/Documents.Video.Default:Update?CoreField.Identifier={asset}"
        "&AB.Territories+=EMEA|APAC&format=json"
    )
    assert alt.json()["Response"]["RecordsAffected"]["Result"]["Code"] == "SUCCESS"
    assert read(ol, asset)["AB.Territories"] == "EMEA|APAC"


def test_operators_on_multi_value_fields(ol: httpx.Client, asset: str) -> None:
    post(ol, "Documents.Video.Default:Update", {"CoreField.Identifier": asset, "AB.Channels:": "Web|Social"})
    assert read(ol, asset)["AB.Channels"] == "Web|Social"
    post(ol, "Documents.Video.Default:Update", {"CoreField.Identifier": asset, "AB.Channels+": "print|Web"})
    assert read(ol, asset)["AB.Channels"] == "Web|Social|Print"  # canonical option spelling, no duplicate
    post(ol, "Documents.Video.Default:Update", {"CoreField.Identifier": asset, "AB.Channels-": "Social"})
    assert read(ol, asset)["AB.Channels"] == "Web|Print"
    post(ol, "Documents.Video.Default:Update", {"CoreField.Identifier": asset, "AB.Channels--": ""})
    assert read(ol, asset)["AB.Channels"] == ""
    # += only accepts existing authority values; ++= creates them (Keywords is an open list).
    bad = post(
        ol,
        "Documents.Video.Default:Update",
        {"CoreField.Identifier": asset, "CoreField.Keywords+": "brand-new"},
    )
    assert "brand-new" in error_of(bad)
    post(
        ol,
        "Documents.Video.Default:Update",
        {"CoreField.Identifier": asset, "CoreField.Keywords++": "brand-new|hero"},
    )
    post(ol, "Documents.Video.Default:Update", {"CoreField.Identifier": asset, "CoreField.Keywords+": "hero"})
    assert read(ol, asset)["CoreField.Keywords"] == "brand-new|hero"


def test_select_fields_accept_only_their_options_all_or_nothing(ol: httpx.Client, asset: str) -> None:
    body = post(
        ol,
        "Documents.Video.Default:Update",
        {"CoreField.Identifier": asset, "CoreField.Title:": "changed", "AB.Status:": "Shipped"},
    )
    assert "Shipped" in error_of(body) and "AB.Status" in error_of(body)
    after = read(ol, asset)
    assert after["AB.Status"] == "Draft" and after["CoreField.Title"] == "Launch film"
    post(
        ol, "Documents.Video.Default:Update", {"CoreField.Identifier": asset, "AB.Status:": "pending review"}
    )
    assert read(ol, asset)["AB.Status"] == "Pending Review"
    bad_date = post(
        ol, "Documents.Video.Default:Update", {"CoreField.Identifier": asset, "AB.Rights-end:": "soon"}
    )
    assert "soon" in error_of(bad_date)
    post(
        ol, "Documents.Video.Default:Update", {"CoreField.Identifier": asset, "AB.Rights-end:": "2027-06-30"}
    )
    assert read(ol, asset)["AB.Rights-end"] == "2027-06-30T00:00:00"


def test_read_only_ignored_and_unknown_field_goes_to_import_messages(
    sandbox: Any, ol: httpx.Client, asset: str
) -> None:
    before = read(ol, asset)
    body = post(
        ol,
        "Documents.Video.Default:Update",
        {
            "CoreField.Identifier": asset,
            "CoreField.OriginalFileName:": "hacked.mov",
            "AB.Locked-note:": "x",
            "Nope.Missing-field:": "value",
            "AB.Campaign:": "Summer Splash",
        },
    )
    assert body["Response"]["RecordsAffected"]["Result"]["Code"] == "SUCCESS"
    assert body["RequestInterpretation"]["IgnoredParameters"] == ["Nope.Missing-field"]
    after = read(ol, asset)
    assert after["CoreField.OriginalFileName"] == before["CoreField.OriginalFileName"]
    assert after["AB.Campaign"] == "Summer Splash"
    assert "AB.Locked-note" not in after or after["AB.Locked-note"] == ""
    assert "Nope.Missing-field" in after["CoreField.Import-messages"]
    inspected = httpx.get(f"{sandbox.urls['orangelogic']}/_sandbox/orangelogic/assets/{asset}").json()
    assert any("Nope.Missing-field" in m for m in inspected["ImportMessages"])
    assert inspected["Fields"]["AB.Campaign"] == "Summer Splash"


def test_value_limit_2048_characters(ol: httpx.Client, asset: str) -> None:
    ok = post(
        ol,
        "Documents.Video.Default:Update",
        {"CoreField.Identifier": asset, "CoreField.CaptionLong:": "x" * 2048},
    )
    assert ok["Response"]["RecordsAffected"]["Result"]["Code"] == "SUCCESS"
    too_long = post(
        ol,
        "Documents.Video.Default:Update",
        {"CoreField.Identifier": asset, "CoreField.CaptionLong:": "y" * 2049},
    )
    assert "2048" in error_of(too_long)
    assert read(ol, asset)["CoreField.CaptionLong"] == "x" * 2048


def test_edit_date_moves_on_update(sandbox: Any, ol: httpx.Client, asset: str) -> None:
    before = read(ol, asset)["CoreField.EditDate"]
    sandbox.clock.advance(120)
    post(
        ol,
        "Documents.Video.Default:Update",
        {"CoreField.Identifier": asset, "CoreField.Title:": "Launch film v2"},
    )
    assert read(ol, asset)["CoreField.EditDate"] > before


def test_create_or_update_delete_and_criteria_rules(ol: httpx.Client) -> None:
    first = post(
        ol,
        "Documents.Image.Default:CreateOrUpdate",
        {"CoreField.Id_Client": "OL123", "CoreField.Title:": "A"},
    )
    second = post(
        ol,
        "Documents.Image.Default:CreateOrUpdate",
        {"CoreField.Id_Client": "OL123", "CoreField.Title:": "B"},
    )
    assert first["Response"]["RecordID"] == second["Response"]["RecordID"]
    ident = first["Response"]["CoreField.Identifier"]
    assert read(ol, ident)["CoreField.Title"] == "B" and read(ol, ident)["CoreField.Id_Client"] == "OL123"
    all_by_title = post(ol, "Documents.All:Read", {"CoreField.Title": "B"})
    assert "Documents.All" in error_of(all_by_title)
    missing = post(
        ol, "Documents.Image.Default:Update", {"CoreField.Identifier": "ABR999999", "CoreField.Title:": "x"}
    )
    assert error_of(missing)
    deleted = post(ol, "Documents.Image.Default:Delete", {"CoreField.Identifier": ident})
    assert deleted["Response"]["RecordsAffected"]["Result"]["Code"] == "SUCCESS"
    gone = post(ol, "Documents.All:Read", {"CoreField.Identifier": ident})
    assert gone["Response"] == [] and gone["ResponseSummary"]["TotalItemCount"] == 0
    deletions = ol.get(
        "/webapi/objectmanagement/deletion/getdeletedobjects_45C_v1",
        params={"FromDate": "2000-01-01T00:00:00"},
    ).json()
    assert [d["identifier"] for d in deletions["deletedObjects"]] == [ident]
    later = ol.get(
        "/webapi/objectmanagement/deletion/getdeletedobjects_45C_v1", params={"FromDate": "2999-01-01"}
    )
    assert later.json()["totalCount"] == 0
    assert "Unknown object" in error_of(post(ol, "Documents.Spaceship.Default:Read", {"RecordID": "x"}))
    assert error_of(post(ol, "Documents.Image.Default:Explode", {"RecordID": "x"}))


def test_parent_folder_link_and_list_fields(ol: httpx.Client) -> None:
    folder = post(ol, "Documents.Folder.Default:Create", {"CoreField.Title:": "Brand"})["Response"]
    link = f"[{DT}/Documents.Folder.Default:Read?CoreField.Identifier={folder['CoreField.Identifier']}]"
    image = post(
        ol,
        "Documents.Image.Default:Create",
        {"CoreField.Title:": "in brand", "CoreField.Parent-folder:": link},
    )
    assert (
        read(ol, image["Response"]["CoreField.Identifier"])["CoreField.Parent-folder"] == folder["RecordID"]
    )
    assert read(ol, folder["CoreField.Identifier"])["CoreField.Type"] == "Story"
    album = post(ol, "Documents.Virtual-Folder.Default:Create", {"CoreField.Title:": "Picks"})["Response"]
    assert read(ol, album["CoreField.Identifier"])["CoreField.Type"] == "Album"
    bad = post(ol, "Documents.Image.Default:Create", {"CoreField.Parent-folder:": "NOPE"})
    assert "NOPE" in error_of(bad)
    fields = post(ol, "Documents.All:ListFields", {})["Response"]
    assert fields["AB.Status"]["Options"] == ["Draft", "Pending Review", "Approved", "Rejected"]
    assert fields["AB.Territories"]["IsMultiValued"] is True
    assert fields["CoreField.OriginalFileName"]["IsReadOnly"] is True


def test_reads_by_identifier_name_one_record_and_respect_the_other_criteria(ol: httpx.Client) -> None:
    """Identifier criteria are looked up, not scanned for: the answer must still be exactly what a scan
    finds (case-insensitive, the object's doc type and every other criterion applied)."""
    video = post(ol, "Documents.Video.Default:Create", {"CoreField.Title:": "Clip"})["Response"]
    image = post(ol, "Documents.Image.Default:Create", {"CoreField.Title:": "Still"})["Response"]
    record_id = read(ol, video["CoreField.Identifier"])["RecordID"]
    for selector in (
        {"CoreField.Identifier": video["CoreField.Identifier"].lower()},
        {"CoreField.Unique-identifier": video["CoreField.Identifier"]},
        {"RecordID": record_id},
    ):
        body = post(ol, "Documents.All:Read", selector)
        assert [r["CoreField.Identifier"] for r in body["Response"]] == [video["CoreField.Identifier"]]
    as_video = post(
        ol, "Documents.Video.Default:Read", {"CoreField.Identifier": image["CoreField.Identifier"]}
    )
    assert as_video["ResponseSummary"]["TotalItemCount"] == 0
    other_title = {"CoreField.Identifier": video["CoreField.Identifier"], "CoreField.Title": "Still"}
    assert post(ol, "Documents.Video.Default:Read", other_title)["ResponseSummary"]["TotalItemCount"] == 0
    by_title = post(ol, "Documents.Video.Default:Read", {"CoreField.Title": "Clip"})["Response"]
    assert [r["CoreField.Identifier"] for r in by_title] == [video["CoreField.Identifier"]]
