/* Mic Check clocks: count down any element with data-until (an ISO deadline) once a second.
   Deadlines come from the server, so a restart or a dropped socket loses no time. */
(function () {
  "use strict";
  var serverNow = Date.parse(document.body.getAttribute("data-server-now") || "");
  // Phone and projector clocks are often wrong: count from the server's clock, not the device's.
  var offset = isNaN(serverNow) ? 0 : serverNow - Date.now();

  // Texts come from the page, in its language (base.html's data-t-* on <body>): %(name)s is filled in.
  function say(name, values) {
    var text = document.body.getAttribute("data-t-" + name) || "";
    return text.replace(/%\((\w+)\)s/g, function (whole, key) {
      return values && values.hasOwnProperty(key) ? String(values[key]) : whole;
    });
  }

  function mmss(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function setClass(el, name, on) {
    if (on) { el.classList.add(name); } else { el.classList.remove(name); }
  }

  function tick() {
    var now = Date.now() + offset;
    var clocks = document.querySelectorAll("[data-until]");
    for (var i = 0; i < clocks.length; i++) {
      var el = clocks[i];
      var until = Date.parse(el.getAttribute("data-until"));
      if (isNaN(until)) { continue; }
      var left = Math.ceil((until - now) / 1000);
      var box = el.getAttribute("data-box-minutes");
      var text = left >= 0
        ? say("left", {time: mmss(left), box: box})
        : say("over", {time: mmss(-left), box: box});
      if (el.textContent !== text) { el.textContent = text; }
      setClass(el, "over", left < 0);
      setClass(el, "low", left >= 0 && left < 120);
      var showUnder = el.getAttribute("data-show-under");
      if (showUnder !== null) { el.hidden = left >= Number(showUnder); }
    }
  }

  // The speaker's countdown: mm:ss, negative and red past the deadline, amber in the last 15 s.
  function tickSpeakers(now) {
    var clocks = document.querySelectorAll("[data-countdown]");
    for (var i = 0; i < clocks.length; i++) {
      var el = clocks[i];
      var until = Date.parse(el.getAttribute("data-countdown"));
      if (isNaN(until)) { continue; }
      var left = Math.ceil((until - now) / 1000);
      var text = (left < 0 ? "-" : "") + mmss(Math.abs(left));
      if (el.textContent !== text) { el.textContent = text; }
      setClass(el, "over", left < 0);
      setClass(el, "warn", left >= 0 && left <= 15);
    }
  }

  // Every push and heartbeat carries the server's time: keep the offset fresh after a reconnect.
  var lastNow = null;
  function syncOffset() {
    var seq = document.getElementById("mc-seq");
    var stamp = seq && seq.getAttribute("data-now");
    if (stamp && stamp !== lastNow) {
      lastNow = stamp;
      var server = Date.parse(stamp);
      if (!isNaN(server)) { offset = server - Date.now(); }
    }
  }

  function tickAll() {
    syncOffset();
    tick();
    tickSpeakers(Date.now() + offset);
  }

  tickAll();
  setInterval(tickAll, 1000);
})();
