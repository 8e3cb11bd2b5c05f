from __future__ import annotations

import hashlib
import itertools
import os
from pathlib import Path

import pytest

from assetbridge.transfer.checksums import StreamingHasher, normalize_checksum
from assetbridge.transfer.parts import GCS_CHUNK_QUANTUM, gcs_chunk_size, plan_parts, s3_part_size
from assetbridge.transfer.pipes import FileWriter, read_file, rechunk


async def test_incremental_digests_equal_one_shot_digests() -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    hasher = StreamingHasher()
    for i in range(0, len(data), 1_500_000):  # some chunks above the off-loop threshold
        await hasher.aupdate(data[i : i + 1_500_000])
    digests = hasher.digests()
    assert digests.size == len(data)
    assert digests.md5 == hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert digests.sha1 == hashlib.sha1(data, usedforsecurity=False).hexdigest()
    assert normalize_checksum(digests.md5_base64) == digests.md5


def test_copy_snapshots_state() -> None:
    hasher = StreamingHasher()
    hasher.update(b"abc")
    snap = hasher.copy()
    hasher.update(b"def")
    assert snap.digests().md5 == hashlib.md5(b"abc", usedforsecurity=False).hexdigest()
    assert hasher.digests().md5 == hashlib.md5(b"abcdef", usedforsecurity=False).hexdigest()


def test_normalize_checksum_forms() -> None:
    md5 = hashlib.md5(b"x", usedforsecurity=False).hexdigest()
    assert normalize_checksum(f'"{md5.upper()}"') == md5
    assert normalize_checksum("md5:" + md5) == md5


@pytest.mark.parametrize(("total", "size"), [(0, 10), (10, 10), (11, 10), (95, 10)])
def test_plan_parts_cover_exactly(total: int, size: int) -> None:
    parts = plan_parts(total, size)
    assert sum(p.length for p in parts) == total
    assert [p.number for p in parts] == list(range(1, len(parts) + 1))
    for before, after in itertools.pairwise(parts):
        assert after.offset == before.end + 1


def test_sizes_respect_platform_rules() -> None:
    assert gcs_chunk_size(1_000_000) == 3 * GCS_CHUNK_QUANTUM
    assert gcs_chunk_size(1) == GCS_CHUNK_QUANTUM
    assert s3_part_size(100 * 10_000 + 1, 100) == 101


async def test_file_pipe_round_trip_and_rechunk(tmp_path: Path) -> None:
    data = os.urandom(700_001)
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    chunks = [c async for c in rechunk(read_file(src, 65_536), 300_000)]
    assert [len(c) for c in chunks] == [300_000, 300_000, 100_001]
    writer = await FileWriter(tmp_path / "out.bin").open()
    for chunk in chunks[:2]:
        await writer.write(chunk)
    await writer.close()
    resumed = await FileWriter(tmp_path / "out.bin", offset=300_000).open()
    await resumed.write(chunks[1])
    await resumed.write(chunks[2])
    await resumed.close()
    assert (tmp_path / "out.bin").read_bytes() == data
