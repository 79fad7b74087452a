"""The report page in a real browser (headless Chromium): hostile text stays text, and the
"Export decisions" button produces a decisions file that `repair apply` accepts.

Skipped when Chromium is not installed (``apt-get install chromium``; .ci/run tries).
"""
import html
import json
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from conftest import run_module
from repair.changes import Candidate, Change
from repair.report import extract_data

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "",
                             shutil.which("chromium-browser") or "") if p and os.path.exists(p)), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed "
                                "(/usr/bin/chromium; apt-get install chromium)")

MARK = "document.body.appendChild(document.createElement('xss-marker'))"
HOSTILE = ("The spy company said <script>document.title='pwned';" + MARK + "</script> today.\n"
           "A company <img src=x onerror=\"" + MARK + "\"> grew.\n"
           "</script><script>document.title='broke-out'</script> company &amp; co \u2028 \U0001F600\n")


def dump_dom(page, tmp_path):
    """The document after its scripts ran, as Chromium serialises it."""
    with tempfile.TemporaryDirectory(dir=tmp_path) as profile:
        r = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                            "--no-first-run", "--disable-background-networking", "--disable-component-update",
                            "--disable-sync", f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
                           capture_output=True, timeout=90)
    assert r.returncode == 0, r.stderr.decode(errors="replace")[-2000:]
    return r.stdout.decode()


@pytest.fixture
def report(tmp_path):
    """A report on a file of script payloads, from a log whose fields are payloads too."""
    src = tmp_path / "evil.txt"
    src.write_bytes(HOSTILE.encode())
    starts = [m.start() for m in re.finditer("company", HOSTILE)]
    changes = [Change(starts[0], starts[0] + 7, "company", "<b id=injected>agency</b>", "<i>rule", 0.9,
                      (Candidate("<svg onload=\"" + MARK + "\">", 0.4),), "</script><script>" + MARK + "</script>"),
               Change(starts[1], starts[1] + 7, "company", "agency", "fake.spin", 0.8),
               Change(starts[2], starts[2] + 7, "company", "firm", "fake.weak", 0.3)]
    log = tmp_path / "evil.json"
    log.write_text(json.dumps({"changes": [c.to_dict() for c in changes]}))
    out = tmp_path / "report.html"
    r = run_module("report", str(src), "--log", str(log), "--html", str(out))
    assert r.returncode == 0, r.stderr
    return src, out


def assert_inert(dom):
    assert "<xss-marker" not in dom
    assert re.search(r"<title>repair report</title>", dom)
    assert "<img" not in dom and "<svg" not in dom and "<b id=" not in dom
    # the payloads are on the page, as text, in both columns
    assert dom.count("&lt;script&gt;document.title='pwned';") == 2
    assert dom.count("&lt;img src=x onerror=") == 2


def test_page_renders_under_its_policy_and_runs_no_script_from_the_text(report, tmp_path):
    _, page = report
    dom = dump_dom(page, tmp_path)
    assert "1 file, 2 of 3 changes accepted" in dom  # the page's own script ran (its CSP hash is right)
    assert_inert(dom)


def test_export_decisions_without_the_policy(report, tmp_path):
    """With the Content Security Policy removed, escaping alone keeps the text inert; then the
    buttons are clicked and the exported file is applied."""
    src, page = report
    text = page.read_text(encoding="utf-8")
    policy = re.search(r'<meta http-equiv="Content-Security-Policy"[^>]*>\n', text)
    harness = text[:policy.start()] + text[policy.end():]
    harness = harness.replace("</body>", """<script>
(function () {
  var RealBlob = window.Blob, exported = null;
  window.Blob = function (parts, options) { exported = parts.join(""); return new RealBlob(parts, options); };
  URL.createObjectURL = function () { return "blob:test"; };
  HTMLAnchorElement.prototype.click = function () {};  // no download dialog in the test
  document.querySelector("[data-action=reject-all]").click();
  document.querySelectorAll("table.changes input[type=checkbox]")[2].click();  // accept the third
  document.querySelector("[data-action=export]").click();
  var pre = document.createElement("pre");
  pre.id = "exported";
  pre.textContent = exported;
  document.body.appendChild(pre);
})();
</script>
</body>""")
    test_page = tmp_path / "harness.html"
    test_page.write_text(harness, encoding="utf-8")
    dom = dump_dom(test_page, tmp_path)
    assert_inert(dom)
    assert "1 file, 1 of 3 changes accepted" in dom
    exported = json.loads(html.unescape(re.search(r'<pre id="exported">(.*?)</pre>', dom, re.S).group(1)))
    original = extract_data(text)
    assert exported["version"] == 1 and len(exported["files"]) == 1
    assert exported["base"] == original["base"] == os.getcwd()  # where the report was made, for apply
    assert [c["accepted"] for c in exported["files"][0]["changes"]] == [False, False, True]
    for got, want in zip(exported["files"][0]["changes"], original["files"][0]["changes"]):
        assert {k: v for k, v in got.items() if k != "accepted"} == {k: v for k, v in want.items() if k != "accepted"}
    decisions = tmp_path / "decisions.json"
    decisions.write_text(json.dumps(exported))
    r = run_module("apply", str(decisions), "-o", str(tmp_path / "final"))
    assert r.returncode == 0, r.stderr
    last = HOSTILE.rindex("company")
    assert (tmp_path / "final" / "evil.txt").read_bytes().decode() == HOSTILE[:last] + "firm" + HOSTILE[last + 7:]
