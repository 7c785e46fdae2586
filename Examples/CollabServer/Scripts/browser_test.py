#!/usr/bin/env python3
"""Plays the seed's first scenario through the web dashboard in headless Chromium.

    python3 browser_test.py --base-url http://127.0.0.1:8080 --screenshots DIR [--scenario full|zh]

`full` (the default; the server started with `--locale en`): zhao.lei creates an item for li.wei with reviewer
wang.fang; li.wei accepts it, reports progress with a file, submits it; wang.fang rejects it with a reason; li.wei
sees the rejection arrive live (badge and toast, no reload), reads it in the message center, submits again;
wang.fang approves. Then the board shows its SVG charts and the .xlsx and .csv downloads work; then the supplier
ma.lin sees PO-1001 and none of the internal pages.

`zh` (the server started with `--locale zh-Hans-CN`): li.wei signs in and the to-do page speaks Chinese.

Everything is done through the pages, as a person would (no direct API calls). Each step saves a numbered PNG.
Waits are explicit (WebDriverWait). Exits 1 with a message on the first failed check, 2 when the browser cannot
start.
"""
import argparse
import datetime
import os
import shutil
import sys
import tempfile
import time

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
TIMEOUT = float(os.environ.get("BROWSER_TEST_TIMEOUT", "20"))


class CheckFailed(Exception):
    pass


class Run:
    """The run's settings, its screenshots counter and its browsers."""

    def __init__(self, base_url, screenshots):
        self.base_url = base_url.rstrip("/")
        self.screenshots = screenshots
        self.shot_number = 0
        self.browsers = []
        self.started = time.monotonic()
        self.step_started = self.started
        os.makedirs(screenshots, exist_ok=True)

    def step(self, text):
        now = time.monotonic()
        print(f"[{now - self.started:6.1f}s] {text}", flush=True)
        self.step_started = now

    def shot(self, browser, label, scroll_to=None):
        """Saves the window as NN-label.png; scroll_to (css) brings that part of the page into view first."""
        if scroll_to:
            for e in browser.driver.find_elements(By.CSS_SELECTOR, scroll_to):
                browser.driver.execute_script("arguments[0].scrollIntoView({block: 'start'}); window.scrollBy(0, -110)", e)
                break
        self.shot_number += 1
        path = os.path.join(self.screenshots, f"{self.shot_number:02d}-{label}.png")
        browser.driver.save_screenshot(path)
        print(f"           screenshot {os.path.basename(path)} ({browser.name})", flush=True)

    def close(self):
        for b in self.browsers:
            b.quit()


