"""Impossible or malformed generation settings are refused up front, in one line, before any work."""

from __future__ import annotations

import pytest

from memcurve.cli import main

FLAG_CASES = {
    "personas 100000000": (["--personas", "100000000"], "invalid personas 100000000: at most 100,000"),
    "sizes 999999": (["--sizes", "999999"], "invalid size 999999"),
    "whole benchmark too large": (["--personas", "100000", "--sizes", "2000"], "too large"),
    "workers 0": (["--workers", "0"], "invalid workers 0"),
    "workers -2": (["--workers", "-2"], "invalid workers -2"),
    "categories ,": (["--categories", ","], "no categories in ','"),
    "templates ''": (["--templates", ""], "invalid templates ''"),
    "start date 9999-12-31": (["--start-date", "9999-12-31"], "invalid start_date 9999-12-31"),
}
CONFIG_CASES = {
    "personas .inf": (b"personas: .inf\n", "invalid personas inf"),
    "personas true": (b"personas: true\n", "invalid personas True"),
    "personas 1.9": (b"personas: 1.9\n", "invalid personas 1.9"),
    "categories 5": (b"categories: 5\n", "invalid categories 5"),
    "categories [1]": (b"categories: [1]\n", "invalid categories [1]"),
    "sizes [true]": (b"sizes: [true]\n", "invalid size 'True'"),
    "not UTF-8": (b"seed: \xff\xfe\n", "config is not UTF-8 text"),
}


def _refused(tmp_path, capsys, argv, message):
    out = tmp_path / "b.duckdb"
    code = main(["generate", "--out", str(out), "--quiet", *argv])
    stdout, err = capsys.readouterr()
    assert code == 2 and stdout == "" and err.count("\n") == 1 and message in err, err
    assert not out.exists()


@pytest.mark.parametrize("case", list(FLAG_CASES))
def test_flag_refused(tmp_path, capsys, case):
    _refused(tmp_path, capsys, *FLAG_CASES[case])


@pytest.mark.parametrize("case", list(CONFIG_CASES))
def test_config_file_refused(tmp_path, capsys, case):
    text, message = CONFIG_CASES[case]
    config = tmp_path / "c.yaml"
    config.write_bytes(text)
    _refused(tmp_path, capsys, ["--config", str(config)], message)


def test_non_utf8_prices_file_is_one_line(tmp_path, capsys, small_eval_logs):
    prices = tmp_path / "prices.yaml"
    prices.write_bytes(b"model: {input: 1, output: 2}  # \xff\n")
    code = main(["report", str(small_eval_logs), "--out", str(tmp_path / "r"), "--prices", str(prices)])
    _, err = capsys.readouterr()
    assert code == 2 and err.count("\n") == 1 and "price table is not UTF-8 text" in err
    assert not (tmp_path / "r").exists()
