"""HTML mode: extract the main text and metadata of a page; the article engine then cleans it.

:func:`extract_html` is what ``Cleaner(mode="html")`` (or ``mode="auto"`` on markup) calls.

Decoding (``bytes`` input)
    A byte-order mark wins, then the charset the page declares in its first 8 KiB
    (``<meta charset>`` or ``<meta http-equiv="Content-Type" content="…; charset=…">``), mapped the
    way browsers map labels (``iso-8859-1``/``ascii`` → ``windows-1252``, ``gb2312`` → ``gb18030``,
    …). Without a declaration the page is read as UTF-8. Bytes that do not decode become U+FFFD.
    ``metadata["encoding"]`` names the codec used, ``metadata["encoding_source"]`` says why
    (``bom``, ``meta`` or ``default``) and ``metadata["decode_errors"] = "replaced"`` is set when
    replacement happened (also when a declared charset is unknown: UTF-8 is used and
    ``metadata["encoding_declared"]`` keeps the label).

Extractors
    ``trafilatura`` (default): ``bare_extraction`` with metadata and :data:`TRAFILATURA_OPTIONS`,
    chosen by measurement on the two development sets (F1 after dechaff cleaning, scrapinghub /
    wcxb-dev; ``benchmarks/quality.py``): comments off (0.959 → 0.963 / 0.929 → 0.935: comment
    blocks are not article text); tables kept (off: 0.960 / 0.928); neither ``favor_precision``
    (0.966 / 0.921: it empties 12 wcxb-dev pages) nor ``favor_recall`` (with the post-pass below
    0.9698 / 0.936 against 0.9703 / 0.935 without); :data:`PRUNE_XPATH` drops figure captions and
    asides before extraction (neutral on both sets, ±0.001: trafilatura mostly drops them too,
    kept as the documented place for such rules).
    ``resiliparse`` (``pip install dechaff[fast]``): resiliparse's main-content plain text with
    comments, alt texts and post meta off and :data:`RESILIPARSE_SKIP` skipped (0.898 → 0.943
    before cleaning on scrapinghub); an order of magnitude faster than trafilatura.

Post-pass (what the markup says that plain text loses)
    Both extractors drop leading lines that repeat the page title or an ``<h1>`` (the headline
    is metadata). For trafilatura two more passes use the page: short lines among the first
    three that carry the page's date or author (datelines, bylines), and lines whose whole text
    is the text of one link when they are a run of two or more (related-link lists), all caps
    (inline promos such as "CLICK HERE TO GET THE APP"), or the first or last line. Together
    +0.007 F1 on scrapinghub, +0.001 on wcxb-dev.

Metadata
    ``title``, ``author``, ``date``, ``site_name``, ``url`` when found (trafilatura's metadata
    extraction; for resiliparse the ``<title>``, ``og:*``, ``author``, ``article:published_time``
    and canonical-link tags), ``extractor``, and the decoding fields above.

Failure and timeout
    A page the extractor cannot handle gives empty text and ``metadata["error"]`` with the
    reason: ``"timeout after 30s"``, ``"no main text found"``, ``"extractor failed: <error>"``,
    ``"extractor process died (exit code N)"``. Nothing is raised for a bad page; a missing
    extractor package raises :class:`~dechaff.errors.OptionError`.

    With a ``timeout``, trafilatura runs in a persistent worker process (``python -m
    dechaff.html``, started on first use, one per parent process) and the worker is killed and
    replaced when a page overruns. A thread cannot stop trafilatura and ``signal.alarm`` neither
    interrupts long native calls (lxml) nor works outside the main thread, so a process is the
    only bound that always holds. The cost is one pickle round trip per page (+4.5 % of
    trafilatura's time per page on scrapinghub in ``benchmarks/quality.py``, 2 jobs on 2 cores)
    and a respawn (about a second) after each timeout. Calls from several threads share the
    worker one at a time.
    ``timeout=None`` runs trafilatura in the calling process with no bound. resiliparse always
    runs in the calling process: its extraction is linear-time native code, and a round trip
    would cost a large share of its time per page.
"""

from __future__ import annotations

