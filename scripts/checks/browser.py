#!/usr/bin/env python3
"""Drives a real headless Chromium against the registry's server-rendered HTML
pages and checks what a user (and an attacker) would see: pages load with a
strict CSP and no inline script, search and filters work as plain GET forms,
links and the Copy buttons work under real mouse clicks, a poisoned tool
description renders inert, axe-core finds no serious or critical violation.
Screenshots of each page go to SHOT_DIR.

    AXE_JS=node_modules/axe-core/axe.min.js browser.py BASE_URL SHOT_DIR

Prints one line per check (`ok   <what>` or `FAIL <what>: <why>`) and exits 1
if any failed. Standard library only: Chromium is driven over
--remote-debugging-pipe (CDP JSON messages separated by NUL bytes; Chromium
reads commands on fd 3 and writes replies and events on fd 4). Every wait
times out after 10 s, the whole run after 180 s; a count of checks and the
time taken go to stderr. CHROMIUM overrides the browser binary (default:
chromium on PATH, else /usr/bin/chromium). The clipboard needs a secure
context: BASE_URL on loopback or https, or any other http origin is passed to
Chromium as --unsafely-treat-insecure-origin-as-secure.
"""
import base64
import contextlib
import fcntl
import json
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

STEP_TIMEOUT = 10.0
OVERALL_TIMEOUT = 180.0
VIEWPORT = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}
MAX_SHOT_HEIGHT = 3000

WEATHER = "io.github.acme/weather"
POISONED = "io.github.acme/poisoned"
GONE = "io.github.acme/gone"
UNSIGNED = "io.github.other/unsigned"
FILTERS = ["verified", "active", "yanked", "revoked", "network-none", "read-only", "tools-changed"]
PROFILES = ["docker", "compose", "kubernetes", "toolhive", "docker-mcp", "json"]


def server_path(name, version=None):
    path = "/servers/" + urllib.parse.quote(name, safe="")
    return path + "/" + urllib.parse.quote(version, safe="") if version else path


# The pages that get every per-page check (load, CSP, markup, axe, screenshot).
PAGES = [
    ("catalog", "/"),
    ("server", server_path(WEATHER)),
    ("version", server_path(WEATHER, "1.1.0")),
    ("poisoned", server_path(POISONED, "1.0.0")),
    ("log", "/log"),
]
# Pages that only get the load, CSP and inert-markup checks, with the status they answer.
EXTRA_PAGES = [
    (server_path(WEATHER, "1.0.0"), 200),
    (server_path(UNSIGNED), 200),
    (server_path(UNSIGNED, "0.1.0"), 200),
    (server_path("io.github.acme/old", "1.0.0"), 200),
    (server_path(GONE, "1.0.0"), 200),
    (server_path("io.github.acme/no-such-server"), 404),
    ("/?filter=no-such-filter", 400),
]


class Timeout(Exception):
    pass


class CheckFailed(Exception):
    pass


class CDPError(Exception):
    pass


class Deadline:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def passed(self):
        return time.monotonic() >= self.end

    def step(self, timeout=STEP_TIMEOUT):
        """The time one wait may take: its own timeout, cut to what is left of the run."""
        left = self.end - time.monotonic()
        if left <= 0:
            raise Timeout(f"overall {OVERALL_TIMEOUT:.0f} s deadline passed")
        return min(timeout, left)


# --------------------------------------------------------------------------
# Chromium over --remote-debugging-pipe


