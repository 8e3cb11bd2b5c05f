"""Local emulators of iconik, Orange Logic and signed-URL cloud storage (the sandbox).

The engine (``assetbridge``) never imports this package; only the ``assetbridge sandbox`` CLI command does.
"""
