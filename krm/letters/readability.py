"""How easy a letter text is to read: advice while editing, never a blocker (R-Q5).

``assess(text)`` returns the Flesch reading ease after Amstad (the German adaptation,
``180 − ASL − 58.5 × ASW``), the sentences that are too long and the "Amtsdeutsch" words
that have a plainer alternative.

Counting rules:

* Sentences end at ``.``, ``!`` or ``?`` followed by whitespace and an uppercase letter, a
  digit, an opening quote or ``§`` – except after German abbreviations ("z. B.", "bzw.",
  "Nr.", "Abs.", initials …), in ordinal dates ("1. Dezember 2026") and list numbers at the
  start of a line. Blank lines (paragraphs) always end a sentence, and so does a salutation
  or closing line ("Sehr geehrte Frau Muster,", "Mit freundlichen Grüßen").
* Words are runs of letters and digits; hyphenated compounds are one word. Numbers and dates
  ("12.03.2026", "44b") are one word with one syllable. A Django placeholder
  (``{{ kunde.name }}``) is one word with one syllable and never ends a sentence; template
  tags (``{% if … %}``) and comments are ignored.
* Syllables come from pyphen's German hyphenation dictionary: hyphenation positions + 1.
  Hyphenation is not syllabification: pyphen leaves at least two letters on each side, so
  short words like "über" or "aber" count as one syllable. This slightly flatters the score
  and is accepted. (The old-spelling "ck" split, "Rü-ck-ant-wort", is not counted twice.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pyphen

LONG_SENTENCE_WORDS = 25
MIN_WORDS = 20
EXCERPT_CHARS = 120

# Score bands, highest first: (lower bound, label).
BANDS: tuple[tuple[float, str], ...] = (
    (80, "sehr leicht"),
    (70, "leicht"),
    (60, "mittel"),
    (50, "etwas schwer"),
    (30, "schwer"),
)
LOWEST_BAND = "sehr schwer"


@dataclass(frozen=True)
class LongSentence:
    excerpt: str  # the sentence, cut to about EXCERPT_CHARS characters with "…"
    words: int


@dataclass(frozen=True)
class OfficeWord:
    word: str  # as found in the text (first occurrence's spelling, whitespace collapsed)
    plainer: str  # suggestion, e.g. "dazu"
    count: int


@dataclass(frozen=True)
class Assessment:
    words: int
    sentences: int
    score: float | None  # Flesch-Amstad, 0..100, 1 decimal; None under MIN_WORDS words
    label: str  # German band of the score; "" when score is None
    long_sentences: tuple[LongSentence, ...]  # more than LONG_SENTENCE_WORDS words
    office_words: tuple[OfficeWord, ...]  # in order of first occurrence


# --- Office words ------------------------------------------------------------------------

# Between the words of a phrase: spaces (also no-break), or one line break (never a blank
# line).
_GAP = r"(?:[^\S\n]+\n?[^\S\n]*|\n[^\S\n]*)"
_ADJ = r"(?:e[mnrs]?)?"  # adjective endings: unverzüglich, unverzügliche, unverzüglichen …

# (regular expression, plainer alternative). Case-insensitive; a space in the expression
# stands for _GAP. Longer phrases come before the words they contain.
OFFICE_WORDS: tuple[tuple[str, str], ...] = (
    (r"unter bezugnahme(?: auf)?|bezugnahme\w*|bezug ?nehmend(?: auf)?", "zu Ihrem Brief vom …"),
    (r"in kenntnis(?: (?:zu )?(?:setz\w*|gesetzt))?", "informieren / sagen"),
    (r"zur kenntnis(?: (?:zu )?(?:nehm\w*|nimmt|genommen))?", "lesen / wissen"),
    (r"kenntnisnahme", "zum Lesen"),
    (r"inkenntnissetzung\w*", "Information"),
    (r"diesbezüglich" + _ADJ, "dazu"),
    (r"bezüglich", "zu / über"),
    (r"bzgl\.", "zu / über"),
    (r"hinsichtlich", "zu / bei"),
    (r"seitens", "von"),
    (r"zwecks", "für / um … zu"),
    (r"unverzüglich" + _ADJ, "sofort"),
    (r"umgehend" + _ADJ, "sofort"),
    (r"fernmündlich" + _ADJ, "telefonisch"),
    (r"beiliegend" + _ADJ, "mit diesem Brief"),
    (r"anbei", "mit diesem Brief"),
    (r"vorgenannt" + _ADJ, "dieser / diese"),
    (r"rückantwort(?:en)?", "Antwort"),
    (r"rückäußerung(?:en)?", "Antwort"),
    (r"inaugenscheinnahme\w*", "Besichtigung"),
    (r"verbleib(?:e?s)?", "wo … ist"),
    (r"postanschrift(?:en)?", "Adresse"),
    (r"oblieg\w*|oblag\w*", "zuständig sein"),
    (r"erachte\w*", "halten für"),
    (r"gegebenenfalls|ggf\.", "wenn nötig"),
    (r"sachverhalt(?:e?s|en?)?", "was geschehen ist"),
    (r"wohnsitznahme", "Umzug / Wohnort"),
    (r"zustellung(?:en)?", "Sie bekommen … per Post"),
    (r"zeitnah" + _ADJ, "bald / bis zum …"),
    (r"nachreichung(?:en)?", "nachschicken"),
    (r"beibringung", "schicken / vorlegen"),
    (r"antragstellung(?:en)?", "Antrag"),
    (r"erledigung(?:en)?", "… ist erledigt"),
    (r"vorstellig", "kommen"),
    (r"vorsprache\w*", "Besuch / Termin"),
    (r"rücksprache\w*", "Gespräch"),
    (r"ihr(?:e[ms])? schreibens?", "Ihr Brief"),
    (r"hiermit", "(weglassen)"),
    (r"ergeht|ergehen|erging", "Sie bekommen …"),
    (r"im rahmen(?: (?:des|der|von|eines|einer))?", "bei / in"),
    (r"aufgrund|auf grund", "wegen"),
    (r"inanspruchnahme", "Nutzung"),
    (r"übersend\w*|übersandt\w*", "schicken"),
    (r"aushändig\w*", "geben"),
    (r"ersuch\w*", "bitten"),
    (r"nunmehr", "jetzt"),
    (r"alsbald|baldmöglichst\w*", "bald / so bald wie möglich"),
    (r"mithin", "also"),
    (r"selbige[mnrs]?", "dieser / diese"),
)


def _alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a regular expression: "a|b(c|d)" → ["a", "b(c|d)"]."""
    parts, depth, start = [], 0, 0
    for position, char in enumerate(pattern):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "|" and depth == 0:
            parts.append(pattern[start:position])
            start = position + 1
    parts.append(pattern[start:])
    return parts


