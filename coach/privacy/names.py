"""Person names after 收件人/联系人/收货人/姓名 and e-mail addresses.

Names are only looked for right after those words, where a name is expected: the first character must be a known
surname, the given name is one or two characters and is cut at the first character that starts the next phrase
(电话, 手机, 就行, 的 …), and everyday words that happen to start with a surname character (方便, 周末, 马上)
are rejected. Names elsewhere in a sentence are out of scope: without a trigger, precision would collapse.
"""

from __future__ import annotations

import re

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢"
    "安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游"
    "辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应"
    "臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩佘池查麻迟邝官封谈匡鞠惠荆乐冀郁胥班储原栗燕楚鄢劳谌奚皮粟冼"
    "蔺楼满闻厉伊仝郜阚权帅屠豆朴盖练廉禹井祖漆巴丰支卿狄计索宣晋相初容敬扈晁芮阙浦戈伏鹿薄邸雍辜羊乌母裘亓修邰赫杭"
    "况宿鲜印逯隆茹诸战慕危亢嵇湛宾戎勾茅於揭尉冶斯束檀衣阴昝智幸奉植衡富尧闭"
    # Traditional forms
    "陳黃張劉趙吳鄭許謝韓馮鄧蕭葉蘇魏呂盧鍾譚陸賈韋鄒孫羅楊馬郭蔡沈錢顧龔邵萬嚴湯溫樊葛齊喬龐顏聶魯翟殷詹歐關蘭焦"
)
_COMPOUND = "欧阳|歐陽|司马|司馬|诸葛|諸葛|上官|慕容|东方|東方|皇甫|令狐|司徒|夏侯|尉迟|公孙|長孫|长孙|宇文|澹台|端木|独孤|南宫"
_TRIGGER = (
    r"收件人姓名|收货人姓名|收件人|收货人|收貨人|联系人|聯繫人|聯絡人|联络人|寄件人|真实姓名|真實姓名|姓名|名字"
    r"|持卡人|开户名|開戶名|户名|戶名"
)
_FILLER = r"(?:[：:\s\-/／—]|是|为|為|叫|写|寫|填|改成|改为|改為|换成|換成)*"
_NAME = rf"(?P<name>(?:{_COMPOUND}|[{_SURNAMES}])[\u4e00-\u9fff]{{1,2}})"
NAME_RE = re.compile(rf"(?:{_TRIGGER}){_FILLER}{_NAME}")
# "收件人改一下，改成向玉兰", "收件人写错了，应该是张伟": the name comes a few words later, after a verb that
# introduces it; the search stops at the next field (地址, 电话 …) or sentence end.
LATER_NAME_RE = re.compile(
    rf"(?:{_TRIGGER})[^。！？!?\n地电電手邮郵号號身]{{0,10}}?(?:改成|改为|改為|换成|換成|写成|寫成|应该是|應該是|是|叫)"
    rf"[：:\s]*{_NAME}"
)
# The next phrase starts here: a given name never contains these.
_CUT = set("电電手联聯地收寄送发發就吧呢吗嗎啊呀了的是在和或写寫填改要也还還先女您你我他她请請麻谢謝身证證邮郵号號座固微不没沒已都说說对對错錯帮幫给給把让讓到找打拨用换換留这這那哪么麼噢哦哈嘛能会會需等转轉代，")
_NOT_NAMES = set(
    ["方便", "方式", "方法", "信息", "时间", "时候", "名字", "全名", "全部", "本人", "自己", "周末", "周一", "周二", "周三", "周四", "周五", "周六", "周日", "明天", "明白", "明确", "平台", "国内", "公司", "成功", "海外", "金额", "万一", "安全", "安排", "安装", "高兴", "文字", "文件", "白天", "马上", "常用", "任何", "包裹", "付款", "程序", "单位", "师傅", "关于", "原来", "毕竟", "应该", "何时", "曾经", "于是", "尚未", "齐全", "车上", "连接", "简单", "宁可", "江湖", "上官方", "东方人", "司机", "司马光", "路上", "路边", "时间段", "管理", "华为", "苏宁", "京东", "顺丰", "申通", "韵达", "邮政", "快递", "物业", "门卫", "前台", "老板", "同事", "家人", "朋友", "姓名", "全称", "本名", "真名", "实名", "叶子", "金色", "白色", "黄色", "蓝色", "红色", "米色", "米白", "石头", "向我", "向你", "商家", "商品", "易碎", "冷藏", "计算", "相同", "初始", "宣传", "卫生", "宁愿"]
)


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


# The copied shipping label "张三 13812345678 浙江省…": a name standing alone right before a mobile number.
BEFORE_PHONE_RE = re.compile(
    rf"(?:^|(?<=[\s，,：:；;、|/（(]))(?P<name>(?:{_COMPOUND}|[{_SURNAMES}])[\u4e00-\u9fff]{{1,2}}?)"
    r"(?=[\s，,：:/]*(?:[+＋]?86[\s-]?)?1[3-9][0-9])"
)


def find_names(text: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for pattern in (NAME_RE, LATER_NAME_RE, BEFORE_PHONE_RE):
        seen = {a for a, _ in out}
        out += [(a, b) for a, b in _names(pattern, text) if a not in seen]
    return sorted(out)


def _names(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for m in pattern.finditer(text):
        start, end = m.span("name")
        compound = re.match(_COMPOUND, text[start:end]) is not None
        given_from = start + (2 if compound else 1)
        stop = next((i for i in range(given_from, end) if text[i] in _CUT), end)
        # "王伟家里": a two-character given name that runs on into more Han text is a one-character one.
        if stop == given_from + 2 and stop < len(text) and _is_han(text[stop]) and text[stop] not in _CUT:
            stop -= 1
        if stop == given_from or any(text[start:k] in _NOT_NAMES for k in range(start + 2, stop + 1)):
            continue
        out.append((start, stop))
    return out


EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*[@＠][A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24}"
    r"(?![A-Za-z0-9])"
)


def find_emails(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in EMAIL_RE.finditer(text)]
