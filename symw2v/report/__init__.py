"""Presenting verdicts: one printer class per output target (terminal table, JSON)."""