def _office_regex() -> re.Pattern[str]:
    """One expression for all office words, branching on the first letter first: Python's
    re tries alternatives one by one, and 50 of them at every word start took about 100 ms
    on 20,000 words; after the first letter only a few remain (about 15 ms). Group "w3_1" is the
    second alternative of OFFICE_WORDS[3]."""
    by_first: dict[str, list[str]] = {}
    for index, (pattern, _) in enumerate(OFFICE_WORDS):
        for number, alternative in enumerate(_alternatives(pattern)):
            first, rest = alternative[0], alternative[1:].replace(" ", _GAP)
            if not first.isalpha():
                raise ValueError(f"office word must start with a letter: {alternative}")
            by_first.setdefault(first, []).append(rf"(?P<w{index}_{number}>{rest})")
    branches = (f"{first}(?:{'|'.join(rests)})" for first, rests in by_first.items())
    return re.compile(rf"\b(?:{'|'.join(branches)})(?!\w)", re.IGNORECASE)


_OFFICE_RE = _office_regex()

# --- Template syntax ---------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{\{[^{}\n]*\}\}")
_TAG_LINE = re.compile(r"^[ \t]*(?:(?:\{%.*?%\}|\{#.*?#\})[ \t]*)+\n?", re.MULTILINE)
_TAG = re.compile(r"\{%.*?%\}|\{#.*?#\}")
# Each distinct placeholder becomes one private-use character (Supplementary Private Use
# Area A), so it is one word and no punctuation inside it can end a sentence.
_PUA_FIRST = 0xF0000
_PUA_SIZE = 0xFFFE
_PUA = "\U000f0000-\U000ffffd"

# --- Words and sentences -----------------------------------------------------------------

