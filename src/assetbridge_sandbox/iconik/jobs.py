"""iconik emulator: the jobs service (``/API/jobs/v1/jobs/``, reference §8.3).

Jobs made by other modules through ``state.new_job``/``state.set_job_status`` (keyframes, batch
metadata, ...) are listed here too. Every change emits a ``jobs``/``entity`` event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from assetbridge_sandbox.clock import parse_iso
from assetbridge_sandbox.iconik.common import (
    IconikHTTPError,
    bool_param,
    json_body,
    no_content,
    paginate,
)
from assetbridge_sandbox.iconik.state import IconikState

STATUSES = (
    "READY",
    "STARTED",
    "FINISHED",
    "FINISHED_WITH_WARNING",
    "FAILED",
    "WAITING",
    "ABORT_PENDING",
    "ABORTED",
    "SKIPPED",
    "PAUSED",
)
TERMINAL = ("FINISHED", "FINISHED_WITH_WARNING", "FAILED", "ABORTED", "SKIPPED")
TYPES = (
    "MEDIAINFO",
    "TRANSCODE",
    "KEYFRAMES",
    "EXPORT",
    "DELETE",
    "REINDEX",
    "MOVE",
    "TRANSFER",
    "ANALYZE",
    "METADATA",
    "CUSTOM",
    "SCAN",
    "ARCHIVE",
    "RESTORE",
    "RESTORE_FROM_GLACIER",
    "ACL",
    "COPY",
    "TRANSCRIPTION",
    "REQUEST_COLLECTION_MAP",
    "COLLECTION_CUSTOM_ORDER",
    "STORAGE_GATEWAY_FILE_INGEST",
    "MARK_MISSING",
    "FACE_RECOGNITION",
    "SET_APPROVAL",
    "REQUEST_APPROVAL",
    "CHANGE_PERSON",
    "CONFIRM_PERSON",
    "DELETE_PERSON",
    "AUTOMATION",
    "REVIEW_REQUEST",
    "CONVERT_SAVED_SEARCH_TO_COLLECTION",
)
STEP_STATUSES = ("IN_PROGRESS", "WAITING", "FAILED", "DONE", "SKIPPED")
STATE_ACTIONS = {"PAUSE": "PAUSED", "RESUME": "READY", "ABORT": "ABORTED", "RESTART": "READY"}
NULLABLE = ("object_id", "object_type", "parent_id", "custom_type")
WRITABLE = (
    "title",
    "object_type",
    "object_id",
    "parent_id",
    "metadata",
    "progress_processed",
    "progress_total",
    "message",
    "error_message",
    "custom_type",
    "action_context",
    "related_objects",
    "job_context",
    "started_at",
    "completed_at",
)
FILTERS = ("object_id", "object_type", "status", "type", "parent_id", "created_by", "custom_type")
MISSING = "Missing data for required field."


def public(job: dict[str, Any]) -> dict[str, Any]:
    """JobSchema: non-nullable fields that are unset are left out rather than sent as null."""
    return {k: v for k, v in job.items() if v is not None or k in NULLABLE}


def validate_job(body: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    for key in ("title", "type", "status"):
        if key not in body and not partial:
            errors[key] = [MISSING]
    if "title" in body and (not isinstance(body["title"], str) or not body["title"]):
        errors["title"] = ["Not a valid string."]
    if "type" in body and body["type"] not in TYPES:
        errors["type"] = ["Must be one of the job types (e.g. CUSTOM, TRANSFER, METADATA)."]
    if "status" in body and body["status"] not in STATUSES:
        errors["status"] = [f"Must be one of: {', '.join(STATUSES)}."]
    for key in ("progress_processed", "progress_total"):
        value = body.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            errors[key] = ["Not a valid integer."]
    for key in ("metadata", "job_context", "action_context"):
        if body.get(key) is not None and not isinstance(body[key], dict):
            errors[key] = ["Not a valid mapping type."]
    related = body.get("related_objects")
    if related is not None and (
        not isinstance(related, list)
        or not related
        or not all(isinstance(r, dict) and "object_id" in r and "object_type" in r for r in related)
    ):
        errors["related_objects"] = ["Must be a non-empty list of {object_id, object_type}."]
    if errors:
        raise IconikHTTPError(400, errors)
    return {k: body[k] for k in (*WRITABLE, "type", "status") if k in body}


def _progress(job: dict[str, Any]) -> None:
    total, done = job.get("progress_total"), job.get("progress_processed")
    if isinstance(total, int) and total > 0 and isinstance(done, int):
        job["progress"] = min(100, done * 100 // total)


def _date_window(value: str, name: str) -> tuple[float | None, float | None]:
    """iconik's ``from;to`` filter (ISO or epoch seconds/ms, ``*`` open-ended), reference §7.4."""
    bounds: list[float | None] = []
    for part in value.split(";", 1) + ([] if ";" in value else ["*"]):
        part = part.strip()
        if part in ("", "*"):
            bounds.append(None)
            continue
        try:
            number = float(part)
            bounds.append(number / 1000 if number > 1e11 else number)
        except ValueError:
            try:
                bounds.append(parse_iso(part).timestamp())
            except ValueError:
                raise IconikHTTPError(400, {name: ["Expected two timestamps separated by ';'."]}) from None
    return bounds[0], bounds[1]


