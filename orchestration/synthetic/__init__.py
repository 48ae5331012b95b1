"""Synthetic extracts in each source's contract format, for real partnerships."""