class CDP:
    """One Chromium process and its DevTools pipe: send commands, wait for events."""

    def __init__(self, deadline, extra_flags=()):
        self.deadline = deadline
        self.next_id = 0
        self.buf = bytearray()
        self.replies = {}
        self.events = []  # (seq, sessionId, method, params), in arrival order
        self.seq = 0
        self.profile = tempfile.mkdtemp(prefix="browser-check-")
        self.stderr = open(os.path.join(self.profile, "chromium.stderr"), "wb")
        cmd_r, self.cmd_w = os.pipe()  # we write commands; Chromium reads them on fd 3
        self.res_r, res_w = os.pipe()  # Chromium writes on fd 4; we read
        binary = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
        argv = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--hide-scrollbars", "--force-device-scale-factor=1",
                "--font-render-hinting=none",
                # Containers often have a tiny /dev/shm; Chromium then crashes tabs.
                "--disable-dev-shm-usage",
                "--remote-debugging-pipe", f"--user-data-dir={self.profile}",
                *extra_flags, "about:blank"]

        def child():
            os.setsid()  # own process group, so close() can end the renderers too
            # Copy both ends above 4 first, so neither is clobbered by the other's dup2.
            r = fcntl.fcntl(cmd_r, fcntl.F_DUPFD, 5)
            w = fcntl.fcntl(res_w, fcntl.F_DUPFD, 5)
            os.dup2(r, 3)
            os.dup2(w, 4)

        try:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=self.stderr, pass_fds=(3, 4), preexec_fn=child)
        except BaseException:
            self.proc = None
            self.close()
            raise
        finally:
            os.close(cmd_r)
            os.close(res_w)
        os.set_blocking(self.cmd_w, False)
        os.set_blocking(self.res_r, False)

    def stderr_tail(self):
        try:
            with open(self.stderr.name, "rb") as f:
                lines = f.read().decode(errors="replace").strip().splitlines()
            return " | ".join(lines[-3:])
        except OSError:
            return ""

    def _dead(self):
        try:
            rc = self.proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            rc = "still running"
        tail = self.stderr_tail()
        return CDPError(f"chromium exited (rc={rc})" + (f": {tail}" if tail else ""))

    def _write(self, data):
        view = memoryview(data)
        while view:
            _, writable, _ = select.select([], [self.cmd_w], [], self.deadline.step())
            if not writable:
                raise Timeout("timed out after 10 s writing to chromium's pipe")
            try:
                n = os.write(self.cmd_w, view)
            except BrokenPipeError:
                raise self._dead() from None
            view = view[n:]

    def _pump(self, timeout):
        """Read what Chromium has sent within timeout seconds; file replies and events."""
        readable, _, _ = select.select([self.res_r], [], [], timeout)
        if not readable:
            return
        chunk = os.read(self.res_r, 1 << 20)
        if not chunk:
            raise self._dead()
        self.buf += chunk
        while (end := self.buf.find(b"\0")) >= 0:
            msg = json.loads(self.buf[:end])
            del self.buf[:end + 1]
            if "id" in msg:
                self.replies[msg["id"]] = msg
            else:
                self.seq += 1
                self.events.append((self.seq, msg.get("sessionId"), msg["method"], msg.get("params", {})))

    def mark(self):
        """A point in the event stream: wait_event(since=mark) sees only later events."""
        return self.seq

    def send(self, method, params=None, session=None, timeout=STEP_TIMEOUT):
        self.next_id += 1
        ident = self.next_id
        msg = {"id": ident, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self._write(json.dumps(msg).encode() + b"\0")
        end = time.monotonic() + self.deadline.step(timeout)
        while ident not in self.replies:
            left = end - time.monotonic()
            if left <= 0:
                self.deadline.step()  # says so if it was the overall deadline
                raise Timeout(f"no reply to {method} within {timeout:.0f} s")
            self._pump(left)
        reply = self.replies.pop(ident)
        if "error" in reply:
            raise CDPError(f"{method}: {reply['error'].get('message')} {reply['error'].get('data', '')}".strip())
        return reply.get("result", {})

    def find_events(self, method, session=None, since=0, pred=None):
        return [p for s, sid, m, p in self.events
                if s > since and m == method and sid == session and (pred is None or pred(p))]

    def wait_event(self, method, session=None, since=0, pred=None, what=None, timeout=STEP_TIMEOUT):
        end = time.monotonic() + self.deadline.step(timeout)
        while True:
            found = self.find_events(method, session, since, pred)
            if found:
                return found[0]
            left = end - time.monotonic()
            if left <= 0:
                self.deadline.step()
                raise Timeout(f"timed out after {timeout:.0f} s waiting for {what or method}")
            self._pump(left)

    def close(self):
        self.deadline = Deadline(5)  # closing gets its own few seconds, past the run's deadline
        proc = getattr(self, "proc", None)
        if proc and proc.poll() is None:
            try:
                self.send("Browser.close", timeout=2)
            except Exception:
                pass
            try:
                proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                pass
        if proc:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)  # the group of the process we started
            with contextlib.suppress(Exception):
                proc.wait(timeout=3)
        for fd in (self.cmd_w, self.res_r):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.stderr.close()
        shutil.rmtree(self.profile, ignore_errors=True)


