"""The tiny configuration and pipeline fixtures live in tests/conftest.py (the CLI tests use them too)."""
