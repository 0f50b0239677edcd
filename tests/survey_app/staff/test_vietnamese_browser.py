"""Every staff page of the demo, read in Chromium as a Vietnamese officer reads it (issue 13).

For each role, a crawler starts at the home page and follows the links of the staff side (one
page of each kind: the same path with other numbers or unit codes is the same kind), and reads
what the browser shows — text, chart labels drawn in SVG, titles, labels and placeholders —
but not the English glosses (``.en``, ``lang="en"``, the English after " / " of a
"Vietnamese / English" pair), code (``<code>``), scripts, addresses or form values (a
``<textarea>``'s text too). A word of `LEAKS` in it fails the test: internal codes and English
words that must not reach a reader.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from browser import live_server
from playwright.sync_api import Browser, Page
from sqlalchemy import select
from support import STAFF_PASSWORD

from survey_app import create_app
from survey_app.config import sqlite_url
from survey_app.db import get_db
from survey_app.db.models import ParAssessment, Unit
from survey_app.demo import prepare
from survey_app.staff.users import create_user

pytestmark = pytest.mark.browser

LEAKS = re.compile(
    r"\b(mean-of-items|draft|submitted|appraised|returned|explained|published|unreliable|"
    r"suppressed|pooled|items?|elements?|overall|commune|department|district|province|"
    r"vertical_agency|lao_dong|y_te|dat_dai|per-unit|yamane|neyman|proportional|equal|"
    r"auth\.login|auth\.logout|counter_qr|public_link|simulated|paper|flagged|excluded|"
    r"received|round|unit_officer|analyst|council|no-fpc|self_points|final_points|"
    r"None|nan|NaN|null|undefined|True|False|Traceback)\b|\{\"|\[\{"
)
"""Internal codes and English words no Vietnamese reader should meet (case-sensitive: the
proper names "Yamane", "Neyman", "Wilson" are fine). Not "admin": the demo's account is named
so, and user names are the people's own words."""
ACCOUNTS = {
    "admin": "nv.quantri",
    "analyst": "nv.phantich",
    "council": "nv.thamdinh",
    "unit_officer": "nv.donvi",
}
"""The account of each role (named in Vietnamese: user names are not read as leaks)."""
LEAST_READ = {"admin": 38, "analyst": 15, "council": 8, "unit_officer": 8}
"""Kinds of page each role reads at least (39, 16, 9 and 9 when written): a crawler that loses
its links fails rather than reading nothing."""
MAX_PAGES = 90
"""Kinds of page one role may reach; more means the crawler lost its way."""
NOT_PAGES = re.compile(r"\.(csv|xlsx|pdf|json|png|svg|sav|js|css)$|/logout$|/evidence/[^/]+$")
"""Addresses that are files or actions, not pages (a ``lang`` link is left out too: English)."""
READ_JS = """() => {
  const skip = 'script, style, code, template, noscript, title, textarea, .en, [lang="en"]';
  const said = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip) || !node.textContent.trim()) continue;
    said.push(node.textContent.trim());
  }
  for (const el of document.querySelectorAll('[title], [aria-label], [placeholder], img[alt]')) {
    if (el.closest(skip)) continue;
    for (const name of ['title', 'aria-label', 'placeholder', 'alt']) {
      const value = el.getAttribute(name);
      if (value && value.trim()) said.push(value.trim());
    }
  }
  return said;
}"""
LINKS_JS = """() => [...document.querySelectorAll('a[href]')].map(a => a.href)"""
VIETNAMESE = re.compile(r"[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]")


def without_gloss(text: str) -> str:
    """ "Vietnamese / English" → "Vietnamese": the English after " / " is a gloss."""
    parts = text.split(" / ")
    kept = [parts[0]]
    for part in parts[1:]:
        if not VIETNAMESE.search(kept[-1].lower()):  # no Vietnamese before: not a gloss
            kept.append(part)
    return " / ".join(kept)


def leaks_in(texts: list[str]) -> list[str]:
    """Each leaked word with a little of the text around it."""
    found = []
    for text in texts:
        read = without_gloss(text)
        for match in LEAKS.finditer(read):
            start = max(match.start() - 30, 0)
            found.append(f"{match.group(0)!r} in …{read[start : match.end() + 30]}…")
    return found


def test_the_reader_skips_glosses_and_finds_codes() -> None:
    assert leaks_in(["Lưu cho đợt / Save for the round", "Đang mở / open"]) == []
    assert leaks_in(["Trạng thái: draft"]) and leaks_in(["lao_dong"]) and leaks_in(['{"a": 1}'])
    assert leaks_in(["Giá trị: None"]) and leaks_in(["mean-of-items"])
    assert leaks_in(["công thức Yamane, phân bổ Neyman"]) == []


