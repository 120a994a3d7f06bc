"""End to end in a real headless browser: the app (coach.web.app.create_app) under uvicorn on a free loopback port
with a fresh data dir, driven by Debian's chromium through chromedriver (selenium). Load the app, run a critique,
play three roleplay turns, run the smoke suite, draft a reply, search the KB, and save a screenshot of each tab;
with accounts, an agent sees their tabs and practises as themselves, and a trainer picks a trainee's progress.

Screenshots go to $COACH_TEST_ARTIFACTS (default tests/artifacts/, gitignored); the path is printed.
Skipped only when chromium or chromedriver is missing (`make browser` installs them)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from coach.services import Services
from coach.settings import REPO_ROOT, Settings

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = [
    pytest.mark.browser, pytest.mark.slow,
    pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="needs Debian's chromium and chromium-driver (make browser)"),
]
ARTIFACTS = Path(os.environ.get("COACH_TEST_ARTIFACTS") or REPO_ROOT / "tests" / "artifacts")
WAIT_S = 45
PASSWORD = "e2e password 7"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(data_dir: Path, users: dict[str, str] | None = None,
            prepare: Callable[[Services], None] | None = None) -> Iterator[str]:
    """The real app on a free loopback port, demo shop indexed; `users` (name -> role) = accounts on; `prepare`
    runs on the app's services before it starts (e.g. to record roleplay sessions)."""
    import uvicorn

    from coach.web.app import create_app

    port = _free_port()
    settings = Settings(data_dir=data_dir, today=date(2026, 11, 23), chroma_url=None, host="127.0.0.1", port=port,
                        _env_file=None)  # type: ignore[call-arg]
    if users:
        from coach.auth import UserStore

        store = UserStore(settings.users_path)
        for name, role in users.items():
            store.add(name, role, PASSWORD)
    services = Services(settings)
    services.ensure_demo_index()  # what app.py does on a first run (seeded vectors: seconds)
    if prepare is not None:
        prepare(services)
    server = uvicorn.Server(uvicorn.Config(create_app(services), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the app did not start"
        time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(tmp_path_factory.mktemp("e2e-data")) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})  # to list every request the page made
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1100", "--lang=zh-CN", "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    yield driver
    driver.quit()


def requested_urls(driver: Any) -> list[str]:
    """Every URL the browser requested since the last call (Chrome DevTools network events)."""
    import json

    urls = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            urls.append(str(msg["params"]["request"]["url"]))
    return urls


class Page:
    """The few moves the test needs, by the elem_ids the tabs set."""

    def __init__(self, driver: Any, shots: Path, url: str = "") -> None:
        self.d, self.shots, self.url = driver, shots, url

    def wait(self, cond: Callable[[], Any], what: str, timeout: float = WAIT_S) -> Any:
        from selenium.webdriver.support.ui import WebDriverWait

        try:
            return WebDriverWait(self.d, timeout, poll_frequency=0.2).until(lambda _: cond())
        except Exception:
            self.shot(f"failed-{what}")
            raise AssertionError(f"timed out waiting for {what}; screenshot in {self.shots}") from None

    def text(self, css: str) -> str:
        from selenium.webdriver.common.by import By

        found = self.d.find_elements(By.CSS_SELECTOR, css)
        return str(found[0].text) if found else ""

    def value(self, css: str) -> str:
        from selenium.webdriver.common.by import By

        found = self.d.find_elements(By.CSS_SELECTOR, css)
        return str(found[0].get_attribute("value") or "") if found else ""

    def fill(self, css: str, value: str) -> None:
        """Set a textbox the way typing does (Gradio listens to input events); send_keys is slow for Chinese."""
        from selenium.webdriver.common.by import By

        box = self.d.find_element(By.CSS_SELECTOR, css)
        self.d.execute_script("arguments[0].value = arguments[1];"
                              "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));", box, value)

    def click(self, css: str) -> None:
        from selenium.webdriver.common.by import By

        self.d.find_element(By.CSS_SELECTOR, css).click()

    def tab(self, label: str) -> None:
        from selenium.webdriver.common.by import By

        def selected() -> bool:
            buttons = [b for b in self.d.find_elements(By.CSS_SELECTOR, "button[role='tab']")
                       if b.text.strip() == label]
            assert buttons, f"no tab {label!r}"
            if buttons[0].get_attribute("aria-selected") != "true":
                buttons[0].click()
            return buttons[0].get_attribute("aria-selected") == "true"

        self.wait(selected, f"the {label} tab")

    def login(self, name: str) -> None:
        """Log in on gradio's login form (a fresh session: cookies cleared first)."""
        from selenium.webdriver.common.by import By

        self.d.delete_all_cookies()
        self.d.get(self.url)
        box = self.wait(lambda: self.d.find_elements(By.CSS_SELECTOR, "input[type='text']"), "the login form")
        box[0].send_keys(name)
        self.d.find_element(By.CSS_SELECTOR, "input[type='password']").send_keys(PASSWORD)
        login = [b for b in self.d.find_elements(By.TAG_NAME, "button") if b.text.strip() in ("Login", "登录")]
        assert login, [b.text for b in self.d.find_elements(By.TAG_NAME, "button")]
        login[0].click()
        self.wait(lambda: name in self.text("#whoami"), "the logged-in page")

    def pick(self, css: str, label: str) -> None:
        """Choose `label` in the Gradio dropdown `css` (open its list, click the option)."""
        from selenium.webdriver.common.by import By

        def chosen() -> bool:
            if self.value(f"{css} input") == label:
                return True
            self.d.find_element(By.CSS_SELECTOR, f"{css} input").click()
            for option in self.d.find_elements(By.CSS_SELECTOR, "[data-testid='dropdown-option']"):
                if option.is_displayed() and option.text.strip().lstrip("✓").strip() == label:
                    option.click()
                    break
            return self.value(f"{css} input") == label

        self.wait(chosen, f"{label!r} in {css}")

    def shot(self, name: str) -> Path:
        self.shots.mkdir(parents=True, exist_ok=True)
        path = self.shots / f"{name}.png"
        self.d.save_screenshot(str(path))
        return path


