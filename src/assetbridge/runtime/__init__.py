"""AssetBridge runtime layer (see docs/architecture.md)."""
