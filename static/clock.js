/* Mic Check clocks: count down any element with data-until (an ISO deadline) once a second.
   Deadlines come from the server, so a restart or a dropped socket loses no time. */
(function () {
  "use strict";
  var serverNow = Date.parse(document.body.getAttribute("data-server-now") || "");
  // Phone and projector clocks are often wrong: count from the server's clock, not the device's.
  var offset = isNaN(serverNow) ? 0 : serverNow - Date.now();

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
        ? mmss(left) + " left of " + box + " min"
        : mmss(-left) + " over the " + box + " min time box";
      if (el.textContent !== text) { el.textContent = text; }
      setClass(el, "over", left < 0);
      setClass(el, "low", left >= 0 && left < 120);
      var showUnder = el.getAttribute("data-show-under");
      if (showUnder !== null) { el.hidden = left >= Number(showUnder); }
    }
  }

  tick();
  setInterval(tick, 1000);
})();