import atexit
import codecs
import os
import pickle
import queue
import re
import struct
import subprocess
import sys
import threading
from typing import Any, BinaryIO, Optional

from .errors import OptionError

__all__ = ["PRUNE_XPATH", "RESILIPARSE_SKIP", "TRAFILATURA_OPTIONS", "decode_html", "extract_html"]

#: Elements removed before trafilatura extracts (captions, asides, share and related widgets).
PRUNE_XPATH: list[str] = [
    "//figcaption",
    "//aside",
]

#: Keyword options passed to ``trafilatura.bare_extraction``.
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "include_comments": False,
    "include_tables": True,
    "favor_recall": False,
    "favor_precision": False,
}

#: CSS selectors resiliparse skips (besides its own main-content heuristics).
RESILIPARSE_SKIP: list[str] = [
    "figcaption",
    "aside",
    "h1",
]

DROP_LINK_LINES = True
DROP_META_LINES = True
META_LINE_MAX_WORDS = 12
LINK_LINE_MIN_WORDS = 1

Metadata = dict[str, Any]

# ---------------------------------------------------------------------------------------------
# Decoding

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_:.+\-]+)", re.IGNORECASE)
# WHATWG Encoding Standard: labels whose browser meaning differs from Python's codec of that name.
_HTML5_LABELS = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "latin5": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "big5": "big5hkscs",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "x-user-defined": "cp1252",
    # A meta tag cannot declare UTF-16 (it could not have been read): browsers use UTF-8.
    "utf-16": "utf-8",
    "utf-16le": "utf-8",
    "utf-16be": "utf-8",
    "unicode": "utf-8",
}


def _codec_for(label: str) -> Optional[str]:
    label = label.strip().lower()
    name = _HTML5_LABELS.get(label, label)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_html(raw: bytes) -> tuple[str, Metadata]:
    """Decode an HTML page: BOM, then the declared charset, else UTF-8; ``(text, metadata)``."""
    meta: Metadata = {}
    codec: Optional[str] = None
    for bom, name in _BOMS:
        if raw.startswith(bom):
            raw = raw[len(bom) :]
            codec = name
            meta["encoding_source"] = "bom"
            break
    if codec is None:
        m = _META_CHARSET.search(raw[:8192])
        if m:
            label = m.group(1).decode("ascii", "replace")
            codec = _codec_for(label)
            if codec is None:
                meta["encoding_declared"] = label
            else:
                meta["encoding_source"] = "meta"
    if codec is None:
        codec = "utf-8"
        meta.setdefault("encoding_source", "default")
    meta["encoding"] = codec
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError:
        text = raw.decode(codec, "replace")
        meta["decode_errors"] = "replaced"
    if "encoding_declared" in meta:
        meta["decode_errors"] = "replaced" if "\ufffd" in text else "unknown charset"
    return text, meta


# ---------------------------------------------------------------------------------------------
# Post-pass shared by the extractors: the headline is metadata, not article text.

_WORD = re.compile(r"\w+")


def _words(s: str) -> list[str]:
    return _WORD.findall(s.casefold())


def _is_title_line(line: str, titles: list[list[str]]) -> bool:
    w = _words(line)
    if not w:
        return False
    for t in titles:
        if not t:
            continue
        if w == t:
            return True
        # "Headline | Site" titles: the line is the headline part (most of the title).
        if len(w) >= 3 and t[: len(w)] == w and len(w) >= 0.5 * len(t):
            return True
    return False


def drop_title_lines(text: str, titles: list[str], *, head: int = 3) -> str:
    """Remove lines among the first ``head`` non-empty lines that repeat one of ``titles``."""
    tw = [_words(t) for t in titles if t]
    if not tw or not text:
        return text
    lines = text.split("\n")
    seen = 0
    keep: list[str] = []
    for i, line in enumerate(lines):
        if seen >= head:
            keep.extend(lines[i:])
            break
        if line.strip():
            seen += 1
            if _is_title_line(line, tw):
                continue
        keep.append(line)
    return "\n".join(keep).lstrip("\n")


# ---------------------------------------------------------------------------------------------
# Extractors (run in this process or in the worker)


