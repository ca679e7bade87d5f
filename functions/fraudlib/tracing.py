"""What the functions' tracer instruments."""

from __future__ import annotations

TRACED_LIBRARIES: tuple[str, ...] = ("botocore",)
"""The only library the functions call out through: every AWS call gets its X-Ray subsegment.
Powertools' Tracer patches every library the X-Ray SDK supports by default (sqlite3, httplib,
SQLAlchemy, ...), importing each on every cold start for calls these functions never make."""
