"""Shared by the supervision tests: a plan's sample returns ingested into a fresh store (a read-only template
that each test copies)."""

from __future__ import annotations

from pathlib import Path

from taizhang.sample import generate_plan_sample
from taizhang.store import ingest


def ingested_sample(tmp: Path, registry, plan: str, last: str) -> tuple[Path, Path]:
    """Generate ``plan``'s sample returns up to ``last`` under ``tmp / "s"`` and ingest them into
    ``tmp / "base.sqlite"``; returns ``(store, sample folder)``. Every file must be accepted."""
    sample, store = tmp / "s", tmp / "base.sqlite"
    generate_plan_sample(registry, plan, sample, last=last)
    results = ingest([sample], store=store, registry=registry)
    assert results and all(r.ok for r in results)
    return store, sample
