"""Every administration page in Chromium (issue 13): it opens for the admin from the navigation,
shows what to do on an empty database and its data on a filled one, its main action works
through the browser, other roles are refused, and axe-core finds no serious or critical problem.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from browser import assert_accessible
from factories import LEAVES, YEAR, add_response, fill_par_points
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from support import STAFF_PASSWORD, full_answers

from sampling import Stratum, build_plan
from survey_app.db import get_db, utcnow
from survey_app.db.models import (
    ApiClient,
    Counter,
    ParPoints,
    Response,
    SurveyRound,
    Unit,
    User,
)
from survey_app.planning.plans import save_plan
from survey_app.trust.api_clients import create_client

pytestmark = pytest.mark.browser

NAVIGATION = (
    "Tổng quan",
    "Đơn vị",
    "Quầy",
    "Đợt khảo sát",
    "Bộ câu hỏi",
    "Tài khoản",
    "Khóa API",
    "Mã biên nhận",
    "Tệp CCHC",
    "Kiểm tra phiếu",
    "Phiếu giấy",
    "Chỉ số CCHC",
    "Nhật ký",
    "Thẩm định CCHC",
)
"""The admin's navigation, in its order (the PAR year's sheets last)."""
EMPTY: dict[str, tuple[str, ...]] = {
    "Tổng quan": ("Không có đợt khảo sát nào đang mở", "tạo đợt mới"),
    "Đơn vị": ("Chưa có đơn vị nào", "Nhập tệp đơn vị"),
    "Quầy": ("Chưa có đơn vị", "nhập danh sách đơn vị"),
    "Đợt khảo sát": ("Chưa có đợt khảo sát nào", "Tạo đợt mới"),
    "Bộ câu hỏi": ("Tải lên một bộ câu hỏi", "sipas-2023"),
    "Tài khoản": ("Tạo tài khoản", "nv.admin"),
    "Khóa API": ("Chưa có hệ thống nào",),
    "Mã biên nhận": ("Không có đợt nào đang mở",),
    "Tệp CCHC": ("Danh mục tiêu chí", "Điểm", "Quy tắc tiêu chí 8.1"),
    "Kiểm tra phiếu": ("Chưa có phiếu trả lời nào để kiểm tra",),
    "Phiếu giấy": ("Chưa có đợt khảo sát nào",),
    "Chỉ số CCHC": ("Chưa có điểm nào cho năm",),
    "Nhật ký": ("Đăng nhập", "nv.admin"),
    "Thẩm định CCHC": ("Tự đánh giá và thẩm định", "Chưa có đơn vị nào cho năm"),
}
"""What each page says on an empty database (unit types and the admin only)."""
FILLED: dict[str, tuple[str, ...]] = {
    "Tổng quan": ("Đợt thử", "Sở Nội vụ", "Ban Dân tộc"),
    "Đơn vị": ("Sở Nội vụ", "Ban Dân tộc", "chấm điểm, không xếp hạng"),
    "Quầy": ("SNV-1", "BDT-1", "Thêm quầy"),
    "Đợt khảo sát": ("Đợt thử", "Kế hoạch mẫu", "Đóng ngay"),
    "Bộ câu hỏi": ("sipas-2023",),
    "Tài khoản": ("nv.phan-tich", "Phân tích"),
    "Khóa API": ("Một cửa tỉnh", "hoạt động"),
    "Mã biên nhận": ("Đợt thử",),
    "Tệp CCHC": ("Danh mục tiêu chí",),
    "Kiểm tra phiếu": ("Đợt thử",),
    "Phiếu giấy": ("Đợt thử", "Nhập phiếu"),
    "Chỉ số CCHC": ("Sở Nội vụ", "Ban Dân tộc"),
    "Nhật ký": ("Đăng nhập", "nv.admin"),
    "Thẩm định CCHC": ("Tự đánh giá và thẩm định", "Sở Nội vụ", "Ban Dân tộc"),
}
"""What each page shows on the filled database (`filled`)."""
ADMIN_ONLY = ("/admin/units/import", "/admin/users/", "/admin/par-files/", "/admin/audit")
"""Some pages only the admin may open (the whole matrix: tests/survey_app/staff/test_roles.py)."""
SEEN_BY = {
    "analyst": ("Tổng quan", "Đợt khảo sát", "Kiểm tra phiếu"),
    "council": ("Tổng quan", "Chỉ số CCHC", "Thẩm định CCHC"),
    "unit_officer": ("Tổng quan", "Quầy", "Tự đánh giá CCHC"),
}
"""The navigation of each other role."""


def _nav(page: Page) -> list[str]:
    return [text.strip() for text in page.locator("header nav a").all_inner_texts()]


def _walk(page: Page, expected: dict[str, tuple[str, ...]], axe: bool) -> None:
    """Open each page from the navigation; each shows its words, none has a serious problem."""
    assert _nav(page) == list(NAVIGATION)
    wrong = []
    for label in NAVIGATION:
        page.locator("header nav a", has_text=re.compile(f"^{label}$")).click()
        page.wait_for_load_state()
        text = page.locator("main").inner_text()
        missing = [words for words in expected[label] if words not in text]
        if missing:
            wrong.append(f"{label} ({page.url}) lacks {missing}")
        if axe:
            assert_accessible(page, label)
    assert not wrong, "\n".join(wrong)


def test_every_admin_page_opens_empty_and_says_what_to_do(admin: Page) -> None:
    _walk(admin, EMPTY, axe=False)


@pytest.fixture
def filled(app: Flask, survey: dict) -> dict:
    """The `survey` fixture's round with answers (one flagged), a saved plan, PAR points of
    2023 for both departments, an API client and an analyst's account."""
    with app.app_context(), get_db().begin() as session:
        round_id = survey["round_id"]
        for n in range(6):
            add_response(session, round_id, unit="SNV" if n % 2 else "BDT", counter=None)
        add_response(session, round_id, state="flagged", flags=["burst"])
        survey_round = session.get(SurveyRound, round_id)
        strata = [Stratum("SNV", 400), Stratum("BDT", 90)]
        save_plan(session, survey_round, strata, build_plan(strata, "yamane"), created_by="t")
        create_client(session, "Một cửa tỉnh")
        from survey_app.staff.users import create_user

        create_user(session, "nv.phan-tich", STAFF_PASSWORD, "analyst")
    fill_par_points(app, {"SNV": 0.8, "BDT": 0.7})
    return survey


