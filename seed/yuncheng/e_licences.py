"""电子证照 and 免证办 (report: "涉及公安、民政、发改、自然资源等24个部门的第一批97个电子证明
事项", "'免证办'事项74项").

No national definition or counting rule exists, so these are the
operational definitions the seed is built on — the same ones as ServiceItem.e_license_linked
and ServiceItem.license_free in catalog/models/services.py:

- 电子证照事项 (电子证明事项): a published service item with at least one 申请材料 linked to an
  electronic certificate (Material.e_license_name set). Counted as distinct items; the
  departments are the items' 实施主体.
- 免证办事项: a published service item with at least one material that is linked to an
  electronic certificate AND marked 免提交 (Material.exempt) — the office fetches the
  certificate from the 电子证照库 and the applicant brings nothing.

Only 行政许可 items carry such links in the seed, so the counts are the same over 许可 items
and over all item types. PLAN gives, per department, how many of its 许可 items (the first ones
in permits.PERMITS order) get the link, and how many of those are 免提交:
Σ = 97 items over 24 departments, 74 免证办. The 25th department with 许可 items (区气象局)
has none; its application forms are 免提交 without any certificate, which the 免证办
definition does not count.
"""

from __future__ import annotations

# department → (certificate fetched from the 电子证照库, items linked, of which 免提交)
PLAN: dict[str, tuple[str, int, int]] = {
    "market": ("营业执照", 12, 11),
    "police": ("居民身份证", 8, 6),
    "civil": ("居民身份证", 4, 3),
    "drc": ("营业执照", 3, 2),
    "natres": ("不动产权证书", 6, 5),
    "housing": ("建设工程规划许可证", 6, 5),
    "transport": ("营业执照", 6, 5),
    "culture": ("营业执照", 6, 5),
    "health": ("营业执照", 6, 5),
    "hrss": ("营业执照", 4, 3),
    "agri": ("营业执照", 4, 3),
    "edu": ("居民身份证", 3, 2),
    "eco": ("营业执照", 3, 2),
    "water": ("营业执照", 3, 2),
    "emergency": ("营业执照", 3, 2),
    "forestry": ("林权证", 3, 2),
    "urban": ("营业执照", 3, 2),
    "ethnic": ("居民身份证", 2, 1),
    "tax": ("营业执照", 2, 2),
    "fire": ("营业执照", 2, 1),
    "tobacco": ("营业执照", 3, 2),
    "finance": ("营业执照", 2, 1),
    "civil_defense": ("建设工程规划许可证", 1, 1),
    "industry": ("营业执照", 2, 1),
}
assert len(PLAN) == 24
assert sum(n for _c, n, _f in PLAN.values()) == 97
assert sum(f for _c, _n, f in PLAN.values()) == 74

# Departments whose application form is filled in online and 免提交, with no certificate.
FORM_EXEMPT_DEPARTMENTS = {"meteo"}
