"""Where check reports a change that deletes a line together with the line end before it
("\\nUpdated"): on the line it deletes (4:1), not at the end of the line before (3:27). Offsets
(JSON, logs, a SARIF fix) stay exact."""
import json

import pytest

from conftest import PACKAGE_ROOT, run_module
from repair.changes import Change
from repair.render import shown_start

TEXT = "Headline\n\nA short paragraph of some news.\nUpdated"  # the last line: its line end before it goes
AT = TEXT.index("\nUpdated")


@pytest.mark.parametrize("old, skip", [
    ("\nUpdated", 1), ("\r\nUpdated", 2), ("\rUpdated", 1), ("\n\n\nX", 3),
    ("Updated\n\n", 0), ("x\ny", 0), ("\n", 0), ("\r\n\n", 0), ("company", 0), ("", 0),
])
def test_shown_start_skips_leading_line_ends_only_before_text(old, skip):
    assert shown_start(Change(10, 10 + len(old), old, "", "r", 0.9)) == 10 + skip


@pytest.fixture
def page(tmp_path):
    p = tmp_path / "page.txt"
    p.write_bytes(TEXT.encode())
    return p


def check(page, *args):
    r = run_module("check", str(page), "--select", "artifact.furniture", *args)
    assert r.returncode == 1, r.stderr
    return r.stdout.decode()


def test_concise_and_full_report_the_deleted_line(page):
    assert check(page) == f'{page}:4:1: "\\nUpdated" -> "" (0.90) artifact.furniture\n'
    full = check(page, "-f", "full")
    assert full.startswith(f'{page}:4:1: ') and "4 | Updated\n  | ^^^^^^^ (delete)\n" in full


def test_sarif_and_github_start_there_but_a_fix_deletes_exactly_the_change(page):
    (result,) = json.loads(check(page, "-f", "sarif"))["runs"][0]["results"]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"], region["endLine"], region["endColumn"]) == (4, 1, 4, 8)
    assert region["snippet"]["text"] == "Updated"
    deleted = result["fixes"][0]["artifactChanges"][0]["replacements"][0]["deletedRegion"]
    assert (deleted["startLine"], deleted["startColumn"], deleted["endLine"], deleted["endColumn"]) == (3, 32, 4, 8)
    assert "::warning file=" in check(page, "-f", "github")
    assert ",line=4,col=1,endLine=4,endColumn=8," in check(page, "-f", "github")


@pytest.mark.parametrize("fmt", ["json", "jsonl", "languagetool"])
def test_offsets_stay_exact(page, fmt):
    out = check(page, "-f", fmt)
    obj = json.loads(out)
    if fmt == "languagetool":
        (match,) = obj["matches"]
        assert (match["offset"], match["length"]) == (AT, len("\nUpdated"))
    else:
        c = obj["changes"][0] if fmt == "json" else obj
        assert (c["start"], c["end"], c["old"]) == (AT, AT + 8, "\nUpdated")


def test_seed_003():
    seed = PACKAGE_ROOT / "seeds" / "003_3651bd58536cb059.txt"
    if not seed.exists():
        pytest.skip("the seeds are not beside the package")
    r = run_module("check", str(seed), "--select", "artifact", cwd=PACKAGE_ROOT)
    where = [line.split(": ", 1)[0].rsplit(":", 2)[1:] for line in r.stdout.decode().splitlines()]
    # the doubled "NEWS" (line 2), the "Updated" line (6) and the caption's copy with its credit (11)
    assert where == [["2", "1"], ["6", "1"], ["11", "1"]]