def test_every_admin_page_shows_its_data_and_passes_axe(filled: dict, admin: Page) -> None:
    _walk(admin, FILLED, axe=True)
    # results, plan and progress are reached from the round's row
    row = admin.locator("tbody tr", has_text="Đợt thử")
    for link, words in (
        ("Kết quả", "Sở Nội vụ"),
        ("Kế hoạch mẫu", "Kế hoạch đã lưu"),
        ("Tiến độ", "Ban Dân tộc"),
    ):
        admin.get_by_role("link", name="Đợt khảo sát", exact=True).click()
        row.get_by_role("link", name=link, exact=True).click()
        expect(admin.locator("main")).to_contain_text(words)


@pytest.mark.parametrize("role", ["analyst", "council", "unit_officer"])
def test_other_roles_see_only_their_pages_and_are_refused_the_admin_pages(
    survey: dict, log_in: Callable[..., Page], base: str, role: str
) -> None:
    page = log_in(role, unit="SNV" if role == "unit_officer" else None)
    page.goto(f"{base}/admin/")
    assert _nav(page) == list(SEEN_BY[role])
    for path in ADMIN_ONLY:
        reply = page.goto(f"{base}{path}")
        assert reply is not None and reply.status == 403, path
        expect(page.locator("h1")).to_have_text("Không có quyền truy cập")


# --- the main action of each page ---------------------------------------------------------------
def test_a_unit_is_edited_and_a_bad_edit_changes_nothing(
    app: Flask, survey: dict, admin: Page, base: str
) -> None:
    page = admin
    page.goto(f"{base}/admin/units")
    page.click("a[aria-label='Sửa BDT']")
    page.fill("#name", "Ban Dân tộc tỉnh Vĩnh Long")
    page.check("input[name=ranked]")
    page.click("button:has-text('Lưu / Save')")
    expect(page.locator("p.ok")).to_contain_text("Đã lưu đơn vị BDT")
    row = page.locator("tr", has_text="BDT")
    expect(row).to_contain_text("Ban Dân tộc tỉnh Vĩnh Long")
    expect(row).not_to_contain_text("không xếp hạng")
    page.click("a[aria-label='Sửa BDT']")
    page.fill("#name", "Tên khác")
    page.fill("#parent_code", "BDT")
    page.fill("#valid_to", "2019-01-01")
    page.click("button:has-text('Lưu / Save')")
    expect(page.locator(".error-summary")).to_contain_text("chính nó")
    expect(page.locator(".error-summary")).to_contain_text("trước ngày bắt đầu")
    assert_accessible(page, "a refused unit edit")
    with app.app_context():
        unit = get_db().session.scalar(select(Unit).where(Unit.code == "BDT"))
        assert (unit.name, unit.ranked, unit.valid_to) == ("Ban Dân tộc tỉnh Vĩnh Long", True, None)


