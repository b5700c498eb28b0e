"""Chapters, the agency catalogue and rep coverage (admin pages live in ``union.admin``)."""
