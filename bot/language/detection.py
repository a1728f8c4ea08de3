"""Language detection for short chat messages in the eight Wegwijs languages.

Three signals, strongest first:
1. the script: Ge'ez is Tigrinya, Cyrillic is Ukrainian, Arabic script is Arabic or Persian;
2. a character n-gram model trained on the assistant's own (language-labelled) training examples,
   which knows how newcomers actually type, including arabizi and Finglish;
3. langdetect, restricted to the supported languages and seeded, as a second opinion on longer text.

This module does not import Rasa: the Rasa component in `bot.rasa_components` wraps it.
"""
from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

SUPPORTED_LANGUAGES: Tuple[str, ...] = ("nl", "en", "ar", "tr", "ti", "fa", "so", "uk")
UNDETERMINED = "und"

RIGHT_TO_LEFT_LANGUAGES = frozenset({"ar", "fa"})

# langdetect has profiles for all supported languages except Tigrinya.
_LANGDETECT_LANGUAGES = ("nl", "en", "ar", "tr", "fa", "so", "uk")

_SCRIPT_LANGUAGES = {
    "ethiopic": ("ti",),
    "cyrillic": ("uk",),
    "arabic": ("ar", "fa"),
    "latin": ("nl", "en", "tr", "so", "ar", "fa", "ti"),  # arabizi, Finglish, Latin Tigrinya
}

# Letters only one of the two Arabic-script languages uses (keyboard forms included).
_PERSIAN_LETTERS = set("پچژگکی")
_ARABIC_LETTERS = set("ةيكىأإؤئ")

# Words may contain digits: arabizi writes letters with them ("ya3ni", "la2"); bare numbers are dropped.
_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
_NGRAM_SIZES = (1, 2, 3, 4)


@dataclass(frozen=True)
class Detection:
    """The detected language of one message.

    `clear` says the message carries enough signal to switch a conversation's language;
    short or ambiguous messages ("ok", "DUO?", "👍") are never clear. `grounded` says the guess rests on
    something: a script of its own, or at least one word people really wrote in that language (keyboard
    mashing and made-up words are not grounded, so they do not even change a guess).
    """

    language: str
    confidence: float
    clear: bool
    grounded: bool = True


def text_direction(language: str) -> str:
    """"rtl" for Arabic and Persian, "ltr" for the others."""
    return "rtl" if language in RIGHT_TO_LEFT_LANGUAGES else "ltr"


def script_of(char: str) -> Optional[str]:
    """The writing system of one letter, for the scripts the assistant supports."""
    code = ord(char)
    if 0x1200 <= code <= 0x139F or 0x2D80 <= code <= 0x2DDF or 0xAB00 <= code <= 0xAB2F:
        return "ethiopic"
    if 0x0400 <= code <= 0x052F:
        return "cyrillic"
    if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0xFB50 <= code <= 0xFEFF:
        return "arabic"
    if char.isalpha() and unicodedata.name(char, "").startswith("LATIN"):
        return "latin"
    return None


# Acronyms (DUO, KNM, INB-123456, OK) are the same in every language: they say nothing about it.
_ACRONYM_RE = re.compile(r"(?<![^\W\d_])[A-Z]{2,5}(?![^\W\d_])")


def normalise(text: str) -> str:
    """Lower-case, NFC text without URLs, acronyms, numbers and symbols."""
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"(?<!\S)(?:https?://\S+|\S+@\S+)", " ", text)  # anchored at a word start: linear time
    if len(_ACRONYM_RE.findall(text)) < 3:  # three or more: someone typing in capitals, not acronyms
        text = _ACRONYM_RE.sub(" ", text)
    text = text.lower()
    return " ".join(word for word in _WORD_RE.findall(text) if not _is_number_like(word))


# Dutch words newcomers use in every language ("staatsexamen nt2 ile inburgering biter mi"): they say nothing
# about the language a message is in, unless they are all it has.
DUTCH_LOANWORDS = frozenset("""
inburgering inburgeren inburgeringsplicht inburgeringsexamen staatsexamen examen herexamen gemeente gemeentes
boete boetes lening uitkering bijstand statushouder taalschool verblijfsvergunning toeslagen huurtoeslag
zorgtoeslag digid brief ontzorgen klantmanager participatieverklaring vluchtelingenwerk taalcoach leerroute
onderwijsroute
""".split())


def without_loanwords(cleaned: str) -> str:
    """The normalised text without the Dutch loanwords, or as it was when nothing else is left."""
    kept = [word for word in cleaned.split() if word not in DUTCH_LOANWORDS]
    return " ".join(kept) if kept else cleaned


def _is_number_like(word: str) -> bool:
    """Numbers and codes like "2022", "B1", "A2"; arabizi words with digits ("ya3ni", "la2") are kept."""
    return sum(ch.isalpha() for ch in word) <= 1 and any(ch.isdigit() for ch in word)


def _features(text: str) -> Counter:
    """Character n-grams of each word (with boundary marks) plus the whole word."""
    feats: Counter = Counter()
    for word in text.split():
        padded = f" {word} "
        for n in _NGRAM_SIZES:
            for i in range(len(padded) - n + 1):
                gram = padded[i : i + n]
                if gram.strip():
                    feats[gram] += 1
        feats["w:" + word] += 2  # a known whole word is strong evidence
    return feats


