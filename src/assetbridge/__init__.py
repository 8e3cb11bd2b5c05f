"""AssetBridge: integration and automation engine between Orange Logic and iconik."""

__version__ = "0.1.0"
