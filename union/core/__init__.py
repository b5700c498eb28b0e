"""Pieces every feature shares: time, enums, audit, outbox, permissions, scheduler."""
