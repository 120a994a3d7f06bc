"""Chinese street addresses: a chain of components from the first administrative unit to the house number / room.

A chain is matched with one regex (components in any order, each a bounded name + a suffix such as 省/市/区/路/号/
栋/室), then kept only if it is specific enough to find a door: a road with a number, a residential compound,
a building or room, or a village. "杭州市西湖区" or "北京朝阳区" alone is a region, not a personal address.

Names inside components may not contain function characters (的/在/到/是/寄/送…), which is how the chain finds its
start in "麻烦寄到浙江省…" without a word segmenter; city and province names come from a gazetteer first, so
成都/都匀 still work although 成 (改成) and 都 are stop characters.
"""

from __future__ import annotations

import re

_STOP = "的了吗嗎呢吧啊呀哦哈嘛我你您他她它是在到住寄送發发改给給请請帮幫把被就还還也要想能址收件电電话話手这這那哪些们們走去过過往靠近边邊旁对對面成都个個为為"
_N = rf"(?:(?![{_STOP}])[\u4e00-\u9fff])"  # a Han character that may be part of a place name
_D = "[0-9０-９]"
_HAN_NUM = "[一二三四五六七八九十百零〇两]"

_PROVINCES = ["北京", "天津", "上海", "重庆", "重慶", "河北", "山西", "辽宁", "遼寧", "吉林", "黑龙江", "黑龍江", "江苏", "江蘇", "浙江", "安徽", "福建", "江西", "山东", "山東", "河南", "湖北", "湖南", "广东", "廣東", "海南", "四川", "贵州", "貴州", "云南", "雲南", "陕西", "陝西", "甘肃", "甘肅", "青海", "台湾", "臺灣", "台灣", "内蒙古", "廣西", "广西", "西藏", "宁夏", "寧夏", "新疆", "香港", "澳门", "澳門"]
_PROVINCE_SUFFIX = "(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|壯族自治區|自治區|特別行政區)?"
# Cities whose names start with a stop character, and the common ones written without 市 ("杭州西湖区…").
_CITIES = ["成都", "都匀", "都江堰", "那曲", "杭州", "宁波", "温州", "绍兴", "嘉兴", "湖州", "金华", "台州", "义乌", "南京", "苏州", "无锡", "常州", "南通", "扬州", "徐州", "广州", "深圳", "东莞", "佛山", "珠海", "中山", "惠州", "武汉", "长沙", "郑州", "济南", "青岛", "烟台", "厦门", "福州", "泉州", "合肥", "南昌", "西安", "昆明", "贵阳", "南宁", "海口", "三亚", "沈阳", "大连", "长春", "哈尔滨", "石家庄", "太原", "呼和浩特", "乌鲁木齐", "兰州", "银川", "西宁", "拉萨", "臺北", "台北", "新北", "臺中", "台中", "高雄", "九龍", "九龙", "新界"]
_ALT = "|".join(sorted(_PROVINCES + _CITIES, key=len, reverse=True))

# "北京路", "中山东路", "杭州路" are roads, not the city: a unit never runs straight into a road suffix.
_NOT_ROAD = "(?![东西南北中東]?(?:路|街|大道|道|巷|弄))"
_ADM = (
    rf"(?:(?:{_ALT}){_PROVINCE_SUFFIX}"
    rf"|{_N}{{1,7}}?(?:自治州|自治县|自治縣|自治旗|地区|地區|新区|新區|市|区|區|县|縣|旗|盟|州(?![市区區县縣])))"
    rf"{_NOT_ROAD}"
)
_TOWN = rf"{_N}{{1,6}}?(?:街道|镇|鎮|乡|鄉)"
_ROAD = rf"{_N}{{1,10}}?(?:大道|大街|路|街|巷|弄|胡同|道|里)(?:[东西南北中東]段|{_HAN_NUM}{{1,3}}段|{_D}{{1,2}}段)?"
_COMM = (
    rf"{_N}{{2,10}}?(?:小区|小區|花园|花園|花苑|家园|家園|新村|社区|社區|公寓|大厦|大廈|大楼|大樓|广场|廣場|中心|公馆"
    rf"|公館|大学|大學|学院|學院|学校|學校|医院|醫院|公司|工厂|工廠|厂|廠|宿舍|校区|校區|驿站|驛站|仓库|倉庫"
    rf"|苑|园|園|府|城|村|庄|莊|湾|灣|居|邸|阁|閣|庭|郡)(?![村庄莊])"  # 大王庄村: not 大王庄 + 村
)
# A compound known by its brand name only ("保利天悦6-1-1701", "太古汇一座", "IFS一号楼"): recognised by what
# follows it.
_ESTATE = (
    rf"(?:{_N}|[A-Za-z]){{2,8}}?(?={_D}{{1,3}}(?:-{_D}|栋|棟|幢|号楼|號樓|单元|單元)|[A-Za-z]座"
    rf"|{_HAN_NUM}{{1,2}}(?:座|栋|棟|幢|号楼|號樓))"
)
_NUM = rf"{_D}{{1,5}}(?:[-之]{_D}{{1,4}})?(?:号院|號院|号|號|弄|支弄)"
_BLDG = (
    rf"(?:{_D}{{1,4}}|[A-Za-zＡ-Ｚ]{_D}{{0,3}}|{_HAN_NUM}{{1,3}})"
    rf"(?:号楼|號樓|栋|棟|幢|座|单元|單元|楼|樓|层|層|室|户|戶|号|號|期|区|區|组|組|排|门|門)"
)
_ROOM = rf"(?:{_D}{{1,3}}-{_D}{{1,3}}(?:-{_D}{{1,5}})?|{_D}{{2,5}})(?:室|房)?(?!{_D})"
_SEP = "(?:[ \u3000]|[，,、][ \u3000]?)?"  # "浙江省 杭州市", "杭州市西湖区，文三路138号"

ADDRESS_RE = re.compile(
    rf"(?:{_ADM}|{_TOWN}|{_ROAD}|{_COMM})"
    rf"(?:{_SEP}(?:{_ADM}|{_TOWN}|{_ROAD}|{_COMM}|{_BLDG}|{_NUM}|{_ESTATE})|{_ROOM})*"
)
# What makes a chain point at a door rather than at a region.
_SPECIFIC = re.compile(
    rf"(?:路|街|道|巷|弄|胡同|段|里)[ \u3000]?{_D}{{1,5}}(?:[-之]{_D}{{1,4}})?(?:号|號|弄)"
    rf"|{_D}(?:栋|棟|幢|单元|單元|室|号楼|號樓|层|層|楼|樓|组|組)"
    rf"|(?:{_HAN_NUM}|[A-Za-z])(?:座|栋|棟|幢|号楼|號樓){_D}"
    rf"|小区|小區|花园|花園|花苑|家园|家園|新村|社区|社區|公寓|大厦|大廈|大楼|大樓|村{_D}|村$"
    rf"|{_D}{{1,3}}-{_D}{{1,3}}-{_D}{{1,5}}"
)
_FIRST = re.compile(rf"{_ADM}|{_TOWN}|{_ROAD}|{_COMM}")


def find_addresses(text: str) -> list[tuple[int, int]]:
    """(start, end) of every address chain specific enough to be personal data."""
    out: list[tuple[int, int]] = []
    for m in ADDRESS_RE.finditer(text):
        span = m.group().rstrip(" \u3000，,、")
        first = _FIRST.match(span)
        # A lone component ("人民路", "阳光花园") is a landmark; a door needs at least two and a specific one.
        if first is None or first.end() == len(span) or not _SPECIFIC.search(span):
            continue
        out.append((m.start(), m.start() + len(span)))
    return out