@dataclass(frozen=True)
class Demo:
    base: str
    codes: frozenset[str]
    officer_unit: str


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """`sipas demo`'s database (fewer made-up answers), served; an account of each role."""
    path: Path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    url = sqlite_url(path)
    prepare(url, simulate=6)
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "test-secret-key",
            "BASE_URL": "http://sipas.test",
            "EVIDENCE_STORE": "database",
        }
    )
    with app.app_context(), get_db().begin() as session:
        codes = frozenset(session.scalars(select(Unit.code)))
        # a department in the middle of its PAR year, so its officer's pages have something
        officer = session.scalar(
            select(Unit)
            .join(ParAssessment, ParAssessment.unit_id == Unit.id)
            .where(ParAssessment.status == "returned")
        ) or session.scalar(select(Unit).where(Unit.code == "SNV"))
        for role, name in ACCOUNTS.items():
            unit = officer if role == "unit_officer" else None
            create_user(session, name, STAFF_PASSWORD, role, unit)
        officer_unit = officer.code
    with live_server(app) as base:
        yield Demo(base, codes, officer_unit)
    app.extensions["sipas_db"].engine.dispose()


def _kind(url: str, codes: frozenset[str]) -> str:
    """The page's kind: its path with numbers and unit codes blanked, and its query's names."""
    parts = urlsplit(url)
    path = "/".join(
        "#" if part.isdigit() else "@" if part in codes else part for part in parts.path.split("/")
    )
    return path + "?" + ",".join(sorted({k for k, _ in parse_qsl(parts.query)}))


def _crawl(
    page: Page, demo: Demo, starts: list[str], read: list[str]
) -> tuple[dict[str, list[str]], list[str]]:
    """Every kind of staff page one role reaches from ``starts`` (each address ``read``): leaks
    by address, and errors."""
    queue = [f"{demo.base}{start}" for start in starts]
    seen: set[str] = {_kind(url, demo.codes) for url in queue}
    leaks: dict[str, list[str]] = {}
    errors: list[str] = []
    while queue:
        url = queue.pop(0)
        reply = page.goto(url)
        seen.add(_kind(page.url, demo.codes))  # where a redirect led
        status = reply.status if reply else 0
        if status >= 500 or status == 0:
            errors.append(f"{url} → {status}")
            continue
        read.append(url)
        if (found := leaks_in(page.evaluate(READ_JS))) and status < 400:
            leaks[url] = found
        for link in page.evaluate(LINKS_JS):
            link = link.partition("#")[0]
            kind = _kind(link, demo.codes)
            staff = urlsplit(link).path.startswith("/admin/")
            page_link = not NOT_PAGES.search(urlsplit(link).path) and "lang=" not in link
            if link.startswith(demo.base) and staff and page_link and kind not in seen:
                seen.add(kind)
                queue.append(link)
        if len(seen) > MAX_PAGES:
            errors.append(f"more than {MAX_PAGES} kinds of page: {sorted(seen)}")
            break
    return leaks, errors


@pytest.mark.parametrize("role", ["admin", "analyst", "council", "unit_officer"])
def test_every_staff_page_of_the_demo_reads_in_vietnamese(
    demo: Demo, chromium: Browser, role: str
) -> None:
    """The admin's pages with JavaScript (charts drawn); the other roles' without, which is
    quicker: their charts are the admin's, their words (navigation, read-only notes) are not."""
    starts = ["/admin/"]
    if role in ("admin", "council"):  # the demo's scored year (the latest is in progress)
        starts.append("/admin/par/2023")
    if role != "analyst":  # the PAR year online, not linked from the navigation (yet)
        starts.append(f"/admin/par/{date.today().year}/self")
    if role == "unit_officer":
        starts.append(f"/admin/par/{date.today().year}/self/{demo.officer_unit}")
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900},
        locale="vi-VN",
        java_script_enabled=role == "admin",
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{demo.base}/admin/login")
    page.fill("#username", ACCOUNTS[role])
    page.fill("#password", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    read: list[str] = []
    leaks, errors = _crawl(page, demo, starts, read)
    context.close()
    assert len(read) >= LEAST_READ[role], f"only {sorted(read)}"
    assert not errors, "\n".join(errors)
    assert not leaks, "\n".join(f"{url}: {found[:6]}" for url, found in sorted(leaks.items()))
