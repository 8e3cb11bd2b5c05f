"""flows.publish / flows.campaigns validation: each mistake named by key, with the value at fault."""

from __future__ import annotations

import pytest
from tests.unit.config.test_config_errors import ENV, VALID

from assetbridge.config import InvalidConfigError, load_text


def issues_of(flows: str) -> list[str]:
    with pytest.raises(InvalidConfigError) as caught:
        load_text(VALID + "flows:\n" + flows, "cfg.yaml", ENV)
    return [str(issue) for issue in caught.value.issues]


def test_a_valid_publish_and_campaign_flow_loads() -> None:
    loaded = load_text(
        VALID
        + """flows:
  publish:
    enabled: true
    rules:
      - {name: videos, query: "DocType:Video AND AB.Status:Approved", media: proxy, on_leave: unpublish}
      - {name: stills, folders: [Root/Brand/Stills], media: original}
    proxy_renditions: {Video: Path_WebHigh, Audio: original}
  campaigns: {enabled: true, source: folder, collection_title: "{campaign} (from DAM)"}
""",
        "cfg.yaml",
        ENV,
    )
    flows = loaded.config.flows
    assert [r.name for r in flows.publish.rules] == ["videos", "stills"]
    assert flows.publish.rule("stills").on_leave == "leave"
    assert flows.campaigns.title_for("Night Run") == "Night Run (from DAM)"


def test_rule_mistakes_are_named() -> None:
    issues = issues_of(
        """  publish:
    enabled: true
    rules:
      - {name: a}
      - {name: b, query: "  "}
      - {name: c, query: 'Title:"open', media: mezzanine}
      - {name: c, folders: [x], on_leave: archive}
      - {name: "bad name", query: "x"}
    proxy_renditions: {Video: WebHigh}
"""
    )
    text = "\n".join(issues)
    assert "flows.publish.rules[0]: Value error, rule 'a' needs a query, folders, or both" in text
    assert "flows.publish.rules[1].query: Value error, query is empty" in text
    assert "flows.publish.rules[2].query: Value error, query has an unbalanced double quote" in text
    assert "flows.publish.rules[2].media" in text and "mezzanine" in text
    assert "flows.publish.rules[3].on_leave" in text and "archive" in text
    assert "flows.publish.rules[4].name" in text
    assert "flows.publish.proxy_renditions.Video" in text and "(got WebHigh)" in text
    kinds = issues_of("  publish: {proxy_renditions: {Document: Path_TR1}}\n")
    assert any("unknown asset type 'Document' (allowed: Video, Image, Audio, Multimedia)" in i for i in kinds)


def test_flow_level_mistakes_are_named() -> None:
    duplicate = issues_of(
        """  publish:
    enabled: true
    rules: [{name: a, query: x}, {name: a, query: y}]
"""
    )
    assert any("rule names must be unique: a repeated" in i for i in duplicate)
    empty = issues_of("  publish: {enabled: true}\n")
    assert any("publish is enabled but has no rules" in i for i in empty)
    template = issues_of("  campaigns: {enabled: true, collection_title: 'Campaign {name}'}\n")
    assert any("unknown placeholder {name} (allowed: {campaign})" in i for i in template)
    missing = issues_of("  campaigns: {enabled: true, collection_title: 'All campaigns'}\n")
    assert any("must contain {campaign}" in i for i in missing)
