"""Rights-aware sharing under ``assetbridge run`` (a real subprocess) against the seeded sandbox.

The poll interval is 30 minutes: after the start-up pass, nothing but a durable rights timer or an Orange
Logic webhook (an edit of the rights fields) can make the service revoke or re-grant access. A window that
ends while the service is stopped is enforced by the same timer once it is back.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.integration.test_run_live import Service, wait_for

from assetbridge.runtime.rights_jobs import TIMER_RUN_ID, timer_key
from assetbridge.state.repositories.rights import RightsRepo

RIGHTS = {
    "enabled": True,
    "action": "unshare",
}


def enable_rights(svc: Service, rights: dict[str, Any]) -> None:
    document = yaml.safe_load(svc.config.read_text(encoding="utf-8"))
    document["flows"]["rights"] = {**document["flows"]["rights"], **rights}
    svc.config.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


@pytest.fixture
def service(sandbox_factory: Any, tmp_path: Path) -> Iterator[Service]:
    server = sandbox_factory(catalog_size=8, media="synthetic")
    flow = {"debounce_seconds": 0.5, "poll_interval_seconds": 1800, "reconcile_interval_seconds": 3600}
    svc = Service(server, tmp_path, flow, f"sqlite:///{tmp_path / 'state.db'}")
    enable_rights(svc, RIGHTS)
    svc.subscribe_orangelogic()
    svc.start()
    yield svc
    svc.close()


def states(svc: Service) -> dict[str, dict[str, Any]]:
    db = svc.db()
    try:
        with db.session() as session:
            return {
                row.record_id: {
                    "access": row.access,
                    "reason": row.reason,
                    "doubtful": row.doubtful,
                    "next": row.next_change_at,
                    "removed": row.removed,
                    "values": row.rights_values,
                }
                for row in RightsRepo(session).all()
            }
    finally:
        db.dispose()


def audit(svc: Service, action: str) -> list[dict[str, Any]]:
    db = svc.db()
    try:
        with db.unit_of_work() as uow:
            return [
                {"at": e.at, "reason": e.reason, "details": e.details}
                for e in uow.audit.recent(action=action, limit=1000)
            ]
    finally:
        db.dispose()


def first_decisions(svc: Service) -> dict[str, dict[str, Any]]:
    def all_decided() -> dict[str, dict[str, Any]] | None:
        found = states(svc)
        return found if len(found) == 8 else None

    decided: dict[str, dict[str, Any]] = wait_for(all_decided, 30, "first rights decisions")
    return decided


def timer_status(svc: Service, workflow_id: str) -> str | None:
    sysdb = Path(svc.state_url.removeprefix("sqlite:///") + ".dbos.sqlite")
    conn = sqlite3.connect(f"file:{sysdb}?mode=ro", uri=True, timeout=5)
    try:
        row = conn.execute(
            "SELECT status FROM workflow_status WHERE workflow_uuid = ?", (workflow_id,)
        ).fetchone()
    finally:
        conn.close()
    return None if row is None else str(row[0])


def ol_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def share_and_collect(svc: Service, asset_id: str) -> str:
    """A collection holding the asset and a URL share of it: what ``unshare`` must remove."""
    response = svc.call("POST", "/API/assets/v1/collections/", json={"title": f"Shared {asset_id[:6]}"})
    assert response.status_code == 201, response.text
    collection_id = str(response.json()["id"])
    body = {"object_id": asset_id, "object_type": "assets"}
    response = svc.call("POST", f"/API/assets/v1/collections/{collection_id}/contents/", json=body)
    assert response.status_code in (200, 201), response.text
    flags = {
        "allow_approving_comments": False,
        "allow_comments": True,
        "allow_download": False,
        "allow_setting_approve_status": False,
    }
    response = svc.call(
        "POST", f"/API/assets/v1/assets/{asset_id}/shares/url/", json={"title": "agency", **flags}
    )
    assert response.status_code in (200, 201), response.text
    return collection_id


def collections_of(svc: Service, asset_id: str) -> list[str]:
    return list(
        svc.get(f"/API/assets/v1/assets/{asset_id}/", include_collections="true").get("in_collections") or []
    )


def shares_of(svc: Service, asset_id: str) -> list[dict[str, Any]]:
    return list(svc.get(f"/API/assets/v1/assets/{asset_id}/shares/").get("objects") or [])


def report(svc: Service) -> dict[str, Any]:
    done = subprocess.run(
        svc.command("rights", "report", "--json"),
        env=svc.env,
        cwd=svc.tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def test_expiry_renewal_withdrawal_report_and_idempotence(service: Service) -> None:
    links = service.first_pass_done()
    every = first_decisions(service)
    granted = sorted(r for r, s in every.items() if s["access"] == "granted")
    assert len(granted) >= 2, every
    for state in every.values():  # the seeded catalog's expired/withdrawn/future ones are closed
        assert (state["access"] == "granted") == state["reason"].startswith("rights approved"), state
    record_id, other = granted[0], granted[1]
    asset_id = links[record_id]
    collection_id = share_and_collect(service, asset_id)
    assert collections_of(service, asset_id) == [collection_id] and len(shares_of(service, asset_id)) == 1

    # the window now ends in a few seconds; nothing but the timer armed by that edit can act on time
    end = (datetime.now(UTC) + timedelta(seconds=5)).replace(microsecond=0)
    service.ol_edit(record_id, "AB.Rights-end", ol_time(end))
    wait_for(lambda: states(service)[record_id]["next"] == end, 15, "the timer for the new end")
    wait_for(lambda: states(service)[record_id]["access"] == "revoked", 20, "revocation at the window end")
    assert collections_of(service, asset_id) == []
    assert shares_of(service, asset_id) == []
    [revoked] = [a for a in audit(service, "rights_revoked") if a["details"]["record_id"] == record_id]
    assert revoked["at"] >= end, "never revoked before the window ends"
    assert revoked["details"]["trigger"] == f"timer {end.isoformat()}"
    assert revoked["reason"] == f"rights window ended {end.isoformat().replace('+00:00', 'Z')}"
    assert revoked["details"]["rights_values"]["AB.Rights-end"] == ol_time(end)
    assert revoked["details"]["rights_values"]["AB.Usage-rights-status"] == "Approved"
    assert revoked["details"]["removed"]["collections"] == [collection_id]
    assert service.output().count("sync pass done") == 1, "no poll ran in between"

    # renewal: the asset goes back into the collection it was removed from
    service.ol_edit(record_id, "AB.Rights-end", ol_time(end + timedelta(days=365)))
    wait_for(lambda: states(service)[record_id]["access"] == "granted", 20, "re-grant after renewal")
    assert collections_of(service, asset_id) == [collection_id]
    [granted_row] = [a for a in audit(service, "rights_granted") if a["details"]["record_id"] == record_id]
    assert granted_row["details"]["trigger"] == "change"
    assert any("shares are not restored" in note for note in granted_row["details"]["removed"]["regranted"])

    # withdrawal: revoked at the change event, not at a time
    other_asset = links[other]
    other_collection = share_and_collect(service, other_asset)
    service.ol_edit(other, "AB.Usage-rights-status", "Withdrawn")
    wait_for(lambda: states(service)[other]["access"] == "revoked", 20, "revocation on withdrawal")
    assert collections_of(service, other_asset) == []
    state = states(service)[other]
    assert (state["access"], state["next"]) == ("revoked", None)
    assert state["removed"]["collections"] == [other_collection]
    assert state["values"]["AB.Usage-rights-status"] == "Withdrawn"

    data = report(service)
    enforced = {(e["record_id"], e["access"]) for e in data["enforcements"]}
    assert {(record_id, "granted"), (record_id, "revoked"), (other, "revoked")} <= enforced
    upcoming = {u["record_id"]: u for u in data["upcoming"]}
    assert upcoming[record_id]["at"] == (end + timedelta(days=365)).isoformat()
    assert upcoming[record_id]["then"] == "revoke (unshare)"
    assert [u["at"] for u in data["upcoming"]] == sorted(u["at"] for u in data["upcoming"])

    # evaluating again changes nothing: no new audit row, the asset stays where it is
    rows_before = len(audit(service, "rights_revoked")) + len(audit(service, "rights_granted"))
    service.ol_edit(record_id, "AB.Campaign", "Unrelated edit")
    wait_for(
        lambda: service.metadata(asset_id).get("campaign") == ["Unrelated edit"], 15, "the unrelated sync"
    )
    service.settle()
    assert len(audit(service, "rights_revoked")) + len(audit(service, "rights_granted")) == rows_before
    assert collections_of(service, asset_id) == [collection_id]


def test_bad_input_fails_closed_and_a_timer_survives_a_restart(service: Service) -> None:
    links = service.first_pass_done()
    granted = sorted(r for r, s in first_decisions(service).items() if s["access"] == "granted")
    assert len(granted) >= 2, granted

    # bad rights input: a visible per-asset error, access closed
    check_bad_input_fails_closed(service, granted[0], links[granted[0]])

    # a window that ends while the service is down: the durable timer fires after the restart
    last = granted[1]
    end = (datetime.now(UTC) + timedelta(seconds=8)).replace(microsecond=0)
    service.ol_edit(last, "AB.Rights-end", ol_time(end))
    wait_for(lambda: states(service)[last]["next"] == end, 15, "the timer for the new end")
    assert service.stop() == 0
    assert datetime.now(UTC) < end, "the service must be down before the window ends (machine too slow?)"
    while datetime.now(UTC) < end + timedelta(seconds=1):
        time.sleep(0.2)
    service.start()
    wait_for(lambda: states(service)[last]["access"] == "revoked", 20, "revocation after the restart")
    [late] = [a for a in audit(service, "rights_revoked") if a["details"]["record_id"] == last]
    assert late["at"] >= end
    # the timer armed before the stop ran after the restart (the start-up pass may have got there first)
    timer_id = f"rights_timer:{timer_key(last, end)}:{TIMER_RUN_ID}"
    wait_for(lambda: timer_status(service, timer_id) == "SUCCESS", 20, "the timer workflow to run")


def check_bad_input_fails_closed(service: Service, record_id: str, asset_id: str) -> None:
    collection_id = share_and_collect(service, asset_id)

    start = service.ol_record(record_id)["Fields"]["AB.Rights-start"]
    assert start  # an approved seeded window with a start in the past: an end in 2000 is before it
    service.ol_edit(record_id, "AB.Rights-end", "2000-01-01T00:00:00")
    # the revoke is planned (and stored, still granted) before it is applied: wait for its end
    wait_for(
        lambda: states(service)[record_id]["doubtful"] and states(service)[record_id]["access"] == "revoked",
        20,
        "a doubtful decision enforced",
    )
    assert collections_of(service, asset_id) == []
    state = states(service)[record_id]
    assert state["access"] == "revoked" and state["next"] is None
    assert state["reason"].startswith("rights window ends before it starts: AB.Rights-end = ")
    assert state["removed"]["collections"] == [collection_id]

    data = report(service)
    [doubtful] = [d for d in data["doubtful"] if d["record_id"] == record_id]
    assert doubtful["reason"] == (
        f"rights window ends before it starts: AB.Rights-end = '2000-01-01T00:00:00' "
        f"is before AB.Rights-start = {start!r}"
    )
    text = subprocess.run(
        service.command("rights", "report"),
        env=service.env,
        cwd=service.tmp_path,
        capture_output=True,
        text=True,
    )
    assert text.returncode == 0, text.stderr
    assert "doubtful rights input" in text.stdout and record_id in text.stdout
