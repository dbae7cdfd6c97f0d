"""A mirror in a real browser: its console with the lag and the take-over button (screenshots
at the wall's and a phone's size), and a phone that goes to the mirror by itself once the
primary stops (static/mirror.js), then answers there after the facilitator took over; and a
phone opened before the mirror was announced, which learns it from the pushed header."""

from __future__ import annotations

import contextlib
import re
import time
from typing import Any

import httpx
from harness import free_port, screenshot, serve_in_thread
from playwright.sync_api import expect

from app.config import Settings
from app.copies.follow import Follower
from app.db import Database
from app.web.app import create_app

WAIT_MS = 30_000  # the longest the browser may take for anything here (a bound, not a measure)


def until(condition: Any, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout:.0f} s: {what}"
        time.sleep(0.05)


def test_a_phone_goes_to_the_mirror_and_answers_there_after_the_take_over(
    browser: Any, settings: Settings, db: Database, copy_db: Database
) -> None:
    primary_port, mirror_port = free_port(), free_port()
    primary, mirror = f"http://127.0.0.1:{primary_port}", f"http://127.0.0.1:{mirror_port}"
    with contextlib.ExitStack() as servers:
        stop_primary = contextlib.ExitStack()
        servers.enter_context(stop_primary)
        stop_primary.enter_context(
            serve_in_thread(
                create_app(settings.model_copy(update={"public_url": primary}), db),
                port=primary_port,
            )
        )
        made = httpx.post(
            f"{primary}/api/assemblies", json={"title": "Riverside GA", "facilitator_name": "Noor"}
        ).json()
        aid, key = made["id"], made["facilitator_token"]
        fac = {"Authorization": f"Bearer {key}"}
        keiko = httpx.post(
            f"{primary}/api/join", json={"join_code": made["join_code"], "name": "Keiko"}
        ).json()
        base = f"{primary}/api/assemblies/{aid}"
        proposal = httpx.post(
            f"{base}/proposals", json={"title": "Winter tarps", "text": "Buy tarps."}, headers=fac
        ).json()
        httpx.post(f"{base}/agenda/{proposal['agenda_item_id']}/open", headers=fac)
        pid = proposal["proposal_id"]
        httpx.post(
            f"{primary}/api/proposals/{pid}/stage", json={"stage": "consensus_call"}, headers=fac
        )
        httpx.post(f"{primary}/api/proposals/{pid}/rounds", json={"kind": "consensus"}, headers=fac)
        ruth = httpx.post(
            f"{primary}/api/join", json={"join_code": made["join_code"], "name": "Ruth"}
        ).json()
        # Ruth's page opened before the mirror was announced: it learns it from the push.
        early = browser.new_context(viewport={"width": 390, "height": 844})
        servers.callback(early.close)
        hers = early.new_page()
        hers.goto(f"{primary}/a/{aid}?key={ruth['token']}")
        expect(hers.locator("#mc-connection")).to_have_attribute("data-state", "live")
        assert hers.locator("body").get_attribute("data-mirror-pass") is None
        httpx.post(f"{base}/mirrors", json={"address": mirror}, headers=fac).raise_for_status()
        expect(hers.locator("#mc-header")).to_have_attribute("data-mirrors", mirror)
        expect(hers.locator("body")).to_have_attribute(
            "data-mirror-pass", re.compile(rf"^{ruth['participant_id']}\."), timeout=WAIT_MS
        )

        follower = Follower(db=copy_db, primary=primary, assembly_id=aid, key=key)
        mirror_settings = settings.model_copy(
            update={"public_url": mirror, "database_url": str(copy_db.url)}
        )
        servers.enter_context(
            serve_in_thread(create_app(mirror_settings, copy_db, follower), port=mirror_port)
        )
        until(lambda: follower.held == follower.primary_head > 0, "the mirror caught up")

        wall = browser.new_context(viewport={"width": 1920, "height": 1080})
        phone = browser.new_context(viewport={"width": 390, "height": 844})
        facilitator = browser.new_context(viewport={"width": 390, "height": 844})
        try:
            page = wall.new_page()
            page.goto(f"{primary}/a/{aid}/console?key={key}")
            expect(page.locator("#mc-mirrors .would-lose")).to_be_visible(timeout=WAIT_MS)
            screenshot(page, "mirror-primary-console-1920x1080")
            page.goto(f"{mirror}/a/{aid}/console?key={key}")
            expect(page.locator("#mc-mirrors .lag-events")).to_have_text("0", timeout=WAIT_MS)
            # Read-only until taken over: the room without the controls it would refuse.
            expect(page.locator("#mc-action-form")).to_be_hidden()
            expect(page.locator("#mc-mirrors .take-over button")).to_be_visible()
            screenshot(page, "mirror-console-1920x1080")

            mine = phone.new_page()
            mine.goto(f"{primary}/a/{aid}?key={keiko['token']}")
            expect(mine.locator("#mc-connection")).to_have_attribute("data-state", "live")

            stop_primary.close()  # the primary stops answering
            console = facilitator.new_page()
            console.goto(f"{mirror}/a/{aid}/console?key={key}")
            expect(console.locator("#mc-mirrors .is-lost")).to_be_visible(timeout=WAIT_MS)
            screenshot(console, "mirror-console-primary-lost-390x844", full_page=False)
            screenshot(console, "mirror-console-primary-lost-390x844-scrolled")

            mine.wait_for_url(f"{mirror}/a/{aid}", timeout=WAIT_MS)
            hers.wait_for_url(f"{mirror}/a/{aid}", timeout=WAIT_MS)
            expect(hers.locator("body")).to_contain_text("Ruth")
            console.locator(".btn-take-over").click()
            expect(console.locator("#mc-mirrors .is-taken-over")).to_be_visible(timeout=WAIT_MS)
            expect(console.locator("#mc-action-form")).to_be_visible()
            mine.locator("#mc-answers .for-consensus button[data-value=agree]").click()
            expect(
                mine.locator("#mc-answers .for-consensus button[data-value=agree]")
            ).to_have_attribute("aria-pressed", "true", timeout=WAIT_MS)
            screenshot(mine, "mirror-phone-after-take-over-390x844", full_page=False)
        finally:
            for context in (wall, phone, facilitator):
                context.close()
