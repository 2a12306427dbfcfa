"""The learner's path in a real browser: headless Chromium (Debian's package, driven by Playwright)
against the JupyterLab `make lab` serves.

The start page loads; lesson 01 opens from it with its mermaid diagram rendered as SVG and its plot
shown; an exercise opens from `exercises/` in the file browser; a wrong answer's `check("q1")` shows
the teaching message; and no error dialog (nbgrader's "Error fetching courses!", "The exchange
directory does not exist", or any other) appears on the way. Screenshots go to
`test-artifacts/browser/` (git-ignored), one per step. The lab serves a clone of this repository
(at its HEAD commit), so the answers typed in the browser land there.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import socket
import urllib.parse
from pathlib import Path
from typing import Iterator

import pytest

from tests.labserver import Lab, clone, lab_env

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "test-artifacts" / "browser"
# Chromium on a machine without internet: no background traffic, no first-run UI, a fresh profile.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WRONG_ANSWER = ('web_service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web-service"}, '
                '"spec": {"selector": {"app": "webapp"}, "ports": [{"port": 80, "targetPort": 8080}]}}\n'
                "lab.apply(web_service)")
ERRORS_SEEN = ("Error fetching courses", "The exchange directory does not exist", "Error fetching assignments")


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI has no chromium: `make test` installs Debian's chromium package (the `chromium` target)")
        pytest.skip("no chromium here (Debian's chromium package runs the browser test)")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    chromium()
    tmp = tmp_path_factory.mktemp("browser")
    # a clone, so what the browser types into an exercise (and JupyterLab's autosave) never touches this checkout
    checkout = clone(tmp / "svclab")
    served = Lab(checkout, tmp / "state", free_port(), lab_env(tmp))
    served.make("lab")
    yield served
    served.make("down", check=False)


@pytest.fixture(scope="module")
def page(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    with sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=chromium(), headless=True,
            args=CHROMIUM_FLAGS, viewport={"width": 1400, "height": 1000})
        opened = context.new_page()
        opened.set_default_timeout(60_000)
        yield opened
        context.close()


def no_error_dialog(page: object, step: str) -> None:
    page.screenshot(path=str(SHOTS / f"{step}.png"))  # type: ignore[attr-defined]
    dialogs = page.locator(".jp-Dialog")  # type: ignore[attr-defined]
    assert dialogs.count() == 0, f"{step}: a dialog appeared: {dialogs.first.inner_text()}"
    text = page.locator("body").inner_text()  # type: ignore[attr-defined]
    assert not [e for e in ERRORS_SEEN if e in text], f"{step}: an nbgrader error is shown"


def visible_notebook(page: object) -> object:
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")  # type: ignore[attr-defined]


def test_the_start_page_loads(page: object, lab: Lab) -> None:
    page.goto(lab.record["url"])  # type: ignore[attr-defined]
    heading = visible_notebook(page).locator(".jp-MarkdownCell h1").first
    assert heading.inner_text() == "svclab: Kubernetes Service discovery, hands on"
    assert page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current").inner_text().strip() == "START.ipynb"  # type: ignore[attr-defined]
    table = visible_notebook(page).locator("table").first
    assert "ps1-clusterip" in table.inner_text() and "clusterip" in table.inner_text()
    no_error_dialog(page, "01-start-page")


def test_lesson_01_opens_with_its_diagram_as_svg_and_its_plot(page: object) -> None:
    visible_notebook(page).get_by_role("link", name="ClusterIP Services").click()
    page.locator("#jp-main-dock-panel .lm-TabBar-tab", has_text="01-clusterip.ipynb").click()  # type: ignore[attr-defined]
    lesson = visible_notebook(page)
    diagram = lesson.locator(".jp-RenderedMermaid img").first
    diagram.wait_for(state="attached")
    source = urllib.parse.unquote(diagram.get_attribute("src") or "")
    assert source.startswith("data:image/svg+xml,")
    assert "<svg" in source and "kube-proxy" in source  # a node of the lesson's diagram, drawn by mermaid
    assert lesson.locator(".jp-RenderedMermaid.jp-mod-warning").count() == 0
    plot = lesson.locator(".jp-RenderedImage img").first
    plot.scroll_into_view_if_needed()
    png = plot.get_attribute("src") or ""
    assert png.startswith("data:image/png;base64,") and base64.b64decode(png.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert plot.evaluate("img => img.complete && img.naturalWidth > 100")
    no_error_dialog(page, "02-lesson-01")


def test_an_exercise_opens_from_the_file_browser(page: object) -> None:
    browser = page.locator(".jp-FileBrowser")  # type: ignore[attr-defined]
    browser.locator(".jp-BreadCrumbs-home").click()
    for name in ("exercises", "ps1-clusterip", "ps1-clusterip.ipynb"):
        browser.locator(".jp-DirListing-item", has_text=re.compile(rf"^{re.escape(name)}")).first.dblclick()
    page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current", has_text="ps1-clusterip.ipynb").wait_for()  # type: ignore[attr-defined]
    exercise = visible_notebook(page)
    exercise.locator(".jp-MarkdownCell h1", has_text="Problem set 1").wait_for()
    exercise.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for()  # its kernel is up
    no_error_dialog(page, "03-exercise-open")


def run_cell(page: object, cell: object) -> None:
    cell.locator(".jp-InputPrompt").click()  # type: ignore[attr-defined]
    page.keyboard.press("Shift+Enter")  # type: ignore[attr-defined]


def test_a_wrong_answer_gets_the_teaching_message(page: object) -> None:
    exercise = visible_notebook(page)
    cells = exercise.locator(".jp-Notebook .jp-Cell")
    setup, answer, check = cells.nth(1), cells.nth(3), cells.nth(4)
    run_cell(page, setup)
    setup.locator(".jp-OutputArea-output table").wait_for(timeout=120_000)  # the web pods, once Ready
    answer.locator(".cm-content").click()
    page.keyboard.press("Control+a")  # type: ignore[attr-defined]
    page.keyboard.insert_text(WRONG_ANSWER)  # type: ignore[attr-defined]
    page.keyboard.press("Shift+Enter")  # type: ignore[attr-defined]
    answer.locator(".jp-InputArea-prompt", has_text=re.compile(r"\[\d+\]")).wait_for(timeout=120_000)
    run_cell(page, check)
    message = check.locator(".jp-OutputArea-output", has_text="visible checks pass")
    message.wait_for(timeout=120_000)
    text = message.inner_text()
    assert "q1: 2 of 3 visible checks pass" in text
    assert "your Service `web-service` selects `app=webapp` but the pods are labelled `app=web,tier=frontend`" in text
    check.scroll_into_view_if_needed()
    no_error_dialog(page, "04-check-q1")
