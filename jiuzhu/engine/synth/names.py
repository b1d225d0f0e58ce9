"""Name material: surnames (weighted), given-name characters, place syllables.

Invented combinations only; any resemblance to a real person or place name is
a coincidence of common characters.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .arrowutil import F64, I64, B, join, take_strings

# Surnames with rough relative weights (Jiangxi-flavoured: 刘 陈 李 王 ... 欧阳).
_SURNAMES_WEIGHTED: tuple[tuple[str, float], ...] = (
    ("刘", 7.5), ("陈", 6.5), ("李", 6.0), ("王", 5.5), ("张", 5.0), ("黄", 4.5),
    ("胡", 4.0), ("吴", 3.8), ("杨", 3.0), ("徐", 3.0), ("罗", 3.0), ("肖", 2.8),
    ("周", 2.5), ("朱", 2.3), ("曾", 2.3), ("邓", 2.0), ("彭", 2.0), ("熊", 2.0),
    ("钟", 2.0), ("谢", 2.0), ("万", 1.5), ("赖", 1.5), ("余", 1.5), ("廖", 1.4),
    ("郭", 1.3), ("何", 1.3), ("涂", 1.2), ("邹", 1.2), ("付", 1.1), ("龚", 1.0),
    ("江", 1.0), ("汪", 1.0), ("程", 1.0), ("袁", 1.0), ("蔡", 0.8), ("欧阳", 0.8),
    ("饶", 0.8), ("聂", 0.7), ("叶", 0.7), ("温", 0.7), ("潘", 0.7), ("丁", 0.7),
    ("孙", 0.7), ("黎", 0.6), ("章", 0.6), ("魏", 0.6), ("郑", 0.6), ("邱", 0.6),
    ("宋", 0.5), ("卢", 0.5), ("石", 0.5), ("曹", 0.5), ("梁", 0.5), ("舒", 0.5),
    ("冯", 0.4), ("夏", 0.4), ("喻", 0.4), ("甘", 0.4), ("康", 0.4), ("姚", 0.4),
    ("段", 0.4), ("严", 0.4), ("简", 0.3), ("危", 0.3), ("揭", 0.3), ("艾", 0.3),
    ("上官", 0.15), ("司马", 0.05), ("诸葛", 0.05),
)
SURNAMES: tuple[str, ...] = tuple(s for s, _ in _SURNAMES_WEIGHTED)
_W = np.array([w for _, w in _SURNAMES_WEIGHTED], dtype=np.float64)
SURNAME_P: F64 = _W / _W.sum()

# Given-name characters by sex and birth cohort (born before 1980 / later).
_GIVEN = {
    ("M", "old"): "根福水生发金荣贵才华明国建平林勇文春志新亮宏刚兵云龙祥德茂有清松泉财火长庆忠明良兴旺",
    ("M", "young"): "伟强军斌辉涛杰波鹏超俊峰磊东海晓宇浩子轩博睿泽一航鑫凯晨阳昊宸然浩瑞铭皓逸嘉诚",
    ("F", "old"): "秀英兰红梅玲娟丽霞燕萍凤珍华琴桂莲翠菊香花春金凤玉招娥冬爱芳女妹仙娇",
    ("F", "young"): "芳敏静婷雪慧娜丹艳琳欣怡佳雨涵萱诗梦月思可悦晨颖琪瑶欣妍馨紫萌倩蕾璐",
}
GIVEN_POOLS: dict[tuple[str, str], tuple[str, ...]] = {k: tuple(v) for k, v in _GIVEN.items()}

# A few CJK Extension B characters (outside the BMP: 4-byte UTF-8, surrogate
# pairs in UTF-16) — real names use them and they break naive systems.
EXT_B_CHARS: tuple[str, ...] = tuple(
    chr(cp) for cp in (0x20BB7, 0x2000B, 0x2123D, 0x2A6A5, 0x25152, 0x24B62, 0x20C8E, 0x233B4)
)

# Transliterated minority names joined with the name dot U+00B7.
NAME_DOT = "\u00b7"
MINORITY_FIRST: tuple[str, ...] = (
    "阿依古丽", "买买提", "热孜宛古丽", "艾尔肯", "帕提曼", "阿不都", "努尔",
    "玛依拉", "吐尔逊", "迪丽娜尔", "扎西", "卓玛", "次仁", "德吉",
)
MINORITY_SECOND: tuple[str, ...] = (
    "艾买提", "吐尔逊", "阿不力孜", "热合曼", "多吉", "平措", "买买提", "卡德尔", "尼亚孜",
)

# Place-name syllables.
PLACE_FIRST: tuple[str, ...] = tuple(
    "新东西南北长青石白黄龙凤金银桥塘坪田溪源湖港岭山林江洲口坑坊洋岗埠圩"
    "丰安和平康宁乐永兴隆福瑞祥富泰昌盛华阳明秀竹梅桃杉枫樟柏松上下中大小高"
)
PLACE_SECOND: tuple[str, ...] = tuple(
    "田塘坪溪源湖港岭山林江洲口坑坊岗埠圩桥村庄湾垄陂畈家峰岩冲垅沙滩渡市"
    "丰安和平兴隆福阳明溪岭头尾背门前后"
)
COMMUNITY_NAMES: tuple[str, ...] = (
    "八一", "滨江", "建设", "胜利", "人民", "解放", "光明", "朝阳", "新华", "文化",
    "幸福", "和平", "团结", "红旗", "迎宾", "站前", "桥东", "桥西", "花园", "翠苑",
    "锦绣", "阳光", "丰和", "青云", "丽景", "东方", "南湖", "北门", "西城", "东城",
)
ROADS: tuple[str, ...] = (
    "解放路", "八一大道", "人民路", "胜利路", "中山路", "建设路", "新华路", "井冈山大道",
    "迎宾大道", "滨江路", "文化路", "光明路", "红旗大道", "站前路", "环城路", "青年路",
    "沿江路", "长征路", "将军路", "丰和大道",
)


def person_names(
    rng: np.random.Generator,
    surname_idx: I64,
    male: B,
    old_cohort: B,
    rare_share: float,
    minority_share: float,
) -> pa.Array:
    """Chinese full names: surname + 1-2 given characters, a few special cases."""
    n = len(surname_idx)
    # given characters: pick the pool by (sex, cohort), index into a joined table
    pools = [GIVEN_POOLS[("M", "old")], GIVEN_POOLS[("M", "young")],
             GIVEN_POOLS[("F", "old")], GIVEN_POOLS[("F", "young")]]
    table: list[str] = [c for p in pools for c in p]
    starts = np.cumsum([0] + [len(p) for p in pools[:-1]]).astype(np.int64)
    sizes = np.array([len(p) for p in pools], dtype=np.int64)
    pool_id = (~male).astype(np.int64) * 2 + (~old_cohort).astype(np.int64)
    c1 = starts[pool_id] + (rng.random(n) * sizes[pool_id]).astype(np.int64)
    c2 = starts[pool_id] + (rng.random(n) * sizes[pool_id]).astype(np.int64)
    two = rng.random(n) < 0.75
    rare = rng.random(n) < rare_share
    ext = rng.integers(0, len(EXT_B_CHARS), size=n)
    # one combined pool: given chars, then "", then Ext-B chars
    pool = table + [""] + list(EXT_B_CHARS)
    empty = len(table)
    c2 = np.where(two, c2, empty)
    c2 = np.where(rare, empty + 1 + ext, c2)
    names = join(take_strings(SURNAMES, surname_idx), take_strings(pool, c1), take_strings(pool, c2))
    minority = rng.random(n) < minority_share
    if minority.any():
        idx = np.flatnonzero(minority)
        first = rng.integers(0, len(MINORITY_FIRST), size=len(idx))
        second = rng.integers(0, len(MINORITY_SECOND), size=len(idx))
        special = join(take_strings(MINORITY_FIRST, first), NAME_DOT,
                       take_strings(MINORITY_SECOND, second))
        pos = np.full(n, -1, dtype=np.int64)
        pos[idx] = np.arange(len(idx))
        merged = pa.concat_arrays([names, special])
        take = np.where(minority, n + pos, np.arange(n))
        names = merged.take(pa.array(take))
    return names
