/*
 * A phone whose server stops answering goes to a mirror (docs/architecture.md "Mirrors and
 * take-over"). Loaded on phone pages once the assembly announced a mirror; the addresses are on
 * #mc-header[data-mirrors] (pushed when one is announced), the phone's pass on
 * body[data-mirror-pass]. After FAILOVER_MS without a live socket each mirror is probed with a
 * socket of its own (connect-src allows ws: anywhere, and a mirror accepts before it refuses a
 * stranger); the first that opens gets the pass, which signs the phone in there, and the phone
 * page there resyncs by seq. A page opened before the first mirror was announced gets this
 * script with the pushed header (templates/live/_header.html), without a pass: it asks this
 * server for it (data-pass-url), its moment spread over the room's phones (data-phones).
 * Plain ES5, like live.js; run once per page, however often the header brings it.
 */
(function () {
  'use strict';
  if (window.mcMirror) { return; }
  window.mcMirror = true;
  var FAILOVER_MS = 5000;
  var NOT_ALLOWED = 1008;
  var body = document.body;
  var script = document.currentScript;
  var lostAt = null, timer = null, leaving = false;

  function fetchPass(tries) {
    var url = script && script.getAttribute('data-pass-url');
    if (!url || body.getAttribute('data-mirror-pass') || tries <= 0) { return; }
    var xhr = new XMLHttpRequest();
    xhr.open('GET', url);
    xhr.onload = function () {
      var given = null;
      try { given = JSON.parse(xhr.responseText).pass; } catch (err) { given = null; }
      if (xhr.status === 200) {
        if (given) { body.setAttribute('data-mirror-pass', given); }
      } else {
        setTimeout(function () { fetchPass(tries - 1); }, 5000);
      }
    };
    xhr.onerror = function () { setTimeout(function () { fetchPass(tries - 1); }, 5000); };
    xhr.send();
  }
  // The push reaches every phone in the room at once: their asks are spread, 10 ms a phone
  // (2,000 phones over 20 s), at most 30 s; the pass is needed only once this server stops.
  var phones = parseInt((script && script.getAttribute('data-phones')) || '0', 10) || 0;
  setTimeout(function () { fetchPass(3); }, Math.random() * Math.min(30000, phones * 10));

  function mirrors() {
    var header = document.getElementById('mc-header');
    var list = ((header && header.getAttribute('data-mirrors')) || '').split(' ');
    return list.filter(function (origin) { return origin && origin !== location.origin; });
  }

  function tryMirrors() {
    var id = encodeURIComponent(body.getAttribute('data-assembly-id') || '');
    var pass = body.getAttribute('data-mirror-pass');
    if (!pass || leaving) { return; }
    mirrors().forEach(function (origin) {
      var probe;
      try {
        probe = new WebSocket(origin.replace(/^http/, 'ws') + '/ws/assemblies/' + id + '/events');
      } catch (err) {
        return;
      }
      probe.onopen = function () {
        probe.close();
        if (leaving) { return; }
        leaving = true;
        location.href = origin + '/a/' + id + '/pass?p=' + encodeURIComponent(pass);
      };
    });
  }

  document.addEventListener('htmx:wsClose', function (e) {
    if (e.detail.event.code === NOT_ALLOWED || timer !== null) { return; }
    lostAt = Date.now();
    // Probed again every few seconds: the mirror may come up, or take over, after the loss.
    timer = setInterval(function () {
      if (Date.now() - lostAt >= FAILOVER_MS) { tryMirrors(); }
    }, 2500);
  });

  document.addEventListener('htmx:wsOpen', function () {
    clearInterval(timer);
    timer = null;
  });
})();
