"""Line ends: CRLF, a lone CR (classic Mac OS) and LF each end a line, once, wherever a line
is counted or split (repair.tokens.LINE_END): reported locations, line-based artifact rules,
the ``full`` format, the review prompt, the word diff, the report page and inline ignores."""
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import run_module
from repair.artifacts import find_artifacts
from repair.changes import Change, apply_changes, changes_from_json, revert_changes
from repair.diffview import COLOUR, PLAIN, colour_unified_diff, word_diff
from repair.formats import full_text, github_lines, languagetool_response, sarif_log
from repair.ignores import filter_changes
from repair.render import LineIndex, line_end, line_start, render_text, unified_diff
from repair.report import view
from repair.tokens import LINE_END, line_break
from repair.review import ReviewState, context, show

ENDS = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}
# a doubled header (on lines 1-2), an entity on line 4, column 6, and a line about HTML (5)
LINES = ["Title", "Title", "", "Body &amp; text here.", "HTML entities such as &amp; are escapes.", "End"]


def sample(end: str) -> str:
    return end.join(LINES) + end


def _position_rows(text: str, changes) -> list:
    """Every location the renderers report for ``changes``, with the line ends taken out."""
    index = LineIndex(text)
    sarif = sarif_log([("a.txt", text, changes)], descriptions={})["runs"][0]["results"]
    return [
        [index.position(c.start) for c in changes],
        re.sub(r'"[^"]*"', "", render_text("a.txt", text, changes)),  # the wordings hold the line ends
        [r["locations"][0]["physicalLocation"]["region"] | {"snippet": None} for r in sarif],
        [line.split("::")[1] for line in github_lines("a.txt", text, changes).splitlines()],
        view(text, changes)["lines"],
    ]


# --- the definition ---------------------------------------------------------------------------

@given(st.text(alphabet="ab\r\n\u2028", max_size=40), st.data())
def test_line_start_and_end_agree_with_the_line_index(text, data):
    pos = data.draw(st.integers(0, len(text)))
    line, col = LineIndex(text).position(pos)
    start, stop = LineIndex(text).line_span(line)
    assert line_start(text, pos) == start and col == pos - start + 1
    assert text[start:line_end(text, start)] == text[start:stop].rstrip("\r\n")
    assert line_end(text, pos) == line_end(text, start) or text[pos - 1:pos + 1] == "\r\n"


@given(st.text(alphabet="a \r\n\u2028\x85\x0c", max_size=12))
def test_the_engines_line_break_is_the_renderers_line_end(gap):
    # spans stay on one line by tokens.line_break; locations are counted by LINE_END
    assert line_break(gap) == bool(LINE_END.search(gap)) == (len(LineIndex(gap)) > 1)


def test_line_index_counts_each_line_end_once_and_no_unicode_separator():
    text = "a\rb\r\nc\nd\u2028e\x85f\x0cg"
    index = LineIndex(text)
    assert len(index) == 4  # U+2028, U+0085 and form feed end no line, as in SARIF and diff
    assert [index.position(text.index(ch)) for ch in "abcdg"] == [(1, 1), (2, 1), (3, 1), (4, 1), (4, 7)]
    assert index.position(text.index("\n")) == (2, 3)  # the LF of a CRLF is on the line it ends


def test_line_start_of_a_long_line_looks_past_its_window():
    text = "x\r" + "y" * 5000 + "\rz"
    assert line_start(text, 4000) == 2 and line_end(text, 4000) == 5002
    assert line_start(text, len(text)) == 5003 and line_start("y" * 3000, 2999) == 0


# --- locations ------------------------------------------------------------------------------

def test_every_renderer_reports_the_same_locations_for_lf_crlf_and_lone_cr():
    rows = {}
    for name, end in ENDS.items():
        text = sample(end)
        changes = find_artifacts(text)
        assert [c.rule for c in changes] == ["artifact.duplicate-line", "artifact.entity"], name
        rows[name] = _position_rows(text, changes)
    assert rows["cr"] == rows["lf"] == rows["crlf"]
    assert rows["cr"][0] == [(1, 6), (4, 6)]  # the entity on "Body &amp; ..." and not on the HTML line


