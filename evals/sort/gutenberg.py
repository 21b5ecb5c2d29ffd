"""Project Gutenberg files as downloaded: keep the book, drop the header and the licence.

Book-SORT's texts are Gutenberg books with the front matter and the licence removed; a downloaded file
still has them (the licence alone is about 3,000 words after the END line), and SORT excerpts drawn from
the whole file would ask about licence text. The body is what lies between the START and END markers.
Their historical spellings are all recognised: "*** START OF THE PROJECT GUTENBERG EBOOK ... ***",
"*** START OF THIS PROJECT GUTENBERG EBOOK", "***START OF THE PROJECT GUTENBERG EBOOK", the older
"*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*...*END*" header, "*** END OF THE/THIS PROJECT GUTENBERG
EBOOK", "End of the Project Gutenberg EBook of ..." and "End of Project Gutenberg's ...". A file without a
START marker is not a Gutenberg file and is kept whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_START = re.compile(
    r"^[ \t]*(?:\*{3}[ \t]*START OF (?:THE|THIS) PROJECT GUTENBERG E-?BOOK\b.*"
    r"|\*END\*THE SMALL PRINT! FOR PUBLIC DOMAIN (?:E-?TEXTS|E-?BOOKS).*)$",
    re.IGNORECASE | re.MULTILINE)
_END = re.compile(
    r"^[ \t]*(?:\*{3}[ \t]*END OF (?:THE|THIS) PROJECT GUTENBERG E-?BOOK\b.*"
    r"|End of (?:the )?Project Gutenberg(?:'s)?\b.*)$",
    re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Stripped:
    text: str
    header_words: int   # words dropped before the body
    licence_words: int  # words dropped after it

    @property
    def stripped(self) -> bool:
        return bool(self.header_words or self.licence_words)


def strip_gutenberg(text: str) -> Stripped:
    """The body between the last START marker line and the first END marker after it (else the text)."""
    starts = list(_START.finditer(text))
    if not starts:
        return Stripped(text, 0, 0)
    begin = starts[-1].end()
    end_match = _END.search(text, begin)
    end = end_match.start() if end_match else len(text)
    return Stripped(text[begin:end], len(text[:begin].split()), len(text[end:].split()))
