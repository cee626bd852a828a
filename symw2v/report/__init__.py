"""Presenting verdicts: one printer per output target (terminal table, JSON, LaTeX, Markdown),
and the text of ``symw2v gradcheck``."""
