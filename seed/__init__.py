"""Demo and sample data, loaded through the service layer (catalog.services.crud).

- ``seed.yuncheng``: a deterministic demo dataset of 云浮市云城区 (445302) that reproduces the
  figures of its 2020 rule-of-law report (443 许可事项, 423 即办件, 时限压减率 94.70%, …);
- ``seed.guangan``: the real 1,135-item catalog of 广安市广安区 (511602) from
  ``seed/data/guangan-items.json``.

Every row goes through ``crud.create_row`` (schema load, rules, history, search outbox).
Loading is idempotent: rows are looked up by their natural key first and only the missing
ones are created (see ``seed.loading.Loader``).
"""

from __future__ import annotations

from .loading import SEED_ACTOR, Loader, SeedReport, atomic_session

__all__ = ["SEED_ACTOR", "Loader", "SeedReport", "atomic_session"]
