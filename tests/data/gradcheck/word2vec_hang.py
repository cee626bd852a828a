"""Hangs at import."""
while True:
    pass
