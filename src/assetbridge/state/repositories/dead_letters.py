"""Dead letters: jobs that failed permanently, kept with their payload for a replay after a fix."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assetbridge.state.models import DeadLetter
from assetbridge.state.types import clean_json, clean_text, utcnow
from assetbridge.transport.redaction import redact_text

MAX_MESSAGE = 4000


def _describe(error: BaseException | str) -> tuple[str, str]:
    if isinstance(error, BaseException):
        cls = type(error)
        name = cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
        message = str(error)
    else:
        name, message = "Error", error
    return name[:255], clean_text(redact_text(message))[:MAX_MESSAGE]


class DeadLetterRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, letter_id: int) -> DeadLetter | None:
        return self.session.get(DeadLetter, letter_id)

    def add(
        self,
        kind: str,
        key: str,
        payload: Any,
        error: BaseException | str,
        *,
        attempts: int = 1,
        at: datetime | None = None,
    ) -> DeadLetter:
        """File a failed job; the same (kind, key) failing again updates its pending letter instead."""
        now = at or utcnow()
        error_class, message = _describe(error)
        letter = self._pending(kind, key)
        if letter is None:
            letter = DeadLetter(
                kind=kind,
                key=key,
                payload=clean_json(payload),
                error_class=error_class,
                error_message=message,
                attempts=attempts,
                first_failed_at=now,
                last_failed_at=now,
            )
            try:
                with self.session.begin_nested():
                    self.session.add(letter)
                return letter
            except IntegrityError:
                letter = self._pending(kind, key)
                if letter is None:
                    raise
        letter.payload = clean_json(payload)
        letter.error_class = error_class
        letter.error_message = message
        letter.attempts += attempts
        letter.last_failed_at = now
        self.session.flush()
        return letter

    def _pending(self, kind: str, key: str) -> DeadLetter | None:
        query = sa.select(DeadLetter).where(
            DeadLetter.kind == kind, DeadLetter.key == key, DeadLetter.replayed_at.is_(None)
        )
        return self.session.scalars(query).first()

    def list(
        self,
        *,
        kind: str | None = None,
        include_replayed: bool = False,
        limit: int = 100,
        after_id: int = 0,
    ) -> Sequence[DeadLetter]:
        query = sa.select(DeadLetter).where(DeadLetter.id > after_id)
        if kind is not None:
            query = query.where(DeadLetter.kind == kind)
        if not include_replayed:
            query = query.where(DeadLetter.replayed_at.is_(None))
        return list(self.session.scalars(query.order_by(DeadLetter.id).limit(limit)))

    def mark_replayed(self, letter_id: int, *, at: datetime | None = None) -> DeadLetter:
        """Mark a letter as handed back to the job queue; a later failure files a new letter."""
        letter = self.get(letter_id)
        if letter is None:
            raise KeyError(f"no dead letter {letter_id}")
        if letter.replayed_at is None:
            letter.replayed_at = at or utcnow()
            self.session.flush()
        return letter

    def count_pending(self) -> int:
        query = sa.select(sa.func.count()).select_from(DeadLetter).where(DeadLetter.replayed_at.is_(None))
        return self.session.scalar(query) or 0
