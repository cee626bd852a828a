"""Derivation files: TOML data -> declarations, definitions, losses and claims (never code)."""
