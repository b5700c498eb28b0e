"""Deadline routes (filled in below)."""
