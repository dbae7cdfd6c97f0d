"""The minute taker's note box on the console: labels, gaps, corrections, who may write."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import GA, join, ok
from tests.web.screens import Screen, soup


def notes_shown(page: object) -> list[str]:
    return [li.get_text(" ", strip=True) for li in soup(page).select("#mc-notes .note")]


def test_a_note_with_a_label_appears_at_once_in_the_latest_notes(
    client: TestClient, assembly: GA
) -> None:
    console = Screen(client, assembly, assembly.facilitator.token, "console")
    assert console.page().select_one("#mc-note-form textarea[name=text]") is not None
    written = console.post("notes", text="Chen asked how many sleep out: about 40.", label="CQ")
    assert written.status_code == 200
    [line] = notes_shown(written)
    assert "CQ" in line and "about 40" in line


def test_mark_a_gap_writes_the_ellipsis_and_a_correction_names_the_note(
    client: TestClient, assembly: GA
) -> None:
    console = Screen(client, assembly, assembly.facilitator.token, "console")
    first = soup(console.post("notes", text="Emeka: fire lane.", label="Crn"))
    note_id = first.select_one("#mc-notes .note")["data-note-id"]
    gap = console.post("notes", text="", gap="yes")
    assert gap.status_code == 200 and "…" in notes_shown(gap)[0]
    fixed = console.post("notes", text="It was Hannah, not Emeka.", corrects=note_id)
    assert f"correction of note {note_id}" in notes_shown(fixed)[0]
    # Corrections are new notes: the first one still reads as it was written.
    assert any("Emeka: fire lane." in line for line in notes_shown(fixed))


def test_a_participant_without_the_minute_taker_role_cannot_write_notes(
    client: TestClient, assembly: GA
) -> None:
    ben = join(client, assembly, "Ben")
    phone = Screen(client, assembly, ben.token, "phone")
    refused = phone.post("notes", text="I was here.")
    assert refused.status_code == 403
    assert soup(refused).select_one("#mc-error").get_text(strip=True)
    ok(
        client.post(
            f"/api/assemblies/{assembly.id}/roles",
            json={"participant_id": ben.participant_id, "role": "minute_taker"},
            headers=assembly.facilitator.headers,
        )
    )
    assert phone.post("notes", text="Now I may.").status_code == 200


def test_the_console_leaves_speakers_names_out_of_the_minutes_and_back(
    client: TestClient, assembly: GA
) -> None:
    console = Screen(client, assembly, assembly.facilitator.token, "console")
    form = console.page().select_one("#mc-notes form.names-setting")
    assert form.select_one("input[name=speaker_names]")["value"] == "no"
    assert "Leave speakers’ names out" in form.button.get_text()
    out = console.post("minutes/settings", speaker_names="no")
    assert out.status_code == 200
    shown = soup(out).select_one("#mc-notes form.names-setting")
    assert "without names" in shown.get_text() and "Name speakers" in shown.button.get_text()
    state = ok(client.get(f"/api/assemblies/{assembly.id}", headers=assembly.facilitator.headers))
    assert state["minutes_speaker_names"] is False
    assert console.post("minutes/settings", speaker_names="yes").status_code == 200
    refused = console.post("minutes/settings", speaker_names="maybe")
    assert refused.status_code == 422
    assert "yes or no" in soup(refused).select_one("#mc-error").get_text()
    phone = Screen(client, assembly, join(client, assembly, "Ben").token, "phone")
    assert phone.post("minutes/settings", speaker_names="no").status_code == 403


def test_the_console_keeps_how_the_room_took_each_turn_in_the_minutes_and_leaves_it_out(
    client: TestClient, assembly: GA
) -> None:
    console = Screen(client, assembly, assembly.facilitator.token, "console")
    form = console.page().select_one("#mc-notes input[name=signals]").parent
    assert form.select_one("input[name=signals]")["value"] == "yes"  # off until turned on
    assert "stay out of the minutes" in form.get_text()
    kept = console.post("minutes/settings", signals="yes")
    assert kept.status_code == 200
    shown = soup(kept).select_one("#mc-notes input[name=signals]").parent
    assert "signals: mostly agree" in shown.get_text() and "Leave the room" in shown.get_text()
    assert shown.select_one("input[name=signals]")["value"] == "no"
    state = ok(client.get(f"/api/assemblies/{assembly.id}", headers=assembly.facilitator.headers))
    assert state["minutes_signals"] is True and state["minutes_speaker_names"] is True
    refused = console.post("minutes/settings", signals="often")
    assert refused.status_code == 422
    assert soup(refused).select_one("#mc-error p")["data-code"] == "bad_signals"
    assert console.post("minutes/settings").status_code == 422  # neither: no_setting
    phone = Screen(client, assembly, join(client, assembly, "Ben").token, "phone")
    assert phone.post("minutes/settings", signals="yes").status_code == 403
