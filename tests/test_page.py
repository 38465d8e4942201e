"""Page mode and mode="auto" on small hand-made whole-page texts (no benchmark data needed)."""

from __future__ import annotations

import dechaff
import pytest

BODY = [
    "The council voted on Monday to approve the new budget after a long debate about roads and schools.",
    "Members of the opposition said the plan would raise local taxes, but the mayor rejected that claim.",
    '"We have waited for this for years," said one resident, who lives near the old bridge on the river.',
    "The budget includes money for two new schools, a library and the repair of several busy streets.",
    "A final vote on the details is expected next month, when the council meets again in the town hall.",
    "Officials said construction on the first school could begin in the spring if the weather allows it.",
]
MENU = ["Skip to content", "Home", "News", "Sport", "Business", "Weather", "Subscribe", "Log in", "Search"]
FOOTER = [
    "Share this article",
    "Related stories",
    "Five things to do this weekend",
    "Local team wins the cup final",
    "About us",
    "Contact us",
    "Privacy policy",
    "Terms of use",
    "© 2024 The Town Gazette. All rights reserved.",
]
CHROME = MENU + FOOTER


def whole_page(body: list[str] = BODY) -> str:
    return "\n".join(
        [*MENU, "Council approves the new budget", "By Jane Doe", "March 4, 2024", *body, *FOOTER]
    )


@pytest.fixture(scope="module")
def page() -> dechaff.Cleaner:
    return dechaff.Cleaner(mode="page")


@pytest.fixture(scope="module")
def auto() -> dechaff.Cleaner:
    return dechaff.Cleaner(mode="auto")


def test_page_mode_keeps_the_body_and_drops_the_chrome(page: dechaff.Cleaner) -> None:
    res = page.clean(whole_page())
    assert res.mode == "page"
    lines = res.text.split("\n")
    for b in BODY:
        assert b in lines, res.text
    for c in CHROME:
        assert c not in lines, res.text
    assert all(r.category == "page" for r in res.removals if r.text in MENU)


def test_page_mode_with_a_comment_thread_after_the_article(page: dechaff.Cleaner) -> None:
    comments = [
        "3 Comments",
        "Mark says:",
        "March 5, 2024 at 10:12 am",
        "I think this is a waste of money and the council should have fixed the streets years ago.",
        "Reply",
    ]
    text = "\n".join(MENU + BODY + comments + FOOTER)
    out = page.clean(text).text
    assert all(b in out for b in BODY)
    assert "waste of money" not in out
    assert "Reply" not in out.split("\n")


def test_page_output_is_a_clean_article(page: dechaff.Cleaner) -> None:
    article = dechaff.Cleaner(mode="article")
    out = page.clean(whole_page()).text
    assert article.clean(out).text == out


def test_auto_picks_page_for_a_page_and_article_for_an_article(
    auto: dechaff.Cleaner, page: dechaff.Cleaner
) -> None:
    res = auto.clean(whole_page())
    assert res.mode == "page"
    assert res.text == page.clean(whole_page()).text
    article = "Council approves the new budget\n\n" + "\n\n".join(BODY)
    res = auto.clean(article)
    assert res.mode == "article"
    assert res.text == dechaff.Cleaner(mode="article").clean(article).text
    assert auto.clean("Just one short line.").mode == "article"


def test_batch_equals_single(page: dechaff.Cleaner, auto: dechaff.Cleaner) -> None:
    docs = [whole_page(), "\n\n".join(BODY), "", "Home\nNews"]
    for cleaner in (page, auto):
        batch = cleaner.clean_batch(docs)
        assert [r.text for r in batch] == [cleaner.clean(d).text for d in docs]
        assert [r.mode for r in batch] == [cleaner.clean(d).mode for d in docs]


def test_page_mode_on_text_without_spaces(page: dechaff.Cleaner) -> None:
    body = [
        "東京都は月曜日、新しい予算案を承認した。道路と学校についての長い議論の末に決まったという。",
        "野党の議員らは、この計画によって地方税が上がると指摘したが、知事はその主張を否定した。",
        "予算には二つの新しい学校と図書館の建設、そしていくつかの道路の補修費用が含まれている。",
    ]
    text = "\n".join(
        ["ホーム", "ニュース", "スポーツ", "ログイン", *body, "関連記事", "シェア", "お問い合わせ"]
    )
    out = page.clean(text).text
    assert all(b in out for b in body)
    assert "ログイン" not in out and "お問い合わせ" not in out