_WORD = re.compile(rf"[{_PUA}]|\d+(?:[.,:/]\d+)*[^\W\d_]*|[^\W_]+(?:[-'’.][^\W_]+)*")
_LETTER_PARTS = re.compile(r"[^\W\d_]+")
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n\s*")
_SPACES = re.compile(r"\s+")

_GREETING_LINE = re.compile(
    rf"""\s*(?:
        (?:sehr\s+geehrte[rs]?|guten\s+(?:tag|morgen|abend)|hallo|liebe[rs]?)\b.*,
      | (?:mit\s+)?(?:freundliche[mn]?|beste[mn]?|viele[mn]?|herzliche[mn]?)\s+
        gr(?:ü|ue|u)(?:ß|ss)(?:e|en)?\b[^.!?]*
      | [{_PUA}][\s{_PUA}]*,
    )\s*""",
    re.IGNORECASE | re.VERBOSE,
)

# Punctuation that may end a sentence, with closing quotes or brackets, then whitespace.
_CLOSERS = "\"'”“’»«)]"
_END = re.compile(rf"[.!?]+[{re.escape(_CLOSERS)}]*\s+")
_OPENERS = frozenset("\"'„“‚‘»«(§")
_WORD_BEFORE = re.compile(r"[^\W_]+$")


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Abbreviations that never end a sentence (compared in lower case, without the dot).
ABBREVIATIONS = _word_set(
    """
    abs abschn allg anl az aktz bd bsp bspw bzgl bzw ca dr ebd erg etc evtl ff fr gem
    geb ggf ggü hr hrn hrsg inkl jh kap lfd lt max min mio mrd nr prof rn sog str tel tsd
    usw verh vgl ziff zzgl
    jan feb mär apr jun jul aug sep sept okt nov dez
    """
)
_MONTHS = _word_set(
    """
    januar februar märz april mai juni juli august september oktober november dezember
    jan feb mär apr jun jul aug sep sept okt nov dez
    """
)
# Words before "3." that make it an ordinal: "am 3. Werktag", "die 2. Mahnung".
_ORDINAL_CONTEXT = _word_set("am im ab bis seit vom zum zur den dem der des die das jeden jedem")

_dictionary = pyphen.Pyphen(lang="de_DE")


def label_for(score: float) -> str:
    """The German band of a Flesch-Amstad score."""
    for lower, label in BANDS:
        if score >= lower:
            return label
    return LOWEST_BAND


def assess(text: str) -> Assessment:
    """Readability of a letter text (plain text or a Django template's source)."""
    text, placeholders = _prepare(text)
    word_count = syllable_count = sentence_count = 0
    long_sentences: list[LongSentence] = []
    for sentence in _sentences(text):
        words = _WORD.findall(sentence)
        if not words:
            continue
        sentence_count += 1
        word_count += len(words)
        syllable_count += sum(_syllables(word) for word in words)
        if len(words) > LONG_SENTENCE_WORDS:
            long_sentences.append(LongSentence(_excerpt(sentence, placeholders), len(words)))
    score = None
    if word_count >= MIN_WORDS:
        raw = 180 - word_count / sentence_count - 58.5 * syllable_count / word_count
        score = round(min(100.0, max(0.0, raw)), 1)
    return Assessment(
        words=word_count,
        sentences=sentence_count,
        score=score,
        label="" if score is None else label_for(score),
        long_sentences=tuple(long_sentences),
        office_words=_office_words(text),
    )


