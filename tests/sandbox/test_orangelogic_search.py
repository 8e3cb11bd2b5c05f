"""Orange Logic emulator: Search v3/v4 over HTTP — query language, fields, paging, sort, errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

SEARCH = "/API/Search/v4.0/Search"


def _client(sandbox: Any) -> httpx.Client:
    token = sandbox.config.orangelogic.static_bearer_token
    return httpx.Client(
        base_url=sandbox.urls["orangelogic"], headers={"Authorization": f"Bearer {token}"}, timeout=10
    )


@pytest.fixture
def ol(sandbox: Any) -> Iterator[httpx.Client]:
    with _client(sandbox) as client:
        yield client


def create(ol: httpx.Client, doc_type: str = "Image", **fields: str) -> str:
    """DataTable Create; ``AB__Status`` → ``AB.Status:=``; a ``_add`` suffix uses ``++=`` instead."""
    data = {}
    for key, value in fields.items():
        op = "++" if key.endswith("_add") else ":"
        data[key.removesuffix("_add").replace("__", ".").replace("_", "-") + op] = value
    resp = ol.post(
        f"/API/DataTable/v2.2/Documents.{doc_type}.Default:Create", data={**data, "format": "json"}
    )
    assert resp.status_code == 200, resp.text
    return str(resp.json()["Response"]["CoreField.Identifier"])


def search(ol: httpx.Client, query: str, path: str = SEARCH, **params: str) -> dict[str, Any]:
    resp = ol.post(path, data={"query": query, "format": "json", "fields": "SystemIdentifier", **params})
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def ids(body: dict[str, Any]) -> set[str]:
    return {item["SystemIdentifier"] for item in body["APIResponse"]["Items"]}


@pytest.fixture
def corpus(ol: httpx.Client) -> dict[str, str]:
    return {
        "bridge": create(
            ol, CoreField__Title="London Bridge at night", AB__Campaign="Night Run", AB__Status="Approved"
        ),
        "tower": create(
            ol, CoreField__Title="Tower of London", AB__Campaign="Brand Refresh", AB__Status="Draft"
        ),
        "paris": create(
            ol,
            "Video",
            CoreField__Title="Paris skyline",
            AB__Campaign="Night Run",
            AB__Status="Pending Review",
            CoreField__Keywords_add="hero|teaser",
        ),
        "other": create(ol, "Audio", CoreField__Title="Ambient bed", AB__Status="Rejected"),
    }


def test_boolean_operators_parentheses_phrases_and_wildcards(
    ol: httpx.Client, corpus: dict[str, str]
) -> None:
    c = corpus
    assert ids(search(ol, "Title:London")) == {c["bridge"], c["tower"]}
    assert ids(search(ol, "Title:London AND Campaign:Night")) == {c["bridge"]}
    assert ids(search(ol, "Title:London Campaign:Night")) == {c["bridge"]}  # juxtaposition = AND
    assert ids(search(ol, "Title:Tower OR Title:Paris")) == {c["tower"], c["paris"]}
    assert ids(search(ol, "Campaign:Night NOT MediaType:Video")) == {c["bridge"]}
    assert ids(search(ol, "NOT Status:Approved AND (MediaType:Video OR MediaType:Audio)")) == {
        c["paris"],
        c["other"],
    }
    assert ids(search(ol, 'Title:"bridge at night"')) == {c["bridge"]}
    assert ids(search(ol, 'Title:"night at bridge"')) == set()
    assert ids(search(ol, 'Status:"Pending Review"')) == {c["paris"]}
    assert ids(search(ol, "Title:Lond*")) == {c["bridge"], c["tower"]}
    assert ids(search(ol, "Title:*yline")) == {c["paris"]}
    assert ids(search(ol, "skyline")) == {c["paris"]}  # bare term = Text
    assert ids(search(ol, "Keyword:teaser")) == {c["paris"]}
    assert ids(search(ol, f"SystemIdentifier:{c['tower']}")) == {c["tower"]}
    assert search(ol, "")["APIResponse"]["GlobalInfo"]["TotalCount"] == 4


def test_edit_date_range_for_incremental_sync(sandbox: Any, ol: httpx.Client) -> None:
    old = create(ol, CoreField__Title="old one")
    sandbox.clock.advance(86400)
    cutoff = sandbox.clock.now() - timedelta(seconds=1)
    new = create(ol, CoreField__Title="new one")
    stamp = cutoff.strftime("%Y-%m-%dT%H:%M:%S")
    assert ids(search(ol, f"EditDate>:{stamp}")) == {new}
    assert ids(search(ol, f"EditDate<:{stamp}")) == {old}
    assert ids(search(ol, f"GlobalEditDate>:{stamp} AND Title:one")) == {new}
    sandbox.clock.advance(60)
    upd = ol.post(
        "/API/DataTable/v2.2/Documents.Image.Default:Update",
        data={"CoreField.Identifier": old, "CoreField.Title:": "old one, edited", "format": "json"},
    )
    assert upd.json()["Response"]["RecordsAffected"]["Result"]["Code"] == "SUCCESS"
    assert ids(search(ol, f"EditDate>:{stamp}")) == {old, new}
    two_days_before = (cutoff - timedelta(days=2)).strftime("%Y-%m-%d")
    assert ids(search(ol, f"CreateDate<:{two_days_before}")) == set()


def test_paging_next_page_and_sort(sandbox: Any, ol: httpx.Client) -> None:
    made = []
    for i in range(5):
        made.append(create(ol, CoreField__Title=f"page item {i}"))
        sandbox.clock.advance(10)
    first = search(ol, "Title:page", countperpage="2", pagenumber="1", sort="Oldest first")
    info = first["APIResponse"]["GlobalInfo"]
    assert info["TotalCount"] == 5 and info["Sort"] == "Oldest first"
    assert [i["SystemIdentifier"] for i in first["APIResponse"]["Items"]] == made[:2]
    href = info["NextPage"]["href"]
    assert info["NextPage"]["rel"] == "next" and "format" not in href and "pagenumber=2" in href
    with httpx.Client(timeout=10) as anonymous:  # the href embeds the token
        second = anonymous.get(href + "&format=json").json()
    assert [i["SystemIdentifier"] for i in second["APIResponse"]["Items"]] == made[2:4]
    last = search(ol, "Title:page", countperpage="2", pagenumber="3", sort="Oldest first")
    assert [i["SystemIdentifier"] for i in last["APIResponse"]["Items"]] == made[4:]
    assert "NextPage" not in last["APIResponse"]["GlobalInfo"]
    newest = search(ol, "Title:page", sort="Newest first", countperpage="100")
    assert [i["SystemIdentifier"] for i in newest["APIResponse"]["Items"]] == made[::-1]
    assert "NextPage" not in newest["APIResponse"]["GlobalInfo"]


def test_fields_echo_spelling_and_v3_v4_value_encoding(ol: httpx.Client) -> None:
    ident = create(
        ol,
        "Video",
        CoreField__Title="Encoded",
        AB__Status="Approved",
        AB__Territories="EMEA|APAC",
        CoreField__Keywords_add="hero",
    )
    fields = "systemidentifier,Title,Status,Territories,Keywords,MediaType,CreateDate,path_TR1"
    v4 = search(ol, f"SystemIdentifier:{ident}", fields=fields)["APIResponse"]["Items"][0]
    assert list(v4) == fields.split(",")
    assert v4["Status"] == {"Value": "Approved"}
    assert v4["Territories"] == [{"Value": "EMEA"}, {"Value": "APAC"}]
    assert v4["Keywords"] == [{"KeywordText": "hero"}]
    assert v4["MediaType"] == "Video"
    assert v4["path_TR1"]["Warning"]  # no file yet, so no proxy
    v3 = search(ol, f"SystemIdentifier:{ident}", path="/API/Search/v3.0/search", fields=fields)
    item = v3["APIResponse"]["Items"][0]
    assert item["Status"] == "Approved" and item["Territories"] == "EMEA, APAC"
    assert re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2} (AM|PM)", item["CreateDate"])
    iso = search(ol, f"SystemIdentifier:{ident}", fields="CreateDate", DateFormat="yyyy-MM-ddTHH:mm:ss")
    assert "T" in iso["APIResponse"]["Items"][0]["CreateDate"]


@pytest.mark.parametrize(
    "query", ["Title:(London", "Title:", 'a "b', "AND x", "Nope:x", "Title>:2020-01-01", "EditDate>:x"]
)
def test_malformed_queries_get_the_legacy_error_not_a_500(ol: httpx.Client, query: str) -> None:
    resp = ol.post(SEARCH, data={"query": query, "format": "json"})
    assert resp.status_code == 200  # real tenants: HTTP 200 with a non-SUCCESS Code
    body = resp.json()
    assert body["APIResponse"]["Code"] == "INVALID_QUERY"
    assert body["APIResponse"]["Message"]
    assert "Items" not in body["APIResponse"]


def test_error_status_is_switchable_and_paging_params_validated(sandbox_factory: Any) -> None:
    sandbox = sandbox_factory(orangelogic={"port": 0, "legacy_error_status": 400, "search_max_page_size": 2})
    with _client(sandbox) as ol:
        assert ol.post(SEARCH, data={"query": "(", "format": "json"}).status_code == 400
        bad_page = ol.post(SEARCH, data={"query": "", "format": "json", "pagenumber": "x"})
        assert bad_page.status_code == 400 and bad_page.json()["APIResponse"]["Code"] != "SUCCESS"
        for i in range(3):
            create(ol, CoreField__Title=f"clamped {i}")
        body = search(ol, "", countperpage="50")
        assert len(body["APIResponse"]["Items"]) == 2 and "NextPage" in body["APIResponse"]["GlobalInfo"]
        multi = ol.post(SEARCH + "?query=a&query=b", data={"format": "json"})
        assert multi.json()["APIResponse"]["Code"] == "INVALID_QUERY"


def test_folders_are_searchable_as_story_with_parent_criteria(ol: httpx.Client) -> None:
    folder = ol.post(
        "/API/DataTable/v2.2/Documents.Folder.Default:Create",
        data={"CoreField.Title:": "Campaign Folder", "format": "json"},
    ).json()["Response"]
    child = ol.post(
        "/API/DataTable/v2.2/Documents.Image.Default:Create",
        data={"CoreField.Title:": "inside", "CoreField.Parent-folder:": folder["RecordID"], "format": "json"},
    ).json()["Response"]
    assert ids(search(ol, "MediaType:Story")) == {folder["CoreField.Identifier"]}
    assert ids(search(ol, f"ParentFolderIdentifier:{folder['CoreField.Identifier']}")) == {
        child["CoreField.Identifier"]
    }
    assert ids(search(ol, 'ParentFolderTitle:"Campaign Folder"')) == {child["CoreField.Identifier"]}
    assert ids(search(ol, "Path:Root/Campaign*")) == {child["CoreField.Identifier"]}


def test_record_dates_have_whole_seconds_everywhere(sandbox: Any, ol: httpx.Client) -> None:
    """Real tenants show no fraction of a second (Search and DataTable fixtures), and an edit later in the
    same second carries the same EditDate; queries compare what is shown."""
    ident = create(ol, CoreField__Title="Dated")
    sandbox.clock.advance(1.0 - sandbox.clock.time() % 1 + 0.3)  # 300 ms into a second
    update = f"/API/DataTable/v2.2/Documents.Image.Default:Update?CoreField.Identifier={ident}"
    for title in ("first edit", "second edit"):
        resp = ol.post(update, data={"CoreField.Title:": title, "format": "json"})
        assert resp.status_code == 200, resp.text
    second = sandbox.clock.now().replace(microsecond=0)
    found = search(
        ol, f"SystemIdentifier:{ident}", fields="EditDate,CreateDate", DateFormat="yyyy-MM-ddTHH:mm:ss"
    )
    item = found["APIResponse"]["Items"][0]
    assert item["EditDate"] == second.strftime("%Y-%m-%dT%H:%M:%S")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", item["CreateDate"])
    stamp = second.strftime("%Y-%m-%dT%H:%M:%S")
    assert ident in ids(search(ol, f'SystemIdentifier:{ident} AND EditDate<:"{stamp}"'))
    assert ident in ids(search(ol, f'SystemIdentifier:{ident} AND EditDate>:"{stamp}"'))
    control = httpx.get(sandbox.info()["orangelogic"]["control_url"] + "/orangelogic/assets", timeout=10)
    snapshot = next(a for a in control.json()["assets"] if a["SystemIdentifier"] == ident)
    assert snapshot["EditDate"] == second.isoformat()
