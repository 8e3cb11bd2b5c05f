"""Deleted objects (reference §3.6 step 2).

``GET /webapi/objectmanagement/deletion/getdeletedobjects_45C_v1``.

Parameters and response were not captured (only the path and ISO ``Y-m-d\\TH:i:s`` dates in a PHP client);
the sandbox takes ``FromDate`` / ``ToDate`` (inclusive, optional) and answers
``{"deletedObjects": [{"recordID", "identifier", "docType", "deletionDate"}], "totalCount"}``, oldest first.
"""

from __future__ import annotations

from starlette.responses import Response

from assetbridge_sandbox.orangelogic.common import OLError, iso_date, json_response, parse_date
from assetbridge_sandbox.orangelogic.routing import Ctx


async def deleted_objects(ctx: Ctx) -> Response:
    try:
        start = parse_date(ctx.params.get("FromDate") or "") if ctx.params.get("FromDate") else None
        end = parse_date(ctx.params.get("ToDate") or "") if ctx.params.get("ToDate") else None
    except ValueError as exc:
        raise OLError(400, "FromDate and ToDate must be ISO dates", code="OL_ERR_006_BADREQUEST") from exc
    rows = [
        {
            "recordID": record.record_id,
            "identifier": record.identifier,
            "docType": record.doc_type,
            "deletionDate": iso_date(when),
        }
        for record, when in ctx.state.deleted
        if (start is None or when >= start) and (end is None or when <= end)
    ]
    return json_response({"deletedObjects": rows, "totalCount": len(rows)})
