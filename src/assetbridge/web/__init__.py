"""AssetBridge web layer (see docs/architecture.md)."""
