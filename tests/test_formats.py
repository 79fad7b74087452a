"""`repair check --format`: concise, full, json, jsonl, languagetool, sarif, github (repair/formats.py)."""
import json

import pytest

from repair.changes import Candidate, Change
from repair.formats import Report, Utf16Index, full_text, github_lines, languagetool_response, sarif_log
from repair.render import json_text
from test_cli import invoke

# an astral character (2 UTF-16 code units) and a BOM before the span, CRLF, no final newline
SPUN = "\ufeff\U0001F600 The spy company said\r\nthe big company\r\ncaf\u00e9 company"


@pytest.fixture
def spun(tmp_path):
    p = tmp_path / "spun.txt"
    p.write_bytes(SPUN.encode())
    return p


def _change(text, word="company", new="agency"):
    s = text.index(word)
    return Change(s, s + len(word), word, new, "spin.thesaurus", 0.934,
                  (Candidate(new, 0.934), Candidate("firm", 0.02), Candidate(word, 0.046)), "spy agency")


# --- languagetool ----------------------------------------------------------------------------

def _utf16_slice(text, offset, length):
    units = text.encode("utf-16-le")
    return units[2 * offset:2 * (offset + length)].decode("utf-16-le")


def test_utf16_index():
    text = "\ufeffa\U0001F600b\U0001F600c"
    u = Utf16Index(text)
    assert [u.offset(i) for i in range(len(text) + 1)] == [0, 0, 1, 3, 4, 6, 7]


def test_languagetool_shape_and_utf16_offsets():
    text = SPUN
    c = _change(text)
    resp = languagetool_response(text, [c])
    assert set(resp) >= {"software", "language", "matches"}
    assert resp["software"]["name"] == "repair" and resp["language"]["code"] == "en"
    (m,) = resp["matches"]
    assert set(m) >= {"message", "shortMessage", "offset", "length", "replacements", "context",
                      "sentence", "rule"}
    no_bom = text[1:]  # LanguageTool counts in the text without its byte-order mark
    assert m["offset"] == 11 and m["length"] == 7  # the emoji counts twice, the BOM not at all
    assert _utf16_slice(no_bom, m["offset"], m["length"]) == "company"
    ctx = m["context"]
    assert _utf16_slice(ctx["text"], ctx["offset"], ctx["length"]) == "company"
    assert "\r" not in ctx["text"] and "\n" not in ctx["text"] and not ctx["text"].startswith("...")
    assert m["replacements"] == [{"value": "agency"}, {"value": "firm"}]
    assert m["sentence"] == "\U0001F600 The spy company said"
    assert m["rule"]["id"] == "spin.thesaurus" and m["rule"]["category"] == {"id": "SPIN", "name": "Spun wording"}
    assert m["rule"]["description"].startswith("a word or phrase swapped")


def test_languagetool_every_match_lands_on_its_span():
    text = "a\U0001F600\U0001F600 company.\n" + "x " * 50 + "company \U0001F600 company"
    changes = [Change(i, i + 7, "company", "agency", "r", 0.9) for i in
               [k for k in range(len(text)) if text.startswith("company", k)]]
    matches = languagetool_response(text, changes, descriptions={})["matches"]
    for m in matches:
        assert _utf16_slice(text, m["offset"], m["length"]) == "company"
        ctx = m["context"]
        assert _utf16_slice(ctx["text"], ctx["offset"], ctx["length"]) == "company"
    assert matches[0]["context"]["text"].endswith("...") and matches[-1]["context"]["text"].startswith("...")


def test_cli_languagetool(spun, fake_engine_installed, tmp_path):
    r = invoke("check", str(spun), "--format", "languagetool")
    assert r.exit_code == 1
    resp = json.loads(r.stdout)
    assert resp["path"] == str(spun) and len(resp["matches"]) == 3
    for m in resp["matches"]:
        assert _utf16_slice(SPUN[1:], m["offset"], m["length"]) == "company"
    clean = tmp_path / "clean.txt"
    clean.write_text("fine\n")
    r = invoke("check", str(spun), str(clean), "--output-format", "languagetool")
    assert [len(x["matches"]) for x in json.loads(r.stdout)] == [3, 0]
    assert invoke("check", str(clean), "-f", "languagetool").exit_code == 0