def test_sarif_and_github_count_a_lone_cr_as_a_line_end():
    text = "\ufeffone\rtwo\r\nthree\nfour spy company\rfive"
    s = text.index("company")
    c = Change(s, s + 7, "company", "agency", "spin.thesaurus", 0.9)
    end = Change(len(text) - 5, len(text) - 3, "\rf", "", "r", 0.9)  # from line 4 into line 5
    results = sarif_log([("a.txt", text, [c, end])], descriptions={})["runs"][0]["results"]
    regions = [r["locations"][0]["physicalLocation"]["region"] for r in results]
    assert [(r["startLine"], r["startColumn"], r["endLine"], r["endColumn"]) for r in regions] == \
        [(4, 10, 4, 17), (5, 1, 5, 2)]  # the second shown where its text is, after the line end
    fixed = [r["fixes"][0]["artifactChanges"][0]["replacements"][0]["deletedRegion"] for r in results]
    assert [(r["startLine"], r["startColumn"], r["endLine"], r["endColumn"]) for r in fixed] == \
        [(4, 10, 4, 17), (4, 17, 5, 2)]  # what a fix deletes is exact
    assert "line=4,col=10,endLine=4,endColumn=17" in github_lines("a.txt", text, [c])


def test_languagetool_sentence_stops_at_a_lone_cr():
    text = "Heading without a stop\rThe spy company said so\rNext line"
    s = text.index("company")
    (match,) = languagetool_response(text, [Change(s, s + 7, "company", "agency", "r", 0.9)], {})["matches"]
    assert match["sentence"] == "The spy company said so"
    assert "\r" not in match["context"]["text"]


# --- line-based rules -------------------------------------------------------------------------

def test_doubled_line_rule_fires_on_lone_cr_text_and_its_log_applies_and_reverts(tmp_path):
    src = tmp_path / "mac.txt"
    data = b"Title\rTitle\rBody text here.\r"
    src.write_bytes(data)
    out, log = tmp_path / "out.txt", tmp_path / "log.json"
    r = run_module("fix", str(src), "--select", "artifact", "-o", str(out), "--log", str(log))
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == b"Title\rBody text here.\r"  # only the copy and its line end went
    (c,) = changes_from_json(log.read_text(encoding="utf-8"))
    assert (c.rule, c.start, c.end, c.old) == ("artifact.duplicate-line", 5, 11, "\rTitle")
    text = data.decode()
    assert apply_changes(text, [c]).encode() == out.read_bytes()
    assert revert_changes(out.read_bytes().decode(), [c]).encode() == data
    r = run_module("check", str(src), "--select", "artifact")
    assert r.returncode == 1 and r.stdout.startswith(f"{src}:2:1: ".encode()), r.stdout  # the copy's line


@pytest.mark.parametrize("end", ["\r", "\r\n"], ids=["cr", "crlf"])
def test_artifact_cases_give_the_same_repair_with_other_line_ends(end):
    from test_artifacts import ALL, CASES, check_log

    checked = 0
    for case in CASES:
        if "\r" in case["text"]:
            continue  # the case is about CRLF itself
        text, expect = case["text"].replace("\n", end), case["expect"].replace("\n", end)
        assert check_log(text, find_artifacts(text, select=ALL)) == expect, case["note"]
        checked += 1
    assert checked > 100


def test_entity_on_a_line_after_one_about_html_is_decoded_with_lone_cr():
    text = "About HTML entities\rFish &amp; chips\r"
    (c,) = find_artifacts(text, select="artifact.entity")
    assert c.old == "&amp;" and c.start == text.index("&")


def test_split_word_at_a_lone_cr():
    text = "the govern-\rment said\r"
    (c,) = find_artifacts(text, select="artifact.split-word")
    assert c.old == "-\r" and apply_changes(text, [c]) == "the government said\r"


