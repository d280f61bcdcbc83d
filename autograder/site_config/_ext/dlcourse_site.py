"""Sphinx extension of the course website: Korean search and MathJax shipped with the site.

- Search: Sphinx has no Korean search language. Korean words carry particles (텐서는,
  텐서를, 텐서의), so the default splitter would index "텐서는" and a search for "텐서" would
  miss it. :class:`SearchKorean` strips a trailing particle from Hangul words, in Python
  for the index and with the same list in JavaScript for the query.
- MathJax 3 from the ``sphinx-mathjax-offline`` package, copied into ``_static/mathjax``
  (only the CHTML output, its fonts and the TeX extensions it may autoload): the pages load
  no script from a CDN and math renders offline.
"""

from __future__ import annotations

import json
import re
import shutil
from importlib import metadata
from pathlib import Path

from sphinx.search import SearchLanguage

#: Particles and endings stripped from the end of a Hangul word (longest first).
PARTICLES = sorted({
    "에서는", "으로는", "이라는", "에서도", "에게서", "까지는", "부터는", "이라고", "입니다",
    "으로", "에서", "에게", "까지", "부터", "처럼", "보다", "이나", "라는", "하고", "와는",
    "과는", "에는", "이란", "란", "은", "는", "이", "가", "을", "를", "의", "에", "로", "와",
    "과", "도", "만",
}, key=lambda p: (-len(p), p))

_HANGUL = re.compile(r"^[\uac00-\ud7a3]+$")


def stem_korean(word: str) -> str:
    """``텐서는`` → ``텐서``; Latin words are lower-cased only (the JS stemmer agrees)."""
    w = word.lower()
    if _HANGUL.match(w):
        for p in PARTICLES:
            if len(w) > len(p) and w.endswith(p):
                return w[: -len(p)]
    return w


_JS_STEMMER = """
var Stemmer = function () {
  var particles = %s;
  var hangul = /^[\\uac00-\\ud7a3]+$/;
  this.stemWord = function (w) {
    w = w.toLowerCase();
    if (hangul.test(w)) {
      for (var i = 0; i < particles.length; i++) {
        var p = particles[i];
        if (w.length > p.length && w.slice(-p.length) === p) return w.slice(0, -p.length);
      }
    }
    return w;
  };
};
""".replace("%s", json.dumps(PARTICLES, ensure_ascii=False))


class SearchKorean(SearchLanguage):
    """Korean search: whitespace/word splitting, particle-stripping stemmer."""

    lang = "ko"
    language_name = "Korean"
    js_stemmer_code = _JS_STEMMER

    def stem(self, word: str) -> str:
        return stem_korean(word)

    def word_filter(self, word: str) -> bool:
        return bool(word) and not word.isdigit()


_MATHJAX_PARTS = ("tex-chtml.js", "output/chtml", "input/tex/extensions", "ui", "a11y")


def _mathjax_dir() -> Path:
    dist = metadata.distribution("sphinx-mathjax-offline")
    return Path(dist.locate_file("sphinx-mathjax-offline/static/mathjax"))


def copy_mathjax(app, exc) -> None:
    if exc is not None or app.builder.format != "html":
        return
    src = _mathjax_dir()
    out = Path(app.outdir) / "_static" / "mathjax"
    for part in _MATHJAX_PARTS:
        s, d = src / part, out / part
        if s.is_dir():
            shutil.copytree(s, d, dirs_exist_ok=True)
        else:
            d.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(s, d)


def setup(app):
    app.add_search_language(SearchKorean)
    app.connect("build-finished", copy_mathjax)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