# --- sarif ---------------------------------------------------------------------------------

def validate_sarif(log):
    """The parts of the SARIF 2.1.0 schema this log uses: required members and their types."""
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    assert isinstance(log["runs"], list) and len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert isinstance(driver["name"], str) and driver["name"]
    ids = [r["id"] for r in driver["rules"]]
    assert len(ids) == len(set(ids))
    for rule in driver["rules"]:
        assert isinstance(rule["shortDescription"]["text"], str)
        assert rule["defaultConfiguration"]["level"] in ("none", "note", "warning", "error")
    assert run["columnKind"] in ("utf16CodeUnits", "unicodeCodePoints")
    for inv in run["invocations"]:
        assert isinstance(inv["executionSuccessful"], bool)
        for n in inv["toolExecutionNotifications"]:
            assert isinstance(n["message"]["text"], str)
    for res in run["results"]:
        assert isinstance(res["message"]["text"], str) and res["message"]["text"]
        assert res["level"] in ("none", "note", "warning", "error")
        assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
        for loc in res["locations"]:
            phys = loc["physicalLocation"]
            assert isinstance(phys["artifactLocation"]["uri"], str)
            reg = phys["region"]
            for k in ("startLine", "startColumn", "endLine", "endColumn"):
                assert isinstance(reg[k], int) and reg[k] >= 1
            assert (reg["endLine"], reg["endColumn"]) > (reg["startLine"], reg["startColumn"])
        for fix in res.get("fixes", []):
            for change in fix["artifactChanges"]:
                assert isinstance(change["artifactLocation"]["uri"], str)
                for rep in change["replacements"]:
                    assert rep["deletedRegion"]["startLine"] >= 1
                    assert isinstance(rep["insertedContent"]["text"], str)


def test_sarif_regions_and_structure():
    text = SPUN
    changes = [_change(text), Change(text.index("caf"), text.index("caf") + 5, "caf\u00e9 ", "", "artifact.space", 0.7)]
    log = sarif_log([("dir/a b.txt", text, changes)])
    validate_sarif(log)
    results = log["runs"][0]["results"]
    reg = results[0]["locations"][0]["physicalLocation"]["region"]
    # columns count code points; the BOM is not one, the emoji is one
    assert (reg["startLine"], reg["startColumn"], reg["endLine"], reg["endColumn"]) == (1, 11, 1, 18)
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "dir/a%20b.txt"
    assert results[1]["ruleId"] == "artifact.space"
    assert results[0]["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"] == "agency"
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_cli_sarif(spun, fake_engine_installed, tmp_path):
    r = invoke("check", str(spun), str(tmp_path / "missing.txt"), "--format", "sarif")
    assert r.exit_code == 2
    log = json.loads(r.stdout)
    validate_sarif(log)
    run = log["runs"][0]
    assert len(run["results"]) == 3 and {x["ruleId"] for x in run["results"]} == {"fake.spin"}
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("file:///")
    assert run["invocations"][0]["executionSuccessful"] is False
    assert "no such file" in run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
    clean = tmp_path / "clean.txt"
    clean.write_text("fine\n")
    r = invoke("check", str(clean), "-f", "sarif")
    assert r.exit_code == 0 and json.loads(r.stdout)["runs"][0]["results"] == []


# --- github --------------------------------------------------------------------------------

def test_github_lines_escape_properties_and_data():
    text = "one\nthe spy company\n"
    c = Change(text.index("company"), text.index("company") + 7, "company", "agency\nx", "spin.lexicon", 0.9,
               reason="100% sure")
    line = github_lines("dir/a,b:c.txt", text, [c])
    assert line == ("::warning file=dir/a%2Cb%3Ac.txt,line=2,col=9,endLine=2,endColumn=16,"
                    "title=spin.lexicon::\"company\" -> \"agency\\nx\" (0.90): 100%25 sure\n")


