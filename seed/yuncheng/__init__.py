"""云浮市云城区 (445302) as of 2020-12-31: a deterministic demo dataset that reproduces the
figures of the district's published 2020 rule-of-law report (docs/figures.md).

Data modules (read these to see what is seeded and why):
  organizations.py   region chain, 36 bodies + 4 streets + 4 towns, USCCs, the 28 enforcement units
  legal.py           laws and regulations cited
  permits.py         443 行政许可: 423 即办件, Σ法定 8000 / Σ承诺 424 工作日, 2 visits
  other_services.py  57 items of other types (公共服务, 行政确认, 给付, 奖励, 裁决, 其他)
  e_licences.py      97 电子证照事项 over 24 departments, 74 免证办 (definitions there)
  bundles.py         33 一件事
  devolution.py      第一批下放镇级实施行政职权事项目录, 44 items
  supervision.py     484 监管事项, 506 行政检查, 502 with a published 检查实施清单
  enforcement.py     508 inspectors over the 28 units, inspection targets
  oversight.py       2020 双随机 draws and their published results; the 2 abolished 规范性文件
                     and the items they touched (loaded by oversight_loader.py)
The loader (loader.py) writes them through the service layer.
"""

from __future__ import annotations

from .loader import SEED_AS_OF, seed_yuncheng

__all__ = ["SEED_AS_OF", "seed_yuncheng"]
