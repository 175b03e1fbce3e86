"""The 443 行政许可 (事项类型 01) of the 云城区 实施清单, as of 2020-12-31.

One ``Permit`` line is a 主项 with its 子项/情形: ``subs`` gives suffixes ("新办 变更" →
"食品经营许可（新办）", "食品经营许可（变更）"), ``names`` gives full names instead, and with
neither the 主项 is itself the item. Names are real item names of district 实施清单; the
split into 新办/变更/延续/注销/补证 is how Guangdong lists publish them.

Figures these data reproduce (report §(三)一; the loader and tests/test_seed.py check them):

- 443 items, all ``published``;
- 即办件: 423 (办件类型 1, 承诺时限 0); 承诺件: the 20 in PROMISED;
- 时限压减率 = (Σ法定 − Σ承诺) / Σ法定 over the 443, in 工作日 (every limit here is in 工作日):
  Σ法定 = 8000, Σ承诺 = 424 → 7576/8000 = 0.947 exactly = 94.70% under any rounding rule;
- Σ到办事现场次数 = 2 (the two ONSITE items, one visit each, with the reason) →
  平均跑动次数 2/443 = 0.004514… = 0.0045 (HALF_UP and DOWN alike).

Codes: 基本编码 = "00" (national catalogue) or "44" (Guangdong local item) + "01" + 5-digit 主项
+ 3-digit 子项 ("000" when the 主项 has no 子项); 实施编码 = department USCC + "4" (县级) + 基本编码.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Permit:
    dept: str
    main: str
    legal: int  # 法定办结时限, 工作日
    subs: str = ""  # suffixes, space-separated
    names: str = ""  # or full names, space-separated
    laws: str = ""  # keys of legal.LEGAL_BASES, space-separated
    local: bool = False  # a Guangdong local item (基本编码 prefix 44)
    objects: str = "2"  # 服务对象 codes (A.4), space-separated: 1 自然人, 2 企业法人 …
    legal_by_sub: dict[str, int] = field(default_factory=dict)  # per-子项 法定时限

    def items(self) -> list[tuple[str, int, str]]:
        """(name, 法定时限, 子项 suffix or '') for every item of this 主项."""
        if self.names:
            return [(n, self.legal_by_sub.get(n, self.legal), n) for n in self.names.split()]
        if self.subs:
            return [(f"{self.main}（{s}）", self._legal_of(s), s) for s in self.subs.split()]
        return [(self.main, self.legal, "")]

    def _legal_of(self, sub: str) -> int:
        if sub in self.legal_by_sub:
            return self.legal_by_sub[sub]
        return min(self.legal, SHORT_SUBS.get(sub, self.legal))


# 注销 and 补证 of a licence are decided within 10 工作日 (no new review of the conditions).
SHORT_SUBS = {"注销": 10, "补证": 10}


P = Permit
V3 = "新办 变更 注销"
V4 = "新办 变更 延续 注销"
V5 = "新办 变更 延续 注销 补证"

PERMITS: list[Permit] = [
    # ── 区市场监管局 (78) ───────────────────────────────────────────────────────────
    P("market", "食品经营许可", 20, V5, laws="food_safety"),
    P("market", "食品生产许可", 20, V5, laws="food_safety"),
    P("market", "小餐饮经营许可", 15, V5, laws="gd_food_workshop", local=True),
    P("market", "食品小作坊登记", 15, V5, laws="gd_food_workshop", local=True),
    P("market", "食品摊贩登记", 10, V4, laws="gd_food_workshop", local=True, objects="1"),
    P("market", "药品零售企业经营许可", 30, "新办 变更 换证 注销 补证", laws="drug_admin"),
    P("market", "第三类医疗器械经营许可", 30, V5, laws="device_regulation"),
    P("market", "特种设备使用登记", 15, "新办 变更 停用 注销 补证", laws="special_equipment"),
    P("market", "计量标准器具核准", 20, "新建 复查", laws="metrology"),
    P(
        "market",
        "有限责任公司登记",
        15,
        names="有限责任公司设立登记 有限责任公司变更登记 有限责任公司注销登记 有限责任公司备案",
        laws="company company_registration",
    ),
    P(
        "market",
        "股份有限公司登记",
        15,
        names="股份有限公司设立登记 股份有限公司变更登记 股份有限公司注销登记 股份有限公司备案",
        laws="company company_registration",
    ),
    P(
        "market",
        "分公司登记",
        15,
        names="分公司设立登记 分公司变更登记 分公司注销登记",
        laws="company company_registration",
    ),
    P(
        "market",
        "非公司企业法人登记",
        15,
        names="非公司企业法人设立登记 非公司企业法人变更登记 非公司企业法人注销登记 非公司企业法人备案",
        laws="legal_person_registration",
    ),
    P(
        "market",
        "个人独资企业登记",
        15,
        names="个人独资企业设立登记 个人独资企业变更登记 个人独资企业注销登记 个人独资企业备案",
        laws="sole_proprietorship",
        objects="1",
    ),
    P(
        "market",
        "合伙企业登记",
        20,
        names="合伙企业设立登记 合伙企业变更登记 合伙企业注销登记 合伙企业备案",
        laws="partnership",
    ),
    P(
        "market",
        "个体工商户登记",
        15,
        names="个体工商户注册登记 个体工商户变更登记 个体工商户注销登记",
        laws="individual_business",
        objects="1",
    ),
    P(
        "market",
        "农民专业合作社登记",
        20,
        names="农民专业合作社设立登记 农民专业合作社变更登记 农民专业合作社注销登记 农民专业合作社备案",
        laws="cooperative",
    ),
    P(
        "market",
        "农民专业合作社联合社登记",
        20,
        names="农民专业合作社联合社设立登记 农民专业合作社联合社变更登记 农民专业合作社联合社注销登记",
        laws="cooperative",
    ),
    P("market", "营业执照补领换发", 1, laws="company_registration", objects="1 2"),
    P("market", "广告发布登记", 10, V3, laws="advertising"),
    # ── 云城公安分局 (30) ──────────────────────────────────────────────────────────
    P("police", "公章刻制业特种行业许可证核发", 10, "新办 变更 注销 补证", laws="seal_engraving"),
    P("police", "旅馆业特种行业许可证核发", 20, "新办 变更 注销 补证", laws="hotel_security"),
    P("police", "典当业特种行业许可证核发", 20, "新办 变更 注销 补证", laws="pawn"),
    P("police", "大型群众性活动安全许可", 7, laws="mass_events"),
    P("police", "剧毒化学品购买许可证核发", 3, laws="hazardous_chemicals"),
    P("police", "剧毒化学品道路运输通行证核发", 7, laws="hazardous_chemicals"),
    P("police", "第二类易制毒化学品运输许可", 10, laws="precursor_chemicals"),
    P("police", "烟花爆竹道路运输许可", 3, laws="fireworks"),
    P("police", "焰火晚会烟花爆竹燃放许可", 20, laws="fireworks"),
    P("police", "民用爆炸物品购买许可", 5, laws="explosives"),
    P("police", "民用爆炸物品运输许可", 3, laws="explosives"),
    P(
        "police",
        "机动车登记",
        2,
        names="机动车注册登记 机动车变更登记 机动车转移登记 机动车抵押登记 机动车注销登记",
        laws="road_traffic",
        objects="1 2",
    ),
    P("police", "机动车临时通行牌证核发", 1, laws="road_traffic", objects="1 2"),
    P("police", "校车驾驶资格许可", 5, laws="school_bus", objects="1"),
    P("police", "校车标牌核发", 3, laws="school_bus"),
    P(
        "police",
        "金融机构营业场所和金库安全防范设施建设许可",
        20,
        names="金融机构营业场所和金库安全防范设施建设方案审批 金融机构营业场所和金库安全防范设施建设工程验收",
        laws="security_facilities",
    ),
    # ── 区民政局 (10) ──────────────────────────────────────────────────────────────
    P(
        "civil",
        "社会团体登记",
        30,
        names="社会团体成立登记 社会团体变更登记 社会团体注销登记",
        laws="social_organizations",
        legal_by_sub={"社会团体成立登记": 60},
    ),
    P(
        "civil",
        "民办非企业单位登记",
        30,
        names="民办非企业单位成立登记 民办非企业单位变更登记 民办非企业单位注销登记",
        laws="private_non_enterprise",
        legal_by_sub={"民办非企业单位成立登记": 60},
    ),
    P("civil", "社会团体修改章程核准", 30, laws="social_organizations"),
    P("civil", "民办非企业单位修改章程核准", 30, laws="private_non_enterprise"),
    P("civil", "慈善组织公开募捐资格审核", 20, laws="charity"),
    P("civil", "公益性公墓建设审批", 20, laws="funeral"),
    # ── 区发展改革局 (6) ───────────────────────────────────────────────────────────
    P("drc", "企业投资项目核准", 20, laws="investment_approval"),
    P("drc", "固定资产投资项目节能审查", 20, laws="energy_review"),
    P("drc", "粮食收购资格认定", 15, V4, laws="grain"),
    # ── 区工信局 (2) ───────────────────────────────────────────────────────────────
    P("industry", "电力设施保护区内施工作业审批", 20, "新办 延期", laws="power_facilities"),
    # ── 区教育局 (15) ──────────────────────────────────────────────────────────────
    P(
        "edu",
        "民办学校设立、变更、终止审批",
        30,
        names="实施学前教育的民办学校筹设审批 实施学前教育的民办学校正式设立审批 "
        "实施学历教育的民办学校筹设审批 实施学历教育的民办学校正式设立审批 "
        "民办学校分立、合并审批 民办学校变更审批 民办学校终止审批",
        laws="private_education",
        legal_by_sub={
            "实施学前教育的民办学校正式设立审批": 60,
            "实施学历教育的民办学校正式设立审批": 60,
        },
    ),
    P(
        "edu",
        "教师资格认定",
        30,
        names="幼儿园教师资格认定 小学教师资格认定 初级中学教师资格认定",
        laws="teacher_qualification",
        objects="1",
    ),
    P("edu", "校车使用许可", 20, laws="school_bus"),
    P(
        "edu",
        "适龄儿童、少年因身体状况需要延缓入学或者休学审批",
        10,
        laws="compulsory_education",
        objects="1",
    ),
    P(
        "edu",
        "文化教育类校外培训机构设立、变更、终止审批",
        30,
        names="文化教育类校外培训机构设立审批 文化教育类校外培训机构变更审批 文化教育类校外培训机构终止审批",
        laws="private_education",
        legal_by_sub={"文化教育类校外培训机构设立审批": 60},
    ),
    # ── 区财政局 (3) ───────────────────────────────────────────────────────────────
    P("finance", "代理记账机构执业资格审批", 10, V3, laws="bookkeeping"),
    # ── 区人社局 (14) ──────────────────────────────────────────────────────────────
    P("hrss", "人力资源服务许可", 20, V4, laws="hr_market"),
    P("hrss", "劳务派遣经营许可", 20, V4, laws="labour_contract labour_dispatch"),
    P(
        "hrss",
        "民办职业培训学校设立、分立、合并、变更及终止审批",
        30,
        names="民办职业培训学校设立审批 民办职业培训学校分立、合并审批 民办职业培训学校变更审批 民办职业培训学校终止审批",
        laws="private_education",
    ),
    P("hrss", "企业实行不定时工作制和综合计算工时工作制审批", 20, "新办 延续", laws="labour"),
    # ── 自然资源云城分局 (18) ──────────────────────────────────────────────────────
    P("natres", "建设用地规划许可证核发", 20, "新办 变更 延续", laws="urban_rural_planning"),
    P("natres", "建设工程规划许可证核发", 20, "新办 变更 延续", laws="urban_rural_planning"),
    P(
        "natres",
        "乡村建设规划许可证核发",
        20,
        "新办 变更 延续",
        laws="urban_rural_planning",
        objects="1 2",
    ),
    P("natres", "临时建设工程规划许可证核发", 20, laws="urban_rural_planning"),
    P("natres", "临时用地审批", 20, "新办 变更 延续", laws="land_administration"),
    P(
        "natres",
        "建设项目用地预审与选址意见书核发",
        20,
        "新办 变更 延续",
        laws="land_administration urban_rural_planning",
    ),
    P("natres", "国有建设用地使用权出让后土地使用权分割转让批准", 20, laws="land_administration"),
    P(
        "natres",
        "划拨土地使用权和地上建筑物及附着物所有权转让、出租、抵押审批",
        20,
        laws="land_administration",
    ),
    # ── 生态环境云城分局 (7) ───────────────────────────────────────────────────────
    P(
        "eco",
        "建设项目环境影响报告表审批",
        30,
        names="建设项目环境影响报告表审批 建设项目环境影响报告表重新审核",
        laws="eia construction_environment",
    ),
    P("eco", "建设项目环境影响报告书审批", 60, laws="eia construction_environment"),
    P(
        "eco",
        "排污许可",
        20,
        names="排污许可证核发 排污许可证变更 排污许可证延续",
        laws="pollutant_permit",
    ),
    P("eco", "防治污染设施拆除或者闲置审批", 20, laws="environment"),
    # ── 区住建局 (26) ──────────────────────────────────────────────────────────────
    P(
        "housing",
        "建筑工程施工许可证核发",
        7,
        "新办 变更 延期 补证",
        laws="construction construction_permit_rules",
    ),
    P("housing", "特殊建设工程消防设计审查", 15, laws="fire_protection fire_design_review"),
    P("housing", "特殊建设工程消防验收", 15, laws="fire_protection fire_design_review"),
    P("housing", "燃气经营许可", 20, V5, laws="gas"),
    P("housing", "燃气经营者改动市政燃气设施审批", 20, laws="gas"),
    P("housing", "商品房预售许可", 10, "新办 变更 注销", laws="real_estate_development"),
    P(
        "housing",
        "房地产开发企业资质核定",
        20,
        "首次申请 延续 变更 注销",
        laws="real_estate_development",
    ),
    P("housing", "城镇污水排入排水管网许可", 20, V4, laws="drainage"),
    P("housing", "拆除、改动城镇排水与污水处理设施审核", 20, laws="drainage"),
    P("housing", "历史建筑实施原址保护审批", 20, laws="historic_towns"),
    P("housing", "城市桥梁上架设各类市政管线审批", 20, laws="urban_roads"),
    # ── 区交通运输局 (40) ──────────────────────────────────────────────────────────
    P("transport", "道路旅客运输经营许可", 20, V4, laws="road_transport"),
    P("transport", "道路客运班线经营许可", 20, V4, laws="road_transport"),
    P("transport", "道路货物运输经营许可", 20, V4, laws="road_transport"),
    P("transport", "道路危险货物运输许可", 20, V4, laws="road_transport hazardous_chemicals"),
    P("transport", "道路旅客运输站（场）经营许可", 15, V3, laws="road_transport"),
    P("transport", "道路运输证配发", 5, "新办 变更 注销 补证", laws="road_transport"),
    P("transport", "巡游出租汽车经营许可", 20, V4, laws="road_transport"),
    P("transport", "网络预约出租汽车经营许可", 20, V3, laws="taxi_rules"),
    P("transport", "网络预约出租汽车运输证核发", 10, V3, laws="taxi_rules"),
    P("transport", "公路建设项目施工许可", 20, laws="highway"),
    P("transport", "占用、挖掘公路或者使公路改线审批", 20, laws="highway highway_safety"),
    P("transport", "在公路用地范围内设置非公路标志审批", 20, laws="highway"),
    P("transport", "在公路上增设或者改造平面交叉道口审批", 20, laws="highway"),
    P("transport", "更新采伐护路林审批", 20, laws="highway"),
    P("transport", "超限运输车辆行驶公路许可", 5, laws="highway_safety"),
    P(
        "transport",
        "跨越、穿越公路修建桥梁、渡槽或者架设、埋设管道、电缆等设施审批",
        20,
        laws="highway",
    ),
    # ── 区水务局 (15) ──────────────────────────────────────────────────────────────
    P("water", "取水许可", 45, V4, laws="water water_abstraction"),
    P("water", "河道管理范围内建设项目工程建设方案审批", 20, laws="river_course flood_control"),
    P("water", "河道管理范围内有关活动（不含河道采砂）审批", 20, laws="river_course"),
    P("water", "生产建设项目水土保持方案审批", 20, "新办 变更", laws="soil_conservation"),
    P("water", "河道采砂许可", 20, laws="water river_course"),
    P("water", "非防洪建设项目洪水影响评价报告审批", 20, laws="flood_control"),
    P("water", "利用堤顶、戗台兼做公路审批", 20, laws="river_course"),
    P("water", "占用农业灌溉水源、灌排工程设施审批", 20, laws="water"),
    P("water", "水利基建项目初步设计文件审批", 20, laws="water"),
    P("water", "在大坝管理和保护范围内修建码头、鱼塘许可", 20, laws="water"),
    P("water", "农村集体经济组织修建水库审批", 20, laws="water"),
    # ── 区农业农村局 (42) ──────────────────────────────────────────────────────────
    P("agri", "农药经营许可", 20, V4, laws="pesticides"),
    P("agri", "兽药经营许可", 20, "新办 变更 换发 注销", laws="veterinary_drugs"),
    P("agri", "动物防疫条件合格证核发", 20, "新办 变更 注销 补证", laws="animal_epidemic"),
    P("agri", "动物诊疗许可", 20, "新办 变更 注销 补证", laws="animal_epidemic"),
    P("agri", "农作物种子生产经营许可", 20, V4, laws="seeds"),
    P("agri", "种畜禽生产经营许可", 20, V3, laws="animal_husbandry"),
    P("agri", "生鲜乳收购站许可", 20, laws="dairy"),
    P("agri", "生鲜乳准运证明核发", 20, laws="dairy"),
    P("agri", "渔业捕捞许可", 20, "新办 变更 注销 补证", laws="fisheries", objects="1 2"),
    P("agri", "水产苗种生产许可", 20, laws="fisheries"),
    P("agri", "水域滩涂养殖证核发", 20, "新办 变更 延续", laws="fisheries", objects="1 2"),
    P(
        "agri",
        "拖拉机和联合收割机登记",
        2,
        names="拖拉机和联合收割机注册登记 拖拉机和联合收割机变更登记 拖拉机和联合收割机转移登记 拖拉机和联合收割机注销登记",
        laws="farm_machinery",
        objects="1 2",
    ),
    P(
        "agri",
        "拖拉机和联合收割机驾驶证核发",
        5,
        "申领 增驾 换证",
        laws="farm_machinery",
        objects="1",
    ),
    P("agri", "食用菌菌种生产经营许可", 20, laws="seeds"),
    P("agri", "农业植物检疫证书核发", 20, laws="plant_quarantine", objects="1 2"),
    # ── 区林业局 (13) ──────────────────────────────────────────────────────────────
    P("forestry", "林木采伐许可证核发", 20, "新办 补办", laws="forest", objects="1 2"),
    P("forestry", "使用林地审核", 20, laws="forest"),
    P("forestry", "临时使用林地审批", 20, "新办 延续", laws="forest"),
    P("forestry", "林草种子生产经营许可", 20, "新办 变更 延续", laws="seeds"),
    P("forestry", "森林高火险期内野外用火审批", 10, laws="forest_fire", objects="1 2"),
    P("forestry", "进入森林高火险区审批", 10, laws="forest_fire", objects="1 2"),
    P("forestry", "森林经营单位修筑直接为林业生产服务的工程设施占用林地审批", 20, laws="forest"),
    P(
        "forestry",
        "森林植物检疫证书核发",
        20,
        names="森林植物及其产品调运检疫证书核发 森林植物产地检疫合格证核发",
        laws="plant_quarantine",
    ),
    # ── 区文广旅体局 (29) ──────────────────────────────────────────────────────────
    P("culture", "娱乐场所经营许可", 20, V5, laws="entertainment"),
    P("culture", "互联网上网服务营业场所经营单位设立审批", 20, V4, laws="internet_cafe"),
    P("culture", "出版物零售单位设立审批", 20, V3, laws="publication"),
    P("culture", "营业性演出审批", 3, "新办 变更", laws="performance"),
    P("culture", "文艺表演团体设立审批", 20, "新办 变更", laws="performance"),
    P("culture", "包装装潢印刷品和其他印刷品印刷企业设立审批", 20, V3, laws="printing"),
    P("culture", "电影放映单位设立审批", 20, "新办 变更 注销 补证", laws="film"),
    P("culture", "高危险性体育项目经营许可", 30, "新办 变更 延续", laws="fitness"),
    P("culture", "举办健身气功活动及设立站点审批", 20, laws="fitness"),
    P(
        "culture",
        "文物保护单位保护范围内其他建设工程或者爆破、钻探、挖掘等作业审批",
        20,
        laws="cultural_relics",
    ),
    P(
        "culture",
        "乡镇设立广播电视站和机关、部队、团体、企业事业单位设立有线广播电视站审批",
        20,
        laws="broadcasting",
    ),
    # ── 区卫健局 (38) ──────────────────────────────────────────────────────────────
    P("health", "医疗机构设置审批", 30, laws="medical_institutions"),
    P(
        "health",
        "医疗机构执业登记",
        45,
        "新办 变更 校验 注销 补证",
        laws="medical_institutions",
        legal_by_sub={"校验": 20, "注销": 20, "补证": 20},
    ),
    P("health", "公共场所卫生许可", 20, V5, laws="public_places_hygiene"),
    P("health", "饮用水供水单位卫生许可", 20, V5, laws="drinking_water"),
    P("health", "医师执业注册", 20, "首次注册 变更注册 注销注册", laws="physicians", objects="1"),
    P(
        "health",
        "护士执业注册",
        20,
        "首次注册 延续注册 变更注册 注销注册",
        laws="nurses",
        objects="1",
    ),
    P(
        "health",
        "乡村医生执业注册",
        20,
        "首次注册 再注册 变更注册",
        laws="village_doctors",
        objects="1",
    ),
    P("health", "母婴保健技术服务机构执业许可", 20, "新办 变更 校验 注销", laws="maternal_health"),
    P("health", "母婴保健服务人员资格认定", 20, laws="maternal_health", objects="1"),
    P("health", "放射诊疗许可", 20, "新办 变更 校验 注销", laws="radiation_diagnosis"),
    P("health", "放射工作人员证核发", 20, laws="radiation_diagnosis", objects="1"),
    P("health", "医疗机构放射性职业病危害建设项目预评价报告审核", 20, laws="occupational_disease"),
    P("health", "医疗机构放射性职业病危害建设项目竣工验收", 20, laws="occupational_disease"),
    # ── 区应急管理局 (9) ───────────────────────────────────────────────────────────
    P(
        "emergency",
        "危险化学品经营许可证核发",
        30,
        "新办 变更 延期 注销",
        laws="hazardous_chemicals chemical_trading_permit",
    ),
    P(
        "emergency",
        "烟花爆竹经营（零售）许可证核发",
        20,
        "新办 变更 延期 注销 补证",
        laws="fireworks fireworks_trading_permit",
    ),
    # ── 区城管执法局 (23) ──────────────────────────────────────────────────────────
    P("urban", "城市建筑垃圾处置核准", 20, "新办 变更 延续", laws="construction_waste"),
    P(
        "urban",
        "设置大型户外广告及在城市建筑物、设施上悬挂、张贴宣传品审批",
        20,
        "新办 变更 延续",
        laws="city_appearance",
    ),
    P("urban", "临时占用城市道路审批", 20, "新办 延期", laws="urban_roads"),
    P("urban", "挖掘城市道路审批", 20, "新办 延期", laws="urban_roads"),
    P("urban", "依附于城市道路建设各种管线、杆线等设施审批", 20, laws="urban_roads"),
    P("urban", "特殊车辆在城市道路上行驶审批", 20, laws="urban_roads"),
    P("urban", "临时占道经营审批", 20, laws="city_appearance", objects="1 2"),
    P("urban", "改变绿化规划、绿化用地的使用性质审批", 20, laws="urban_greening"),
    P(
        "urban",
        "城市树木砍伐、迁移审批",
        20,
        names="砍伐城市树木审批 迁移城市树木审批",
        laws="urban_greening",
    ),
    P("urban", "临时占用城市绿化用地审批", 20, laws="urban_greening"),
    P("urban", "工程建设涉及城市绿地、树木审批", 20, laws="urban_greening"),
    P(
        "urban",
        "从事城市生活垃圾经营性清扫、收集、运输、处理服务审批",
        20,
        V4,
        laws="city_appearance",
    ),
    P("urban", "关闭、闲置、拆除城市环境卫生设施许可", 20, laws="city_appearance"),
    # ── 区民宗局 (6) ───────────────────────────────────────────────────────────────
    P("ethnic", "宗教活动场所筹备设立审批", 30, laws="religion"),
    P("ethnic", "宗教临时活动地点审批", 30, laws="religion"),
    P("ethnic", "宗教活动场所内改建或者新建建筑物审批", 30, laws="religion"),
    P("ethnic", "宗教活动场所登记", 30, V3, laws="religion"),
    # ── 区税务局 (6) ───────────────────────────────────────────────────────────────
    P("tax", "增值税专用发票（增值税税控系统）最高开票限额审批", 20, laws="tax_licensing invoices"),
    P("tax", "对纳税人延期缴纳税款的核准", 20, laws="tax_collection tax_licensing"),
    P("tax", "对纳税人延期申报的核准", 20, laws="tax_collection tax_licensing"),
    P("tax", "对纳税人变更纳税定额的核准", 20, laws="tax_collection tax_licensing"),
    P("tax", "对采取实际利润额预缴以外的其他企业所得税预缴方式的核定", 20, laws="tax_licensing"),
    P("tax", "指定企业印制发票", 20, laws="invoices"),
    # ── 区消防救援大队 (2) ─────────────────────────────────────────────────────────
    P("fire", "公众聚集场所投入使用、营业前消防安全检查", 10, "新办 变更", laws="fire_protection"),
    # ── 区烟草专卖局 (6) ───────────────────────────────────────────────────────────
    P(
        "tobacco",
        "烟草专卖零售许可证核发",
        20,
        "新办 变更 延续 停业 恢复营业 歇业",
        laws="tobacco tobacco_rules",
        objects="1 2",
    ),
    # ── 区气象局 (3) ───────────────────────────────────────────────────────────────
    P("meteo", "雷电防护装置设计审核", 10, laws="meteorology meteorological_disasters"),
    P("meteo", "雷电防护装置竣工验收", 10, laws="meteorology meteorological_disasters"),
    P("meteo", "升放无人驾驶自由气球或者系留气球活动审批", 5, laws="meteorology"),
    # ── 区人防办 (2) ───────────────────────────────────────────────────────────────
    P("civil_defense", "应建防空地下室的民用建筑项目报建审批", 20, laws="civil_air_defense"),
    P("civil_defense", "拆除人民防空工程审批", 20, laws="civil_air_defense"),
]

# The 20 承诺件: item name → 承诺办结时限 (工作日). Σ = 424. Every other 许可 item is a 即办件.
PROMISED: dict[str, int] = {
    "食品生产许可（新办）": 15,
    "药品零售企业经营许可（新办）": 20,
    "第三类医疗器械经营许可（新办）": 20,
    "建设用地规划许可证核发（新办）": 15,
    "建设工程规划许可证核发（新办）": 15,
    "建设项目环境影响报告书审批": 40,
    "建设项目环境影响报告表审批": 20,
    "特殊建设工程消防设计审查": 12,
    "特殊建设工程消防验收": 12,
    "取水许可（新办）": 30,
    "河道管理范围内建设项目工程建设方案审批": 15,
    "林木采伐许可证核发（新办）": 10,
    "使用林地审核": 15,
    "医疗机构设置审批": 20,
    "医疗机构执业登记（新办）": 30,
    "危险化学品经营许可证核发（新办）": 20,
    "实施学前教育的民办学校正式设立审批": 40,
    "社会团体成立登记": 30,
    "民办非企业单位成立登记": 30,
    "道路旅客运输经营许可（新办）": 15,
}

# The only 许可 items with a visit to the office (到办事现场次数 > 0), with the reason.
ONSITE: dict[str, tuple[int, str]] = {
    "机动车注册登记": (1, "须将机动车送至查验区，由民警现场查验车辆识别代号、发动机号和外观。"),
    "公章刻制业特种行业许可证核发（新办）": (1, "须法定代表人到场核验身份并现场采集人像信息。"),
}

# Fees (是否收费 = 是): item name → (收费依据, [(收费项目, 收费标准)]).
FEES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "机动车注册登记": (
        "《国家发展改革委 财政部关于公安部门有关收费标准的通知》及广东省有关价格规定",
        [("机动车号牌工本费", "按国家规定标准收取"), ("机动车行驶证工本费", "每证10元")],
    ),
    "机动车临时通行牌证核发": (
        "《国家发展改革委 财政部关于公安部门有关收费标准的通知》及广东省有关价格规定",
        [("临时号牌工本费", "每张5元")],
    ),
}

# Annotated 日常用语 (aliases) people type for some items.
ALIASES: dict[str, list[str]] = {
    "食品经营许可（新办）": ["开饭店", "办食品经营许可证"],
    "小餐饮经营许可（新办）": ["小吃店", "大排档"],
    "互联网上网服务营业场所经营单位设立审批（新办）": ["网吧", "网咖"],
    "娱乐场所经营许可（新办）": ["KTV", "歌舞厅"],
    "巡游出租汽车经营许可（新办）": ["的士"],
    "网络预约出租汽车运输证核发（新办）": ["网约车"],
    "个体工商户注册登记": ["个体户", "办营业执照"],
    "公共场所卫生许可（新办）": ["美容美发卫生许可", "理发店卫生许可"],
}
