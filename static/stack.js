/* Mic Check stack: mark "you" in the shared stack fragment, and sort the speaking table.
   Fragments are rendered once for every phone, so personal bits are worked out here. */
(function () {
  "use strict";
  var me = document.body.getAttribute("data-participant-id") || "";

  // Texts come from the page, in its language (base.html's data-t-* on <body>): %(name)s is filled in.
  function say(name, values) {
    var text = document.body.getAttribute("data-t-" + name) || "";
    return text.replace(/%\((\w+)\)s/g, function (whole, key) {
      return values && values.hasOwnProperty(key) ? String(values[key]) : whole;
    });
  }

  // A place in a line as the page's language writes it (app/i18n ordinal): 3rd, 3.º.
  function ordinal(n) {
    if (document.documentElement.lang === "es") { return n + ".\u00ba"; }
    var s = (n % 100 >= 11 && n % 100 <= 13) ? "th" : ({1: "st", 2: "nd", 3: "rd"}[n % 10] || "th");
    return n + s;
  }

  function markMine() {
    var kinds = [];
    var lines = [];
    if (me) {
      var entries = document.querySelectorAll("#mc-stack .entry");
      for (var i = 0; i < entries.length; i++) {
        var el = entries[i];
        var mine = el.getAttribute("data-participant-id") === me;
        if (mine) {
          el.classList.add("mine");
          kinds.push(el.getAttribute("data-kind"));
          var place = ordinal(Number(el.getAttribute("data-position")));
          lines.push({place: place, reason: el.getAttribute("data-reason")});
        } else {
          el.classList.remove("mine");
        }
      }
    }
    // The reply to my own raise or lower says which hands I have up, as of its seq: newer than
    // any push the page has had, it wins until the push that shows my change arrives.
    var replied = document.getElementById("mc-my-hands");
    var pushed = window.micCheck ? window.micCheck.lastSeq() : 0;
    if (me && replied && Number(replied.getAttribute("data-seq")) > pushed) {
      var said = replied.getAttribute("data-kinds");
      kinds = said ? said.split(" ") : [];
    }
    // Muted: the stack lists who; CSS hides the hands and the amendment form, the note says why.
    var stack = document.getElementById("mc-stack");
    var note = document.getElementById("mc-me-muted");
    if (me && stack && note) {
      var muted = (" " + (stack.getAttribute("data-muted") || "") + " ").indexOf(" " + me + " ") >= 0;
      if (muted !== (document.body.getAttribute("data-me-muted") === "yes")) {
        document.body.setAttribute("data-me-muted", muted ? "yes" : "no");
        note.textContent = muted ? say("muted") : "";
      }
    }
    // CSS shows "lower" instead of "raise" for the kinds listed here.
    document.body.setAttribute("data-my-kinds", kinds.join(" "));
    var you = document.getElementById("mc-you-pos");
    if (you) {
      var places = [];
      for (var l = 0; l < lines.length; l++) { places.push(say("you-are-why", lines[l])); }
      you.textContent = places.join(" · ");
    }
    var bar = document.querySelector("#mc-hand-bar .hand-bar-pos");
    if (bar) { bar.textContent = lines.length ? say("you-are", lines[0]) : ""; }
    var speaker = document.querySelector("#mc-speaker .speaker-name");
    if (speaker && me && speaker.getAttribute("data-participant-id") === me) {
      speaker.classList.add("mine");
    }
  }

  function sortTable(th) {
    var table = th.closest("table");
    var body = table.tBodies[0];
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var numeric = th.getAttribute("data-sort") === "number";
    var descending = th.getAttribute("aria-sort") !== "descending";
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[index], y = b.cells[index];
      var p = numeric ? Number(x.getAttribute("data-value")) : x.textContent.toLowerCase();
      var q = numeric ? Number(y.getAttribute("data-value")) : y.textContent.toLowerCase();
      return (p < q ? -1 : p > q ? 1 : 0) * (descending ? -1 : 1);
    });
    for (var i = 0; i < rows.length; i++) { body.appendChild(rows[i]); }
    var heads = th.parentNode.children;
    for (var j = 0; j < heads.length; j++) { heads[j].removeAttribute("aria-sort"); }
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
  }

  document.addEventListener("click", function (event) {
    var th = event.target.closest && event.target.closest("table.sortable th[data-sort]");
    if (th) { sortTable(th); }
  });
  document.addEventListener("htmx:afterSettle", markMine);
  document.addEventListener("htmx:oobAfterSwap", markMine);
  markMine();
})();