def test_inline_ignore_marks_one_lone_cr_line_not_the_whole_text():
    text = "a company # repair: ignore\rthe company\r"
    first, second = (Change(m.start(), m.end(), "company", "agency", "r", 0.9)
                     for m in re.finditer("company", text))
    assert filter_changes(text, [first, second]) == [second]
    text = "repair: ignore-next-line\ra company\rthe company"
    first, second = (Change(m.start(), m.end(), "company", "agency", "r", 0.9)
                     for m in re.finditer("company", text))
    assert filter_changes(text, [first, second]) == [second]


# --- what reaches a terminal ------------------------------------------------------------------

def test_full_format_shows_the_line_not_raw_crs():
    text = sample("\r")
    out = full_text("a.txt", text, find_artifacts(text))
    assert "\r" not in out
    assert "\n4 | Body &amp; text here.\n  |      ^^^^^ \"&\"\n" in out
    assert out == full_text("a.txt", sample("\n"), find_artifacts(sample("\n"))).replace('"\\nTitle"', '"\\rTitle"')


def test_cli_full_format_has_no_raw_cr(tmp_path):
    src = tmp_path / "mac.txt"
    src.write_bytes(sample("\r").encode())
    r = run_module("check", str(src), "--select", "artifact", "--format", "full")
    assert r.returncode == 1 and b"\r" not in r.stdout and b"\n4 | Body &amp; text here.\n" in r.stdout


def test_review_prompt_names_the_line_and_shows_it_alone():
    text = sample("\r")
    changes = find_artifacts(text)
    state = ReviewState(changes)
    state.accept()
    block = show(state, text, LineIndex(text), PLAIN)
    assert block.startswith("(2/2) line 4 ") and "\r" not in block
    assert context(text, changes[1]) == "Body [-&amp;-]{+&+} text here."
    assert context(text, changes[0]) == "Title[-\u21b5Title-]"


def test_word_diff_of_lone_cr_text_reads_as_that_of_crlf_text():
    diffs = {name: word_diff("a.txt", sample(end), find_artifacts(sample(end))) for name, end in ENDS.items()}
    assert diffs["cr"] == diffs["crlf"]  # each lone CR followed by a line feed, so lines stay lines
    assert diffs["lf"] == diffs["crlf"].replace("\r\n", "\n")
    assert "@@ -4,1 +3,1 @@\nBody [-&amp;-]{+&+} text here.\r\n" in diffs["cr"]


def test_colour_unified_diff_splits_lines_at_lf_only():
    old, new = "a spy company\u2028said\rso\n", "a spy agency\u2028said\rso\n"
    plain = unified_diff("a.txt", old, new)
    coloured = colour_unified_diff(plain, COLOUR)
    assert f"\x1b[31m-{old[:-1]}\x1b[m\n" in coloured and f"\x1b[32m+{new[:-1]}\x1b[m\n" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


def test_unified_diff_stays_a_patch_of_lf_lines():
    # a lone CR ends a line for every location, but patch and git apply split at LF only
    old = "Title\rTitle\rBody\r"
    diff = unified_diff("a.txt", old, "Title\rBody\r")
    assert "@@ -1 +1 @@\n-Title\rTitle\rBody\r\n\\ No newline at end of file\n" in diff


def test_report_view_lines_count_lone_crs():
    text = sample("\r")
    # the doubled "Title" goes with the line end before it: numbered by the line it removes, 2
    assert view(text, find_artifacts(text))["lines"] == [2, 4]


def test_report_page_draws_a_lone_cr_as_a_line_break(tmp_path):
    from test_report_browser import CHROMIUM, dump_dom

    if CHROMIUM is None:
        pytest.skip("headless Chromium is not installed")
    src = tmp_path / "mac.txt"
    src.write_bytes(sample("\r").encode())
    page = tmp_path / "r.html"
    r = run_module("report", str(src), "--select", "artifact", "--html", str(page))
    assert r.returncode == 0, r.stderr
    dom = dump_dom(page, tmp_path)
    orig = re.search(r'<div class="text orig">(.*?)</div>', dom, re.S).group(1)
    assert "Body " in orig and "\r" not in orig
    assert re.sub(r"<[^>]+>", "", orig).startswith("Title\nTitle\n\nBody &amp;amp; text here.\n")
    assert src.read_bytes() == sample("\r").encode()  # the input is untouched