def _trafilatura(html: str, url: Optional[str] = None) -> tuple[str, Metadata]:
    try:
        import trafilatura
        from trafilatura.utils import load_html
    except ImportError as e:  # pragma: no cover - trafilatura is a dependency
        raise OptionError("extractor='trafilatura' needs trafilatura: pip install trafilatura") from e
    meta: Metadata = {"extractor": "trafilatura"}
    try:
        tree = load_html(html)
        if tree is None:
            meta["error"] = "no main text found"
            return "", meta
        headings = [" ".join(h.itertext()) for h in tree.iter("h1")][:2]
        anchors = _anchor_texts(tree) if DROP_LINK_LINES else set()
        doc = trafilatura.bare_extraction(
            tree, url=url, with_metadata=True, prune_xpath=PRUNE_XPATH or None, **TRAFILATURA_OPTIONS
        )
    except RecursionError:
        meta["error"] = "extractor failed: page nested too deeply"
        return "", meta
    except Exception as e:
        meta["error"] = f"extractor failed: {type(e).__name__}: {e}"
        return "", meta
    if doc is None:
        meta["error"] = "no main text found"
        return "", meta
    for key, attr in (
        ("title", "title"),
        ("author", "author"),
        ("date", "date"),
        ("site_name", "sitename"),
        ("url", "url"),
    ):
        value = getattr(doc, attr, None)
        if value:
            meta[key] = value
    text = str(getattr(doc, "text", "") or "")
    drop = [t for t in (meta.get("title"), *headings) if t]
    text = drop_title_lines(text, drop)
    if DROP_META_LINES:
        text = drop_meta_lines(text, meta.get("date"), meta.get("author"))
    if anchors:
        text = drop_link_lines(text, anchors)
    if not text.strip():
        meta["error"] = "no main text found"
    return text, meta


_YMD = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def drop_meta_lines(text: str, date: Optional[str], author: Optional[str], *, head: int = 3) -> str:
    """Remove short lines among the first ``head`` that carry the page's date or author (datelines
    and bylines, which the metadata holds)."""
    marks: list[set[str]] = []
    m = _YMD.match(date or "")
    if m:
        marks.append({m.group(1), str(int(m.group(3)))})
    for name in (author or "").split(";"):
        w = set(_words(name))
        if w:
            marks.append(w)
    if not marks or not text:
        return text
    lines = text.split("\n")
    out: list[str] = []
    seen = 0
    for i, line in enumerate(lines):
        if seen >= head:
            out.extend(lines[i:])
            break
        if line.strip():
            seen += 1
            lw = _words(line)
            ws = set(lw) | {x.lstrip("0") for x in lw if x.isdigit()}
            if len(lw) <= META_LINE_MAX_WORDS and any(mk <= ws for mk in marks):
                continue
        out.append(line)
    return "\n".join(out).lstrip("\n")


def _anchor_texts(tree: Any) -> set[tuple[str, ...]]:
    out: set[tuple[str, ...]] = set()
    for a in tree.iter("a"):
        w = _words(" ".join(a.itertext()))
        if len(w) >= LINK_LINE_MIN_WORDS:
            out.add(tuple(w))
    return out


def drop_link_lines(text: str, anchors: set[tuple[str, ...]]) -> str:
    """Remove lines whose whole text is the text of one link, when they look like teasers: a run
    of two or more such lines (a related-links list), an all-caps line (an inline promo), the
    first line or the last line. Lines that are a URL stay (link lists in the body often show the address)."""
    lines = text.split("\n")
    flags = []
    for line in lines:
        w = tuple(_words(line))
        flags.append(bool(w) and w in anchors and "://" not in line and not line.lstrip().startswith("www."))
    nonempty = [i for i, line in enumerate(lines) if line.strip()]
    pos = {i: k for k, i in enumerate(nonempty)}
    drop = set()
    for k, i in enumerate(nonempty):
        if not flags[i]:
            continue
        prev_link = k > 0 and flags[nonempty[k - 1]]
        next_link = k + 1 < len(nonempty) and flags[nonempty[k + 1]]
        line = lines[i]
        if (
            prev_link
            or next_link
            or pos[i] == 0
            or k == len(nonempty) - 1
            or (line.upper() == line and line.lower() != line)
        ):
            drop.add(i)
    return "\n".join(line for i, line in enumerate(lines) if i not in drop)


