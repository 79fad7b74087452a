"""``repair report``: one self-contained HTML page to review change logs in a browser.

The page shows each file's original and repaired text side by side with every
change marked; a change's confidence, rule and candidates are in its tooltip and
in a detail panel.  Each change has an accept toggle (ticked when its confidence
is at or above the threshold), and "Accept all", "Reject all" and "Export
decisions" buttons; the export is a decisions file (:mod:`repair.decisions`) that
``repair apply`` turns into the final files.

Safety: the page loads nothing from the network.  All text, paths and change
fields travel as JSON inside ``<script type="application/json">``, with ``<``,
``>``, ``&``, U+2028 and U+2029 escaped so no text can end that element, and the
page's script puts them into the document with ``textContent`` only.  A Content
Security Policy allows no script but the page's own (by hash).
"""
from __future__ import annotations

import base64
import hashlib
import json
from typing import Sequence

from .changes import Change
from .decisions import document
from .render import LineIndex, shown_start

__all__ = ["embed_json", "view", "render_html", "extract_data"]

_JSON_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                               "\u2028": "\\u2028", "\u2029": "\\u2029"})


def embed_json(obj) -> str:
    """``obj`` as JSON that is safe between ``<script type="application/json">`` tags.

    The escaped characters can only occur inside JSON strings, where ``\\uXXXX`` means
    the same character, so ``JSON.parse`` (and ``json.loads``) read back ``obj``.
    """
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).translate(_JSON_ESCAPES)


def view(text: str, changes: Sequence[Change]) -> dict:
    """How the page draws one file: ``segments`` alternate unchanged text (strings) and the
    index of a change (numbers, into ``changes`` in text order); ``lines`` gives each change's
    1-based line.  The page never needs code-point offsets (JavaScript strings count UTF-16).
    ``changes`` out of text order, or overlapping, are a ValueError: sort them first."""
    index = LineIndex(text)
    segments: list = []
    pos = 0
    for i, c in enumerate(changes):
        if c.start < pos:
            raise ValueError(f"changes must be in text order without overlaps: change {i} starts at "
                             f"{c.start}, before the end of the one before it ({pos})")
        if c.start > pos:
            segments.append(text[pos:c.start])
        segments.append(i)
        pos = c.end
    if pos < len(text):
        segments.append(text[pos:])
    return {"segments": segments, "lines": [index.position(shown_start(c))[0] for c in changes]}


def render_html(entries: Sequence[dict], views: Sequence[dict], *, threshold: float,
                generator: str = "repair", spun_threshold: float | None = None, base: str | None = None) -> str:
    """The page for decisions ``entries`` (:func:`repair.decisions.file_entry`) and their
    :func:`view`\\ s, in the same order. ``spun_threshold``: the lower threshold of a text that
    reads as spun, if the run had one (the entries' accepted flags already follow it).  ``base``:
    the absolute folder the entries' relative paths are relative to (where the report is made);
    the exported decisions carry it, so ``apply`` finds the files from anywhere."""
    data = {**document(entries, base), "threshold": threshold, "spun_threshold": spun_threshold,
            "generator": generator, "views": list(views)}
    script_hash = base64.b64encode(hashlib.sha256(_SCRIPT.encode("utf-8")).digest()).decode("ascii")
    return (_PAGE.replace("%CSP_HASH%", script_hash)
                 .replace("%STYLE%", _STYLE)
                 .replace("%DATA%", embed_json(data))
                 .replace("%SCRIPT%", _SCRIPT))


