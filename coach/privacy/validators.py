"""Checksums and shape rules that turn a digit string into a typed identifier (or nothing).

Every function takes ASCII digits (callers normalise full-width digits first) and is pure, so the precision of the
redactor rests on these rules rather than on regex luck: an 18-digit number with a wrong ID checksum is not an ID,
a 16-digit number failing Luhn is not a bank card.
"""

from __future__ import annotations

from datetime import date

FULLWIDTH = str.maketrans("０１２３４５６７８９Ｘｘ＋", "0123456789Xx+")

# First two digits of GB/T 2260 region codes (provinces; 71/81/82 = Taiwan, Hong Kong, Macao).
ID_PROVINCES = frozenset(
    ["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82"]
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
MOBILE_SECOND = frozenset("3456789")


def ascii_digits(s: str) -> str:
    return s.translate(FULLWIDTH)


def _valid_date(y: int, m: int, d: int) -> bool:
    try:
        born = date(y, m, d)
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date(2099, 12, 31)


def id18_check_char(body17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits."""
    return "10X98765432"[sum(int(c) * w for c, w in zip(body17, _ID_WEIGHTS, strict=True)) % 11]


def is_id18(s: str) -> bool:
    s = s.upper()
    if len(s) != 18 or not s[:17].isdigit() or not (s[17].isdigit() or s[17] == "X"):
        return False
    if s[:2] not in ID_PROVINCES or not _valid_date(int(s[6:10]), int(s[10:12]), int(s[12:14])):
        return False
    return id18_check_char(s[:17]) == s[17]


def is_id15(s: str) -> bool:
    """Old first-generation ID: region(6) + yymmdd (1900s) + sequence(3); no checksum exists, so the date must hold."""
    if len(s) != 15 or not s.isdigit() or s[:2] not in ID_PROVINCES:
        return False
    return _valid_date(1900 + int(s[6:8]), int(s[8:10]), int(s[10:12]))


def luhn_ok(s: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(s)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_issuer_ok(s: str) -> bool:
    """Length-aware issuer prefixes (UnionPay, Visa, Mastercard, JCB, Amex, Diners, old domestic 955x).

    Without them any 13-19 digit run has a one-in-ten chance of passing Luhn; with them barcodes (69…),
    the shop's order numbers (20…, 1…) and dates never look like cards.
    """
    n = len(s)
    if s[0] == "4":
        return n in (13, 16, 19)
    if s[:2] in ("51", "52", "53", "54", "55") or 2221 <= int(s[:4]) <= 2720:
        return n == 16
    if s[:2] in ("62", "60", "65", "63", "64") or s[:3] == "955":
        return 16 <= n <= 19
    if s[:2] in ("34", "37"):
        return n == 15
    if s[:2] == "35":
        return 16 <= n <= 19
    if s[:2] in ("30", "36", "38"):
        return 14 <= n <= 16
    return False


def is_bank_card(s: str, *, context: bool = False) -> bool:
    """Luhn always; the issuer prefix may be waived when the text says it is a card (卡号…)."""
    return 13 <= len(s) <= 19 and s.isdigit() and luhn_ok(s) and (context or card_issuer_ok(s))


def is_mobile(s: str) -> bool:
    return len(s) == 11 and s.isdigit() and s[0] == "1" and s[1] in MOBILE_SECOND


def strip_country_code(s: str) -> str | None:
    """The national mobile number inside `s`, allowing 86/0086 prefixes; None if it is not one."""
    for prefix in ("0086", "86", ""):
        if s.startswith(prefix) and is_mobile(s[len(prefix) :]):
            return s[len(prefix) :]
    return None


def area_code_len(s: str) -> int:
    """Length of the area code `s` starts with (010 and 02x are 3 digits, 03xx-09xx are 4), 0 if none."""
    if len(s) < 3 or s[0] != "0":
        return 0
    if s[1] == "1":
        return 3 if s[:3] == "010" else 0
    if s[1] == "2":
        return 3
    return 4 if s[1] in "3456789" and len(s) >= 4 else 0


def is_local_number(s: str) -> bool:
    """A 7-8 digit local number; they never start with 0 or 1 (1xx are service codes)."""
    return 7 <= len(s) <= 8 and s.isdigit() and s[0] in "23456789"