class Browser:
    """One headless Chromium with its own profile (so its own sessionStorage and its own live stream)."""

    def __init__(self, run, name):
        self.run = run
        self.name = name
        self.downloads = tempfile.mkdtemp(prefix=f"collab-downloads-{name}-")
        options = Options()
        options.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900",
                    "--lang=en-US"):
            options.add_argument(arg)
        options.add_experimental_option("prefs", {
            "download.default_directory": self.downloads,
            "download.prompt_for_download": False,
            "safebrowsing.enabled": False,
        })
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
        self.driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                                    {"behavior": "allow", "downloadPath": self.downloads})
        run.browsers.append(self)

    def quit(self):
        try:
            self.print_console()
            self.driver.quit()
        except WebDriverException:
            pass
        shutil.rmtree(self.downloads, ignore_errors=True)

    # -- waiting and checking --------------------------------------------------------------------------------

    def wait(self, condition, what, timeout=TIMEOUT):
        """Waits for condition(driver) to be truthy; fails with `what` and what the page shows otherwise."""
        try:
            # The page replaces its content when it renders; an element found just before that is retried.
            return WebDriverWait(self.driver, timeout, poll_frequency=0.2,
                                 ignored_exceptions=(StaleElementReferenceException,)).until(condition)
        except TimeoutException:
            self.fail(f"{what} (waited {timeout:.0f}s)")

    def fail(self, message):
        details = [f"{self.name}: {message}", f"  page: {self.driver.current_url}"]
        try:
            view = self.driver.find_element(By.ID, "main").get_attribute("data-view")
            details.append(f"  view: {view}")
            for e in self.driver.find_elements(By.CSS_SELECTOR, "[data-test=error], [data-test=flash-error]"):
                if e.text.strip():
                    details.append(f"  error shown: {e.text.strip()}")
        except WebDriverException:
            pass
        try:
            self.run.shot(self, "FAILED")
        except WebDriverException:
            pass
        raise CheckFailed("\n".join(details))

    def check(self, condition, message):
        if not condition:
            self.fail(message)

    def el(self, css, what=None, timeout=TIMEOUT):
        """The first visible element matching css, waited for."""
        def find(d):
            for e in d.find_elements(By.CSS_SELECTOR, css):
                if e.is_displayed():
                    return e
            return None
        return self.wait(find, what or f"{css} is shown", timeout)

    def click(self, target, what=None):
        """Clicks an element (or the first visible one matching css) after scrolling it to the middle of the
        window, clear of the sticky header."""
        element = self.el(target, what) if isinstance(target, str) else target
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()
        return element

    def all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def view(self, name, extra=""):
        """Waits until the app has rendered the view `name` (main[data-view])."""
        self.el(f'#main[data-view="{name}"]{extra}', f'the page "{name}" is shown')

    def go(self, hash_path):
        """Opens a route by typing its address, as a person would (the same address again: a reload)."""
        url = f"{self.run.base_url}/#{hash_path}"
        if self.driver.current_url == url:
            self.driver.refresh()
        else:
            self.driver.get(url)

    def text(self, css):
        return self.el(css).text.strip()

    def print_console(self):
        """Prints what the page logged (JavaScript errors fail the run at the end)."""
        try:
            entries = self.driver.get_log("browser")
        except WebDriverException:
            return []
        for e in entries:
            # The API's 404s for pages a member may not see are expected; the rest is worth reading.
            if "status of 404" in e.get("message", ""):
                continue
            if e.get("level") in ("SEVERE", "WARNING"):
                print(f"           console ({self.name}) {e['level']}: {e['message']}", flush=True)
        return entries

    # -- the dashboard ---------------------------------------------------------------------------------------

    def sign_in(self, member, expect_view="todo"):
        if self.all("#sign-out") and self.driver.find_element(By.ID, "sign-out").is_displayed():
            self.click("#sign-out")
            self.view("signin")
        self.go("/signin")
        self.view("signin")
        select = Select(self.el("#signin-member"))
        ids = [o.get_attribute("value") for o in select.options]
        self.check(member in ids, f"the sign-in list offers {member} (it offers {ids})")
        groups = [g.get_attribute("label") for g in self.all("#signin-member optgroup")]
        self.check(len(groups) >= 2, f"the sign-in list is grouped (groups: {groups})")
        select.select_by_value(member)
        passcode = self.el("#signin-passcode")
        self.check(passcode.get_attribute("value") == "collab", "the passcode field is prefilled with collab")
        self.click("#signin-submit")
        self.view(expect_view)
        self.wait(lambda d: d.find_element(By.ID, "me-name").text.strip(), "the header names the member")

    def offered_actions(self):
        """The item page's action buttons; checks they are exactly the actions the API listed."""
        container = self.el("#item-actions")
        listed = [a for a in (container.get_attribute("data-actions") or "").split(",") if a]
        buttons = [b.get_attribute("data-action") for b in container.find_elements(By.CSS_SELECTOR, "button")
                   if b.is_displayed()]
        expected = sorted(listed)
        self.check(sorted(buttons) == expected,
                   f"the page offers exactly the API's actions (buttons {sorted(buttons)}, API {sorted(listed)})")
        return set(buttons)

    def item_state(self, *states):
        """Waits for one of the states; answers (state, its label)."""
        css = ", ".join(f'#item-state[data-state="{s}"]' for s in states)
        element = self.el(css, f"the item's state is {' or '.join(states)}")
        return element.get_attribute("data-state"), element.text.strip()

    def audit(self):
        rows = []
        for tr in self.all("#audit-table tbody tr"):
            cells = [td.text.strip() for td in tr.find_elements(By.TAG_NAME, "td")]
            rows.append((tr.get_attribute("data-action"), cells))
        return rows

    def unread(self):
        badge = self.driver.find_element(By.ID, "unread-badge")
        return int(badge.get_attribute("data-count") or "0")


def expect_actions(b, offered, has=(), lacks=()):
    missing = [a for a in has if a not in offered]
    extra = [a for a in lacks if a in offered]
    b.check(not missing and not extra,
            f"actions offered {sorted(offered)}: should include {list(has)}, should not include {list(lacks)}")


def is_subsequence(wanted, seen):
    it = iter(seen)
    return all(any(x == w for x in it) for w in wanted)