def _resiliparse(html: str, url: Optional[str] = None) -> tuple[str, Metadata]:
    try:
        from resiliparse.extract.html2text import extract_plain_text
        from resiliparse.parse.html import HTMLTree
    except ImportError as e:
        raise OptionError("extractor='resiliparse' needs resiliparse: pip install 'dechaff[fast]'") from e
    meta: Metadata = {"extractor": "resiliparse"}
    try:
        tree = HTMLTree.parse(html)
        meta.update(_resiliparse_meta(tree))
        titles = [t for t in (meta.get("title"), meta.pop("_h1", None)) if t]
        text = extract_plain_text(
            tree,
            preserve_formatting=True,
            main_content=True,
            list_bullets=True,
            alt_texts=False,
            comments=False,
            post_meta=False,
            skip_elements=RESILIPARSE_SKIP or None,
        )
    except Exception as e:
        meta["error"] = f"extractor failed: {type(e).__name__}: {e}"
        return "", meta
    if url and "url" not in meta:
        meta["url"] = url
    text = drop_title_lines(text, titles)
    if not text.strip():
        meta["error"] = "no main text found"
    return text, meta


# Metadata tags read on the resiliparse path, first match wins. (Targeted selectors: walking all
# <meta> elements through resiliparse's Python API costs more than the extraction itself.)
_RESILIPARSE_META: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("title", ('meta[property="og:title"]',)),
    ("author", ('meta[name="author"]', 'meta[property="article:author"]', 'meta[name="dc.creator"]')),
    (
        "date",
        (
            'meta[property="article:published_time"]',
            'meta[itemprop="datePublished"]',
            'meta[name="date"]',
            'meta[name="dc.date"]',
        ),
    ),
    ("site_name", ('meta[property="og:site_name"]', 'meta[name="application-name"]')),
    ("url", ('link[rel="canonical"]', 'meta[property="og:url"]')),
)


def _resiliparse_meta(tree: Any) -> Metadata:
    meta: Metadata = {}
    head = tree.head
    if head is not None:
        for key, selectors in _RESILIPARSE_META:
            for sel in selectors:
                el = head.query_selector(sel)
                value = (
                    el.getattr("href" if sel.startswith("link") else "content") if el is not None else None
                )
                if value and value.strip():
                    meta[key] = value.strip()
                    break
    if "title" not in meta and (tree.title or "").strip():
        meta["title"] = tree.title.strip()
    body = tree.body
    if body is not None:
        h1 = body.query_selector("h1")
        if h1 is not None and h1.text.strip():
            meta["_h1"] = h1.text.strip()
    return meta


_EXTRACTORS = {"trafilatura": _trafilatura, "resiliparse": _resiliparse}


def _sleep(html: str, url: Optional[str] = None) -> tuple[str, Metadata]:
    """A stand-in for a page the extractor hangs on (tests of the worker only)."""
    import time

    time.sleep(float(html))
    return "slept", {}


_WORKER_ONLY = {"_sleep": _sleep}


# ---------------------------------------------------------------------------------------------
# The worker process (bounded time for trafilatura)

_HEADER = struct.Struct("<Q")


