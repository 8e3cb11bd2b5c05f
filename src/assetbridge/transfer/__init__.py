"""Moving bytes: streaming checksums, part planning, byte pipes (constant memory, off the event loop)."""
