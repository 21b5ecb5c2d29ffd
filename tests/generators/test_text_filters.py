"""The with_article template filter, directly and as templates see it through the limited sandbox."""

from memcurve.generators.template_limits import LimitedSandbox
from memcurve.generators.text_filters import with_article


def test_article_follows_the_first_sound_and_keeps_the_noun_as_written():
    assert [with_article(w) for w in ("architect", "monstera", "Audi A4", "iPhone 15", "English ivy",
                                      "OnePlus 12", "university lecturer", "electrician")] == [
        "an architect", "a monstera", "an Audi A4", "an iPhone 15", "an English ivy",
        "a OnePlus 12", "a university lecturer", "an electrician"]
    assert with_article("Audi A4", capital=True) == "An Audi A4"  # Jinja's capitalize would give "An audi a4"


def test_templates_can_use_it():
    template = LimitedSandbox().from_string("{{ v|with_article(capital=True) }} or {{ w|with_article }}")
    assert template.render(v="Opel Corsa", w="teacher") == "An Opel Corsa or a teacher"
