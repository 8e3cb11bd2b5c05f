"""A unit of work: one session, one transaction, every repository on it.

Whatever is done through one ``UnitOfWork`` commits together or not at all — e.g. a poller advances
its cursor and stores the inbox rows it found in the same block::

    with db.unit_of_work() as uow:
        for change in page:
            uow.inbox.add("iconik", change.id, change.body, {})
        uow.cursors.advance("iconik", "assets", page.last_time, page.last_id)
"""

from __future__ import annotations

from functools import cached_property

from sqlalchemy.orm import Session

from assetbridge.state.repositories.audit import AuditRepo
from assetbridge.state.repositories.conflicts import ConflictRepo
from assetbridge.state.repositories.cursors import CursorRepo
from assetbridge.state.repositories.dead_letters import DeadLetterRepo
from assetbridge.state.repositories.field_base import FieldBaseRepo
from assetbridge.state.repositories.inbox import InboxRepo
from assetbridge.state.repositories.lineage import LineageRepo
from assetbridge.state.repositories.links import LinkRepo


class UnitOfWork:
    def __init__(self, session: Session) -> None:
        self.session = session

    @cached_property
    def links(self) -> LinkRepo:
        return LinkRepo(self.session)

    @cached_property
    def field_base(self) -> FieldBaseRepo:
        return FieldBaseRepo(self.session)

    @cached_property
    def cursors(self) -> CursorRepo:
        return CursorRepo(self.session)

    @cached_property
    def inbox(self) -> InboxRepo:
        return InboxRepo(self.session)

    @cached_property
    def audit(self) -> AuditRepo:
        return AuditRepo(self.session)

    @cached_property
    def conflicts(self) -> ConflictRepo:
        return ConflictRepo(self.session)

    @cached_property
    def dead_letters(self) -> DeadLetterRepo:
        return DeadLetterRepo(self.session)

    @cached_property
    def lineage(self) -> LineageRepo:
        return LineageRepo(self.session)
