/* The wall: name the moment of the evening from the regions on screen (projector.css lays out
   each), then make everything fit — a long proposal text shrinks down to the smallest size the
   back of the room can read, then pages (the facilitator turns them from the console); lists
   show the entries that fit and count the rest. Nothing is cut off, nothing scrolls.
   Plain ES5, like the other scripts. */
(function () {
  "use strict";
  var wall = document.querySelector("main.projector");
  if (!wall) { return; }

  function byId(id) { return document.getElementById(id); }
  function attr(el, name) { return el ? (el.getAttribute(name) || "") : ""; }
  function has(el, name) { return !!el && el.classList.contains(name); }

  // Texts come from the page, in its language (base.html's data-t-* on <body>): %(name)s is filled in.
  function say(name, values) {
    var text = document.body.getAttribute("data-t-" + name) || "";
    return text.replace(/%\((\w+)\)s/g, function (whole, key) {
      return values && values.hasOwnProperty(key) ? String(values[key]) : whole;
    });
  }

  function moment() {
    var header = byId("mc-header"), proposal = byId("mc-proposal"), round = byId("mc-round");
    var speaker = byId("mc-speaker"), stack = byId("mc-stack"), agenda = byId("mc-agenda");
    var hasProposal = proposal && !has(proposal, "empty");
    var hasRound = round && !has(round, "empty") && attr(round, "data-round-id") !== "";
    if (attr(header, "data-status") === "closed") { return "closed"; }
    if (has(round, "is-open")) { return "round"; }
    if (hasProposal && attr(proposal, "data-stage") === "decided") { return "outcome"; }
    if (hasProposal) { return "proposal"; }
    if (has(speaker, "has-speaker") || attr(stack, "data-count") !== "0") { return "speaker"; }
    if (hasRound && attr(round, "data-kind") === "minutes") { return "outcome"; }
    if (attr(agenda, "data-open-item") === "" && attr(agenda, "data-done") !== "0") { return "between"; }
    return "floor";
  }

  // The smallest type the back of the room reads (projector.css --back), in px.
  function minimumPx() {
    var probe = document.createElement("span");
    probe.style.fontSize = "var(--back)";
    probe.style.position = "absolute";
    probe.style.visibility = "hidden";
    wall.appendChild(probe);
    var px = parseFloat(getComputedStyle(probe).fontSize) || 40;
    wall.removeChild(probe);
    return px;
  }

  function overflows(el) {
    return el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1;
  }

  function visible(el) { return !!el && el.getClientRects().length > 0; }

  // Hide a list's last entries until its region fits; say how many are not shown.
  function fitList(region, items, more) {
    var shown = items.length;
    while (overflows(region) && shown > 0) {
      shown -= 1;
      items[shown].setAttribute("data-fit-hidden", "");
      items[shown].style.display = "none";
    }
    if (more) {
      var total = parseInt(attr(more, "data-total"), 10);
      if (isNaN(total)) { total = items.length; }
      var rest = total - shown;
      more.hidden = rest <= 0;
      if (rest > 0) { more.textContent = say("more", {n: rest}); }
    }
  }

  function resetFit() {
    var hidden = wall.querySelectorAll("[data-fit-hidden]");
    for (var i = 0; i < hidden.length; i++) {
      hidden[i].style.display = "";
      hidden[i].removeAttribute("data-fit-hidden");
    }
    var text = wall.querySelector("#mc-proposal .proposal-text");
    if (text) {
      text.style.fontSize = "";
      text.style.height = "";
      text.classList.remove("paged");
    }
    var note = byId("mc-page-note");
    if (note) { note.parentNode.removeChild(note); }
  }

  // The proposal text: the largest size (down to the minimum) at which its region fits; past
  // that, whole lines a page, and the page the facilitator chose (data-wall-page).
  function fitProposal(min) {
    var region = byId("mc-proposal");
    var text = region && region.querySelector(".proposal-text");
    // The text may be squeezed by its column (flex) rather than push the region: check both.
    function tooLong() { return overflows(region) || text.scrollHeight > text.clientHeight + 1; }
    if (!visible(text) || !tooLong()) { return; }
    var high = parseFloat(getComputedStyle(text).fontSize), low = min;
    text.style.fontSize = low + "px";
    if (!tooLong()) {
      for (var step = 0; step < 8 && high - low > 0.5; step++) {
        var mid = (low + high) / 2;
        text.style.fontSize = mid + "px";
        if (tooLong()) { high = mid; } else { low = mid; }
      }
      text.style.fontSize = low + "px";
      return;
    }
    // Still too long at the smallest readable size: page it, in whole lines.
    var line = parseFloat(getComputedStyle(text).lineHeight) || min * 1.3;
    var note = document.createElement("p");
    note.id = "mc-page-note";
    note.className = "page-note";
    note.textContent = say("page", {page: 1, pages: 2});
    text.parentNode.insertBefore(note, text.nextSibling);
    text.classList.add("paged");
    // The room the other parts of the region leave the text: its height less theirs.
    var used = 0;
    for (var c = region.firstElementChild; c; c = c.nextElementSibling) {
      if (c === text || !visible(c)) { continue; }
      var cs = getComputedStyle(c);
      used += c.getBoundingClientRect().height + parseFloat(cs.marginTop) + parseFloat(cs.marginBottom);
    }
    var ts = getComputedStyle(text);
    var spare = region.clientHeight - used - parseFloat(ts.marginTop) - parseFloat(ts.marginBottom) -
      parseFloat(ts.paddingTop) - parseFloat(ts.paddingBottom);
    var lines = Math.max(1, Math.floor(spare / line));
    text.style.height = (lines * line + parseFloat(ts.paddingTop) + parseFloat(ts.paddingBottom)) + "px";
    var pages = Math.max(1, Math.ceil(text.scrollHeight / (lines * line)));
    // The console's page counter goes on past the last page: wrap round to the first.
    var asked = Math.max(1, parseInt(attr(region, "data-wall-page"), 10) || 1);
    var page = ((asked - 1) % pages) + 1;
    text.scrollTop = (page - 1) * lines * line;
    note.textContent = say("page-of", {page: page, pages: pages});
  }

  function fit() {
    var name = moment();
    if (attr(wall, "data-moment") !== name) { wall.setAttribute("data-moment", name); }
    resetFit();
    var min = minimumPx();
    fitProposal(min);
    var stack = byId("mc-stack");
    if (visible(stack)) {
      fitList(stack, stack.querySelectorAll(".queue .entry"), stack.querySelector(".more"));
    }
    var agenda = byId("mc-agenda");
    if (visible(agenda)) {
      var lists = agenda.querySelectorAll(".agenda-list, .decisions");
      for (var i = lists.length - 1; i >= 0; i--) {
        if (visible(lists[i])) { fitList(agenda, lists[i].querySelectorAll("li"), null); }
      }
    }
    var round = byId("mc-round");
    if (visible(round)) { fitList(round, round.querySelectorAll(".block-list li"), null); }
    var proposal = byId("mc-proposal");
    if (visible(proposal)) { fitList(proposal, proposal.querySelectorAll(".amend-line"), null); }
  }

  var pending = false;
  function later() {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; fit(); });
  }

  document.addEventListener("htmx:afterSettle", later);
  document.addEventListener("htmx:oobAfterSwap", later);
  window.addEventListener("resize", later);
  if (document.fonts && document.fonts.ready) { document.fonts.ready.then(later); }
  fit();
})();