def _send(stream: BinaryIO, obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


def _recv(stream: BinaryIO) -> Any:
    head = stream.read(_HEADER.size)
    if len(head) < _HEADER.size:
        raise EOFError
    (n,) = _HEADER.unpack(head)
    data = stream.read(n)
    if len(data) < n:
        raise EOFError
    return pickle.loads(data)


def _worker_main() -> None:
    """Serve ``(extractor, html, url)`` requests on stdin, answer ``(text, metadata)`` on stdout."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed by the extractors goes to stderr, not into the protocol
    inp = sys.stdin.buffer
    while True:
        try:
            name, html, url = _recv(inp)
        except EOFError:
            return
        try:
            result: object = (_EXTRACTORS.get(name) or _WORKER_ONLY[name])(html, url)
        except BaseException as e:  # report, keep serving
            result = ("", {"extractor": name, "error": f"extractor failed: {type(e).__name__}: {e}"})
        _send(out, result)


class _Worker:
    """One extraction subprocess with a reader thread; killed and replaced on timeout."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dechaff.html"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,
            env=_worker_env(),
        )
        self.results: queue.Queue[object] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        while True:
            try:
                self.results.put(_recv(self.proc.stdout))  # type: ignore[arg-type]
            except (EOFError, OSError, ValueError, pickle.UnpicklingError):
                self.results.put(EOFError())
                return

    def call(self, name: str, html: str, url: Optional[str], timeout: float) -> tuple[str, Metadata]:
        assert self.proc.stdin is not None
        try:
            _send(self.proc.stdin, (name, html, url))  # type: ignore[arg-type]
        except (BrokenPipeError, OSError):
            self.kill()
            return "", {"extractor": name, "error": f"extractor process died (exit code {self.proc.poll()})"}
        try:
            result = self.results.get(timeout=timeout)
        except queue.Empty:
            self.kill()
            return "", {"extractor": name, "error": f"timeout after {timeout:g}s"}
        if isinstance(result, EOFError):
            self.kill()
            return "", {"extractor": name, "error": f"extractor process died (exit code {self.proc.poll()})"}
        assert isinstance(result, tuple)
        return str(result[0]), dict(result[1])

    def alive(self) -> bool:
        return self.pid == os.getpid() and self.proc.poll() is None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass

    def close(self) -> None:
        if self.pid != os.getpid():
            return
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
            self.proc.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()
        # The child has exited: its stdout reaches EOF, the reader thread returns; close the pipe.
        self.reader.join(timeout=2)
        if self.proc.stdout is not None and not self.reader.is_alive():
            self.proc.stdout.close()


def _worker_env() -> dict[str, str]:
    env = dict(os.environ)
    # The child must import this same dechaff (an editable or unusual install included).
    pkg_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (pkg_parent, env.get("PYTHONPATH")) if p)
    return env


_worker: Optional[_Worker] = None
_worker_lock = threading.Lock()


def _in_worker(name: str, html: str, url: Optional[str], timeout: float) -> tuple[str, Metadata]:
    global _worker
    with _worker_lock:
        if _worker is None or not _worker.alive():
            if _worker is not None and _worker.pid == os.getpid():
                _worker.kill()  # reap it and close its pipes
            _worker = _Worker()
        return _worker.call(name, html, url, timeout)


@atexit.register
def _shutdown_worker() -> None:
    if _worker is not None:
        _worker.close()


# ---------------------------------------------------------------------------------------------
# Entry point


def extract_html(
    source: str | bytes | bytearray | memoryview,
    *,
    extractor: str = "trafilatura",
    timeout: float | None = 30.0,
    url: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """Extract the main text of an HTML page: ``(text, metadata)``.

    ``source``: the page, ``str`` or ``bytes`` (decoded with its declared charset, see
    :func:`decode_html`). ``extractor``: ``"trafilatura"`` or ``"resiliparse"``. ``timeout``:
    seconds per page for trafilatura (``None``: no limit). On failure or timeout the text is
    empty and ``metadata["error"]`` says why (see the module docstring).
    """
    if extractor not in _EXTRACTORS:
        raise OptionError(f"unknown extractor {extractor!r}; choose one of {', '.join(_EXTRACTORS)}")
    meta: Metadata
    if isinstance(source, str):
        html, meta = source, {}
    elif isinstance(source, (bytes, bytearray, memoryview)):
        html, meta = decode_html(bytes(source))
    else:
        raise OptionError(f"expected str or bytes, not {type(source).__name__}")
    if extractor == "resiliparse":
        text, found = _resiliparse(html, url)
    elif timeout is None:
        text, found = _trafilatura(html, url)
    else:
        text, found = _in_worker(extractor, html, url, timeout)
    found.update(meta)
    return text, found


if __name__ == "__main__":
    _worker_main()