def test_a_counter_is_added_renamed_deactivated_and_reactivated(
    app: Flask, survey: dict, admin: Page, base: str
) -> None:
    page = admin
    page.goto(f"{base}/admin/counters")
    page.select_option("#unit_code", "SNV")
    page.fill("#code", "SNV-2")
    page.fill("#name", "Quầy 2")
    page.click("button:has-text('Thêm quầy')")
    expect(page.locator("p.ok")).to_contain_text("Đã thêm quầy SNV-2")
    page.fill("#code", "SNV-2")
    page.click("button:has-text('Thêm quầy')")
    expect(page.locator(".error-summary")).to_contain_text("Chưa thêm được quầy")
    row = page.locator("tbody tr", has_text="SNV-2")
    row.locator("input[name=name]").fill("Quầy tiếp nhận B")
    row.locator("button:has-text('Đổi tên')").click()
    expect(page.locator("p.ok")).to_contain_text("Đã đổi tên quầy SNV-2")
    page.locator("tbody tr", has_text="SNV-2").locator("button:has-text('Ngừng')").click()
    expect(page.locator("p.ok")).to_contain_text("Đã ngừng quầy SNV-2")
    expect(page.locator("tbody tr", has_text="SNV-2")).to_contain_text("ngừng")
    with app.app_context():
        counter = get_db().session.scalar(select(Counter).where(Counter.code == "SNV-2"))
        assert (counter.name, counter.active) == ("Quầy tiếp nhận B", False)
    assert app.test_client().get("/s/SNV-2").status_code == 404
    page.locator("tbody tr", has_text="SNV-2").locator("button:has-text('Mở lại')").click()
    expect(page.locator("p.ok")).to_contain_text("Đã mở lại quầy SNV-2")
    assert app.test_client().get("/s/SNV-2").status_code == 200


def test_a_round_is_created_closed_and_opened(
    app: Flask, survey: dict, admin: Page, base: str
) -> None:
    page, today = admin, utcnow().astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    page.goto(f"{base}/admin/rounds")
    page.get_by_role("link", name="Tạo đợt mới / New round").click()
    page.fill("#name", "SIPAS mới")
    page.fill("#opens", (today + timedelta(days=2)).isoformat())
    page.fill("#closes", (today + timedelta(days=60)).isoformat())
    page.fill("#codes", "SNV NOPE")
    page.click("button:has-text('Tạo đợt / Create round')")
    expect(page.locator(".error-summary")).to_contain_text("Không có đơn vị mã: NOPE")
    assert_accessible(page, "a refused new round")
    page.fill("#codes", "")
    page.check("input[name=unit_type][value=department]")
    page.click("button:has-text('Tạo đợt / Create round')")
    expect(page.locator("p.ok")).to_contain_text("Đã tạo đợt SIPAS mới (2 đơn vị)")
    row = page.locator("tbody tr", has_text="SIPAS mới")
    row.locator("button:has-text('Mở ngay')").click()
    expect(page.locator("p.ok")).to_contain_text("đã mở")
    expect(page.locator("tbody tr", has_text="SIPAS mới")).to_contain_text("đang mở")
    page.locator("tbody tr", has_text="SIPAS mới").locator("button:has-text('Đóng ngay')").click()
    expect(page.locator("p.ok")).to_contain_text("đã đóng")
    with app.app_context():
        created = get_db().session.scalar(
            select(SurveyRound).where(SurveyRound.name == "SIPAS mới")
        )
        assert sorted(u.code for u in created.units) == ["BDT", "SNV"]
        assert not created.is_open(utcnow())