# This many letters of Ge'ez, Cyrillic or Arabic script make a message that script's, whatever else it holds.
OWN_SCRIPT_MIN_LETTERS = 3


def dominant_script(cleaned: str) -> Tuple[Optional[str], int]:
    """The script a normalised text is judged by, and how many letters it has in it.

    A script of its own wins over Latin once it has a few letters: a Dutch word ("DUO-brief", "gemeente") in
    Ukrainian or Arabic text leaves it Ukrainian or Arabic, instead of a guess among the Latin-script languages.
    """
    scripts = Counter(s for s in map(script_of, cleaned) if s)
    if not scripts:
        return None, 0
    own = [(count, script) for script, count in scripts.items()
           if script != "latin" and count >= OWN_SCRIPT_MIN_LETTERS]
    if own:
        count, script = max(own)
        return script, count
    return scripts.most_common(1)[0]


class NgramModel:
    """A multinomial naive Bayes model over character n-grams, one class per language and script.

    Counting per script matters for Latin-script Arabic and Persian: their few Latin examples would
    otherwise drown in the Arabic-script statistics of their language.
    """

    def __init__(self, counts: Dict[str, Dict[str, int]], alpha: float = 0.1) -> None:
        self.alpha = alpha
        self.counts = counts  # "<language>:<script>" -> feature -> count
        self.totals = {key: sum(c.values()) for key, c in counts.items()}
        self.vocabulary_size = len({f for c in counts.values() for f in c}) or 1

    @classmethod
    def train(cls, examples: Iterable[Tuple[str, str]], alpha: float = 0.1) -> "NgramModel":
        """Train on (text, language) pairs."""
        counts: Dict[str, Counter] = defaultdict(Counter)
        for text, language in examples:
            cleaned = normalise(text)
            script, _ = dominant_script(cleaned)
            if language in SUPPORTED_LANGUAGES and script:
                counts[f"{language}:{script}"].update(_features(cleaned))
        return cls({key: dict(c) for key, c in counts.items()}, alpha)

    def known_words(self, text: str, language: str, script: str) -> int:
        """How many words of `text` occur in the language's training examples in that script."""
        counts = self.counts.get(f"{language}:{script}", {})
        return sum(1 for word in text.split() if counts.get("w:" + word))

    def to_json(self) -> str:
        return json.dumps({"alpha": self.alpha, "counts": self.counts}, ensure_ascii=False)

    @classmethod
    def from_json(cls, data: str) -> "NgramModel":
        loaded = json.loads(data)
        return cls(loaded["counts"], loaded["alpha"])

    def probabilities(self, text: str, candidates: Sequence[str], script: str) -> Dict[str, float]:
        """Posterior probability of each candidate language for a text in `script` (uniform prior)."""
        feats = _features(text)
        keys = {lang: f"{lang}:{script}" for lang in candidates if f"{lang}:{script}" in self.counts}
        if not feats or not keys:
            return {}
        scores = {}
        for lang, key in keys.items():
            counts = self.counts[key]
            denominator = math.log(self.totals[key] + self.alpha * self.vocabulary_size)
            scores[lang] = sum(
                n * (math.log(counts.get(f, 0) + self.alpha) - denominator) for f, n in feats.items()
            )
        return _softmax(scores)


def _softmax(scores: Dict[str, float]) -> Dict[str, float]:
    top = max(scores.values())
    exp = {k: math.exp(v - top) for k, v in scores.items()}
    total = sum(exp.values())
    return {k: v / total for k, v in exp.items()}


@lru_cache(maxsize=1)
def _langdetect_factory():
    """A langdetect factory that knows only the supported languages, seeded for repeatability."""
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    profiles = [
        (Path(PROFILES_DIRECTORY) / lang).read_text(encoding="utf-8") for lang in _LANGDETECT_LANGUAGES
    ]
    factory.load_json_profile(profiles)
    factory.set_seed(0)
    return factory


def langdetect_probabilities(text: str) -> Dict[str, float]:
    """langdetect's probabilities over the supported languages ({} when it finds no features)."""
    from langdetect.lang_detect_exception import LangDetectException

    detector = _langdetect_factory().create()
    detector.append(text)
    try:
        return {lang.lang: lang.prob for lang in detector.get_probabilities()}
    except LangDetectException:
        return {}


def plain_langdetect(text: str) -> str:
    """Stock langdetect over all its languages, seeded: the baseline the detector is measured against."""
    import langdetect
    from langdetect.lang_detect_exception import LangDetectException

    langdetect.DetectorFactory.seed = 0
    try:
        found = langdetect.detect(text)
    except LangDetectException:
        return UNDETERMINED
    return found if found in SUPPORTED_LANGUAGES else UNDETERMINED


