/* Mic Check proposals: keep the forms that live outside the pushed regions in step with the
   proposal and round on screen, and work out the personal bits (am I the presenter? is my
   answer about this round? did I block?) from public fragments plus my own private reply. */
(function () {
  "use strict";
  var me = document.body.getAttribute("data-participant-id") || "";

  function attr(el, name) { return el ? (el.getAttribute(name) || "") : ""; }

  function sync() {
    var proposal = document.getElementById("mc-proposal");
    var round = document.getElementById("mc-round");
    var body = document.body;
    var roundId = attr(round, "data-round-id");
    var state = roundId ? attr(round, "data-kind") + "-" + attr(round, "data-status") : "none";
    body.setAttribute("data-round-state", state);
    // Forms that no longer apply leave as soon as the assembly closes (CSS reads data-status).
    var header = document.getElementById("mc-header");
    if (header) {
      var status = attr(header, "data-status") || "open";
      // When the assembly closes, a phone goes back to the top: "closed: read the minutes".
      if (status === "closed" && body.getAttribute("data-status") === "open" &&
          body.getAttribute("data-view") === "phone") {
        setTimeout(function () { window.scrollTo(0, 0); }, 120);
      }
      body.setAttribute("data-status", status);
    }
    body.setAttribute("data-amendable", attr(proposal, "data-amendable") || "no");
    body.setAttribute("data-decidable", attr(proposal, "data-decidable") || "no");
    body.setAttribute("data-can-block", attr(proposal, "data-can-block") || "no");
    body.setAttribute("data-fallback", attr(round, "data-fallback") || "no");
    body.setAttribute("data-proposal", proposal && !proposal.classList.contains("empty") ? "yes" : "no");
    var presenter = attr(proposal, "data-presenter-id");
    body.classList.toggle("is-presenter", !!me && presenter === me);

    // Forms outside the regions carry the ids of what is on screen now.
    var follow = document.querySelectorAll("input[data-follow]");
    for (var i = 0; i < follow.length; i++) {
      var input = follow[i];
      input.value = input.getAttribute("data-follow") === "round"
        ? roundId : attr(proposal, "data-proposal-id");
    }

    // My answer is shown only while it is about the round on screen.
    var mine = document.getElementById("mc-mine");
    var mineRound = attr(mine, "data-round-id");
    if (mine) {
      mine.hidden = !mineRound || mineRound !== roundId;
      mine.classList.toggle("closed", attr(round, "data-status") === "closed");
    }
    // Named blockers' hands went to the head of the stack when the call closed; in an
    // anonymous call nobody knows who blocked, so each blocker's own phone invites them.
    var blocked = attr(round, "data-status") === "closed" && attr(round, "data-outcome") === "blocked" &&
      attr(round, "data-anonymous") === "yes";
    body.classList.toggle("i-blocked", blocked && mineRound === roundId && attr(mine, "data-value") === "block");

    // My answer is marked on its own button, not only written below.
    var chosen = mine && !mine.hidden ? attr(mine, "data-value") : "";
    var answers = document.querySelectorAll("#mc-answers [data-value]");
    for (var j = 0; j < answers.length; j++) {
      var on = !!chosen && answers[j].getAttribute("data-value") === chosen;
      answers[j].classList.toggle("chosen", on);
      if (answers[j].tagName === "BUTTON") { answers[j].setAttribute("aria-pressed", on ? "true" : "false"); }
    }
    bringIntoView(roundId, attr(round, "data-status"), round);
  }

  // A phone is often scrolled far down: when a round opens, bring it (and its answer buttons)
  // into view and buzz once; when it closes, bring its outcome into view.
  var seen = null;
  function bringIntoView(roundId, status, round) {
    var now = roundId ? roundId + ":" + status : "";
    var before = seen;
    seen = now;
    if (before === null || before === now || !roundId || document.body.getAttribute("data-view") !== "phone") { return; }
    var opened = status === "open" && before.split(":")[0] !== roundId;
    var closed = status === "closed" && before === roundId + ":open";
    if (!opened && !closed) { return; }
    // After the push's other regions have been swapped in (they would move the page again).
    setTimeout(function () {
      var now = document.getElementById("mc-round");
      if (now) { now.scrollIntoView({block: "start"}); }
    }, 60);
    if (opened && navigator.vibrate) {
      try { navigator.vibrate(200); } catch (e) { /* not allowed before a first tap */ }
    }
  }

  // A friendly amendment starts from the current text, so people change words, not retype.
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!details.open || !details.querySelector) { return; }
    var area = details.querySelector("textarea[data-fill-from]");
    var source = area && document.querySelector(area.getAttribute("data-fill-from"));
    if (area && source && !area.value) { area.value = source.textContent; }
  }, true);

  document.addEventListener("htmx:afterSettle", sync);
  document.addEventListener("htmx:oobAfterSwap", sync);
  sync();
})();

/* The minute taker's keys: Ctrl+Enter saves the note, Alt+1…7 picks a label (Alt+0: none). */
(function () {
  "use strict";
  var form = document.getElementById("mc-note-form");
  if (!form) { return; }
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
      return;
    }
    if (event.altKey && /^[0-7]$/.test(event.key)) {
      var choices = form.querySelectorAll("input[name=label]");
      var choice = choices[Number(event.key)];
      if (choice) { event.preventDefault(); choice.checked = true; }
    }
  });
})();