def wait_download(b, suffix, what):
    """Waits for a finished download ending in suffix; answers its path."""
    def done(_):
        names = [n for n in os.listdir(b.downloads) if n.endswith(suffix)]
        partial = [n for n in os.listdir(b.downloads) if n.endswith(".crdownload")]
        return os.path.join(b.downloads, names[0]) if names and not partial else None
    return b.wait(done, what, timeout=30)


# ---------------------------------------------------------------------------------------------------------------
# The scenarios
# ---------------------------------------------------------------------------------------------------------------

def scenario_full(run):
    stamp = datetime.datetime.now().strftime("%H%M%S")
    title = f"Update the X1 kettle firmware ({stamp})"
    reason = "The changelog is missing; please add it to the release notes."

    # Two browsers: A for the initiator, the reviewer and the supplier in turn; B for li.wei all along, so that
    # the rejection's notice has to arrive through li.wei's open stream.
    a = Browser(run, "browser-A")
    b = Browser(run, "browser-B")

    run.step("zhao.lei signs in and creates an item for li.wei, reviewed by wang.fang")
    a.sign_in("zhao.lei")
    run.shot(a, "zhao-lei-todo")
    a.click('[data-test="nav-newItem"]')
    a.view("newitem")
    a.el("#new-title").send_keys(title)
    a.el("#new-description").send_keys("Release 1.2 of the heating control firmware, with the changelog.")
    assignees = Select(a.el("#new-assignee"))
    a.check("li.wei" in [o.get_attribute("value") for o in assignees.options], "li.wei can be chosen as assignee")
    assignees.select_by_value("li.wei")
    Select(a.el("#new-reviewer")).select_by_value("wang.fang")
    due = (datetime.date.today() + datetime.timedelta(days=5))
    a.driver.execute_script("arguments[0].value = arguments[1]", a.el("#new-due"), due.isoformat())
    Select(a.el("#new-priority")).select_by_value("high")
    # An empty title is refused on the page before anything is sent.
    a.el("#new-title").clear()
    a.click("#new-submit")
    a.el("#new-item-form [data-test=error]", "an error for the missing title")
    a.el("#new-title").send_keys(title)
    run.shot(a, "new-item-form")
    a.click("#new-submit")
    a.view("item")
    item_id = a.el("section.item").get_attribute("data-item-id")
    a.check(item_id, "the new item's page names its id")
    a.check(a.text("#item-title, [data-test=page-title]") == title, "the item page shows the title")
    a.el("[data-test=flash]", "a confirmation that the item was created")
    _, label = a.item_state("assigned")
    a.check(label == "Assigned", f"the state label reads Assigned (reads {label!r})")
    a.check("Li Wei" in a.text("#item-assignees") or "li.wei" in a.text("#item-assignees"),
            "the assignees name li.wei")
    offered = a.offered_actions()
    expect_actions(a, offered, lacks=("accept", "approve", "reject", "submit_for_review", "report_progress"))
    a.check(is_subsequence(["create"], [r[0] for r in a.audit()]), f"the audit trail has the creation ({a.audit()})")
    print(f"           item {item_id}; zhao.lei is offered {sorted(offered)}")
    run.shot(a, "item-created")

    run.step("li.wei signs in, finds the item in the to-do and accepts it")
    b.sign_in("li.wei")
    row = b.el(f'#todo-table tr[data-item-id="{item_id}"]', "the new item in li.wei's to-do")
    run.shot(b, "li-wei-todo")
    b.click(row.find_element(By.CSS_SELECTOR, "[data-test=item-link]"))
    b.view("item")
    b.item_state("assigned")
    offered = b.offered_actions()
    expect_actions(b, offered, has=("accept",), lacks=("approve", "reject", "submit_for_review"))
    print(f"           li.wei is offered {sorted(offered)}")
    run.shot(b, "li-wei-item-assigned")
    b.click("[data-test=action-accept]")
    _, label = b.item_state("accepted")
    b.check(label == "Accepted", f"the state label reads Accepted (reads {label!r})")
    offered = b.offered_actions()
    expect_actions(b, offered, has=("report_progress",), lacks=("accept", "approve", "reject"))
    run.shot(b, "li-wei-accepted")

    run.step("li.wei reports progress with a file")
    b.click("[data-test=action-report_progress]")
    b.el("#progress-text").send_keys("Firmware built and flashed on two pilot boards.")
    percent = b.el("#progress-percent")
    percent.clear()
    percent.send_keys("60")
    attachment = os.path.join(b.downloads, "..", f"bench-log-{stamp}.txt")
    attachment = os.path.abspath(attachment)
    with open(attachment, "w") as f:
        f.write("bench log: 2 boards flashed, 0 errors\n")
    b.driver.find_element(By.ID, "progress-file").send_keys(attachment)
    run.shot(b, "li-wei-progress-form")
    b.click("#progress-submit")
    b.el("#progress-list", "the progress list")
    b.wait(lambda d: "two pilot boards" in d.find_element(By.ID, "progress-list").text, "the report in the list")
    b.check(os.path.basename(attachment) in b.text("#progress-list"), "the attached file is listed with the report")
    b.check("60%" in b.text("#item-progress"), "the item shows 60%")
    offered = b.offered_actions()
    expect_actions(b, offered, has=("submit_for_review", "report_progress"), lacks=("accept",))
    os.remove(attachment)
    run.shot(b, "li-wei-progress-reported", scroll_to="#progress-list")

    run.step("li.wei submits it for review")
    b.click("[data-test=action-submit_for_review]")
    _, label = b.item_state("in_review")
    b.check(label == "In review", f"the state label reads In review (reads {label!r})")
    offered = b.offered_actions()
    expect_actions(b, offered, lacks=("submit_for_review", "accept", "approve", "reject"))
    run.shot(b, "li-wei-submitted")

    # li.wei stays on the page with the live stream open; a marker in the page shows later that it never reloaded.
    b.wait(lambda d: d.execute_script("return document.body.dataset.events") == "open", "li.wei's live stream is open")
    b.driver.execute_script("window.__collabMarker = 'no-reload'")
    unread_before = b.unread()
    toasts_before = len(b.all("[data-test=toast]"))

    run.step("wang.fang signs in and rejects it with a reason")
    a.sign_in("wang.fang")
    a.el(f'#todo-table tr[data-item-id="{item_id}"]', "the item in wang.fang's to-do")
    a.click(f'#todo-table tr[data-item-id="{item_id}"] [data-test=item-link]')
    a.view("item")
    a.item_state("in_review")
    offered = a.offered_actions()
    expect_actions(a, offered, has=("approve", "reject"), lacks=("accept", "submit_for_review", "report_progress"))
    print(f"           wang.fang is offered {sorted(offered)}")
    run.shot(a, "wang-fang-review")
    a.click("[data-test=action-reject]")
    a.el("#reject-reason")
    a.click("#reject-submit")  # without a reason: refused on the page
    a.el("#reject-form [data-test=error]", "an error asking for the reason")
    a.item_state("in_review")
    run.shot(a, "wang-fang-reject-needs-reason")
    a.el("#reject-reason").send_keys(reason)
    a.click("#reject-submit")

    run.step("li.wei sees the rejection arrive live (badge and toast, no reload)")
    b.wait(lambda d: b.unread() > unread_before, f"li.wei's unread badge rises above {unread_before}")
    b.wait(lambda d: len(b.all("[data-test=toast]")) > toasts_before, "a toast for the notice in li.wei's page")
    toast = b.all("[data-test=toast]")[-1].text
    b.check(b.driver.execute_script("return window.__collabMarker") == "no-reload", "li.wei's page did not reload")
    b.check(b.el("#unread-badge").is_displayed(), "the badge is shown")
    print(f"           badge {unread_before} -> {b.unread()}; toast: {toast!r}")
    run.shot(b, "li-wei-live-notice")

    # Back to wang.fang's page: the item went back to work, the reason is in the audit trail.
    # Back to work: in progress (or accepted, as the engine has it).
    state, label = a.item_state("in_progress", "accepted")
    a.check(label == {"in_progress": "In progress", "accepted": "Accepted"}[state],
            f"the state label reads the state's name (reads {label!r} for {state})")
    a.el("[data-test=flash]", "a confirmation of the rejection")
    trail = a.audit()
    a.check(any(act == "reject" and any(reason in c for c in cells) for act, cells in trail),
            f"the audit trail has the rejection with its reason ({trail})")
    offered = a.offered_actions()
    expect_actions(a, offered, lacks=("approve", "reject"))
    run.shot(a, "wang-fang-rejected", scroll_to="#audit-table")

    run.step("li.wei reads it in the message center and submits again")
    b.click("#unread-link")
    b.view("notices")
    notice = b.el(f'#notices-list li[data-record-id="{item_id}"][data-read="false"]', "an unread notice about the item")
    notice_text = notice.text
    b.check(reason in notice_text or "reject" in notice_text.lower(),
            f"the notice tells of the rejection ({notice_text!r})")
    b.check(b.driver.execute_script("return window.__collabMarker") == "no-reload", "li.wei's page did not reload")
    print(f"           notice: {notice_text!r}")
    run.shot(b, "li-wei-message-center")
    b.click("#mark-all-read")
    b.wait(lambda d: b.unread() == 0 and not d.find_element(By.ID, "unread-badge").is_displayed(),
           "the badge clears after mark all read")
    b.el(f'#notices-list li[data-record-id="{item_id}"][data-read="true"]', "the notice marked read")
    b.click(f'#notices-list li[data-record-id="{item_id}"] [data-test=notice-open]')
    b.view("item")
    b.item_state("in_progress", "accepted")
    trail = b.audit()
    b.check(any(act == "reject" and any(reason in c for c in cells) for act, cells in trail),
            "li.wei's audit trail shows the rejection reason")
    offered = b.offered_actions()
    expect_actions(b, offered, has=("submit_for_review",), lacks=("approve", "reject", "accept"))
    b.click("[data-test=action-submit_for_review]")
    b.item_state("in_review")
    run.shot(b, "li-wei-submitted-again")

    run.step("wang.fang approves it")
    a.go(f"/items/{item_id}")
    a.view("item")
    a.item_state("in_review")
    offered = a.offered_actions()
    expect_actions(a, offered, has=("approve", "reject"))
    a.click("[data-test=action-approve]")
    _, label = a.item_state("completed")
    a.check(label == "Completed", f"the state label reads Completed (reads {label!r})")
    offered = a.offered_actions()
    expect_actions(a, offered, lacks=("approve", "reject", "accept", "submit_for_review", "report_progress"))
    actions = [r[0] for r in a.audit()]
    expected = ["create", "accept", "report_progress", "submit_for_review", "reject", "submit_for_review", "approve"]
    a.check(is_subsequence(expected, actions), f"the audit trail runs {expected} (it has {actions})")
    print(f"           audit trail: {actions}")
    run.shot(a, "wang-fang-approved", scroll_to="#audit-table")
    b.go(f"/items/{item_id}")
    b.view("item")
    b.item_state("completed")
    b.el("#no-actions", "no actions left for li.wei")
    run.shot(b, "li-wei-completed")

    run.step("li.wei acknowledges the plant director's announcement")
    b.click('[data-test="nav-announcements"]')
    b.view("announcements")
    b.click("#announcements-list li[data-test=announcement] a", "an announcement in the list")
    b.view("announcement")
    b.el("#announcement-body")
    b.click("#acknowledge", "the acknowledge button")
    b.el("[data-test=ann-acknowledged]", "the announcement shows it is acknowledged")
    b.check(not b.all("#acknowledge"), "no acknowledge button once acknowledged")
    run.shot(b, "li-wei-announcement-acknowledged")

    run.step("the board shows its charts; the workbook and the CSV download")
    a.click('[data-test="nav-board"]')
    a.view("board")
    a.el("#chart-department svg", "the department chart (SVG)")
    a.el("#chart-trend svg", "the trend chart (SVG)")
    a.check(len(a.all("#board-table tbody tr")) > 0, "the per-department table has rows")
    a.check(a.text('[data-test="fig-completed"] .value') not in ("", "0"), "the board counts completed items")
    run.shot(a, "board")
    a.click("#download-xlsx")
    path = wait_download(a, ".xlsx", "the workbook download")
    with open(path, "rb") as f:
        head = f.read(2)
    a.check(head == b"PK", f"the workbook is a zip (starts with {head!r})")
    a.el("[data-test=download-done]", "the page tells the download is done")
    print(f"           workbook {os.path.basename(path)}: {os.path.getsize(path)} bytes")
    a.click("#download-csv")
    path = wait_download(a, ".csv", "the CSV download")
    with open(path, "rb") as f:
        csv = f.read()
    a.check(title.encode() in csv, "the CSV lists the new item")
    print(f"           CSV {os.path.basename(path)}: {len(csv)} bytes")
    run.shot(a, "board-downloaded")

    run.step("ma.lin (supplier) sees PO-1001 and none of the internal pages")
    a.sign_in("ma.lin", expect_view="orders")
    a.el('#orders-table tr[data-order-number="PO-1001"]', "PO-1001 in ma.lin's orders")
    nav = sorted(e.get_attribute("data-test") for e in a.all("#nav a"))
    a.check(nav == ["nav-orders", "nav-tickets"], f"ma.lin's menu has only orders and tickets ({nav})")
    run.shot(a, "ma-lin-orders")
    a.click('#orders-table tr[data-order-number="PO-1001"] [data-test=order-link]')
    a.view("order")
    a.check(len(a.all("#order-lines tbody tr")) == 3, "PO-1001 shows its 3 lines")
    a.check(len(a.all("#proposal-form [data-test=proposal-date]")) == 3, "a date to propose for each line")
    run.shot(a, "ma-lin-po-1001")
    proposed = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    for field in a.all("#proposal-form [data-test=proposal-date]"):
        a.driver.execute_script("arguments[0].value = arguments[1]", field, proposed)
    a.el("#proposal-note").send_keys("Thirty days from today for every line.")
    a.click("#proposal-submit")
    a.el("[data-test=flash]", "a confirmation that the proposal was sent")
    row = a.el("#proposals tr[data-proposal]", "the proposal in the list")
    a.check(proposed in row.text, f"the proposal lists the dates ({row.text!r})")
    a.check(not row.find_elements(By.CSS_SELECTOR, "[data-test=confirm-proposal]"),
            "the supplier is not offered to confirm their own proposal")
    run.shot(a, "ma-lin-proposed")
    for path in ("/board", f"/items/{item_id}", "/todo", "/announcements"):
        a.go(path)
        a.view("not-found")
        a.el("[data-test=not-found]")
        a.check(a.text("[data-test=not-found] h1") == "Not found", f"{path} says Not found")
    run.shot(a, "ma-lin-not-found")