def test_agent_trainee_and_qa_journeys_in_chromium(app_url: str, browser: Any) -> None:
    page = Page(browser, ARTIFACTS / "e2e")
    print(f"\nscreenshots: {page.shots}")
    browser.get(app_url)
    page.wait(lambda: "单机模式" in page.text("#whoami"), "the page load handler")

    # 草稿点评: a blame-shifting draft gets a score, cards and a rewrite; the customer's markup stays text
    page.fill("#critique-customer textarea", "快递五天了还没到！<img src=x onerror=alert(1)>")
    page.fill("#critique-draft textarea", "不是我们的问题，你自己去问快递。")
    page.click("#critique-go")
    page.wait(lambda: "得分" in page.text("#critique-cards"), "the critique score")
    assert "违反" in page.text("#critique-cards")
    assert not browser.find_elements("css selector", "#critique-cards img")
    page.shot("1-critique")

    # 智能拟稿
    page.tab("智能拟稿")
    page.fill("#draft-customer textarea", "衣服不合适，签收后还能退吗？")
    page.click("#draft-go")
    page.wait(lambda: "核对" in page.text("#draft-check"), "the drafted reply")
    page.shot("2-draft")

    # 角色扮演: the recommended scenario is preselected; three turns move the meter and bring feedback
    page.tab("角色扮演")
    page.wait(lambda: page.value("#rp-scenario input").startswith("⭐"), "the recommended scenario")
    page.click("#rp-start")
    page.wait(lambda: "顾客情绪" in page.text("#rp-meter"), "the session start")
    turns = ["亲，非常抱歉让您久等了，换作是我也会着急。请问您的订单号是多少？我马上帮您查物流。",
             "请耐心等待，快递会送到的。",
             "理解您的着急，我今天16:00前用顺丰为您补发，运费由店铺承担，单号出来后第一时间发给您。"]
    for n, text in enumerate(turns, start=1):
        page.fill("#rp-reply textarea", text)
        page.click("#rp-send")
        page.wait(lambda n=n: f"第 {n} 轮点评" in page.text("#rp-feedback"), f"roleplay turn {n}")
        if "对话结束" in page.text("#rp-feedback"):
            break
    assert "顾客情绪" in page.text("#rp-meter") and page.text("#rp-chat").count("请耐心等待") == 1
    page.click("#rp-end")
    page.wait(lambda: "复盘" in page.text("#rp-debrief"), "the debrief")
    page.shot("3-roleplay")

    # 评测: the smoke suite with its gates, metrics and report
    page.tab("评测")
    page.wait(lambda: page.value("#eval-suite input").startswith("smoke"), "the suite list")
    page.click("#eval-run")
    page.wait(lambda: "smoke：" in page.text("#eval-summary"), "the smoke suite", timeout=120)
    assert "全部门槛通过" in page.text("#eval-summary"), page.text("#eval-summary")
    page.click("#eval-report-box button")  # open 完整报告: our report, in a sandboxed iframe (no scripts, no remote)
    frame = page.wait(lambda: browser.find_elements("css selector", "#eval-report iframe"), "the embedded report")[0]
    assert frame.get_attribute("sandbox") == "" and "smoke" in (frame.get_attribute("srcdoc") or "")
    page.shot("4-eval")

    # 知识库: what is indexed, and a search preview
    page.tab("知识库")
    page.wait(lambda: "个片段" in page.text("#kb-stats"), "the KB stats")
    page.fill("#kb-query textarea, #kb-query input", "签收后几天可以退货")
    page.click("#kb-search")
    page.wait(lambda: "policy:" in page.text("#kb-hits"), "the search preview")
    page.shot("5-kb")
    urls = requested_urls(browser)
    assert urls and not [u for u in urls if not u.startswith((app_url, "data:", "blob:"))]  # nothing remote
    assert sorted(p.name for p in page.shots.glob("[1-5]-*.png")) == [
        "1-critique.png", "2-draft.png", "3-roleplay.png", "4-eval.png", "5-kb.png"]


