"""The student course website (`make site`), built offline and checked in a real browser.

The site is built once per session (lecture outputs come from the jupyter-cache under
build/site, so a re-run only re-executes a lecture whose code changed), served on
127.0.0.1 and opened page by page in headless Debian chromium, driven over the DevTools
protocol. Every page: no console error, no failed or outside request, every image loads,
every internal link (and its #fragment) resolves, Korean text present and drawn with a
Hangul font. Screenshots of the home page and a lecture page go to build/site/screenshots/.
"""

from __future__ import annotations

import base64
import functools
import html.parser
import http.server
import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from autograder import site
from autograder.course import REPO_ROOT

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = REPO_ROOT / "build" / "site" / "screenshots"
HANGUL = re.compile(r"[\uac00-\ud7a3]")


# --------------------------------------------------------------------------- browser


class Browser:
    """Headless chromium over the DevTools protocol (one page target, websocket-client)."""

    def __init__(self) -> None:
        import websocket  # websocket-client

        self.profile = tempfile.mkdtemp(prefix="dlc-chromium-")
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run", "--disable-quic", "--remote-debugging-port=0",
             "--remote-allow-origins=*", "--window-size=1280,900",
             f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.is_file() and port_file.read_text().count("\n") >= 1):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError("chromium did not start (no DevToolsActivePort)")
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list",
                                                    timeout=10).read())
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60,
                                              suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []
        for domain in ("Page", "Runtime", "Log", "Network", "DOM", "CSS"):
            self.call(f"{domain}.enable")

    def call(self, method: str, **params):
        self.next_id += 1
        msg_id = self.next_id
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_for(self, method: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(e["method"] == method for e in self.events):
                return
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            msg = json.loads(self.ws.recv())
            if "method" in msg:
                self.events.append(msg)
        raise TimeoutError(method)

    def settle(self, quiet: float = 0.7, timeout: float = 20) -> None:
        """Wait until no DevTools event arrived for ``quiet`` seconds (network idle)."""
        import websocket

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.ws.settimeout(quiet)
            try:
                msg = json.loads(self.ws.recv())
            except websocket.WebSocketTimeoutException:
                return
            if "method" in msg:
                self.events.append(msg)

    def open(self, url: str) -> list[dict]:
        self.events = []
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")
        self.settle()
        return self.events

    def js(self, expression: str):
        res = self.call("Runtime.evaluate", expression=expression, awaitPromise=True,
                        returnByValue=True)
        if "exceptionDetails" in res:
            raise RuntimeError(f"JS error: {res['exceptionDetails']}")
        return res["result"].get("value")

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        try:
            self.ws.close()
        except Exception:  # noqa: BLE001, S110 - already closed
            pass
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def problems_in(events: list[dict], origin: str) -> list[str]:
    """Console errors, uncaught exceptions, failed or outside requests, HTTP errors."""
    out = []
    for e in events:
        m, p = e["method"], e.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            out.append("console.error: " + " ".join(str(a.get("value", a.get("description")))
                                                   for a in p.get("args", [])))
        elif m == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            out.append(f"exception: {d.get('exception', {}).get('description') or d.get('text')}")
        elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
            out.append(f"log error: {p['entry'].get('text')} {p['entry'].get('url', '')}")
        elif m == "Network.loadingFailed" and not p.get("canceled"):
            out.append(f"request failed: {p.get('errorText')}")
        elif m == "Network.requestWillBeSent":
            url = p["request"]["url"]
            if not url.startswith((origin, "data:", "blob:", "about:")):
                out.append(f"outside request: {url}")
        elif m == "Network.responseReceived" and p["response"]["status"] >= 400:
            out.append(f"HTTP {p['response']['status']}: {p['response']['url']}")
    return out


# --------------------------------------------------------------------------- fixtures


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def built():
    t0 = time.perf_counter()
    html = site.build()
    info = dict(site.build.last_info, first=time.perf_counter() - t0)
    print(f"\nsite build: {info['first']:.1f} s (isolated from the network: {info['isolated']})")
    return html, info


@pytest.fixture(scope="module")
def server(built):
    html, _ = built
    handler = functools.partial(_Quiet, directory=str(html))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", html
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: apt-get install -y chromium (make install does)")
    b = Browser()
    yield b
    b.close()


def pages(html: Path) -> list[str]:
    return sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html")
                  if p.relative_to(html).parts[0] not in ("_static", "_sources", "_images"))


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])


@functools.cache
def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


# --------------------------------------------------------------------------- tests


def test_site_has_every_student_page(built):
    """Check that there is a page per lecture and per assignment, plus home, guide, map,
    glossary and search, and no instructor material."""
    html, info = built
    export = REPO_ROOT / "build" / "site" / "export"
    lectures = sorted(p.stem for p in (REPO_ROOT / "notebooks").glob("week*.ipynb"))
    assignments = sorted(p.name for p in (REPO_ROOT / "release").glob("week*") if p.is_dir())
    assert lectures and assignments
    found = set(pages(html))
    expected = ({f"notebooks/{n}.html" for n in lectures}
                | {f"release/{a}/{a}.html" for a in assignments}
                | {"index.html", "search.html", "docs/STUDENT.html", "docs/CHECKPOINTS.html",
                   "docs/GLOSSARY.html"})
    assert expected <= found, f"missing pages: {sorted(expected - found)}"
    assert (export / "autograder" / "checks.py").is_file()
    assert not (export / "source").exists() and not (export / "solutions").exists()
    for page in found:
        text = (html / page).read_text(encoding="utf-8")
        assert "BEGIN HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text, page
    if shutil.which("bwrap"):
        assert info["isolated"], "bubblewrap is installed but the build ran with network"