class Page:
    """One tab, attached with flatten:true; page commands go with its sessionId."""

    def __init__(self, cdp, base):
        self.cdp = cdp
        self.base = base
        target = cdp.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.sid = cdp.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Network"):
            self.send(f"{domain}.enable")
        self.frame = self.send("Page.getFrameTree")["frameTree"]["frame"]["id"]
        self.send("Emulation.setDeviceMetricsOverride", VIEWPORT)
        self.send("Emulation.setFocusEmulationEnabled", {"enabled": True})
        # Records CSP violations on every document (DevTools scripts are not subject to the CSP).
        self.send("Page.addScriptToEvaluateOnNewDocument", {"source": """
            window.__cspViolations = [];
            document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
                `${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile || '?'}:${e.lineNumber}`));
        """})
        self.nav_mark = 0

    def send(self, method, params=None, timeout=STEP_TIMEOUT):
        return self.cdp.send(method, params, self.sid, timeout)

    def url(self, path):
        return self.base + path

    # -- navigation

    def _await_navigation(self, since, what):
        """Wait for the main frame to commit a new document and fire load; return its HTTP status."""
        frame = self.cdp.wait_event("Page.frameNavigated", self.sid, since,
                                    lambda p: p["frame"]["id"] == self.frame,
                                    what=f"a navigation after {what}")["frame"]
        self.cdp.wait_event("Page.loadEventFired", self.sid, since, what=f"the load event after {what}")
        self.nav_mark = since
        responses = self.cdp.find_events("Network.responseReceived", self.sid, since,
                                         lambda p: p["type"] == "Document" and p["loaderId"] == frame["loaderId"])
        return responses[-1]["response"]["status"] if responses else None

    def goto(self, path, want=200):
        since = self.cdp.mark()
        try:
            res = self.send("Page.navigate", {"url": self.url(path)})
            if res.get("errorText"):
                raise CheckFailed(f"navigating to {path}: {res['errorText']}")
            status = self._await_navigation(since, f"opening {path}")
        except Timeout as e:
            # Leave no navigation pending, or every later command on this tab waits behind it.
            with contextlib.suppress(Exception):
                self.send("Page.stopLoading", timeout=2)
            raise Timeout(f"opening {path}: {e}") from None
        if status != want:
            raise CheckFailed(f"{path} answered HTTP {status}" + (f", not {want}" if want != 200 else ""))
        return status

    def navigation_by(self, action, what):
        """Run action (a click, a key press) and wait for the navigation it causes; return the status."""
        since = self.cdp.mark()
        action()
        return self._await_navigation(since, what)

    def subresource_failures(self):
        """Requests of the current document that failed. The browser's own favicon probe,
        which comes whenever it likes and is no request of the page's, is left out."""
        def own(url):
            return urllib.parse.urlsplit(url).path != "/favicon.ico"
        failed = [f"{p['response']['url']} HTTP {p['response']['status']}"
                  for p in self.cdp.find_events("Network.responseReceived", self.sid, self.nav_mark)
                  if p["type"] != "Document" and p["response"]["status"] >= 400 and own(p["response"]["url"])]
        urls = {p["requestId"]: p["request"]["url"]
                for p in self.cdp.find_events("Network.requestWillBeSent", self.sid, self.nav_mark)}
        failed += [f"{urls.get(p['requestId'], '?')} {p.get('blockedReason') or p['errorText']}"
                   for p in self.cdp.find_events("Network.loadingFailed", self.sid, self.nav_mark)
                   if own(urls.get(p["requestId"], ""))]
        return failed

    def script_errors(self):
        return [p["exceptionDetails"].get("exception", {}).get("description") or p["exceptionDetails"]["text"]
                for p in self.cdp.find_events("Runtime.exceptionThrown", self.sid, self.nav_mark)]

    # -- script

    def js(self, expression, await_promise=False, user_gesture=False, timeout=STEP_TIMEOUT):
        res = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                             "awaitPromise": await_promise, "userGesture": user_gesture},
                        timeout=timeout)
        if "exceptionDetails" in res:
            d = res["exceptionDetails"]
            message = d.get("exception", {}).get("description") or d.get("text", "?")
            raise CheckFailed("script error: " + message.splitlines()[0])  # the message, not the stack
        return res["result"].get("value")

    def wait_for(self, expression, what, timeout=STEP_TIMEOUT):
        end = time.monotonic() + self.cdp.deadline.step(timeout)
        while True:
            value = self.js(expression)
            if value:
                return value
            if time.monotonic() >= end:
                raise Timeout(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(0.1)

    # -- input

    def click(self, element_js, what):
        """A real mouse click (move, press, release) at the centre of the element element_js
        evaluates to, after scrolling it into view. Fails if it is missing, has no size, or
        something else is on top of it. A visually hidden checkbox is clicked through its label."""
        spot = self.js(f"""(() => {{
            let el = {element_js};
            if (!el) return {{error: 'not found'}};
            let r = el.getBoundingClientRect();
            if ((r.width < 1 || r.height < 1) && el.labels && el.labels.length) el = el.labels[0];
            el.scrollIntoView({{block: 'center', inline: 'center', behavior: 'instant'}});
            r = el.getBoundingClientRect();
            if (r.width < 1 || r.height < 1) return {{error: 'has no size (hidden?)'}};
            const x = r.left + r.width / 2, y = r.top + r.height / 2;
            const hit = document.elementFromPoint(x, y);
            const mine = n => n && (n === el || el.contains(n) || [...(el.labels || [])].some(l => l.contains(n)));
            if (!mine(hit)) return {{error: `is covered at its centre by <${{hit ? hit.tagName.toLowerCase() : 'nothing'}}>`}};
            return {{x, y}};
        }})()""")
        if "error" in spot:
            raise CheckFailed(f"{what} {spot['error']}")
        base = {"x": spot["x"], "y": spot["y"]}
        self.send("Input.dispatchMouseEvent", {**base, "type": "mouseMoved"})
        self.send("Input.dispatchMouseEvent", {**base, "type": "mousePressed", "button": "left", "buttons": 1, "clickCount": 1})
        self.send("Input.dispatchMouseEvent", {**base, "type": "mouseReleased", "button": "left", "buttons": 0, "clickCount": 1})

    def press_enter(self):
        key = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "nativeVirtualKeyCode": 13}
        self.send("Input.dispatchKeyEvent", {**key, "type": "keyDown", "text": "\r", "unmodifiedText": "\r"})
        self.send("Input.dispatchKeyEvent", {**key, "type": "keyUp"})

    def screenshot(self, file):
        self.js("window.scrollTo(0, 0)")
        size = self.send("Page.getLayoutMetrics")["cssContentSize"]
        height = max(1, min(int(size["height"] + 0.999), MAX_SHOT_HEIGHT))
        shot = self.send("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": VIEWPORT["width"], "height": height, "scale": 1}})
        data = base64.b64decode(shot["data"])
        with open(file, "wb") as f:
            f.write(data)
        return data