def scenario_zh(run):
    b = Browser(run, "browser-zh")
    run.step("li.wei signs in (server in Chinese) and sees the to-do in Chinese")
    b.sign_in("li.wei")
    title = b.text("[data-test=page-title]")
    b.check(title == "待办", f"the to-do page's title is 待办 (it is {title!r})")
    nav = b.text("#nav")
    b.check("消息" in b.text("#unread-link") and "部门看板" in nav, f"the header is in Chinese ({nav!r})")
    lang = b.driver.execute_script("return document.documentElement.lang")
    b.check(lang == "zh-CN", f"the page's language is zh-CN ({lang!r})")
    b.check(any("\u4e00" <= ch <= "\u9fff" for ch in b.text("#me-name")), "the member's name is in Chinese")
    run.shot(b, "zh-li-wei-todo")
    # The seeded item assigned to li.wei, with its Chinese title and the state label in Chinese.
    b.click('[data-test="nav-items"]')
    b.view("items")
    row = b.el("#items-table tr[data-item-id]", "li.wei's items")
    b.check("电路设计评审" in b.text("#items-table"), f"the seeded item's Chinese title is listed ({row.text!r})")
    b.check("已完成" in b.text("#items-table"), "the completed state reads 已完成")
    run.shot(b, "zh-li-wei-items")
    b.click("#lang-toggle")
    b.wait(lambda d: d.find_element(By.CSS_SELECTOR, "[data-test=page-title]").text.strip() == "My items",
           "the toggle switches to English")
    run.shot(b, "zh-toggled-english")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--screenshots", required=True)
    parser.add_argument("--scenario", choices=["full", "zh"], default="full")
    args = parser.parse_args()
    run = Run(args.base_url, args.screenshots)
    status = 0
    try:
        (scenario_full if args.scenario == "full" else scenario_zh)(run)
        # A JavaScript error anywhere fails the run even if every check passed.
        errors = []
        for b in run.browsers:
            errors += [e["message"] for e in b.print_console()
                       if e.get("level") == "SEVERE" and "Uncaught" in e.get("message", "")]
        if errors:
            raise CheckFailed("JavaScript errors in the page:\n  " + "\n  ".join(errors))
        print(f"browser test ({args.scenario}): all checks passed in {time.monotonic() - run.started:.1f}s; "
              f"{run.shot_number} screenshots in {args.screenshots}")
    except CheckFailed as e:
        print(f"FAILED: {e}", file=sys.stderr)
        status = 1
    except WebDriverException as e:
        print(f"FAILED: the browser: {e.msg if hasattr(e, 'msg') else e}", file=sys.stderr)
        status = 2
    finally:
        run.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