def test_a_logged_in_agent_sees_their_tabs_and_practises_as_themselves(
        tmp_path: Path, browser: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from selenium.webdriver.common.by import By

    monkeypatch.setattr("coach.auth.passwords.ROUNDS", 4)  # same code path, milliseconds per hash
    with serving(tmp_path / "data", {"li.na": "agent"}) as url:
        page = Page(browser, ARTIFACTS / "e2e", url)
        page.login("li.na")
        tabs = [b.text.strip() for b in browser.find_elements(By.CSS_SELECTOR, "button[role='tab']")
                if b.is_displayed()]
        assert tabs == ["草稿点评", "智能拟稿", "角色扮演"], tabs  # agents: no 评测, no 知识库 (roles.yaml)
        trainee = "#rp-trainee textarea, #rp-trainee input"

        def on_roleplay() -> bool:
            # a tab clicked while the page-load fills are still arriving can be switched back: click it again
            page.tab("角色扮演")
            return page.value(trainee) == "li.na"

        page.wait(on_roleplay, "the trainee name")
        assert browser.find_element(By.CSS_SELECTOR, trainee).get_attribute("disabled") is not None  # read-only
        page.wait(lambda: "还没有完成的练习" in page.text("#rp-progress-summary"), "their own progress")
        assert not [e for e in browser.find_elements(By.CSS_SELECTOR, "#rp-progress-trainee") if e.is_displayed()]
        page.shot("6-agent-login")


def _one_finished_session(trainee: str) -> Callable[[Services], None]:
    def play(services: Services) -> None:
        from coach.roleplay import service as rp

        start = rp.start_session(services, "logistics_delay_angry", trainee=trainee, seed="5")
        rp.take_turn(services, start.session_id, "亲，非常抱歉让您久等了，我今天16:00前用顺丰为您补发，运费由店铺承担。")
        rp.end_session(services, start.session_id)

    return play


def test_a_trainer_picks_a_trainee_and_sees_their_sessions(
        tmp_path: Path, browser: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from selenium.webdriver.common.by import By

    monkeypatch.setattr("coach.auth.passwords.ROUNDS", 4)
    users = {"li.na": "agent", "zhang.lei": "trainer"}
    with serving(tmp_path / "data", users, prepare=_one_finished_session("li.na")) as url:
        page = Page(browser, ARTIFACTS / "e2e", url)
        page.login("zhang.lei")
        picker = "#rp-progress-trainee"

        def on_roleplay() -> bool:
            page.tab("角色扮演")
            return any(e.is_displayed() for e in browser.find_elements(By.CSS_SELECTOR, picker))

        page.wait(on_roleplay, "the trainee picker")
        assert page.value(f"{picker} input") == "zhang.lei（我）"  # first their own progress (none yet)
        page.wait(lambda: "还没有完成的练习" in page.text("#rp-progress-summary"), "the trainer's own progress")
        page.pick(picker, "li.na")
        page.wait(lambda: "已完成 1 场" in page.text("#rp-progress-summary"), "li.na's progress")
        assert "li.na" in page.text("#rp-progress-summary")
        page.wait(lambda: "中途结束" in page.text("#rp-progress-table"), "li.na's sessions table")
        page.pick(picker, "全部学员")
        page.wait(lambda: "全部学员：1 名" in page.text("#rp-progress-summary"), "the team overview")
        assert "li.na" in page.text("#rp-progress-table")
        browser.execute_script("arguments[0].scrollIntoView()", browser.find_element(By.CSS_SELECTOR, picker))
        page.shot("7-trainer-progress")
        page.pick(picker, "zhang.lei（我）")
        page.wait(lambda: page.text("#rp-progress-summary").startswith("还没有完成的练习"), "back to their own")