# --------------------------------------------------------------------------
# Reporting


class Report:
    def __init__(self):
        self.count = 0
        self.failed = 0

    @contextlib.contextmanager
    def check(self, what):
        """One ok/FAIL line. The body may set note.text to add detail to the ok line."""
        self.count += 1
        note = Note()
        try:
            yield note  # once the overall deadline has passed, the body's first wait fails
        except (CheckFailed, Timeout, CDPError) as e:
            self.fail(what, str(e))
        except Exception as e:  # a surprise (a page shaped unlike the contract, a bug here): still one line
            self.fail(what, f"{type(e).__name__}: {e}")
        else:
            print(f"ok   {what}" + (f" ({one_line(note.text)})" if note.text else ""), flush=True)

    def not_run(self, what, why):
        self.count += 1
        self.fail(what, "not run: " + why)

    def fail(self, what, why):
        self.failed += 1
        print(f"FAIL {what}: {one_line(why)}", flush=True)


class Note:
    text = ""


def one_line(text):
    return " ".join(str(text).split("\n")).replace("\r", " ")


def expect(cond, why):
    if not cond:
        raise CheckFailed(why)


def short(items, n=5):
    items = list(items)
    return ", ".join(map(str, items[:n])) + (f" … and {len(items) - n} more" if len(items) > n else "")


# --------------------------------------------------------------------------
# Checks


def check_load(report, page, path, want=200):
    """1. The page loads (HTTP 200, or the error status asked for; a title; its CSS and script load)."""
    loaded = False
    with report.check(f"load {path}" if want == 200 else f"error page {path}") as note:
        status = page.goto(path, want)
        loaded = True  # the checks on the document can run, even if the rest here fails
        title = page.js("document.title")
        expect(title and title.strip(), "document.title is empty")
        failures = page.subresource_failures()
        expect(not failures, "subresources failed: " + short(failures))
        note.text = f"HTTP {status}, title {title.strip()!r}"
    return loaded


def check_csp(report, page, path, want=200):
    """1. The Content-Security-Policy header allows scripts only from 'self', never inline."""
    with report.check(f"csp {path}") as note:
        req = urllib.request.Request(page.url(path), headers={"Accept": "text/html"})
        try:
            with urllib.request.urlopen(req, timeout=page.cdp.deadline.step()) as res:
                status, csps = res.status, res.headers.get_all("Content-Security-Policy") or []
        except urllib.error.HTTPError as e:
            status, csps = e.code, e.headers.get_all("Content-Security-Policy") or []
        except (urllib.error.URLError, OSError) as e:
            raise CheckFailed(f"GET {path}: {getattr(e, 'reason', e)}") from None
        expect(status == want, f"GET answered HTTP {status}, not {want}")
        expect(csps, "no Content-Security-Policy header")
        csp = "; ".join(csps)
        directives = {d.split()[0].lower(): d.split()[1:] for d in csp.split(";") if d.split()}
        script_src = directives.get("script-src")
        expect(script_src is not None, f"no script-src directive in {csp!r}")
        expect("'self'" in script_src, f"script-src does not allow 'self': {csp!r}")
        expect("'unsafe-inline'" not in csp.lower(), f"'unsafe-inline' in {csp!r}")
        note.text = "script-src " + " ".join(script_src)


def check_inert_markup(report, page, path):
    """2. No inline script, no on* handler attributes, no javascript: URLs; and nothing the
    browser blocked under the CSP or threw while loading."""
    with report.check(f"no inline script {path}") as note:
        found = page.js("""(() => {
            const desc = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '');
            const bad = [];
            for (const s of document.scripts) {
                if (!s.hasAttribute('src')) bad.push('inline <script>: ' + JSON.stringify(s.textContent.slice(0, 60)));
                else if (new URL(s.src).origin !== location.origin) bad.push('cross-origin script ' + s.src);
            }
            for (const el of document.querySelectorAll('*'))
                for (const a of el.attributes) {
                    if (a.name.toLowerCase().startsWith('on')) bad.push(`${desc(el)} has ${a.name}=${JSON.stringify(a.value)}`);
                    if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(a.name.toLowerCase())) {
                        let proto = '';
                        try { proto = new URL(a.value, document.baseURI).protocol; } catch (e) {}
                        if (proto === 'javascript:') bad.push(`${desc(el)} has ${a.name}=${JSON.stringify(a.value)}`);
                    }
                }
            return {bad, scripts: [...document.scripts].map(s => s.getAttribute('src'))};
        })()""")
        expect(not found["bad"], short(found["bad"]))
        note.text = "scripts: " + (", ".join(found["scripts"]) or "none")
    with report.check(f"no CSP violation or script error {path}"):
        violations = page.js("window.__cspViolations || []")
        expect(not violations, "CSP blocked: " + short(violations))
        errors = page.script_errors()
        expect(not errors, "uncaught: " + short(errors))


