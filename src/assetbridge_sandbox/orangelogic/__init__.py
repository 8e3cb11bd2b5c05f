"""The Orange Logic (OrangeDAM) emulator.

``app.create_app`` builds it; ``seed.seed_orangelogic`` loads a catalog into its state.
"""