def _prepare(text: str) -> tuple[str, dict[str, str]]:
    """Text without template tags, each placeholder replaced by one private-use character;
    returns that text and the placeholders by character."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _TAG.sub("", _TAG_LINE.sub("", text))
    by_text: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        found = match.group()
        if found not in by_text:
            by_text[found] = chr(_PUA_FIRST + len(by_text) % _PUA_SIZE)
        return by_text[found]

    text = _PLACEHOLDER.sub(replace, text)
    return text, {char: found for found, char in by_text.items()}


def _sentences(text: str) -> list[str]:
    sentences: list[str] = []
    for paragraph in _BLANK_LINE.split(text):
        pending: list[str] = []
        for line in paragraph.split("\n"):
            if _GREETING_LINE.fullmatch(line):
                if pending:
                    sentences.extend(_split("\n".join(pending)))
                    pending = []
                sentences.append(line)
            else:
                pending.append(line)
        if pending:
            sentences.extend(_split("\n".join(pending)))
    return sentences


def _split(block: str) -> list[str]:
    """Split one paragraph at sentence ends."""
    parts: list[str] = []
    start = 0
    for end in _END.finditer(block):
        following = block[end.end() : end.end() + 1]
        if not following or not _may_start_sentence(following):
            continue
        marks = end.group().rstrip().rstrip(_CLOSERS)
        if marks == "." and _continues(block, end.start(), end.end()):
            continue
        parts.append(block[start : end.end()])
        start = end.end()
    parts.append(block[start:])
    return parts


def _may_start_sentence(char: str) -> bool:
    return char.isupper() or char.isdigit() or char in _OPENERS or _is_placeholder(char)


def _continues(block: str, dot: int, after: int) -> bool:
    """Whether the full stop at `dot` belongs to an abbreviation, an ordinal or a list
    number rather than ending the sentence; `after` is where the next word starts."""
    before = _WORD_BEFORE.search(block, max(0, dot - 40), dot)
    if before is None:
        return False
    word = before.group()
    lower = word.lower()
    following = block[after : after + 30].split(maxsplit=1)
    next_word = following[0].rstrip(".,;:") if following else ""
    if lower in ABBREVIATIONS:
        return True
    if len(word) == 1 and word.isalpha():
        # Initials and "z. B.", "i. V." – but not "SGB X." (roman number of a book).
        previous = block[max(0, before.start() - 5) : before.start()].split()
        return word.islower() or not previous or previous[-1] != "SGB"
    if (lower == "art" or lower.endswith("str")) and next_word[:1].isdigit():
        return True  # "Art. 3 GG", "Hauptstr. 5"
    if word.isdigit() and len(word) <= 2:
        line_start = block.rfind("\n", 0, before.start()) + 1
        if not block[line_start : before.start()].strip():
            return True  # a list number: "1. Kontoauszüge"
        if next_word.lower() in _MONTHS or next_word.isdigit():
            return True  # "1. Dezember 2026", "12. 3. 2026"
        previous = block[max(0, before.start() - 8) : before.start()].split()
        return bool(previous) and previous[-1].lower() in _ORDINAL_CONTEXT
    return False


def _is_placeholder(char: str) -> bool:
    return _PUA_FIRST <= ord(char) < _PUA_FIRST + _PUA_SIZE


@lru_cache(maxsize=65_536)
def _syllables(word: str) -> int:
    if (len(word) == 1 and _is_placeholder(word)) or word[0].isdigit():
        return 1
    return sum(_hyphenated_syllables(part) for part in _LETTER_PARTS.findall(word)) or 1


def _hyphenated_syllables(part: str) -> int:
    positions = _dictionary.positions(part)
    lower = part.lower()
    # Old-spelling "ck" → "k-k": pyphen breaks both before and after "ck" ("Rü-ck-ant-wort").
    doubled = sum(1 for p in positions if lower[p : p + 2] == "ck" and p + 2 in positions)
    return len(positions) - doubled + 1


def _excerpt(sentence: str, placeholders: dict[str, str]) -> str:
    text = _SPACES.sub(" ", "".join(placeholders.get(char, char) for char in sentence)).strip()
    if len(text) <= EXCERPT_CHARS:
        return text
    cut = text[: EXCERPT_CHARS - 1]
    space = cut.rfind(" ")
    if space > EXCERPT_CHARS * 2 // 3:
        cut = cut[:space]
    return cut.rstrip(" ,;:–-") + "…"


def _office_words(text: str) -> tuple[OfficeWord, ...]:
    spellings: dict[int, str] = {}  # index in OFFICE_WORDS -> first spelling
    counts: dict[int, int] = {}
    for match in _OFFICE_RE.finditer(text):
        index = int(str(match.lastgroup)[1:].partition("_")[0])
        spellings.setdefault(index, _SPACES.sub(" ", match.group()))
        counts[index] = counts.get(index, 0) + 1
    return tuple(
        OfficeWord(word=spelling, plainer=OFFICE_WORDS[index][1], count=counts[index])
        for index, spelling in spellings.items()
    )