def _sorted(jobs: list[dict[str, Any]], sort: str | None) -> list[dict[str, Any]]:
    ordered = list(jobs)
    specs = [s.split(",") for s in (sort or "date_created,desc").split(";") if s]
    for spec in reversed(specs):
        name, order = spec[0], (spec[1] if len(spec) > 1 else "asc").lower()
        ordered.sort(key=_sort_key(name), reverse=order == "desc")
    return ordered


def _sort_key(name: str) -> Callable[[dict[str, Any]], tuple[bool, str]]:
    return lambda job: (job.get(name) is None, str(job.get(name) or ""))


def build_router(state: IconikState) -> APIRouter:
    router = APIRouter(prefix="/API/jobs/v1")

    def get_job(job_id: str) -> dict[str, Any]:
        job = state.jobs.get(job_id)
        if job is None:
            raise IconikHTTPError(404, "Job does not exist")
        return job

    def changed(job: dict[str, Any], previous_status: str) -> dict[str, Any]:
        _progress(job)
        if job["status"] != previous_status:
            if job["status"] == "STARTED" and not job.get("started_at"):
                job["started_at"] = state.now()
            if job["status"] in TERMINAL:
                job["completed_at"] = state.now()
            state.set_job_status(job["id"], job["status"])
        else:
            job["date_modified"] = state.now()
            state.emit("jobs", "entity", "update", job["id"], dict(job))
        return public(job)

    @router.get("/jobs/")
    async def list_jobs(request: Request) -> dict[str, Any]:
        params = request.query_params
        jobs = list(state.jobs.values())
        for name in FILTERS:
            if params.get(name):
                wanted = set(params[name].split(","))
                jobs = [j for j in jobs if str(j.get(name)) in wanted]
        if params.get("ids"):
            ids = set(params["ids"].split(","))
            jobs = [j for j in jobs if j["id"] in ids]
        for name in ("date_created", "date_modified"):
            if params.get(name):
                low, high = _date_window(params[name], name)
                jobs = [
                    j
                    for j in jobs
                    if (low is None or parse_iso(j[name]).timestamp() >= low)
                    and (high is None or parse_iso(j[name]).timestamp() <= high)
                ]
        envelope = paginate(request, _sorted(jobs, params.get("sort")), max_per_page=100)
        envelope["objects"] = [public(j) for j in envelope["objects"]]
        if bool_param(request, "facets"):
            envelope["facets"] = {}
        return envelope

    @router.post("/jobs/", status_code=201)
    async def create_job(request: Request) -> dict[str, Any]:
        clean = validate_job(await json_body(request), partial=False)
        job_type, status = clean.pop("type"), clean.pop("status")
        title = clean.pop("title")
        job = state.new_job(title=title, job_type=job_type, status=status, **clean)
        _progress(job)
        if status == "STARTED":
            job["started_at"] = job["date_created"]
        return public(job)

    @router.put("/jobs/state/", status_code=201)
    async def change_state(request: Request) -> dict[str, Any]:
        body = await json_body(request)
        action, job_ids = body.get("action"), body.get("job_ids")
        errors: dict[str, list[str]] = {}
        if not isinstance(action, str) or action not in STATE_ACTIONS:
            errors["action"] = [f"Must be one of: {', '.join(STATE_ACTIONS)}."]
        if not isinstance(job_ids, list) or not 1 <= len(job_ids) <= 500:
            errors["job_ids"] = ["Must be a list of 1 to 500 job ids."]
        if errors:
            raise IconikHTTPError(400, errors)
        assert isinstance(job_ids, list) and isinstance(action, str)
        for job_id in job_ids:
            job = state.jobs.get(str(job_id))
            if job is None:
                continue
            if action == "RESTART":
                job.update(progress=0, progress_processed=0, completed_at=None)
            state.set_job_status(job["id"], STATE_ACTIONS[action])
        return {"action": action, "job_ids": job_ids}

    @router.put("/jobs/priority/", status_code=201)
    async def change_priority(request: Request) -> dict[str, Any]:
        body = await json_body(request)
        priority, job_ids = body.get("priority"), body.get("job_ids")
        if isinstance(priority, bool) or not isinstance(priority, int) or not 1 <= priority <= 10:
            raise IconikHTTPError(400, {"priority": ["Must be between 1 and 10."]})
        if not isinstance(job_ids, list) or not 1 <= len(job_ids) <= 500:
            raise IconikHTTPError(400, {"job_ids": ["Must be a list of 1 to 500 job ids."]})
        for job_id in job_ids:
            if str(job_id) in state.jobs:
                state.jobs[str(job_id)]["priority"] = priority
        return {"priority": priority, "job_ids": job_ids}

    @router.get("/jobs/{job_id}/")
    async def read_job(job_id: str) -> dict[str, Any]:
        return public(get_job(job_id))

    async def update_job(job_id: str, request: Request, *, partial: bool) -> dict[str, Any]:
        job = get_job(job_id)
        clean = validate_job(await json_body(request), partial=partial)
        previous = job["status"]
        if "metadata" in clean and bool_param(request, "merge_metadata"):
            clean["metadata"] = {**(job.get("metadata") or {}), **(clean["metadata"] or {})}
        job.update(clean)
        return changed(job, previous)

    @router.patch("/jobs/{job_id}/")
    async def patch_job(job_id: str, request: Request) -> dict[str, Any]:
        return await update_job(job_id, request, partial=True)

    @router.put("/jobs/{job_id}/")
    async def put_job(job_id: str, request: Request) -> dict[str, Any]:
        return await update_job(job_id, request, partial=False)

    @router.delete("/jobs/{job_id}/")
    async def delete_job(job_id: str, request: Request) -> Response:
        get_job(job_id)
        doomed = [job_id]
        if bool_param(request, "recursive"):
            doomed += [j["id"] for j in state.jobs.values() if j.get("parent_id") == job_id]
        for jid in doomed:
            job = state.jobs.pop(jid)
            state.emit("jobs", "entity", "delete", jid, public(job))
        return no_content()

    def write_step(job: dict[str, Any], step: Any, step_id: str | None) -> None:
        if not isinstance(step, dict):
            raise IconikHTTPError(400, {"steps": ["Each step must be an object."]})
        errors: dict[str, list[str]] = {}
        if not isinstance(step.get("label"), str):
            errors["label"] = [MISSING]
        if step.get("status") not in STEP_STATUSES:
            errors["status"] = [f"Must be one of: {', '.join(STEP_STATUSES)}."]
        sid = step_id or step.get("id")
        if not isinstance(sid, str) or not sid:
            errors["id"] = [MISSING]
        if errors:
            raise IconikHTTPError(400, errors)
        entry = {
            "id": sid,
            "label": step["label"],
            "status": step["status"],
            "message": step.get("message"),
            "error_message": step.get("error_message"),
            "date_updated": state.now(),
        }
        steps = job.setdefault("steps", [])
        for i, existing in enumerate(steps):
            if existing.get("id") == sid:
                steps[i] = entry
                return
        steps.append(entry)

    async def put_steps(job_id: str, request: Request) -> dict[str, Any]:
        job = get_job(job_id)
        body = await json_body(request)
        steps = body.get("steps")
        if not isinstance(steps, list):
            raise IconikHTTPError(400, {"steps": [MISSING]})
        for step in steps:
            write_step(job, step, None)
        return changed(job, job["status"])

    async def put_step(job_id: str, step_id: str, request: Request) -> dict[str, Any]:
        job = get_job(job_id)
        write_step(job, await json_body(request), step_id)
        return changed(job, job["status"])

    router.add_api_route("/jobs/{job_id}/steps/", put_steps, methods=["PUT", "PATCH"])
    router.add_api_route("/jobs/{job_id}/steps/{step_id}/", put_step, methods=["PUT", "PATCH"])
    return router
