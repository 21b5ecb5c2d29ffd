"""Template bombs are refused by the rendering limits, each within the per-render time limit; work hidden
behind a branch is found by the dry run, before anything is generated."""

from __future__ import annotations

import pytest

from memcurve.cli import main
from memcurve.errors import TemplateError
from memcurve.generators.template_limits import LIMITS, TemplateLimitError
from memcurve.generators.templating import load_pack

LOOPS = "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}"
BOMBS = {
    "power": ("{{ 10 ** 100000000 }}", "larger than 4096 bits"),
    "power_modulo": ("{{ 7 ** 1000000000 % 10 }}", "larger than 4096 bits"),
    "range_100000_nested": ("{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
                            "range of 100,000 numbers"),
    "nested_loops": (LOOPS, "loop steps and calls"),
    "repeat_length": ("{{ ('a' * 10**9)|length }}", "'*' repetition would hold 1,000,000,000"),
    "repeat_10gb": ("{{ 'a' * 10**10 }}", "'*' repetition"),
    "product": ("{{ (10 ** 1000) * (10 ** 1000) }}", "larger than 4096 bits"),
    "center_filter": ("{{ 'a'|center(999999999) }}", "argument 999999999"),
    "ljust_method": ("{{ 'a'.ljust(10**9) }}", "argument 1000000000"),
    "replace_growth": ("{% set s = 'x' * 100000 %}{{ s.replace('', s)|length }}", "replace would hold"),
    "concat_doubling": ("{% set ns = namespace(a='x' * 1000) %}{% for i in range(40) %}"
                        "{% set ns.a = ns.a ~ ns.a %}{% endfor %}", "~ concatenation"),
    "list_doubling": ("{% set ns = namespace(a=[1]) %}{% for i in range(60) %}{% set _ = ns.a.extend(ns.a) %}"
                      "{% endfor %}", r"extend\(\) would hold"),
    "macro_recursion": ("{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}{{ f(40) }}",
                        "longer than 1 s|loop steps and calls"),
    "percent_width": ("{{ '%0999999999d' % 1 }}", "width or precision"),
    "format_width": ("{{ '{:>999999999}'.format(1) }}", "width or precision"),
    "output_size": ("{% for i in range(10000) %}{{ 'y' * 1000 }}{% endfor %}", "renders more than 1,000,000"),
    "join_growth": ("{% set l = ['x' * 100000] * 10 %}{{ (l * 10)|join('z' * 100000) }}", "join would hold"),
}


def _pack_with(tmp_path, body: str):
    filler = tmp_path / "pack" / "fillers" / "bomb.j2"
    filler.parent.mkdir(parents=True)
    filler.write_text("## conversation\nuser: hello {{ name }}\n" + body + "\nassistant: hi\n")
    return tmp_path / "pack"


@pytest.mark.parametrize("name", list(BOMBS))
def test_bomb_is_refused_by_a_limit(tmp_path, name):
    body, message = BOMBS[name]
    section = load_pack(_pack_with(tmp_path, body)).files["fillers/bomb"][0]
    with pytest.raises(TemplateLimitError, match=message) as caught:
        section.conversation({"name": "Ada", "number": "8"})
    assert str(caught.value).startswith(str(tmp_path / "pack" / "fillers" / "bomb.j2") + " line ")


@pytest.mark.parametrize("condition", ["number != '8'", "number == '9'", "name is not defined"])
def test_work_hidden_behind_a_branch_is_found_before_generation(tmp_path, capsys, condition):
    pack = _pack_with(tmp_path, f"{{% if {condition} %}}{LOOPS}{{% endif %}}")
    out = tmp_path / "b.duckdb"
    code = main(["generate", "--out", str(out), "--personas", "1", "--sizes", "1,2",
                 "--categories", "user_facts", "--templates", str(pack), "--quiet"])
    _, err = capsys.readouterr()
    assert code == 2 and err.count("\n") == 1 and "fillers/bomb.j2 line 3" in err
    assert "loop steps and calls" in err or "longer than" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pack"]


def test_conditional_expression_sides_are_both_explored(tmp_path):
    section = load_pack(_pack_with(tmp_path, "{{ 'x' if number == '8' else 'y' * 10**7 }}")).files["fillers/bomb"][0]
    with pytest.raises(TemplateLimitError, match="repetition"):
        section.conversation({"name": "Ada", "number": "8"})


def test_ordinary_templates_render_unchanged_within_limits(tmp_path):
    body = ("{% for i in range(3) %}user: {{ name }} {{ i * 2 }} {{ 2 ** 10 }} {{ '%03d' % i }} "
            "{{ 'a-b'.replace('-', '+') }} {{ ['x', 'y']|join(',') }}{{ '' ~ i }}\n{% endfor %}")
    section = load_pack(_pack_with(tmp_path, body)).files["fillers/bomb"][0]
    turns = section.conversation({"name": "Ada"})
    assert [t[1] for t in turns[1:4]] == [f"Ada {2 * i} 1024 {i:03d} a+b x,y{i}" for i in range(3)]
    assert LIMITS.seconds <= 2 and LIMITS.iterations <= 1_000_000


def test_limit_errors_are_template_errors():
    assert issubclass(TemplateLimitError, TemplateError)