REQUIRED = {
    "catalog": [
        'form#search[role="search"][action="/"]',
        'form#search input#q[type="search"][name="q"]',
        *[f'form#search input[type="checkbox"][name="filter"][value="{v}"]' for v in FILTERS],
        'form#search button#search-submit[type="submit"]',
        "table#servers tr.server a.server-link[href^='/servers/']",
        "p#count",
    ],
    "server": ["h1", "table#versions tr.version a.version-link[href^='/servers/']"],
    "version": [
        "section#image", "section#signer",
        "section#log-entry a#inclusion-proof[href^='/v0.1/log/proof/inclusion?']",
        "section#tools article.tool div.tool-description", "section#diff",
        *[f"section#profiles pre#profile-{f}" for f in PROFILES],
        *[f'section#profiles button.copy[type="button"][data-copy="profile-{f}"]' for f in PROFILES],
    ],
    "log": ["pre#checkpoint", "section#cosignatures"],
}
REQUIRED["poisoned"] = REQUIRED["version"]


def check_markup(report, page, kind, path):
    """The elements of the markup contract the other checks rely on are there."""
    with report.check(f"markup contract {path}"):
        selectors = ["main#main", 'link[rel="stylesheet"][href="/static/site.css"]',
                     'script[src="/static/copy.js"][defer]'] + REQUIRED[kind]
        missing = page.js(f"{json.dumps(selectors)}.filter(s => !document.querySelector(s))")
        expect(not missing, "missing: " + short(missing))
        method = page.js("document.querySelector('form#search')?.getAttribute('method')")
        expect(kind != "catalog" or (method or "").lower() == "get", f"search form method is {method!r}, not get")
        expect(kind != "log" or page.js("document.querySelector('#checkpoint').textContent.trim()"),
               "#checkpoint is empty")
        others = page.js("[...document.scripts].map(s => s.getAttribute('src') ?? 'an inline script')"
                         ".filter(s => s !== '/static/copy.js')")
        expect(not others, "scripts besides /static/copy.js: " + short(others))


ROWS_JS = """[...document.querySelectorAll('#servers tr.server')].map(r => ({
    name: (r.querySelector('a.server-link')?.textContent || '').trim(),
    badges: [...r.querySelectorAll('.badge')].flatMap(b =>
        [...b.classList].filter(c => c.startsWith('badge-')).map(c => c.slice(6)))}))"""


def check_search(report, page):
    """3. Typing into the search box and pressing Enter runs a GET search."""
    searched = False
    with report.check("search: type 'weather' into #q and press Enter") as note:
        page.goto("/")
        expect(page.js("!!document.querySelector('#q')"), "no #q on /")
        page.js("document.querySelector('#q').focus()")
        expect(page.js("document.activeElement && document.activeElement.id") == "q", "#q did not take focus")
        page.send("Input.insertText", {"text": "weather"})
        expect(page.js("document.querySelector('#q').value") == "weather", "typed text did not reach #q")
        status = page.navigation_by(page.press_enter, "pressing Enter in #q")
        expect(status == 200, f"results page answered HTTP {status}")
        searched = True
        search = page.js("location.search")
        expect("q=weather" in search, f"location.search is {search!r}, no q=weather")
        names = page.js("[...document.querySelectorAll('a.server-link')].map(a => a.textContent.trim())")
        expect(names, "no a.server-link in the results")
        other = [n for n in names if "weather" not in n]
        expect(not other, "results not matching 'weather': " + short(other))
        note.text = f"{search} -> {short(names)}"
    if not searched:
        return report.not_run("search: #count states the number of results", "the search did not run")
    with report.check("search: #count states the number of results") as note:
        rows = page.js("document.querySelectorAll('#servers tr.server').length")
        count = page.js("document.querySelector('#count')?.textContent.trim()")
        expect(count is not None, "no #count")
        expect(re.search(rf"(?<!\d){rows}(?!\d)", count), f"#count says {count!r} but {rows} rows are listed")
        note.text = repr(count)


# Badges the fixture's servers must show in the catalog (when listed at all).
BADGES = {WEATHER: ["verified", "network-none", "tools-changed"], "io.github.acme/old": ["yanked"],
          GONE: ["revoked"], UNSIGNED: ["unverified"]}


