"""AssetBridge runtime layer: where jobs run (see docs/architecture.md).

- ``ports``: ``JobRunner`` (``submit(kind, key, payload, lane=, run_id=)``), ``DeadLetterSink``, lanes.
- ``inline.InlineRunner``: in-process, for the one-shot CLI and tests.
- ``dbos_runtime.DbosRunner``: durable, on DBOS (SQLite or PostgreSQL system database), any number of
  workers sharing one system database.
- ``retry``: the retry/dead-letter rules both runners share; ``schedules``: periodic jobs.
- ``dead_letters.StateDeadLetters`` / ``memory.MemoryDeadLetters``: dead-letter sinks.
- ``app.Service``: ``assetbridge run`` — receiver, iconik webhook upkeep, DBOS workers and schedules.
"""
