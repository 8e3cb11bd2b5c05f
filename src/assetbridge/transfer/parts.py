"""Planning how a byte range is cut into chunks or parts."""

from __future__ import annotations

import math
from dataclasses import dataclass

GCS_CHUNK_QUANTUM = 256 * 1024  # GCS resumable chunks must be multiples of 256 KiB except the last
S3_MAX_PARTS = 10_000
S3_MIN_PART = 5 * 1024 * 1024


@dataclass(frozen=True)
class Part:
    number: int  # 1-based
    offset: int
    length: int

    @property
    def end(self) -> int:
        """Offset of the last byte (inclusive), as in ``Content-Range``."""
        return self.offset + self.length - 1


def gcs_chunk_size(requested: int) -> int:
    """The largest multiple of 256 KiB not above ``requested`` (at least one quantum)."""
    return max(GCS_CHUNK_QUANTUM, requested // GCS_CHUNK_QUANTUM * GCS_CHUNK_QUANTUM)


def s3_part_size(total: int, requested: int, max_parts: int = S3_MAX_PARTS) -> int:
    """``requested``, grown when needed so that ``total`` fits in ``max_parts`` parts."""
    if total <= 0:
        return requested
    return max(requested, math.ceil(total / max_parts))


def plan_parts(total: int, part_size: int) -> list[Part]:
    """Consecutive parts covering ``[0, total)``; one empty part for an empty file."""
    if part_size <= 0:
        raise ValueError("part_size must be positive")
    if total <= 0:
        return [Part(1, 0, 0)]
    return [
        Part(i + 1, offset, min(part_size, total - offset))
        for i, offset in enumerate(range(0, total, part_size))
    ]