def check_badges(report, page):
    """The catalog rows carry the badges the fixture calls for."""
    with report.check("catalog badges match the fixture") as note:
        page.goto("/")
        rows = {r["name"]: r["badges"] for r in page.js(ROWS_JS)}
        for name in (WEATHER, UNSIGNED):
            expect(name in rows, f"{name} not listed on /")
        wrong = [f"{name} lacks badge-{b}" for name, want in BADGES.items() if name in rows
                 for b in want if b not in rows[name]]
        expect(not wrong, short(wrong))
        expect("unverified" not in rows[WEATHER], f"{WEATHER} is badged unverified")
        expect(GONE in rows and "verified" not in rows[GONE], f"{GONE} (revoked) is badged verified")
        note.text = "; ".join(f"{n}: {' '.join(b)}" for n, b in rows.items())


def filter_search(page, value):
    """Open the catalog, tick one filter box with a mouse click, submit with a click."""
    page.goto("/")
    box = f"document.querySelector('form#search input[type=checkbox][name=filter][value=\"{value}\"]')"
    expect(page.js(f"{box} && !{box}.checked"), f"filter box {value!r} missing or already ticked")
    page.click(box, f"filter box {value!r}")
    expect(page.js(f"{box}.checked"), f"clicking filter box {value!r} did not tick it")
    status = page.navigation_by(lambda: page.click("document.querySelector('#search-submit')", "#search-submit"),
                                "clicking #search-submit")
    expect(status == 200, f"results page answered HTTP {status}")
    search = page.js("location.search")
    expect(f"filter={value}" in search, f"location.search is {search!r}, no filter={value}")
    return page.js(ROWS_JS)


def check_filters(report, page):
    """4. The filter checkboxes narrow the catalog."""
    with report.check("filter network-none: every row has .badge-network-none") as note:
        rows = filter_search(page, "network-none")
        expect(rows, "no rows listed")
        bad = [r["name"] for r in rows if "network-none" not in r["badges"]]
        expect(not bad, "rows without the badge: " + short(bad))
        note.text = short(r["name"] for r in rows)
    with report.check(f"filter revoked: {GONE} is the only acme server listed") as note:
        rows = filter_search(page, "revoked")
        acme = [r["name"] for r in rows if r["name"].startswith("io.github.acme/")]
        expect(acme == [GONE], f"acme servers listed: {acme}")
        note.text = short(r["name"] for r in rows)
    with report.check(f"filter verified: {UNSIGNED} is not listed") as note:
        rows = filter_search(page, "verified")
        names = [r["name"] for r in rows]
        expect(names, "no rows listed")
        expect(UNSIGNED not in names, f"{UNSIGNED} is listed")
        expect(WEATHER in names, f"{WEATHER} is not listed")
        note.text = short(names)


def decoded_segments(path):
    return [urllib.parse.unquote(s) for s in path.split("/")]


def check_links(report, page):
    """5. Real clicks from the catalog to a server page and on to a version page."""
    with report.check(f"click through: catalog -> {WEATHER} -> 1.1.0") as note:
        page.goto("/")
        link = f"[...document.querySelectorAll('a.server-link')].find(a => a.textContent.trim() === {json.dumps(WEATHER)})"
        status = page.navigation_by(lambda: page.click(link, f"the {WEATHER} link"), f"clicking the {WEATHER} link")
        expect(status == 200, f"server page answered HTTP {status}")
        path = page.js("location.pathname")
        expect(decoded_segments(path) == ["", "servers", WEATHER],
               f"server page path is {path!r}, not /servers/ + the URL-encoded name")
        h1 = page.js("document.querySelector('h1')?.textContent.trim()")
        expect(h1 and WEATHER in h1, f"server page h1 is {h1!r}")
        link = ("[...document.querySelectorAll('a.version-link')].find(a => a.textContent.trim() === '1.1.0'"
                " || a.pathname.endsWith('/1.1.0'))")
        status = page.navigation_by(lambda: page.click(link, "the 1.1.0 version link"), "clicking the 1.1.0 link")
        expect(status == 200, f"version page answered HTTP {status}")
        path2 = page.js("location.pathname")
        expect(decoded_segments(path2) == ["", "servers", WEATHER, "1.1.0"], f"version page path is {path2!r}")
        h1b = page.js("document.querySelector('h1')?.textContent.trim()")
        expect(h1b and WEATHER in h1b, f"version page h1 is {h1b!r}")
        note.text = f"{path} h1 {h1!r}; {path2} h1 {h1b!r}"


RECORDER_JS = """(() => {
    window.__copied = [];
    const clip = navigator.clipboard;
    if (!clip) return;
    const write = clip.writeText.bind(clip);
    clip.writeText = text => { window.__copied.push(String(text)); return write(text).catch(() => undefined); };
})();"""


