"""A small Chrome DevTools Protocol client: one long-lived headless Chromium that prints HTML to PDF
and drives a page for browser checks.

    from benchmarks.chromium import ChromiumPrinter, chromium_available

    with ChromiumPrinter() as chrome:            # starts ONE browser, opens ONE page
        chrome.print_pdf(html, Path("a.pdf"))     # as many times as you like
        chrome.navigate(Path("index.html").as_uri())
        chrome.fill("#school-search", "huerta")   # set the value, dispatch an 'input' event
        chrome.click("th button[data-key=name]")  # a real mouse click at the element's centre
        chrome.evaluate("document.title")
    # leaving the block (or close()) kills the browser and removes its temporary profile

How it works
------------
* The browser is Debian's ``chromium`` started as
  ``chromium --headless --no-sandbox --disable-gpu --disable-background-networking
  --disable-component-update --disable-sync --no-first-run --remote-debugging-port=0
  --user-data-dir=<fresh temporary profile>``; port 0 lets Chromium pick a free port, which it
  writes (with the browser's WebSocket path) to ``<profile>/DevToolsActivePort``. The process is
  the leader of its own process group, so :meth:`ChromiumPrinter.close` can end it and every
  helper process it forked, and nothing else.
* One WebSocket (``websocket-client``) to the browser endpoint carries everything: the page is a
  target created with ``Target.createTarget`` and attached with ``flatten=True``, so page commands
  are browser-socket messages with a ``sessionId``. The client is synchronous: :meth:`send` writes
  a command and reads messages until its answer arrives; the events read on the way are kept,
  in order, in :attr:`ChromiumPrinter.events` (dicts with ``method``, ``params``, ``sessionId``).
* :meth:`print_pdf` writes the HTML to a temporary file, navigates the page to its ``file://``
  URL, waits for the ``load`` lifecycle event of that navigation and for ``document.fonts.ready``,
  then calls ``Page.printToPDF`` with ``preferCSSPageSize`` and ``printBackground`` (so the
  stylesheet's ``@page { size: letter }`` and its backgrounds rule) and writes the PDF
  atomically (temporary file beside the target, then rename).
* :meth:`monitor` turns on the ``Runtime``, ``Log`` and ``Network`` domains, after which console
  calls (``Runtime.consoleAPICalled``), browser log entries (``Log.entryAdded``), uncaught
  exceptions (``Runtime.exceptionThrown``) and requests (``Network.requestWillBeSent``) show up
  in :attr:`events`; :meth:`console_problems` and :meth:`requested_urls` read them.

Benchmark (one browser, the sample scorecard's self-contained web page printed ``copies`` times)::

    python -m benchmarks.chromium [copies] [lang]

Only the local machine is involved: the DevTools port listens on 127.0.0.1 and the client never
goes through a proxy.

Over 400 lines because it is one protocol client (:class:`ChromiumPrinter`, what
``tests/test_chromium.py`` drives to check the index page in a real browser) and the short
benchmark that prints through it; the client's parts (start, socket, events, page actions) only
make sense together.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import weakref
from pathlib import Path
from typing import Any, Callable

from pipeline.outputs import write_atomic

CHROMIUM_NAMES = ("chromium", "chromium-browser")
INSTALL_HINT = "install it with `apt-get install chromium` (Debian/Ubuntu)"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--remote-debugging-port=0",
)


class ChromiumError(RuntimeError):
    """The browser could not be started, died, or answered a command with an error."""


class ChromiumNotFoundError(ChromiumError):
    """No Chromium executable on this machine."""


class JavaScriptError(ChromiumError):
    """An expression given to :meth:`ChromiumPrinter.evaluate` threw."""


def find_chromium() -> str | None:
    """Path of the Chromium executable (``chromium`` or ``chromium-browser`` on ``PATH``), or None."""
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def chromium_available() -> bool:
    """True when a Chromium executable is on ``PATH`` (it is not started to check)."""
    return find_chromium() is not None


def _end_browser(proc: subprocess.Popen, root: str) -> None:
    """Kill the browser's process group (the group it leads, nothing else), then remove ``root``."""
    # Also when the leader has exited: helper processes of its group may still be there.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    deadline = time.monotonic() + 5  # until the group's last process is gone
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except (ProcessLookupError, PermissionError):
            break
        time.sleep(0.05)
    # A helper process may still be writing into the profile for a moment: try a few times.
    for _ in range(10):
        shutil.rmtree(root, ignore_errors=True)
        if not os.path.exists(root):
            break
        time.sleep(0.1)