def test_an_account_is_made_changed_reset_and_locked(
    app: Flask, survey: dict, admin: Page, base: str, chromium: Browser
) -> None:
    page = admin
    page.goto(f"{base}/admin/users/")
    page.fill("#username", "nv.snv")
    page.select_option("#role", "unit_officer")
    page.fill("#unit_code", "SNV")
    page.click("button:has-text('Tạo / Create')")
    expect(page.locator("p.ok")).to_contain_text("Đã tạo tài khoản nv.snv")
    password = page.locator("#shown-password").inner_text().strip()
    assert_accessible(page, "the accounts page with a new password")
    page.goto(f"{base}/admin/users/")
    expect(page.locator("#shown-password")).to_have_count(0)  # shown once

    def logs_in(secret: str) -> bool:
        context = chromium.new_context()
        other = context.new_page()
        other.goto(f"{base}/admin/login")
        other.fill("#username", "nv.snv")
        other.fill("#password", secret)
        other.click("button[type=submit]")
        other.wait_for_load_state()
        ok = "/admin/login" not in other.url
        context.close()
        return ok

    assert logs_in(password)
    row = page.locator("tbody tr", has_text="nv.snv")
    row.locator("select[name=role]").select_option("analyst")
    row.locator("button:has-text('Đổi vai trò')").click()
    expect(page.locator("p.ok")).to_contain_text("Đã đổi vai trò của nv.snv")
    page.locator("tbody tr", has_text="nv.snv").locator(
        "button:has-text('Đặt lại mật khẩu')"
    ).click()
    expect(page.locator("p.ok").first).to_contain_text("Đã đặt lại mật khẩu của nv.snv")
    new_password = page.locator("#shown-password").inner_text().strip()
    assert new_password != password
    page.goto(f"{base}/admin/users/")
    page.locator("tbody tr", has_text="nv.snv").locator(
        "button:has-text('Khóa / Deactivate')"
    ).click()
    expect(page.locator("p.ok")).to_contain_text("nv.snv: đã khóa")
    assert not logs_in(new_password)
    with app.app_context():
        user = get_db().session.scalar(select(User).where(User.username == "nv.snv"))
        assert (user.role, user.active) == ("analyst", False)
    expect(page.locator("tbody tr", has_text="nv.admin").locator("text=Khóa")).to_have_count(0)


