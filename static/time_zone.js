// A fresh "start an assembly" form takes the browser's time zone; without JavaScript the
// server's default (UTC) stays in the field, and the server checks whatever is sent.
(function () {
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone) return;
  document.querySelectorAll("input[data-browser-zone]").forEach(function (input) {
    input.value = zone;
  });
})();
