"""AssetBridge state: SQLAlchemy tables, Alembic migrations and repositories (see docs/architecture.md).

``Database(url)`` is the entry point: ``upgrade()`` at start, ``unit_of_work()`` for each change.
"""

from assetbridge.state.db import DEFAULT_URL, Database, create_engine, normalize_url
from assetbridge.state.models import AuditEntry, Conflict, Cursor, DeadLetter, FieldBase, InboxItem, Link
from assetbridge.state.repositories.cursors import Position
from assetbridge.state.repositories.links import LinkConflictError
from assetbridge.state.uow import UnitOfWork

__all__ = [
    "DEFAULT_URL",
    "AuditEntry",
    "Conflict",
    "Cursor",
    "Database",
    "DeadLetter",
    "FieldBase",
    "InboxItem",
    "Link",
    "LinkConflictError",
    "Position",
    "UnitOfWork",
    "create_engine",
    "normalize_url",
]
