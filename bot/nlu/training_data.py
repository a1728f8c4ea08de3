"""Reads Rasa NLU YAML files without Rasa: examples with their intent and language, and lookup tables.

Used by the command line (language detection, NLU evaluation) where loading Rasa would be slow.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Union

import yaml

# "[text](entity)" and "[text]{...}" annotations keep only their text.
_ANNOTATION_RE = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")

LANGUAGE_NAME_LOOKUP_PREFIX = "language_name_"


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    language: str


def _yaml_files(paths: Iterable[Union[str, Path]]) -> Iterator[Path]:
    for path in map(Path, paths):
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.yml"))
        elif path.exists():
            yield path


def _block_lines(block: str) -> List[str]:
    lines = []
    for line in block.splitlines():
        line = line.strip()
        if line.startswith("- "):
            lines.append(_ANNOTATION_RE.sub(r"\1", line[2:].strip()))
    return lines


def read_examples(paths: Iterable[Union[str, Path]]) -> List[Example]:
    """Every intent example in the given files or folders, labelled with its block's language."""
    examples = []
    for path in _yaml_files(paths):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in document.get("nlu", []) or []:
            if "intent" not in block:
                continue
            language = (block.get("metadata") or {}).get("language", "")
            for text in _block_lines(block.get("examples", "")):
                examples.append(Example(text, block["intent"], language))
    return examples


def read_language_names(paths: Iterable[Union[str, Path]]) -> Dict[str, List[str]]:
    """The language-name lexicon: lookup tables named `language_name_<code>`."""
    names: Dict[str, List[str]] = {}
    for path in _yaml_files(paths):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in document.get("nlu", []) or []:
            lookup = block.get("lookup", "")
            if lookup.startswith(LANGUAGE_NAME_LOOKUP_PREFIX):
                code = lookup[len(LANGUAGE_NAME_LOOKUP_PREFIX) :]
                names.setdefault(code, []).extend(_block_lines(block.get("examples", "")))
    return names
