"""The formula language: a small, safe expression syntax parsed without ever evaluating it."""