def test_lecture_pages_are_executed_with_figures(built):
    """Check that every lecture page shows its executed outputs and at least one figure,
    and every assignment page is unexecuted (the student runs it) with its Colab badge."""
    html, _ = built
    for nb in sorted((REPO_ROOT / "notebooks").glob("week*.ipynb")):
        text = (html / "notebooks" / f"{nb.stem}.html").read_text(encoding="utf-8")
        assert text.count('class="cell_output') >= 3, f"{nb.name}: no executed outputs"
        assert re.search(r'<img[^>]+src="\.\./_images/[^"]+\.png"', text), \
            f"{nb.name}: no figure on the page"
    for nb in sorted((REPO_ROOT / "release").glob("week*/*.ipynb")):
        text = (html / "release" / nb.parent.name / f"{nb.stem}.html").read_text("utf-8")
        assert 'class="cell_output' not in text, f"{nb.name}: assignment page was executed"
        assert "colab.research.google.com/github/" in text and "colab-badge.svg" in text


def test_rebuild_without_changes_takes_seconds(built):
    """Check that a second build reuses the executed lectures (jupyter-cache)."""
    for _ in range(3):  # a notebook edited meanwhile (another author) makes one more build
        t0 = time.perf_counter()
        site.build()
        seconds = time.perf_counter() - t0
        if site.build.last_info["changed"] == 0:
            break
    print(f"\nsite rebuild without changes: {seconds:.1f} s")
    assert site.build.last_info["changed"] == 0
    assert seconds < 60, f"a rebuild without changes took {seconds:.0f} s (cache not used?)"


def test_every_page_in_a_real_browser(server, browser):
    """Check every page in headless chromium: no console error, no failed or outside
    request, every image loaded, internal links resolve, Korean text in a Hangul font."""
    base, html = server
    origin = base.rstrip("/")
    failures: list[str] = []
    for page in pages(html):
        events = browser.open(base + page)
        failures += [f"{page}: {p}" for p in problems_in(events, origin)]
        images = browser.js("""Promise.all([...document.images].map(img => new Promise(ok => {
              const probe = new Image();
              probe.onload = () => ok([img.src, probe.naturalWidth > 0]);
              probe.onerror = () => ok([img.src, false]);
              probe.src = img.src; })))""")
        failures += [f"{page}: image did not load: {src}" for src, ok in images if not ok]
        text = browser.js("document.body.innerText")
        if len(HANGUL.findall(text)) < 5:
            failures.append(f"{page}: no Korean text")
        # links: every same-site href must name an existing file (and #id on that page)
        for href in _parse(html / page).hrefs:
            url = urllib.parse.urljoin(base + page, href)
            if not url.startswith(base):
                continue
            target, _, frag = url[len(base):].partition("#")
            target = urllib.parse.unquote(target.split("?")[0]) or "index.html"
            path = html / target
            if path.is_dir():
                path = path / "index.html"
            if not path.is_file():
                failures.append(f"{page}: broken link {href}")
            elif frag and path.suffix == ".html" and \
                    urllib.parse.unquote(frag) not in _parse(path).ids:
                failures.append(f"{page}: broken anchor {href}")
    assert not failures, "\n".join(failures)


def test_korean_is_drawn_with_a_hangul_font(server, browser):
    """Check that the home page's Korean text is rendered with a Hangul font, not tofu."""
    base, _ = server
    browser.open(base + "index.html")
    doc = browser.call("DOM.getDocument", depth=-1)
    node = browser.call("DOM.querySelector", nodeId=doc["root"]["nodeId"], selector="main p")
    fonts = browser.call("CSS.getPlatformFontsForNode", nodeId=node["nodeId"])["fonts"]
    names = [f["familyName"] for f in fonts]
    assert any(re.search(r"Nanum|나눔|Noto Sans (CJK )?KR|Gothic|고딕", n) for n in names), names


def test_search_finds_korean_words_without_their_particles(server, browser):
    """Check that searching "텐서" lists the week-1 lecture (its text says 텐서는, 텐서를...)."""
    base, _ = server
    browser.open(base + "search.html?q=" + urllib.parse.quote("텐서"))
    deadline = time.monotonic() + 20
    results: list[str] = []
    while time.monotonic() < deadline and not results:
        results = browser.js("[...document.querySelectorAll('#search-results li a')]"
                             ".map(a => a.getAttribute('href'))")
        time.sleep(0.3)
    assert any("week01_tensors" in r for r in results), results


def test_screenshots_for_review(server, browser):
    """Save screenshots of the home page and of a lecture page at its first figure."""
    base, html = server
    browser.open(base + "index.html")
    browser.screenshot(SCREENSHOTS / "home.png")
    lecture = max((html / "notebooks").glob("week*.html"))
    browser.open(base + f"notebooks/{lecture.name}")
    browser.js("""(() => { const img = document.querySelector('.cell_output img');
                  if (img) img.scrollIntoView({block: 'center'}); })()""")
    browser.settle(0.5)
    browser.screenshot(SCREENSHOTS / "lecture.png")
    for name in ("home.png", "lecture.png"):
        assert (SCREENSHOTS / name).stat().st_size > 10_000


def test_publish_puts_the_site_into_the_student_course(built, tmp_path):
    """Check that `make publish` ships the built site in DEST/site, ready for static hosting,
    and that the export with its site passes publish's own leak checks."""
    from autograder import publish

    html, _ = built
    dest = publish.export(tmp_path / "student", site_html=html)
    assert (dest / "site" / "index.html").is_file() and (dest / "site" / ".nojekyll").is_file()
    assert (dest / ".github" / "workflows" / "pages.yml").read_text().count("path: site") == 1
    for page in pages(html):
        assert (dest / "site" / page).is_file(), page
    assert not (dest / "site" / ".buildinfo").exists()