def test_an_api_key_is_shown_once_and_revoked(app: Flask, admin: Page, base: str) -> None:
    page = admin
    page.goto(f"{base}/admin/api-clients/")
    page.fill("#name", "Một cửa tỉnh")
    page.click("button:has-text('Tạo khóa')")
    key = page.locator("#shown-key").inner_text().strip()
    assert_accessible(page, "the API clients page with a new key")
    assert len(key) >= 20
    page.goto(f"{base}/admin/api-clients/")
    expect(page.locator("#shown-key")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text(key)
    page.locator("tbody tr", has_text="Một cửa tỉnh").locator("button:has-text('Thu hồi')").click()
    expect(page.locator("p.ok")).to_contain_text("Đã thu hồi khóa của Một cửa tỉnh")
    expect(page.locator("tbody tr", has_text="Một cửa tỉnh")).to_contain_text("đã thu hồi")
    with app.app_context():
        assert get_db().session.scalar(select(ApiClient.active)) is False


def test_a_draft_questionnaire_is_discarded_or_published(
    app: Flask, admin: Page, base: str
) -> None:
    import json

    from questionnaires.registry import definitions_root

    raw = json.loads(definitions_root().joinpath("sipas-2023", "1.json").read_text("utf-8"))
    data = json.dumps({**raw, "id": "sipas-tinh", "version": 2}).encode()
    page = admin
    for action in ("Xóa bản nháp", "Đăng phiên bản này"):
        page.goto(f"{base}/admin/questionnaires/")
        page.set_input_files(
            "#file", {"name": "phieu.json", "mimeType": "application/json", "buffer": data}
        )
        page.click("button:has-text('Kiểm tra và lưu bản nháp')")
        page.click(f"button:has-text('{action}')")
    expect(page.locator("p.ok")).to_contain_text("Đã đăng sipas-tinh phiên bản 2")
    page.goto(f"{base}/admin/questionnaires/")
    expect(page.locator("tbody tr", has_text="sipas-tinh")).to_contain_text("đã đăng")
    page.goto(f"{base}/admin/rounds/new")
    expect(page.locator("#questionnaire option[value='sipas-tinh@2']")).to_have_count(1)


def test_a_flagged_answer_is_excluded_with_a_reason_then_restored(
    app: Flask, survey: dict, admin: Page, base: str
) -> None:
    with app.app_context(), get_db().begin() as session:
        flagged = add_response(session, survey["round_id"], state="flagged", flags=["burst"]).id
    page = admin
    page.goto(f"{base}/admin/review")
    page.get_by_role("link", name="Đợt thử").click()
    page.check(f"#r{flagged}")
    page.click("button:has-text('Loại khỏi phân tích')")
    expect(page.locator(".error-summary")).to_be_visible()  # a reason is needed
    assert_accessible(page, "the review page refusing an exclusion")
    page.check(f"#r{flagged}")
    page.fill("#reason", "Phiếu thử nghiệm của cán bộ")
    page.click("button:has-text('Loại khỏi phân tích')")
    expect(page.locator("p.ok")).to_be_visible()
    expect(page.locator("tbody tr", has_text="Phiếu thử nghiệm của cán bộ").first).to_be_visible()
    with app.app_context():
        assert get_db().session.get(Response, flagged).state == "excluded"
    page.check(f"#r{flagged}")
    page.click("button:has-text('Khôi phục')")
    expect(page.locator("p.ok")).to_be_visible()
    with app.app_context():
        assert get_db().session.get(Response, flagged).state == "flagged"


def test_a_paper_form_is_keyed(app: Flask, survey: dict, admin: Page, base: str) -> None:
    page = admin
    page.goto(f"{base}/admin/paper/")
    page.get_by_role("link", name="Nhập phiếu", exact=True).click()
    page.select_option("#unit", label="SNV · Sở Nội vụ")
    page.fill("#form_number", "12")
    for name, value in {**full_answers("4"), "q18": "9"}.items():
        page.fill(f"#{name}", value)
    page.click("main button[type=submit]")
    expect(page.locator(".error-summary")).to_contain_text("q18")
    assert_accessible(page, "a refused paper form")
    page.fill("#q18", "5")
    page.click("main button[type=submit]")
    expect(page.locator("p.ok")).to_contain_text("Đã lưu phiếu số 12")
    with app.app_context():
        [paper] = get_db().session.scalars(select(Response).where(Response.channel == "paper"))
        assert paper.answers["q18"] == 5 and paper.answers["q15"] == 4


def test_the_audit_log_shows_each_action_and_filters_by_person(
    app: Flask, survey: dict, admin: Page, base: str
) -> None:
    page = admin
    page.goto(f"{base}/admin/api-clients/")
    page.fill("#name", "Một cửa tỉnh")
    page.click("button:has-text('Tạo khóa')")
    page.goto(f"{base}/admin/audit")
    expect(page.locator("tbody tr").first).to_contain_text("nv.admin")
    expect(page.locator("tbody")).to_contain_text("Một cửa tỉnh")
    page.fill("input[name=who]", "nv.khac")
    page.click("button:has-text('Lọc / Filter')")
    expect(page.locator("main")).to_contain_text("khớp bộ lọc")
    expect(page.locator("tbody tr")).to_have_count(0)


def test_the_council_moves_a_sheet_on_and_changes_a_point(
    app: Flask, survey: dict, log_in: Callable[..., Page], base: str
) -> None:
    fill_par_points(app, {"SNV": 0.8, "BDT": 0.7})
    leaf = LEAVES[0]
    page = log_in("council")
    page.goto(f"{base}/admin/")  # the council's home is the PAR ranking
    page.locator("main").get_by_role("link", name="Sở Nội vụ", exact=True).first.click()
    expect(page.locator("h1")).to_contain_text("Sở Nội vụ")
    page.select_option("select[name=status]", "submitted")
    page.click("main button:has-text('Cập nhật')")
    expect(page.locator("p.ok")).to_contain_text("Đã cập nhật trạng thái")
    form = page.locator("form", has=page.locator("input[name=reason]"))
    form.locator("input[name=code]").fill(leaf.code)
    form.locator("input[name=points]").fill(str(leaf.max_points + 5))
    form.locator("input[name=reason]").fill("Thẩm định lại")
    form.locator("button").click()
    expect(page.locator(".error-summary").first).to_contain_text("nằm ngoài khoảng")
    assert_accessible(page, "a refused appraisal change")
    form = page.locator("form", has=page.locator("input[name=reason]"))
    form.locator("input[name=points]").fill("0,25")
    form.locator("button").click()
    expect(page.locator("p.ok")).to_contain_text("Đã lưu thay đổi")
    with app.app_context():
        unit_id = get_db().session.scalar(select(Unit.id).where(Unit.code == "SNV"))
        points = get_db().session.get(ParPoints, (YEAR, unit_id, leaf.code))
        assert points.final_points == 0.25
