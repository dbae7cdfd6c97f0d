/* The wall's hand-signal meter fades between pushes: each glow arrives with its size now
   (data-level) and, on the server's clock, when it was read (the meter's data-read-at) and when its
   last signal stops showing (data-fades-at); it shrinks to nothing over those remaining seconds,
   counted on this screen's clock from the moment it arrived. Plain ES5, like the other scripts. */
(function () {
  "use strict";
  var STEP_MS = 200;

  function tick() {
    var now = Date.now();
    var glows = document.querySelectorAll(".signal-meter .glow");
    for (var i = 0; i < glows.length; i++) {
      var glow = glows[i];
      var meter = glow.parentNode;
      if (!glow.hasAttribute("data-seen")) { glow.setAttribute("data-seen", String(now)); }
      var seen = parseFloat(glow.getAttribute("data-seen"));
      var level = parseFloat(glow.getAttribute("data-level")) || 0;
      var at = parseFloat(meter.getAttribute("data-read-at"));
      var until = parseFloat(glow.getAttribute("data-fades-at"));
      var span = until - at;
      var left = span > 0 ? Math.max(0, 1 - (now - seen) / span) : 0;
      var shown = Math.round(level * left * 1000) / 1000;
      glow.style.setProperty("--level", String(shown));
      glow.classList.toggle("is-dark", shown <= 0);
    }
  }

  tick();
  setInterval(tick, STEP_MS);
  document.addEventListener("htmx:afterSettle", tick);
})();