class ChromiumPrinter:
    """One headless Chromium with one page, driven over the DevTools protocol.

    ``executable`` defaults to :func:`find_chromium`; ``timeout`` (seconds) bounds every
    command and every wait; ``startup_timeout`` bounds the browser's start. Raises
    :class:`ChromiumNotFoundError` (saying ``apt-get install chromium``) when there is no
    Chromium, and :class:`ChromiumError` when it does not start.

    Use it as a context manager, or call :meth:`close` yourself. Not thread-safe: one caller
    at a time.
    """

    def __init__(self, executable: str | os.PathLike | None = None, *, timeout: float = 60.0,
                 startup_timeout: float = 30.0, extra_args: tuple[str, ...] = ()):
        exe = str(executable) if executable else find_chromium()
        if not exe or not shutil.which(exe):
            raise ChromiumNotFoundError(f"Chromium was not found ({exe or 'no chromium on PATH'}): "
                                        f"{INSTALL_HINT}")
        try:
            import websocket  # websocket-client, from the project's `test` extra
        except ImportError as exc:  # pragma: no cover - the test extra installs it
            raise ChromiumError("the DevTools client needs websocket-client: "
                                "pip install -e '.[test]'") from exc
        self.timeout = timeout
        self.events: list[dict] = []
        self._ids = itertools.count(1)
        self._pages = itertools.count(1)
        self._session: str | None = None
        self._ws = None
        self._closed = False
        self._root = tempfile.mkdtemp(prefix="scorecards-chromium-")
        self._profile = Path(self._root, "profile")
        self._workdir = Path(self._root, "pages")
        self._profile.mkdir()
        self._workdir.mkdir()
        self._log_path = Path(self._root, "chromium.log")
        try:
            with open(self._log_path, "wb") as log:
                self._proc = subprocess.Popen(
                    [exe, *CHROMIUM_FLAGS, f"--user-data-dir={self._profile}", *extra_args,
                     "about:blank"],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True)  # its own process group: close() ends exactly that
        except OSError as exc:
            shutil.rmtree(self._root, ignore_errors=True)
            raise ChromiumNotFoundError(f"cannot run {exe}: {exc}; {INSTALL_HINT}") from exc
        self._finalizer = weakref.finalize(self, _end_browser, self._proc, self._root)
        try:
            port, path = self._wait_for_port(startup_timeout)
            self._ws = websocket.create_connection(
                f"ws://127.0.0.1:{port}{path}", timeout=timeout, suppress_origin=True,
                http_no_proxy=["127.0.0.1", "localhost"], enable_multithread=False)
            self._open_page()
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------------ life cycle

    def __enter__(self) -> ChromiumPrinter:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @property
    def pid(self) -> int:
        """Process id of the browser (also its process-group id)."""
        return self._proc.pid

    def close(self) -> None:
        """Close the browser (politely, then by killing its process group) and remove the profile.

        Safe to call more than once.
        """
        if self._closed:
            return
        self._closed = True
        if self._ws is not None:
            try:
                self._ws.send(json.dumps({"id": next(self._ids), "method": "Browser.close"}))
                self._proc.wait(timeout=3)
            except Exception:  # noqa: BLE001 - the kill below ends it anyway
                pass
            try:
                self._ws.close()
            except Exception:  # noqa: BLE001
                pass
        self._finalizer()  # kill the process group, remove profile and pages

    def _wait_for_port(self, timeout: float) -> tuple[int, str]:
        """Read ``<profile>/DevToolsActivePort``: the port on its first line, the path on its second."""
        marker = self._profile / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise ChromiumError(f"Chromium exited with status {self._proc.returncode} while "
                                    f"starting:\n{self.log_tail()}")
            try:
                lines = marker.read_text(encoding="utf-8").split()
            except FileNotFoundError:
                lines = []
            if len(lines) >= 2 and lines[0].isdigit():
                return int(lines[0]), lines[1]
            time.sleep(0.05)
        raise ChromiumError(f"Chromium did not open its DevTools port within {timeout:.0f} s:\n"
                            f"{self.log_tail()}")

    def log_tail(self, lines: int = 20) -> str:
        """The last lines Chromium wrote to stdout/stderr (for error messages)."""
        try:
            text = self._log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def _open_page(self) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = self.send("Target.attachToTarget",
                             {"targetId": target["targetId"], "flatten": True}, session=False)
        self._session = attached["sessionId"]
        self.send("Page.enable")
        self.send("Page.setLifecycleEventsEnabled", {"enabled": True})

    # ------------------------------------------------------------------ protocol

    def send(self, method: str, params: dict | None = None, *, session: bool = True,
             timeout: float | None = None) -> dict:
        """Send one DevTools command (to the page, or to the browser with ``session=False``) and
        return its ``result``; events read while waiting are appended to :attr:`events`."""
        if self._closed or self._ws is None:
            raise ChromiumError("the browser is closed")
        message: dict[str, Any] = {"id": next(self._ids), "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self._session
        self._ws.send(json.dumps(message))
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            reply = self._receive(deadline, method)
            if reply.get("id") == message["id"]:
                if "error" in reply:
                    error = reply["error"]
                    raise ChromiumError(f"{method} failed: {error.get('message')} "
                                        f"{error.get('data', '')}".rstrip())
                return reply.get("result", {})

    def _receive(self, deadline: float, waiting_for: str) -> dict:
        """Read one message; keep it in :attr:`events` when it is an event."""
        import websocket

        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ChromiumError(f"timed out waiting for {waiting_for}")
        self._ws.settimeout(remaining)
        try:
            raw = self._ws.recv()
        except websocket.WebSocketTimeoutException as exc:
            raise ChromiumError(f"timed out waiting for {waiting_for}") from exc
        except (websocket.WebSocketException, OSError) as exc:
            status = self._proc.poll()
            state = "running" if status is None else f"exited with {status}"
            raise ChromiumError(f"lost the DevTools connection while waiting for {waiting_for} "
                                f"(browser {state}):\n{self.log_tail()}") from exc
        message = json.loads(raw)
        if "method" in message:
            self.events.append(message)
        return message

    def wait_for_event(self, method: str, predicate: Callable[[dict], bool] | None = None, *,
                       since: int = 0, timeout: float | None = None) -> dict:
        """The first event ``method`` (whose ``params`` satisfy ``predicate``) at or after index
        ``since`` of :attr:`events`, reading more messages until it arrives."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        index = since
        while True:
            while index < len(self.events):
                event = self.events[index]
                index += 1
                if event.get("method") == method and (
                        predicate is None or predicate(event.get("params", {}))):
                    return event
            self._receive(deadline, method)

    def drain_events(self, seconds: float = 0.2) -> None:
        """Read whatever events arrive within ``seconds`` (e.g. console messages of a timer)."""
        deadline = time.monotonic() + seconds
        try:
            while True:
                self._receive(deadline, "events")
        except ChromiumError as exc:
            if "timed out" not in str(exc):
                raise

    # ------------------------------------------------------------------ the page

    def navigate(self, url: str) -> None:
        """Open ``url`` in the page and wait for its ``load`` event and its web fonts."""
        start = len(self.events)
        result = self.send("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise ChromiumError(f"cannot open {url}: {result['errorText']}")
        loader = result.get("loaderId")
        self.wait_for_event(
            "Page.lifecycleEvent",
            lambda p: p.get("name") == "load" and (loader is None or p.get("loaderId") == loader),
            since=start)
        self.evaluate("document.fonts.ready.then(() => document.fonts.status)", await_promise=True)

    def evaluate(self, expression: str, *, await_promise: bool = False) -> Any:
        """Evaluate a JavaScript expression in the page and return its value (JSON-serialisable
        results only; ``undefined`` gives None). Raises :class:`JavaScriptError` when it throws."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": await_promise, "userGesture": True})
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = (details.get("exception") or {}).get("description") or details.get("text")
            raise JavaScriptError(f"{text} (in: {expression[:200]})")
        return result.get("result", {}).get("value")

    def fill(self, selector: str, value: str) -> None:
        """Focus the first element matching ``selector``, set its value and dispatch a bubbling
        ``input`` event, as typing would."""
        found = self.evaluate(f"""(() => {{
            const el = document.querySelector({json.dumps(selector)});
            if (!el) return false;
            el.focus();
            el.value = {json.dumps(value)};
            el.dispatchEvent(new Event("input", {{bubbles: true}}));
            return true;
        }})()""")
        if not found:
            raise LookupError(f"no element matches {selector!r}")

    def click(self, selector: str, *, navigates: bool = False) -> None:
        """Click the first element matching ``selector`` with the mouse
        (``Input.dispatchMouseEvent`` at the centre of its first box, after scrolling it into
        view). Raises :class:`LookupError` when nothing matches and :class:`ChromiumError` when
        the element is not displayed or another element covers that point.

        ``navigates=True`` (a link): wait for the page it opens to load, as :meth:`navigate` does."""
        start = len(self.events)
        where = self.evaluate(f"""(() => {{
            const el = document.querySelector({json.dumps(selector)});
            if (!el) return null;
            el.scrollIntoView({{block: "center", inline: "center"}});
            // the first box: a link that wraps has one per line, and their union's centre
            // may fall between them
            const r = Array.from(el.getClientRects()).find(b => b.width > 0 && b.height > 0)
                      || el.getBoundingClientRect();
            const x = r.left + r.width / 2, y = r.top + r.height / 2;
            const hit = document.elementFromPoint(x, y);
            return {{x: x, y: y, visible: r.width > 0 && r.height > 0,
                     hit: !!hit && (hit === el || el.contains(hit)),
                     covering: hit ? hit.outerHTML.slice(0, 120) : null}};
        }})()""")
        if where is None:
            raise LookupError(f"no element matches {selector!r}")
        if not where["visible"] or not where["hit"]:
            raise ChromiumError(f"cannot click {selector!r}: "
                                + ("it is not displayed" if not where["visible"]
                                   else f"covered by {where['covering']}"))
        x, y = where["x"], where["y"]
        self.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent",
                      {"type": kind, "x": x, "y": y, "button": "left", "buttons": 1, "clickCount": 1})
        if navigates:
            committed = self.wait_for_event("Page.frameNavigated",
                                            lambda p: "parentId" not in p.get("frame", {}), since=start)
            loader = committed["params"]["frame"].get("loaderId")
            self.wait_for_event("Page.lifecycleEvent",
                                lambda p: p.get("name") == "load" and p.get("loaderId") == loader,
                                since=start)
            self.evaluate("document.fonts.ready.then(() => document.fonts.status)", await_promise=True)

    def monitor(self) -> None:
        """Report console calls, log entries, uncaught exceptions and requests in :attr:`events`
        (enables the ``Runtime``, ``Log`` and ``Network`` domains of the page)."""
        for domain in ("Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")

    def console_problems(self) -> list[str]:
        """Errors seen since :meth:`monitor`: ``console.error``/``console.assert`` calls, log
        entries of level error, and uncaught exceptions, one line each."""
        problems = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                args = " ".join(str(a.get("value", a.get("description", "")))
                                for a in params.get("args", []))
                problems.append(f"console.{params['type']}: {args}")
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                entry = params["entry"]
                problems.append(f"log ({entry.get('source')}): {entry.get('text')} "
                                f"{entry.get('url', '')}".rstrip())
            elif method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                text = (details.get("exception") or {}).get("description") or details.get("text")
                problems.append(f"uncaught exception: {text}")
        return problems

    def requested_urls(self) -> list[str]:
        """Every URL the page requested since :meth:`monitor` (``Network.requestWillBeSent``)."""
        return [e["params"]["request"]["url"] for e in self.events
                if e.get("method") == "Network.requestWillBeSent"]

    # ------------------------------------------------------------------ printing

    def print_pdf(self, html: str, out: Path | str, **options: Any) -> Path:
        """Print ``html`` to the PDF ``out`` and return ``out``.

        The HTML is loaded from a temporary ``file://`` page (relative URLs resolve against that
        temporary folder, so the HTML should be self-contained, as the web-page scorecards are).
        ``Page.printToPDF`` runs with ``preferCSSPageSize=True`` and ``printBackground=True``;
        ``options`` adds or overrides its parameters. The file is written atomically. Events
        buffered before the call are discarded.
        """
        out = Path(out)
        self.events.clear()
        page = self._workdir / f"page-{next(self._pages)}.html"
        page.write_text(html, encoding="utf-8")
        try:
            self.navigate(page.as_uri())
            params = {"preferCSSPageSize": True, "printBackground": True, **options}
            data = self.send("Page.printToPDF", params)["data"]
        finally:
            page.unlink(missing_ok=True)
        self.events.clear()
        return write_atomic(out, base64.b64decode(data))