def extract_data(page: str) -> dict:
    """The JSON a page made by :func:`render_html` carries (for tests and tools)."""
    start = page.index('<script type="application/json" id="repair-data">')
    start = page.index(">", start) + 1
    return json.loads(page[start:page.index("</script>", start)])


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-%CSP_HASH%'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>repair report</title>
<style>%STYLE%</style>
</head>
<body>
<header id="bar">
<h1>repair report</h1>
<span id="summary"></span>
<span class="buttons">
<button type="button" data-action="accept-all">Accept all</button>
<button type="button" data-action="reject-all">Reject all</button>
<button type="button" data-action="defaults">Defaults</button>
<button type="button" data-action="export" class="primary">Export decisions</button>
</span>
</header>
<noscript><p class="note">This report needs JavaScript to show the texts.</p></noscript>
<main id="files"></main>
<aside id="detail" hidden></aside>
<script type="application/json" id="repair-data">%DATA%</script>
<script>%SCRIPT%</script>
</body>
</html>
"""

_STYLE = """
:root { --del: #ffd7d5; --del-ink: #82071e; --ins: #ccffd8; --ins-ink: #055d20; --off: #eef0f3;
        --line: #d0d7de; --ink: #1f2328; --muted: #656d76; --sel: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #f6f8fa; }
#bar { position: sticky; top: 0; z-index: 2; display: flex; flex-wrap: wrap; gap: .4em 1em; align-items: center;
       padding: .6em 1.2em; background: #fff; border-bottom: 1px solid var(--line); }
#bar h1 { font-size: 1.1em; margin: 0; }
#summary { color: var(--muted); }
.buttons { margin-left: auto; display: flex; gap: .4em; }
button { font: inherit; padding: .25em .8em; border: 1px solid var(--line); border-radius: 6px; background: #f6f8fa; cursor: pointer; }
button:hover { background: #eaeef2; }
button.primary { background: #1f883d; border-color: #1a7f37; color: #fff; }
main { padding: 1em 1.2em 12em; }
section.file { background: #fff; border: 1px solid var(--line); border-radius: 8px; margin-bottom: 1.5em; }
section.file > h2 { font-size: 1em; margin: 0; padding: .6em 1em; border-bottom: 1px solid var(--line);
                    font-family: ui-monospace, SFMono-Regular, Menlo, monospace; word-break: break-all; }
.meta { color: var(--muted); font-weight: normal; margin-left: .8em; font-family: system-ui, sans-serif; }
.cols { display: grid; grid-template-columns: 1fr 1fr; }
.col { min-width: 0; padding: .4em 1em 1em; }
.col + .col { border-left: 1px solid var(--line); }
.col h3 { font-size: .8em; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin: .4em 0; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; font: 15px/1.6 Georgia, "Times New Roman", serif; }
.chg { border-radius: 3px; cursor: pointer; padding: 0 1px; }
.orig .chg { background: var(--del); color: var(--del-ink); text-decoration: line-through; }
.rep .chg { background: var(--ins); color: var(--ins-ink); }
.orig .chg.off { background: var(--off); color: inherit; text-decoration: none; outline: 1px dashed #8c959f; }
.rep .chg.off { background: var(--off); color: inherit; outline: 1px dashed #8c959f; }
.chg.empty::after { content: "\\2205"; font-size: .8em; color: var(--muted); }
.chg.sel { box-shadow: 0 0 0 2px var(--sel); }
table.changes { width: 100%; border-collapse: collapse; border-top: 1px solid var(--line); font-size: .92em; }
table.changes th, table.changes td { text-align: left; padding: .3em 1em; border-bottom: 1px solid #eaeef2; vertical-align: top; }
table.changes th { color: var(--muted); font-weight: 600; }
table.changes tr.sel td { background: #ddf4ff; }
table.changes tr { cursor: pointer; }
table.changes th:not(:nth-child(3)), table.changes td:not(:nth-child(3)) { width: 1%; white-space: nowrap; }
td.num { font-variant-numeric: tabular-nums; }
td .old { color: var(--del-ink); text-decoration: line-through; }
td .new { color: var(--ins-ink); }
tr.below td.num { color: var(--muted); }
.empty-note { color: var(--muted); padding: .6em 1em; margin: 0; }
#detail { position: fixed; right: 1em; bottom: 1em; width: min(28em, calc(100vw - 2em)); max-height: 60vh; overflow: auto;
          background: #fff; border: 1px solid var(--line); border-radius: 8px; box-shadow: 0 8px 24px rgba(140,149,159,.3);
          padding: .8em 1em; z-index: 3; }
#detail h4 { margin: 0 0 .4em; font-size: 1em; }
#detail dl { display: grid; grid-template-columns: max-content 1fr; gap: .2em .8em; margin: .4em 0; }
#detail dt { color: var(--muted); }
#detail dd { margin: 0; overflow-wrap: anywhere; }
#detail ol { margin: 0; padding-left: 1.4em; }
#detail .close { float: right; }
#detail label { display: block; margin-top: .6em; font-weight: 600; }
.note { padding: 1em; }
@media (max-width: 800px) { .cols { grid-template-columns: 1fr; } .col + .col { border-left: 0; border-top: 1px solid var(--line); } }
"""

_SCRIPT = """
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("repair-data").textContent);
  var files = data.files, views = data.views, threshold = data.threshold, spunThreshold = data.spun_threshold;
  var refs = [];        // refs[f][i] = {orig, rep, box, row}
  var defaults = files.map(function (f) { return f.changes.map(function (c) { return c.accepted; }); });
  var selected = null;  // [f, i]

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function quoted(s) { return JSON.stringify(s); }
  // a lone CR ends a line (as the line numbers count it), but a browser draws none there
  function breaks(s) { return s.replace(/\\r(?!\\n)/g, "\\n"); }
  function pct(x) { return Number(x).toFixed(2); }
  function describe(c) {
    var s = (c.rule || "no rule") + " \\u00b7 confidence " + pct(c.confidence);
    if (c.candidates && c.candidates.length) {
      s += " \\u00b7 candidates: " + c.candidates.map(function (k) { return k[0] + " (" + pct(k[1]) + ")"; }).join(", ");
    }
    return s + (c.reason ? "\\n" + c.reason : "");
  }

  function paint(f, i) {
    var c = files[f].changes[i], r = refs[f][i];
    var shown = c.accepted ? c["new"] : c.old;
    r.rep.textContent = breaks(shown);
    r.rep.classList.toggle("off", !c.accepted);
    r.rep.classList.toggle("empty", shown === "");
    r.orig.classList.toggle("off", !c.accepted);
    r.box.checked = c.accepted;
  }
  function summarize() {
    var n = 0, on = 0;
    files.forEach(function (f, k) {
      var m = 0;
      f.changes.forEach(function (c) { n++; if (c.accepted) { on++; m++; } });
      refs[k].count.textContent = m + " of " + f.changes.length + " accepted";
    });
    document.getElementById("summary").textContent =
      files.length + (files.length === 1 ? " file, " : " files, ") + on + " of " + n +
      " changes accepted (default: confidence \\u2265 " + pct(threshold) +
      (spunThreshold === null || spunThreshold === undefined || spunThreshold >= threshold ? "" :
       ", \\u2265 " + pct(spunThreshold) + " in a text that reads as spun") + ")";
  }
  function set(f, i, value) {
    files[f].changes[i].accepted = value;
    paint(f, i);
    if (selected && selected[0] === f && selected[1] === i) detail(f, i);
  }
  function setAll(fn) {
    files.forEach(function (file, f) { file.changes.forEach(function (c, i) { set(f, i, fn(f, i)); }); });
    summarize();
  }

  function select(f, i) {
    if (selected) {
      var o = refs[selected[0]][selected[1]];
      [o.orig, o.rep, o.row].forEach(function (e) { e.classList.remove("sel"); });
    }
    selected = [f, i];
    var r = refs[f][i];
    [r.orig, r.rep, r.row].forEach(function (e) { e.classList.add("sel"); });
    detail(f, i);
  }
  function detail(f, i) {
    var c = files[f].changes[i], box = document.getElementById("detail");
    box.textContent = "";
    var close = el("button", "close", "\\u00d7");
    close.type = "button";
    close.title = "Close";
    close.addEventListener("click", function () { box.hidden = true; });
    box.appendChild(close);
    box.appendChild(el("h4", null, files[f].path + ", line " + views[f].lines[i]));
    var dl = el("dl");
    function row(k, v) { dl.appendChild(el("dt", null, k)); dl.appendChild(el("dd", null, v)); }
    row("change", quoted(c.old) + " \\u2192 " + quoted(c["new"]));
    row("confidence", pct(c.confidence));
    row("rule", c.rule || "");
    if (c.reason) row("reason", c.reason);
    box.appendChild(dl);
    if (c.candidates && c.candidates.length) {
      box.appendChild(el("div", null, "candidates"));
      var ol = el("ol");
      c.candidates.forEach(function (k) { ol.appendChild(el("li", null, quoted(k[0]) + " " + pct(k[1]))); });
      box.appendChild(ol);
    }
    var label = el("label"), cb = el("input");
    cb.type = "checkbox";
    cb.checked = c.accepted;
    cb.addEventListener("change", function () { set(f, i, cb.checked); summarize(); });
    label.appendChild(cb);
    label.appendChild(document.createTextNode(" accept this change"));
    box.appendChild(label);
    box.hidden = false;
  }

  function changeSpan(f, i, text, side) {
    var c = files[f].changes[i], s = el("span", "chg", breaks(text));
    if (text === "") s.classList.add("empty");
    s.title = describe(c);
    s.dataset.file = f;
    s.dataset.change = i;
    s.dataset.side = side;
    s.addEventListener("click", function () { select(f, i); });
    return s;
  }

  function build(f) {
    var file = files[f], v = views[f], sec = el("section", "file");
    var h = el("h2", null, file.path), count = el("span", "meta");
    h.appendChild(count);
    sec.appendChild(h);
    refs[f] = file.changes.map(function () { return {}; });
    refs[f].count = count;
    var cols = el("div", "cols"), left = el("div", "col"), right = el("div", "col");
    left.appendChild(el("h3", null, "Original"));
    right.appendChild(el("h3", null, "Repaired"));
    var orig = el("div", "text orig"), rep = el("div", "text rep");
    v.segments.forEach(function (seg) {
      if (typeof seg === "string") {
        orig.appendChild(document.createTextNode(breaks(seg)));
        rep.appendChild(document.createTextNode(breaks(seg)));
      } else {
        var c = file.changes[seg];
        refs[f][seg].orig = orig.appendChild(changeSpan(f, seg, c.old, "orig"));
        refs[f][seg].rep = rep.appendChild(changeSpan(f, seg, c["new"], "rep"));
      }
    });
    left.appendChild(orig);
    right.appendChild(rep);
    cols.appendChild(left);
    cols.appendChild(right);
    sec.appendChild(cols);
    if (!file.changes.length) {
      sec.appendChild(el("p", "empty-note", "No changes."));
    } else {
      var table = el("table", "changes"), head = el("tr");
      ["accept", "line", "change", "confidence", "rule"].forEach(function (t) { head.appendChild(el("th", null, t)); });
      table.appendChild(head);
      file.changes.forEach(function (c, i) {
        var tr = el("tr", defaults[f][i] ? "" : "below"), td = el("td"), cb = el("input");
        cb.type = "checkbox";
        cb.setAttribute("aria-label", "accept change " + (i + 1));
        cb.addEventListener("click", function (e) { e.stopPropagation(); });
        cb.addEventListener("change", function () { set(f, i, cb.checked); summarize(); });
        td.appendChild(cb);
        tr.appendChild(td);
        tr.appendChild(el("td", "num", v.lines[i]));
        var what = el("td");
        what.appendChild(el("span", "old", c.old));
        what.appendChild(document.createTextNode(" \\u2192 "));
        what.appendChild(el("span", "new", c["new"]));
        tr.appendChild(what);
        tr.appendChild(el("td", "num", pct(c.confidence)));
        tr.appendChild(el("td", null, c.rule || ""));
        tr.title = describe(c);
        tr.addEventListener("click", function () { select(f, i); });
        refs[f][i].box = cb;
        refs[f][i].row = tr;
        table.appendChild(tr);
      });
      sec.appendChild(table);
    }
    return sec;
  }

  function decisions() {
    return {version: data.version, base: data.base, files: files.map(function (f) {
      return {path: f.path, sha256: f.sha256, changes: f.changes.map(function (c) {
        var o = {};
        Object.keys(c).forEach(function (k) { o[k] = c[k]; });
        return o;
      })};
    })};
  }
  function exportDecisions() {
    var blob = new Blob([JSON.stringify(decisions(), null, 1) + "\\n"], {type: "application/json"});
    var a = el("a");
    a.href = URL.createObjectURL(blob);
    a.download = "repair-decisions.json";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 10000);
  }

  var main = document.getElementById("files");
  files.forEach(function (file, f) { main.appendChild(build(f)); file.changes.forEach(function (c, i) { paint(f, i); }); });
  if (!files.length) main.appendChild(el("p", "note", "No files."));
  summarize();
  var actions = {
    "accept-all": function () { setAll(function () { return true; }); },
    "reject-all": function () { setAll(function () { return false; }); },
    "defaults": function () { setAll(function (f, i) { return defaults[f][i]; }); },
    "export": exportDecisions
  };
  Array.prototype.forEach.call(document.querySelectorAll("[data-action]"), function (b) {
    b.addEventListener("click", actions[b.dataset.action]);
  });
  window.repairReport = {decisions: decisions, exportDecisions: exportDecisions};
})();
"""
