"""The checkable facts of a sentence: numbers (with units), gene/drug/disease-like names, negation.

Numbers are normalised so that the same quantity matches however it is written:
``84k`` = ``84,000`` = ``84 000``; ``5e-8`` = ``5×10⁻⁸`` = ``5 x 10^-8`` = ``5 × 10-8``;
``45 %`` = ``45 percent``; ``two`` = ``2``. Numbers that are part of a name (``BRCA1``,
``IL-6``, ``COVID-19``, ``rs7412``) are names, not numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SUP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺−–—", "0123456789-+---")
_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "κ": "kappa",
    "λ": "lambda", "μ": "mu", "σ": "sigma", "τ": "tau", "ω": "omega", "ζ": "zeta", "θ": "theta",
}  # fmt: skip
_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "twenty": 20, "thirty": 30, "hundred": 100, "thousand": 1000,
    "twice": 2, "double": 2, "half": 0.5,
}  # fmt: skip
_MULT = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "millions": 1e6, "billion": 1e9, "b": 1e9}
_UNITS = {
    "%": "%", "percent": "%", "per cent": "%", "mg": "mg", "g": "g", "kg": "kg", "µg": "ug", "μg": "ug",
    "ug": "ug", "mcg": "ug", "ng": "ng", "ml": "ml", "l": "l", "µl": "ul", "μl": "ul", "mm": "mm", "cm": "cm",
    "nm": "nm", "µm": "um", "μm": "um", "kda": "kda", "mmhg": "mmhg", "mmol": "mmol", "µmol": "umol",
    "nmol": "nmol", "iu": "iu", "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h", "min": "min",
    "minutes": "min", "day": "day", "days": "day", "week": "week", "weeks": "week", "month": "month",
    "months": "month", "year": "year", "years": "year", "fold": "fold", "bp": "bp", "kb": "kb", "mb": "mb",
    "gy": "gy", "mg/kg": "mg/kg", "mg/dl": "mg/dl", "mmol/l": "mmol/l",
}  # fmt: skip

# mantissa, then an optional ×10^exp / e-exp, then an optional multiplier word, then an optional unit.
_NUM_RX = re.compile(
    r"(?<![\w.])(?<![A-Za-z]-)(?<![A-Za-z]/)"
    r"(?P<m>\d{1,3}(?:[,\u2009\u202f]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?:\s*(?:[x×*]|\u00d7)\s*10\s*\^?\s*(?P<e1>[-+]?\s?\d+)|[eE](?P<e2>[-+]?\d+))?"
    r"(?:\s*(?P<mult>k|thousand|million|millions|billion)\b|(?P<mk>k)(?![A-Za-z]))?"
    r"(?:\s*-?\s*(?P<unit>%|per ?cent\b|(?:mg/kg|mg/dl|mmol/l|mmhg|kda|mmol|µmol|μmol|nmol|mcg|µg|μg|ug|ng|mg|kg|"
    r"µl|μl|ml|mm|cm|nm|µm|μm|iu|hrs|hr|hours?|min(?:utes)?|days?|weeks?|months?|years?|fold|bp|kb|gy|g|h|l)\b))?"
    # not the digit of a word ("3D", "2G"): a letter may follow only as an ordinal or a fold ("3rd", "4x")
    r"(?=(?:st|nd|rd|th|x)\b|[^A-Za-z0-9]|$)",
    re.I,
)
_BARE_POW_RX = re.compile(r"(?<![\d.])10\s*\^\s*(?P<e>[-+]?\d+)")
_NUMBERISH = re.compile(r"[\d.,]+(?:[eE][-+]?\d+)?-?(?:[A-Za-z%]{0,3}|fold|times|year|years|month|day|week)", re.I)
_WORD_NUM_RX = re.compile(r"\b(" + "|".join(_WORDS) + r")\b", re.I)
_TOKEN_RX = re.compile(r"[A-Za-z0-9α-ωΑ-Ω][A-Za-z0-9α-ωΑ-Ω'’+\-/]*")
_DRUG_DISEASE = re.compile(
    r"(mab|nib|tinib|ciclib|parib|zumab|ximab|pril|sartan|olol|statin|mycin|cillin|floxacin|oxacin|azole|"
    r"vir|platin|parin|gliptin|glitazone|gliflozin|lukast|tide|setron|prazole|dronate|caine|profen|"
    r"itis|oma|omas|emia|aemia|osis|pathy|plasia|trophy|algia|ectomy|virus|viruses|bacter|coccus)$",
    re.I,
)
_NEG_RX = re.compile(
    r"\b(not|no|never|none|neither|nor|without|cannot|unable|absence|absent|lack|lacks|lacked|lacking|"
    r"fail|fails|failed|non-significant|nonsignificant|insignificant)\b|n't\b",
    re.I,
)
_COMMON_CAPS = frozenset(
    "i we our the a an in on of for to and or but however moreover furthermore these this that those here "
    "there it its their they although while when after before during both results conclusions conclusion "
    "methods background objective objectives purpose aim aims design setting patients overall finally "
    "thus therefore also all among".split()
)


@dataclass(frozen=True)
class Number:
    """A quantity: its value, the unit written after it (normalised, or None), and how it was written."""

    value: float
    unit: str | None
    text: str

    def matches(self, other: Number) -> bool:
        """Same quantity; a claim's rounding of the passage's value counts (45 matches 45.3)."""
        if self.unit and other.unit and self.unit != other.unit:
            return False
        if _close(self.value, other.value):
            return True
        decimals = _decimals(self.text)
        return decimals < _decimals(other.text) and _close(round(other.value, decimals), self.value)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _decimals(text: str) -> int:
    m = re.search(r"\.(\d+)", text)
    return len(m.group(1)) if m else 0


def normalise(text: str) -> str:
    """Superscripts, Unicode minus signs and Greek letters in a comparable plain form."""
    text = text.translate(_SUP)
    for g, name in _GREEK.items():
        text = text.replace(g, name)
    return text


def numbers(text: str) -> list[Number]:
    """Every quantity in ``text``, normalised (see the module docstring)."""
    text = normalise(text)
    out: list[Number] = []
    for m in _BARE_POW_RX.finditer(text):  # "10^-8" on its own, not as in "5 x 10^-8"
        if not re.search(r"\d\s*[x×*]\s*$", text[: m.start()]):
            out.append(Number(10.0 ** int(m.group("e")), None, m.group(0)))
            text = text[: m.start()] + " " * len(m.group(0)) + text[m.end() :]
    for m in _NUM_RX.finditer(text):
        value = float(re.sub(r"[,\u2009\u202f]", "", m.group("m")))
        exp = m.group("e1") or m.group("e2")
        if exp:
            value *= 10.0 ** int(exp.replace(" ", ""))
        mult = (m.group("mult") or m.group("mk") or "").lower()
        if mult:
            value *= _MULT[mult]
        unit = m.group("unit")
        out.append(Number(value, _UNITS.get(re.sub(r"\s+", " ", unit.lower())) if unit else None, m.group(0)))
    spans = [m.span() for m in _NUM_RX.finditer(text)]
    for m in _WORD_NUM_RX.finditer(text):
        if not any(a <= m.start() < b for a, b in spans):  # "84 thousand" is one number
            out.append(Number(float(_WORDS[m.group(1).lower()]), None, m.group(1)))
    return out


def _squash(token: str) -> str:
    t = normalise(token).lower().replace("’", "'")
    t = re.sub(r"'s$", "", t)
    t = re.sub(r"[^a-z0-9+]", "", t)
    return t[:-1] if len(t) > 4 and t.endswith("s") and not t.endswith("ss") else t


def is_name(token: str, *, first: bool = False) -> bool:
    """Gene/drug/disease-like: letters with digits, two capitals, a drug or disease suffix, a Greek
    letter, or a capitalised word inside a sentence."""
    core = token.strip("'’+-/")
    if len(core) < 2 or not re.search(r"[A-Za-zα-ω]", core):
        return False
    if re.search(r"[α-ωΑ-Ω]", core) or (re.search(r"\d", core) and re.search(r"[A-Za-z]", core)):
        return True
    if sum(c.isupper() for c in core) >= 2:
        return True
    if len(core) > 5 and _DRUG_DISEASE.search(core):
        return True
    return not first and core[0].isupper() and core.lower() not in _COMMON_CAPS and len(core) > 2


def names(text: str) -> list[str]:
    """Gene/drug/disease-like names in ``text`` (see :func:`is_name`), as written."""
    out: list[str] = []
    for i, m in enumerate(_TOKEN_RX.finditer(text)):
        first = i == 0 or text[: m.start()].rstrip().endswith((".", ":", ";", "!", "?", "(", '"'))
        token = m.group(0).rstrip("'’-/")
        if is_name(token, first=first) and not _NUMBERISH.fullmatch(token):
            out.append(token)
    return list(dict.fromkeys(out))


def name_keys(text: str) -> set[str]:
    """Squashed single tokens and adjacent pairs ("PD L1" → "pdl1"), to look names up in a passage."""
    toks = [_squash(t) for t in _TOKEN_RX.findall(text)]
    toks = [t for t in toks if t]
    keys = set(toks) | {a + b for a, b in zip(toks, toks[1:], strict=False)}
    for t in _TOKEN_RX.findall(text):  # "PD-L1/PD-1" also as its parts
        keys |= {_squash(p) for p in re.split(r"[/]", t) if p}
        # A name inside a hyphenated compound ("CYP2C19-poor metabolisers") also as itself.
        keys |= {_squash(p) for p in t.split("-") if len(p) > 2 and is_name(p)}
    return keys


def name_found(name: str, keys: set[str]) -> bool:
    key = _squash(name)
    return bool(key) and (key in keys or any(_squash(p) in keys for p in name.split("/") if len(p) > 1))


def negated(text: str) -> bool:
    """Whether the text states a negation (not, no, without, failed to, lack of ...)."""
    return bool(_NEG_RX.search(normalise(text)))


def negated_words(text: str, span: int = 3) -> list[str]:
    """The first ``span`` words after each negation word (what the negation is about), lower-cased."""
    text = normalise(text)
    out: list[str] = []
    for m in _NEG_RX.finditer(text):
        words = [w for w in re.findall(r"[a-z][a-z0-9\-]+", text[m.end() :].lower()) if len(w) > 3]
        out += words[:span]
    return out


def negations(text: str) -> int:
    """How many negation words the text has."""
    return len(_NEG_RX.findall(normalise(text)))