# ---------------------------------------------------------------------- benchmark

def _group_cpu_seconds(pgid: int) -> float | None:
    """User+system CPU time of every live process in process group ``pgid`` (Linux /proc), or None."""
    if not os.path.isdir("/proc/self"):
        return None
    ticks = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the name: state ppid pgrp ... utime(11) stime(12)
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> int:
    """Print the sample scorecard ``copies`` times (default 40) through one browser; report
    milliseconds per PDF and the page count and size of the results."""
    import statistics
    import sys

    from pypdf import PdfReader

    from pipeline.render.html import render_scorecard_html
    from pipeline.render.sample import sample_model

    args = list(sys.argv[1:] if argv is None else argv)
    copies = int(args[0]) if args else 40
    lang = args[1] if len(args) > 1 else "en"
    # The self-contained web page: its inline stylesheet carries @page (Letter) and the print
    # rules. The PDF variant (css_inline=False) has no stylesheet at all in a browser.
    html = render_scorecard_html(sample_model(lang), css_inline=True)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        with ChromiumPrinter() as chrome:
            started = time.perf_counter()
            cpu_start, own_start = _group_cpu_seconds(chrome.pid), time.process_time()
            times, paths = [], []
            for i in range(copies):
                t = time.perf_counter()
                paths.append(chrome.print_pdf(html, Path(tmp, f"{i}.pdf")))
                times.append((time.perf_counter() - t) * 1000)
            cpu_end, own_end = _group_cpu_seconds(chrome.pid), time.process_time()
        total = time.perf_counter() - t0
        pages, sizes = set(), set()
        for path in paths:
            reader = PdfReader(path)
            pages.add(len(reader.pages))
            sizes.update((round(float(p.mediabox.width)), round(float(p.mediabox.height)))
                         for p in reader.pages)
    print(f"chromium: {copies} PDFs ({lang}) through one browser; "
          f"start-up {(started - t0) * 1000:.0f} ms")
    print(f"pages per PDF: {sorted(pages)}, page sizes (pt): {sorted(sizes)}")
    print(f"first PDF {times[0]:.1f} ms; all: mean {statistics.mean(times):.1f} ms/PDF, "
          f"median {statistics.median(times):.1f}, min {min(times):.1f}, max {max(times):.1f}")
    if copies > 1:
        print(f"after the first: mean {statistics.mean(times[1:]):.1f} ms/PDF")
    print(f"wall incl. start-up and close: {total * 1000 / copies:.1f} ms/PDF")
    if cpu_start is not None and cpu_end is not None:  # steadier than wall time on a busy machine
        print(f"CPU: Chromium's processes {(cpu_end - cpu_start) * 1000 / copies:.1f} ms/PDF, "
              f"this Python client {(own_end - own_start) * 1000 / copies:.1f} ms/PDF")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
