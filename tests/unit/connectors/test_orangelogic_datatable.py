from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from assetbridge.connectors.orangelogic.datatable import (
    MAX_VALUE_LENGTH,
    FieldWrite,
    Op,
    Verb,
    add_values,
    clear,
    encode_selector,
    encode_writes,
    parse_field_definitions,
    path,
    remove_value,
    set_value,
    split_multi,
    validate_against,
)
from assetbridge.errors import ValidationError

LIST_FIELDS_RESPONSE = {
    "CoreField.Title": {"DataType": "Text", "IsMultiValued": False, "IsReadOnly": False, "Options": []},
    "AB.Status": {
        "DataType": "Authority",
        "IsMultiValued": False,
        "IsBasedOnAuthorityTable": True,
        "Options": ["Draft", "Pending Review", "Approved", "Rejected"],
    },
    "AB.Channels": {
        "DataType": "Authority",
        "IsMultiValued": True,
        "IsBasedOnAuthorityTable": True,
        "Options": ["Social", "Broadcast", "Web"],
    },
    "CoreField.OriginalFileName": {"DataType": "Text", "IsReadOnly": True, "IsBasedOnAuthorityTable": False},
}


def test_paths_name_model_and_verb() -> None:
    assert path("Documents.Image.Default", Verb.READ) == "/API/DataTable/v2.2/Documents.Image.Default:Read"
    assert path("Documents.All", Verb.LIST_FIELDS).endswith("Documents.All:ListFields")
    with pytest.raises(ValueError):
        path("Documents.Image.Default:Read?x=1", Verb.READ)


def test_operators_fold_into_form_keys() -> None:
    pairs = encode_writes(
        [
            set_value("CoreField.Title", "Tower Bridge"),
            add_values("CoreField.Keywords", ["Seine river", "France"]),
            add_values("AB.Channels", ["Web"], create_missing=True),
            remove_value("AB.Territories", "EMEA"),
            clear("AB.Restrictions"),
        ]
    )
    assert pairs == [
        ("CoreField.Title:", "Tower Bridge"),
        ("CoreField.Keywords+", "Seine river|France"),
        ("AB.Channels++", "Web"),
        ("AB.Territories-", "EMEA"),
        ("AB.Restrictions--", ""),
    ]


def test_values_are_formatted_and_multi_values_pipe_joined() -> None:
    write = set_value("AB.Rights-end", datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert write.values == ("2025-01-02T03:04:05",)
    assert set_value("X.Flag", True).values == ("true",)
    assert set_value("X.Day", date(2025, 1, 2)).values == ("2025-01-02",)
    assert set_value("AB.Channels", ["Social", "Web"]).joined == "Social|Web"
    assert set_value("AB.Channels", []).op is Op.CLEAR
    assert set_value("AB.Channels", None).op is Op.CLEAR


def test_pipe_inside_a_value_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError, match=r"AB\.Campaign.*separator"):
        encode_writes([set_value("AB.Campaign", "Spring|Summer")])


def test_2048_limit_is_checked_before_sending() -> None:
    encode_writes([set_value("CoreField.Title", "x" * MAX_VALUE_LENGTH)])
    with pytest.raises(ValidationError) as err:
        encode_writes([set_value("CoreField.Title", "x" * (MAX_VALUE_LENGTH + 1))])
    assert "CoreField.Title" in str(err.value)
    assert "2049" in str(err.value)
    with pytest.raises(ValidationError, match=r"AB\.Channels"):
        encode_writes([set_value("AB.Channels", ["y" * 1500, "z" * 600])])


def test_bad_field_names_duplicates_and_empty_adds_are_refused() -> None:
    with pytest.raises(ValidationError):
        encode_writes([set_value("Core Field", "x")])
    with pytest.raises(ValidationError, match="twice"):
        encode_writes([set_value("A.b", "x"), set_value("a.B", "y")])
    with pytest.raises(ValidationError, match="at least one value"):
        encode_writes([FieldWrite("A.b", Op.ADD)])


def test_selector_uses_bare_equals() -> None:
    assert encode_selector({"CoreField.Identifier": "ABR12"}) == [("CoreField.Identifier", "ABR12")]
    with pytest.raises(ValidationError):
        encode_selector({"CoreField.Identifier": ""})


def test_list_fields_parsing_keeps_options_only_for_select_fields() -> None:
    fields = parse_field_definitions(LIST_FIELDS_RESPONSE)
    assert fields["CoreField.Title"].options is None
    assert fields["AB.Status"].options == ["Draft", "Pending Review", "Approved", "Rejected"]
    assert fields["AB.Channels"].multi_valued is True
    assert fields["CoreField.OriginalFileName"].read_only is True
    as_list = parse_field_definitions([{"SecondaryNameSpaceFieldName": "AB.X", "IsMultiValued": "true"}])
    assert as_list["AB.X"].multi_valued is True


def test_select_value_outside_options_names_field_value_and_options() -> None:
    fields = parse_field_definitions(LIST_FIELDS_RESPONSE)
    validate_against([set_value("AB.Status", "approved")], fields, call="t")
    with pytest.raises(ValidationError) as err:
        validate_against([set_value("AB.Status", "Published")], fields, call="t")
    message = str(err.value)
    assert "AB.Status" in message and "Published" in message and "Pending Review" in message
    assert err.value.detail == {
        "field": "AB.Status",
        "value": "Published",
        "allowed": ["Draft", "Pending Review", "Approved", "Rejected"],
    }


def test_unknown_read_only_and_multi_on_single_are_refused() -> None:
    fields = parse_field_definitions(LIST_FIELDS_RESPONSE)
    with pytest.raises(ValidationError, match="does not exist"):
        validate_against([set_value("AB.Nope", "x")], fields, call="t")
    with pytest.raises(ValidationError, match="read-only"):
        validate_against([set_value("CoreField.OriginalFileName", "x")], fields, call="t")
    with pytest.raises(ValidationError, match="one value"):
        validate_against([set_value("AB.Status", ["Draft", "Approved"])], fields, call="t")
    validate_against([set_value("AB.Channels", ["Web", "Social"]), clear("AB.Status")], fields, call="t")


def test_split_multi() -> None:
    assert split_multi("a|b||c") == ["a", "b", "c"]
    assert split_multi("") == []
    assert split_multi(None) == []
