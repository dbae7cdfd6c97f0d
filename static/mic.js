/* The people's mic. On the console: arrow keys move through the phrases (Right, PageDown or
   Space: next; Left or PageUp: back) unless a text field has the focus, by pressing the
   region's own buttons (htmx posts them). On the wall: the phrase as large as fits, the next
   one below it. Plain ES5, like the other scripts. */
(function () {
  "use strict";
  var NEXT = { ArrowRight: 1, Right: 1, PageDown: 1, " ": 1, Spacebar: 1 };
  var BACK = { ArrowLeft: 1, Left: 1, PageUp: 1 };

  function on() {
    var region = document.getElementById("mc-mic");
    return region && region.classList.contains("on") ? region : null;
  }

  function typing(el) {
    if (!el || el === document.body) { return false; }
    var tag = (el.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || el.isContentEditable;
  }

  // Space on a focused button or link presses that: the page's own meaning wins.
  function pressable(el) {
    var tag = el ? (el.tagName || "").toLowerCase() : "";
    return tag === "button" || tag === "a" || tag === "summary";
  }

  function onKey(event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    var region = on();
    var active = document.activeElement;
    if (!region || typing(active)) { return; }
    var to = NEXT[event.key] ? "next" : (BACK[event.key] ? "back" : "");
    if (!to || (event.key === " " || event.key === "Spacebar") && pressable(active)) { return; }
    var button = region.querySelector('button[data-mic-move="' + to + '"]');
    event.preventDefault();  // no scrolling the console under the keys
    if (button && !button.disabled) { button.click(); }
  }

  // The wall: the largest phrase that fits the region beside the next one.
  function fit() {
    var region = on();
    if (!region || !document.querySelector("main.projector")) { return; }
    var phrase = region.querySelector(".mic-phrase");
    if (!phrase) { return; }
    phrase.style.fontSize = "";
    function tooBig() {
      return region.scrollHeight > region.clientHeight + 1 || phrase.scrollWidth > phrase.clientWidth + 1;
    }
    if (!tooBig()) { return; }
    var high = parseFloat(getComputedStyle(phrase).fontSize), low = high / 4;
    for (var step = 0; step < 10 && high - low > 1; step++) {
      var mid = (low + high) / 2;
      phrase.style.fontSize = mid + "px";
      if (tooBig()) { high = mid; } else { low = mid; }
    }
    phrase.style.fontSize = low + "px";
  }

  var pending = false;
  function later() {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; fit(); });
  }

  if (document.body.getAttribute("data-view") === "console") {
    document.addEventListener("keydown", onKey);
  }
  document.addEventListener("htmx:afterSettle", later);
  document.addEventListener("htmx:oobAfterSwap", later);
  window.addEventListener("resize", later);
  if (document.fonts && document.fonts.ready) { document.fonts.ready.then(later); }
  fit();
})();