def test_cli_github(spun, fake_engine_installed):
    r = invoke("check", str(spun), "--format", "github")
    assert r.exit_code == 1
    lines = r.stdout.splitlines()
    assert len(lines) == 3 and all(x.startswith(f"::warning file={spun},line=") for x in lines)
    assert ",line=3,col=6,endLine=3,endColumn=13,title=fake.spin::" in lines[2]


# --- full and concise ------------------------------------------------------------------------

def test_full_underlines_the_span():
    text = "first line\r\n\tThe \u4e2d\u6587 spy company said\n"
    out = full_text("a.txt", text, [_change(text)])
    assert out == ('a.txt:2:13: "company" -> "agency" (0.93) spin.thesaurus\n'
                   "  |\n"
                   "2 | \tThe \u4e2d\u6587 spy company said\n"
                   "  | \t             ^^^^^^^ \"agency\"\n"  # the two wide characters take four columns
                   "  = spy agency\n\n")


def test_full_cuts_long_lines_and_shows_deletions():
    text = "x" * 200 + " company " + "y" * 200
    out = full_text("a.txt", text, [_change(text)])
    shown = out.splitlines()[2]
    assert shown.startswith("1 | \u2026") and shown.endswith("\u2026") and len(shown) < 150
    caret = out.splitlines()[3]
    assert caret.index("^") == shown.index("company")
    text = "NEWS\nNEWS\n"
    out = full_text("b.txt", text, [Change(4, 9, "\nNEWS", "", "artifact.duplicate-line", 0.97)])
    # shown on the line it deletes, not at the end of the line before (render.shown_start)
    assert out.startswith('b.txt:2:1: "\\nNEWS" -> "" (0.97) artifact.duplicate-line\n')
    assert "2 | NEWS\n  | ^^^^ (delete)\n" in out


def test_cli_full_and_text_alias(spun, fake_engine_installed):
    r = invoke("check", str(spun), "--format", "full")
    assert r.exit_code == 1 and r.stdout.count("^^^^^^^") == 3
    assert f"{spun}:1:11:" in r.stdout  # BOM not a column, the emoji one
    concise = invoke("check", str(spun)).stdout
    assert concise == invoke("check", str(spun), "--format", "text").stdout
    assert concise == invoke("check", str(spun), "--output-format", "concise").stdout
    assert concise.splitlines()[0] == f'{spun}:1:11: "company" -> "agency" (0.90) fake.spin'


@pytest.mark.parametrize("fmt", ["concise", "text", "full", "json", "jsonl", "languagetool", "sarif", "github"])
def test_exit_codes_do_not_depend_on_the_format(fmt, spun, fake_engine_installed, tmp_path):
    clean = tmp_path / "clean.txt"
    clean.write_text("fine\n")
    assert invoke("check", str(clean), "-f", fmt).exit_code == 0
    assert invoke("check", str(spun), "-f", fmt).exit_code == 1
    assert invoke("check", str(tmp_path / "nope.txt"), "-f", fmt).exit_code == 2
    assert invoke("check", str(spun), "-f", fmt, "-c", "7").exit_code == 2


def test_report_rejects_unknown_formats():
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        Report("xml")


def test_json_documents_are_printed_one_way():
    changes = [_change(SPUN)]
    lt = {"path": "a.txt", **languagetool_response(SPUN, changes)}
    assert Report("languagetool").add("a.txt", SPUN, changes) == json_text(lt)
    many = Report("languagetool", many=True)
    assert many.add("a.txt", SPUN, changes) == "" and many.finish() == json_text([lt])
    sarif = Report("sarif")
    assert sarif.add("a.txt", SPUN, changes) == "" and sarif.finish() == json_text(sarif_log([("a.txt", SPUN, changes)], []))
    assert json_text(lt).endswith("}\n") and "caf\u00e9 company" in json_text(lt)  # readable UTF-8, one newline
