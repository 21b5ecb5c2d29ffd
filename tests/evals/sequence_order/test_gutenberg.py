"""Project Gutenberg header and licence are stripped from SORT texts (all marker spellings), unless kept."""

from __future__ import annotations

import pytest

from memcurve.evals.sort.gutenberg import strip_gutenberg
from memcurve.evals.sort.sources import text_source

BODY = "Chapter I. It was a bright cold day in April, and the clocks were striking thirteen."
LICENCE = ("Updated editions will replace the previous one. Creating the works from print editions not "
           "protected by U.S. copyright law means that no one owns a United States copyright in these works.")


def _book(start: str, end: str) -> str:
    return (f"The Project Gutenberg eBook of A Test Book\n\nThis eBook is for the use of anyone anywhere.\n"
            f"Title: A Test Book\n\n{start}\n\n{BODY}\n\n{end}\n\n{LICENCE}\n")


@pytest.mark.parametrize("start, end", [
    ("*** START OF THE PROJECT GUTENBERG EBOOK A TEST BOOK ***", "*** END OF THE PROJECT GUTENBERG EBOOK A TEST BOOK ***"),
    ("*** START OF THIS PROJECT GUTENBERG EBOOK A TEST BOOK ***", "*** END OF THIS PROJECT GUTENBERG EBOOK A TEST BOOK ***"),
    ("***START OF THE PROJECT GUTENBERG EBOOK A TEST BOOK***", "***END OF THE PROJECT GUTENBERG EBOOK A TEST BOOK***"),
    ("*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*Ver.04.29.93*END*", "End of the Project Gutenberg EBook of A Test Book"),
    ("*** START OF THE PROJECT GUTENBERG EBOOK A TEST BOOK ***", "End of Project Gutenberg's A Test Book, by Someone"),
])
def test_every_marker_spelling_leaves_only_the_body(start, end):
    result = strip_gutenberg(_book(start, end))
    assert result.text.split() == BODY.split()
    assert result.licence_words == len(end.split()) + len(LICENCE.split())
    assert result.header_words > 0


def test_text_without_markers_is_kept_whole():
    assert strip_gutenberg(BODY).text == BODY and not strip_gutenberg(BODY).stripped


def test_text_source_strips_by_default_and_keeps_on_request(tmp_path):
    path = tmp_path / "book.txt"
    path.write_text(_book("*** START OF THE PROJECT GUTENBERG EBOOK A TEST BOOK ***",
                          "*** END OF THE PROJECT GUTENBERG EBOOK A TEST BOOK ***"))
    assert text_source(path).words == tuple(BODY.split())
    kept = text_source(path, gutenberg=False).words
    assert kept[:3] == ("The", "Project", "Gutenberg") and "Updated" in kept




def test_sort_task_option_gutenberg(tmp_path):
    import importlib

    module = importlib.import_module("memcurve.sort")
    words = " ".join(f"w{i}." for i in range(400))
    path = tmp_path / "book.txt"
    path.write_text(_book("*** START OF THE PROJECT GUTENBERG EBOOK A TEST BOOK ***",
                          "*** END OF THE PROJECT GUTENBERG EBOOK A TEST BOOK ***").replace(BODY, words))
    stripped = module.sort(text=str(path), excerpt_lengths=250, segment_lengths=20, excerpts=3)
    kept = module.sort(text=str(path), excerpt_lengths=250, segment_lengths=20, excerpts=3, gutenberg=False)
    stripped_text = " ".join(str(s.input) for s in stripped.dataset)
    kept_text = " ".join(str(s.input) for s in kept.dataset)
    assert "Gutenberg" not in stripped_text and "Updated" not in stripped_text
    assert stripped_text != kept_text