class LanguageDetector:
    """Detects the language of a chat message; see the module docstring for the method."""

    # A message must have this many letters (in its main script) before it may switch the language.
    MIN_LETTERS_CLEAR = {"ethiopic": 3, "cyrillic": 4, "arabic": 4, "latin": 10}
    MIN_CONFIDENCE_CLEAR = 0.85
    # Latin script is shared by five languages and by keyboard mashing: a clear Latin message must also
    # contain words people really wrote in that language.
    MIN_KNOWN_WORDS_LATIN = 2
    # Arabic and Persian share many short words ("تمام", "خوب"): without a letter only one of
    # them uses, a message this short never switches between the two.
    MIN_LETTERS_CLEAR_ARABIC_SCRIPT_UNTOLD = 8
    # Below this many letters langdetect is noise; the n-gram model decides alone.
    MIN_LETTERS_LANGDETECT = 15

    def __init__(self, model: Optional[NgramModel] = None) -> None:
        self.model = model

    def detect(self, text: str) -> Detection:
        """Detect the language of one message."""
        cleaned = without_loanwords(normalise(text))
        script, letters = dominant_script(cleaned)
        if script is None:
            return Detection(UNDETERMINED, 0.0, False)
        if script != "latin":  # judge only the words in the message's own script, not a Dutch word mixed in
            cleaned = " ".join(w for w in cleaned.split() if any(script_of(ch) == script for ch in w))
        candidates = _SCRIPT_LANGUAGES[script]
        probabilities = self._probabilities(cleaned, script, candidates, letters)
        if not probabilities:
            return Detection(UNDETERMINED, 0.0, False)
        language, confidence = max(probabilities.items(), key=lambda item: item[1])
        clear = letters >= self.MIN_LETTERS_CLEAR[script] and confidence >= self.MIN_CONFIDENCE_CLEAR
        if script == "arabic" and letters < self.MIN_LETTERS_CLEAR_ARABIC_SCRIPT_UNTOLD:
            clear = clear and any(ch in _PERSIAN_LETTERS or ch in _ARABIC_LETTERS for ch in cleaned)
        grounded = True
        if script == "latin" and self.model is not None:
            known = self.model.known_words(cleaned, language, script)
            clear = clear and known >= self.MIN_KNOWN_WORDS_LATIN
            grounded = known >= 1
        return Detection(language, round(confidence, 4), clear, grounded)

    def _probabilities(
        self, cleaned: str, script: str, candidates: Sequence[str], letters: int
    ) -> Dict[str, float]:
        if len(candidates) == 1:
            return {candidates[0]: 1.0}
        probabilities = self.model.probabilities(cleaned, candidates, script) if self.model else {}
        if script == "arabic":
            probabilities = _adjust_arabic_persian(cleaned, probabilities)
        if script == "latin" and probabilities:
            probabilities = _combine(probabilities, LATIN_SCRIPT_PRIOR)
        if letters >= self.MIN_LETTERS_LANGDETECT or not probabilities:
            second = langdetect_probabilities(cleaned)
            second = {k: v for k, v in second.items() if k in candidates}
            probabilities = _combine(probabilities, second)
        return probabilities


# Most Tigrinya speakers write in Ge'ez script; in Latin letters a word both share ("selam") is more likely
# Turkish (or Somali) than Tigrinya. Strong evidence still wins: the prior only tips a close call.
LATIN_SCRIPT_PRIOR = {"nl": 0.22, "en": 0.22, "tr": 0.22, "so": 0.22, "ti": 0.12}


def _adjust_arabic_persian(text: str, probabilities: Dict[str, float]) -> Dict[str, float]:
    """Letters used by only one of the two languages outweigh n-gram statistics."""
    persian = sum(ch in _PERSIAN_LETTERS for ch in text)
    arabic = sum(ch in _ARABIC_LETTERS for ch in text)
    if persian == arabic:
        return probabilities or {"ar": 0.5, "fa": 0.5}
    evidence = {"fa": 0.9, "ar": 0.1} if persian > arabic else {"ar": 0.9, "fa": 0.1}
    return _combine(probabilities, evidence)


def _combine(first: Dict[str, float], second: Dict[str, float]) -> Dict[str, float]:
    """Multiply two distributions (a product of experts); either may be empty."""
    if not first:
        return dict(second)
    if not second:
        return dict(first)
    floor = 0.01  # one expert's zero must not veto the other
    joint = {lang: first.get(lang, floor) * second.get(lang, floor) for lang in set(first) | set(second)}
    total = sum(joint.values())
    return {lang: p / total for lang, p in joint.items()}


def find_requested_language(text: str, names: Dict[str, List[str]]) -> Optional[Tuple[str, int, int]]:
    """The language a message asks for ("English please", "بالعربي"): (code, start, end) in `text`.

    When several languages are named ("geen Nederlands, liever Arabisch"), the last one named wins.
    """
    best: Optional[Tuple[str, int, int]] = None
    for language, spellings in names.items():
        for spelling in spellings:
            spelling = spelling.strip()
            if not spelling:
                continue
            pattern = r"(?<!\w)" + re.escape(spelling) + r"(?!\w)"
            for match in re.finditer(pattern, text, re.IGNORECASE):
                if best is None or match.start() > best[1] or (
                    match.start() == best[1] and match.end() > best[2]
                ):
                    best = (language, match.start(), match.end())
    return best