def check_copy(report, page, cdp):
    """6. The docker profile's Copy button puts the profile text on the clipboard."""
    path = server_path(WEATHER, "1.1.0")
    origin = page.base
    button = "document.querySelector('button.copy[data-copy=\"profile-docker\"]')"
    # The button's status: the next .copy-status sibling before another Copy button, else
    # the first .copy-status in the nearest ancestor that has one.
    status_js = f"""(() => {{
        const b = {button};
        let s = b.nextElementSibling;
        while (s && !s.matches('.copy-status') && !s.matches('button.copy')) s = s.nextElementSibling;
        if (!s || !s.matches('.copy-status')) {{
            let n = b.parentElement;
            while (n && !n.querySelector('.copy-status')) n = n.parentElement;
            s = n && n.querySelector('.copy-status');
        }}
        return s ? s.textContent.trim() : null;
    }})()"""

    def copy_once():
        page.goto(path)
        expect(page.js("window.isSecureContext"), f"{origin} is not a secure context: no clipboard API")
        page.wait_for(f"{button} && !{button}.hidden && {button}.getClientRects().length > 0",
                      "copy.js to un-hide the docker Copy button")
        expect(page.js(f"{status_js} !== null"), "no .copy-status next to the docker Copy button")
        page.click(button, "the docker Copy button")
        page.wait_for(f"({status_js} || '').includes('Copied')", "the copy status to say 'Copied'")
        return page.js("document.querySelector('#profile-docker').textContent")

    with report.check("copy: docker profile Copy button copies #profile-docker") as note:
        try:
            cdp.send("Browser.grantPermissions", {"origin": origin,
                                                  "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
        except CDPError as e:
            raise CheckFailed(f"{e} (the clipboard needs a secure context: is {origin} one?)") from None
        want = copy_once()
        expect(want, "#profile-docker is empty")
        try:
            got = page.js("navigator.clipboard.readText()", await_promise=True, user_gesture=True)
            why = None if got == want else f"clipboard holds {got!r}"
        except (CheckFailed, Timeout) as e:
            why = str(e)
        if why is None:
            note.text = f"clipboard.readText() matches, {len(want)} chars"
            return
        # Reading the clipboard back did not work here: record what copy.js writes instead.
        script = page.send("Page.addScriptToEvaluateOnNewDocument", {"source": RECORDER_JS})["identifier"]
        try:
            want = copy_once()
            copied = page.js("window.__copied")
        finally:
            page.send("Page.removeScriptToEvaluateOnNewDocument", {"identifier": script})
        expect(copied, "copy.js never called navigator.clipboard.writeText")
        expect(copied[-1] == want, f"copy.js wrote {copied[-1]!r}, #profile-docker holds {want!r}")
        note.text = f"via a writeText recorder, since readText failed: {why}; {len(want)} chars"


POISON_PARTS = ["<script>window.__pwned=1</script>", "<img src=x onerror=", "javascript:window.__pwned=3"]


def check_poisoned(report, page):
    """7. A tool description full of markup and hidden characters is shown as text."""
    path = server_path(POISONED, "1.0.0")
    loaded = False
    with report.check("poisoned tool: no script ran") as note:
        page.goto(path)
        loaded = True
        expect(page.js("typeof window.__pwned") == "undefined", f"window.__pwned = {page.js('window.__pwned')!r} after load")
        time.sleep(0.5)
        expect(page.js("typeof window.__pwned") == "undefined", f"window.__pwned = {page.js('window.__pwned')!r} 500 ms after load")
        note.text = "window.__pwned undefined after load and 500 ms later"
    if not loaded:
        for what in ("no img or a element in any .tool-description", "description shows the markup as text",
                     "hidden characters shown as .hidden-char, not raw"):
            report.not_run(f"poisoned tool: {what}", f"{path} did not load")
        return
    with report.check("poisoned tool: no img or a element in any .tool-description"):
        found = page.js("[...document.querySelectorAll('.tool-description img, .tool-description a')]"
                        ".map(e => e.outerHTML.slice(0, 80))")
        expect(not found, "found " + short(found))
    with report.check("poisoned tool: description shows the markup as text"):
        text = page.js("[...document.querySelectorAll('.tool-description')]"
                       ".map(d => d.textContent).find(t => t.includes('Reads a file.'))")
        expect(text is not None, "no .tool-description containing 'Reads a file.'")
        missing = [s for s in POISON_PARTS if s not in text]
        expect(not missing, f"textContent lacks {short(map(repr, missing))}: {text!r}")
    with report.check("poisoned tool: hidden characters shown as .hidden-char, not raw") as note:
        spans = page.js("[...document.querySelectorAll('.tool-description .hidden-char')]"
                        ".map(s => s.textContent + ' | ' + (s.getAttribute('title') || ''))")
        for code in ("U+200B", "U+202E"):
            expect(any(code in s.split(" | ")[0] for s in spans), f"no .hidden-char span whose text mentions {code} (spans: {spans})")
        text = page.js("[...document.querySelectorAll('.tool-description')].map(d => d.textContent).join('')")
        raw = [f"U+{ord(c):04X}" for c in "\u200b\u202e" if c in text]
        expect(not raw, f"raw {', '.join(raw)} in a .tool-description's textContent")
        note.text = short(spans)


def load_axe():
    """axe-core's source from $AXE_JS, or why there is none."""
    if not os.environ.get("AXE_JS"):
        return None, "no axe-core: set AXE_JS to the path of axe.min.js"
    try:
        with open(os.environ["AXE_JS"], encoding="utf-8") as f:
            return f.read(), None
    except OSError as e:
        return None, f"cannot read AXE_JS: {e}"


def check_axe(report, page, path, axe):
    """8. axe-core finds no serious or critical accessibility violation."""
    axe_source, why = axe
    with report.check(f"axe {path}") as note:
        expect(axe_source, why)
        page.goto(path)
        expect(page.js(axe_source + "\n;typeof axe") == "object", "axe-core did not load")
        violations = page.js("""axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({
            id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))})))""", await_promise=True)
        bad = [v for v in violations if v["impact"] in ("serious", "critical")]
        expect(not bad, "; ".join(f"{v['id']} ({v['impact']}) on {short(v['nodes'], 3)}" for v in bad))
        rest = [f"{v['id']} ({v['impact']})" for v in violations]
        note.text = "axe-core " + page.js("axe.version") + (", lesser: " + short(rest) if rest else ", no violations")


def png_size(data):
    expect(data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG")
    return struct.unpack(">II", data[16:24])


def check_screenshot(report, page, kind, path, shot_dir):
    """9. A full-page PNG (capped at 3000 px high) of the page."""
    file = os.path.join(shot_dir, f"{kind}.png")
    with report.check(f"screenshot {file}") as note:
        page.goto(path)
        data = page.screenshot(file)
        w, h = png_size(data)
        expect(w == VIEWPORT["width"] and 0 < h <= MAX_SHOT_HEIGHT, f"unexpected size {w}x{h}")
        note.text = f"{w}x{h}, {len(data) // 1024} KiB"


# --------------------------------------------------------------------------


def chromium_flags_for(base):
    """The Clipboard API exists only in secure contexts; plain http on a host other than
    localhost is not one, so say this origin is to be treated as secure."""
    u = urllib.parse.urlsplit(base)
    if u.scheme == "http" and u.hostname not in ("localhost", "127.0.0.1", "::1"):
        return [f"--unsafely-treat-insecure-origin-as-secure={base}"]
    return []


def on_alarm(signum, frame):
    raise Timeout(f"hard deadline: {OVERALL_TIMEOUT:.0f} s run limit exceeded")


def on_term(signum, frame):
    raise SystemExit(128 + signum)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    u = urllib.parse.urlsplit(sys.argv[1])
    if u.scheme not in ("http", "https") or not u.netloc:
        sys.exit(f"BASE_URL must be http(s)://host[:port], not {sys.argv[1]!r}")
    base = f"{u.scheme}://{u.netloc}"
    shot_dir = sys.argv[2]
    os.makedirs(shot_dir, exist_ok=True)
    axe = load_axe()

    started = time.monotonic()
    deadline = Deadline(OVERALL_TIMEOUT)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(OVERALL_TIMEOUT) + 10)  # backstop should a wait ever escape its timeout
    signal.signal(signal.SIGTERM, on_term)
    report = Report()
    cdp = None
    try:
        with report.check(f"server answers at {base}") as note:
            try:
                with urllib.request.urlopen(base + "/", timeout=deadline.step()) as res:
                    note.text = f"HTTP {res.status}"
            except urllib.error.HTTPError as e:
                note.text = f"HTTP {e.code}"  # answering at all is what counts here
            except (urllib.error.URLError, OSError) as e:
                raise CheckFailed(f"GET /: {getattr(e, 'reason', e)}") from None
        if report.failed:
            return 1
        page = version = None
        with report.check("start chromium") as note:
            cdp = CDP(deadline, chromium_flags_for(base))
            version = note.text = cdp.send("Browser.getVersion")["product"]
        if version:
            with report.check("open a tab"):
                page = Page(cdp, base)
        if page is None:
            return 1
        for kind, path, want in [(k, p, 200) for k, p in PAGES] + [(None, p, w) for p, w in EXTRA_PAGES]:
            loaded = check_load(report, page, path, want)
            check_csp(report, page, path, want)
            if not loaded:
                for what in ("markup contract", "no inline script", "no CSP violation or script error"):
                    if kind or what != "markup contract":
                        report.not_run(f"{what} {path}", "the page did not load")
                continue
            if kind:
                check_markup(report, page, kind, path)
            check_inert_markup(report, page, path)
        check_search(report, page)
        check_badges(report, page)
        check_filters(report, page)
        check_links(report, page)
        check_copy(report, page, cdp)
        check_poisoned(report, page)
        for kind, path in PAGES:
            check_axe(report, page, path, axe)
        for kind, path in PAGES:
            check_screenshot(report, page, kind, path, shot_dir)
    finally:
        signal.alarm(0)
        if cdp:
            cdp.close()
        print(f"browser.py: {report.count} checks, {report.failed} failed, "
              f"{time.monotonic() - started:.1f} s", file=sys.stderr)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
