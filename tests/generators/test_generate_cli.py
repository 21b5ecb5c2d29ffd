"""Bad input through `memcurve generate`: exit code 2, one 'memcurve: error:' line, no traceback, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from memcurve.cli import main

TINY = ["--personas", "1", "--questions-per-category", "1", "--sizes", "1,2,3", "--quiet"]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["generate", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(code: int, err: str, *fragments: str) -> None:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("memcurve: error:"), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def pack_with(tmp_path: Path, relative: str, text: str) -> Path:
    pack = tmp_path / "pack"
    path = pack / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return pack


def written(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "pack" and p.suffix != ".yaml")


@pytest.mark.parametrize("argv, fragments", [
    (["--categories", "user_facts,bogus"], ["unknown category 'bogus'", "valid:"]),
    (["--sizes", "0"], ["invalid size 0"]),
    (["--sizes=-1"], ["invalid size -1"]),
    (["--sizes", "1,two"], ["invalid size 'two'"]),
    (["--personas", "0"], ["invalid personas 0"]),
    (["--max-evidence", "9"], ["invalid max_evidence 9"]),
    (["--categories", "changing_facts", "--sizes", "1"], ["changing_facts needs histories of at least 2"]),
])
def test_bad_flags(tmp_path, capsys, argv, fragments):
    out = tmp_path / "b.duckdb"
    code, _, err = run(capsys, "--out", str(out), *TINY, *argv)
    assert_one_line_error(code, err, *fragments)
    assert written(tmp_path) == []


@pytest.mark.parametrize("text, fragment", [
    ("personas: [1, 2\nseed: 3\n", "malformed config"),
    ("- just\n- a list\n", "must be a mapping"),
    ("personas: 2\nflavour: mint\n", "unknown setting 'flavour'"),
    ("sizes: 5,0\n", "invalid size 0"),
])
def test_bad_config_file(tmp_path, capsys, text, fragment):
    config = tmp_path / "config.yaml"
    config.write_text(text)
    code, _, err = run(capsys, "--out", str(tmp_path / "b.duckdb"), "--config", str(config), "--quiet")
    assert_one_line_error(code, err, str(config) if "unknown" not in fragment and "size" not in fragment else "",
                          fragment)
    assert written(tmp_path) == []


def test_missing_config_file(tmp_path, capsys):
    code, _, err = run(capsys, "--out", str(tmp_path / "b.duckdb"), "--config", str(tmp_path / "nope.yaml"))
    assert_one_line_error(code, err, "cannot read config")
    assert written(tmp_path) == []


@pytest.mark.parametrize("out", ["/nonexistent-folder/b.duckdb", "/proc/b.duckdb"])
def test_unwritable_output_path(capsys, out):
    code, _, err = run(capsys, "--out", out, *TINY)
    assert_one_line_error(code, err, out)
    assert not Path(out).exists()


def test_output_under_a_regular_file(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run(capsys, "--out", str(blocker / "b.duckdb"), *TINY)
    assert_one_line_error(code, err, "does not exist")


@pytest.mark.parametrize("relative, text, fragments", [
    ("user_facts/dog_name.j2", "## conversation\nuser: hi\n*user: {{ pet_nam }} ate my shoe\n## question\nquestion: dog?\n",
     ["user_facts/dog_name.j2 line 3", "'pet_nam' is undefined"]),
    ("fillers/broken.j2", "## conversation\nuser: {% if dish %}\nassistant: ok\n",
     ["fillers/broken.j2 line", "endif"]),
    ("fillers/sneaky.j2", "## conversation\nuser: {{ ''.__class__.__mro__ }}\nassistant: ok\n",
     ["fillers/sneaky.j2 line 2", "__class__", "unsafe"]),
    ("fillers/globals.j2", "## conversation\n\nuser: {{ cycler.__init__.__globals__ }}\nassistant: ok\n",
     ["fillers/globals.j2 line 3", "__init__", "unsafe"]),
    ("fillers/dice.j2", "## conversation\nuser: {{ [1, 2] | random }}\nassistant: ok\n",
     ["fillers/dice.j2 line 2", "random"]),
    ("user_facts/dog_name.j2", "## conversation\nuser: hi {{ value }}\nassistant: hello\n## question\nquestion: dog?\n",
     ["user_facts/dog_name.j2 line 1", "exactly one '*' evidence turn"]),
    ("user_facts/horse_name.j2", "## question\nquestion: horse?\n", ["user_facts/horse_name.j2", "unknown template"]),
    ("fillers/nosection.j2", "user: hi\n", ["fillers/nosection.j2 line 1", "no section header"]),
])
def test_bad_template_pack(tmp_path, capsys, relative, text, fragments):
    pack = pack_with(tmp_path, relative, text)
    existing = tmp_path / "existing.duckdb"
    existing.write_bytes(b"precious")
    code, _, err = run(capsys, "--out", str(existing), "--templates", str(pack), "--force", *TINY)
    assert_one_line_error(code, err, *fragments)
    assert existing.read_bytes() == b"precious"
    assert written(tmp_path) == ["existing.duckdb"]


def test_existing_file_needs_force_and_is_replaced_with_it(tmp_path, capsys):
    out = tmp_path / "b.duckdb"
    out.write_bytes(b"old")
    code, _, err = run(capsys, "--out", str(out), *TINY)
    assert_one_line_error(code, err, "already exists", "--force")
    assert out.read_bytes() == b"old"
    code, stdout, err = run(capsys, "--out", str(out), "--force", *TINY)
    assert code == 0 and err == "" and stdout.startswith(f"wrote {out}: 1 personas, 8 questions")
    assert out.read_bytes()[:3] != b"old"
    assert written(tmp_path) == ["b.duckdb"]


def test_progress_bar_goes_to_stderr(tmp_path, capsys):
    code, stdout, err = run(capsys, "--out", str(tmp_path / "b.duckdb"), *TINY[:-1])
    assert code == 0 and "generating" in err and "wrote" in stdout


def test_ctrl_c_while_writing_leaves_nothing(tmp_path):
    """SIGINT to the whole process group (a terminal's Ctrl-C) mid-write: exit 130, no file, no temp file,
    no worker left behind, no traceback."""
    import os
    import signal
    import time

    from support import generate_until_writing

    proc = generate_until_writing(tmp_path)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert "memcurve: interrupted; nothing was written" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
    deadline = time.monotonic() + 30  # the workers (and multiprocessing's resource tracker) are gone too
    while True:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        assert time.monotonic() < deadline, "a worker outlived the interrupted run"
        time.sleep(0.1)
