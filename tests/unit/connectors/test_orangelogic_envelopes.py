from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from assetbridge.connectors.orangelogic.downloads import _range_start_and_total
from assetbridge.connectors.orangelogic.errors import (
    detail_parser,
    import_messages,
    raise_for_envelope,
    raise_for_import_messages,
)
from assetbridge.connectors.orangelogic.models import Asset, SyncCursor, parse_date, scalar_values
from assetbridge.connectors.orangelogic.records import first_record, write_result
from assetbridge.connectors.orangelogic.search import parse_search_page
from assetbridge.connectors.orangelogic.uploads import parse_upload_result, plan_chunks
from assetbridge.errors import AuthError, NotFoundError, ValidationError

SEARCH = {
    "APIRequestInfo": {"Module": "Search", "APIVersion": "v4.0", "Resource": "Search", "IsLoggedIn": True},
    "APIResponse": {
        "GlobalInfo": {
            "TotalCount": 7,
            "QueryDurationMilliseconds": 5,
            "Sort": "Oldest first",
            "NextPage": {
                "href": "https://t.example/API/Search/v4.0/Search?pagenumber=2&token=abc",
                "rel": "next",
            },
        },
        "Items": [
            {
                "SystemIdentifier": "ABR12",
                "RecordID": "2RLQZBQ84U",
                "Title": "Spot",
                "MediaType": "Video",
                "CreateDate": "11/22/2019 10:22:58 AM",
                "EditDate": "2019-11-22T10:23:19",
                "AB.Channels": [{"Value": "Web"}, {"Value": "Social"}],
                "Path_TR1": {"URI": "https://t.example/Assets/V2/x/ABR12.jpg", "Width": 1200, "Height": 675},
                "Path_WebLow": {"URI": "", "Width": "", "Height": "", "Warning": "not available"},
            }
        ],
    },
}


def test_search_page_parsing_with_both_identifiers_and_renditions() -> None:
    page = parse_search_page(SEARCH, 1, edit_date_field="EditDate")
    assert page.total_count == 7 and page.has_next
    asset = page.items[0]
    assert (asset.system_identifier, asset.record_id) == ("ABR12", "2RLQZBQ84U")
    assert asset.create_date == datetime(2019, 11, 22, 10, 22, 58, tzinfo=UTC)
    assert asset.edit_date == datetime(2019, 11, 22, 10, 23, 19, tzinfo=UTC)
    assert asset.values("AB.Channels") == ["Web", "Social"]
    assert asset.renditions["TR1"].available and asset.renditions["TR1"].width == 1200
    assert not asset.renditions["WebLow"].available
    assert asset.renditions["WebLow"].warning == "not available"
    last = json.loads(json.dumps(SEARCH))
    del last["APIResponse"]["GlobalInfo"]["NextPage"]
    assert not parse_search_page(last, 2, edit_date_field="EditDate").has_next


def test_value_normalisation_and_dates() -> None:
    assert scalar_values({"Value": "Zillow"}) == ["Zillow"]
    assert scalar_values([{"KeywordText": "Rentals"}, {"Identifier": "L-1"}]) == ["Rentals", "L-1"]
    assert scalar_values("") == []
    assert parse_date("7/16/2020 12:05:34 AM") == datetime(2020, 7, 16, 0, 5, 34, tzinfo=UTC)
    assert parse_date("2020-07-16T12:05:34Z") == datetime(2020, 7, 16, 12, 5, 34, tzinfo=UTC)
    assert parse_date("garbage") is None


def test_cursor_tie_break_on_identifier() -> None:
    t = datetime(2024, 1, 1, tzinfo=UTC)
    cursor = SyncCursor(edited_at=t, system_identifier="ABR5")
    assert cursor.before(Asset(system_identifier="ABR6", edit_date=t))
    assert not cursor.before(Asset(system_identifier="ABR5", edit_date=t))
    assert not cursor.before(Asset(system_identifier="ABR4", edit_date=t))


def test_legacy_envelope_failure_with_http_200_raises() -> None:
    raise_for_envelope("c", {"APIResponse": {"Code": "SUCCESS", "Token": "t"}})
    with pytest.raises(ValidationError, match="Bad folder"):
        raise_for_envelope("c", {"APIResponse": {"Code": "ERROR", "Message": "Bad folder"}})
    with pytest.raises(NotFoundError):
        raise_for_envelope(
            "c", {"Response": {"ErrorList": {"ErrorDetails": "No record matches the criteria"}}}
        )
    with pytest.raises(AuthError):
        raise_for_envelope("c", {"APIResponse": {"Response": {"Code": "FAIL", "Message": "Not logged in"}}})
    with pytest.raises(ValidationError):
        raise_for_envelope("c", {"success": False, "error": "bad query"})


def test_detail_parser_reads_webapi_errors() -> None:
    body = json.dumps({"Message": "Asset not found", "ErrorCode": "OL_ERR_001_NOTFOUND"}).encode()
    assert detail_parser(404, "application/json", body) == "OL_ERR_001_NOTFOUND: Asset not found"
    assert detail_parser(500, "text/plain", b"boom") == "boom"


def test_import_messages_name_the_unknown_field() -> None:
    record = {"CoreField.Import-messages": "The field 'AB.Nope' does not exist: the value was not imported."}
    assert import_messages(record) == ["The field 'AB.Nope' does not exist: the value was not imported."]
    raise_for_import_messages("c", record, ["CoreField.Title"])
    with pytest.raises(ValidationError) as err:
        raise_for_import_messages("c", record, ["CoreField.Title", "AB.Nope"])
    assert "AB.Nope" in str(err.value)
    assert err.value.detail["field"] == "AB.Nope"
    # A message that was already there before the write is not held against it.
    raise_for_import_messages("c", record, ["AB.Nope"], previous=import_messages(record))


def test_datatable_answers() -> None:
    record = {"RecordID": "2RL", "CoreField.Identifier": "ABR1"}
    assert first_record({"Response": [record]}) == record
    assert first_record({"Response": []}) is None
    result = write_result({"Response": {**record, "RecordsAffected": {"Result": {"Code": "SUCCESS"}}}})
    assert (result.record_id, result.system_identifier) == ("2RL", "ABR1")


def test_upload_answers_and_chunk_plan() -> None:
    legacy = parse_upload_result(
        {"APIResponse": {"Code": "SUCCESS", "SystemIdentifier": "ABR9", "RecordID": "R9"}}
    )
    assert (legacy.system_identifier, legacy.record_id, legacy.duplicate) == ("ABR9", "R9", False)
    dup = parse_upload_result({"uploadStatus": "AlreadyExists", "duplicateRecordID": "R1", "assetVersion": 2})
    assert dup.duplicate and dup.record_id == "R1" and dup.version == 2
    assert plan_chunks(300_000, 131_072) == [(0, 131_071), (131_072, 262_143), (262_144, 299_999)]
    assert plan_chunks(262_144, 131_072) == [(0, 131_071), (131_072, 262_143)]
    with pytest.raises(ValueError):
        plan_chunks(10, 100_000)


def test_range_answers_tell_where_the_body_starts() -> None:
    assert _range_start_and_total(206, {"content-range": "bytes 500-999/1000"}) == (500, 1000)
    assert _range_start_and_total(206, {"content-range": "bytes 500-999/*"}) == (500, None)
    assert _range_start_and_total(200, {"content-length": "1000"}) == (0, 1000)
    assert _range_start_and_total(200, {}) == (0, None)
