/*
 * Mic Check live updates (see docs/architecture.md "The life of one answer").
 * Loaded after htmx 2.0.11 and htmx-ext-ws 2.0.4; relies on that pinned pair's hooks.
 * Plain ES5 on purpose: it must run on old phone browsers without a build step.
 *
 * Page contract: <body data-heartbeat-timeout="ms"> (optional, default 40000),
 * #mc-live[ws-connect] wrapping the live regions, #mc-seq[data-seq] inside it,
 * #mc-connection for the status text, and the texts it shows as <body data-t-*> (base.html).
 */
// Page helpers that need no htmx (the Content-Security-Policy allows no inline handlers): a
// click in a .copy field selects it whole; a form marked data-no-submit only lends its fields
// to other forms (hx-include), so Enter in it does nothing.
(function () {
  'use strict';
  document.addEventListener('click', function (e) {
    var field = e.target;
    if (field && field.classList && field.classList.contains('copy') && field.select) { field.select(); }
  });
  document.addEventListener('submit', function (e) {
    if (e.target && e.target.hasAttribute && e.target.hasAttribute('data-no-submit')) { e.preventDefault(); }
  });
  // A pushed region replaces its <details data-keep-open> elements: the ones open before stay
  // open (the console's people list, where a remove is being confirmed while people join).
  document.addEventListener('htmx:oobBeforeSwap', function (e) {
    var old = e.detail && e.detail.target, fresh = e.detail && e.detail.fragment;
    if (!old || !fresh || !old.querySelectorAll || !fresh.querySelector) { return; }
    var open = old.querySelectorAll('details[data-keep-open][open]');
    for (var i = 0; i < open.length; i++) {
      var twin = open[i].id && fresh.querySelector('#' + CSS.escape(open[i].id));
      if (twin) { twin.setAttribute('open', ''); }
    }
  });
})();

(function () {
  'use strict';
  // Needs the ws extension; and htmx may re-run scripts in swapped content, so wrap once.
  if (!window.htmx || !htmx.createWebSocket || window.micCheck) { return; }

  var body = document.body;
  var timeoutMs = parseInt(body.getAttribute('data-heartbeat-timeout'), 10) || 40000;
  // Close codes after which htmx-ext-ws 2.0.4 reconnects by itself (ws.js, socket.onclose).
  var EXTENSION_RETRIES = [1006, 1011, 1012, 1013];
  var NOT_ALLOWED = 1008;

  // Texts come from the page, in its language (base.html's data-t-* on <body>): %(name)s is filled in.
  function say(name, values) {
    var text = document.body.getAttribute('data-t-' + name) || '';
    return text.replace(/%\((\w+)\)s/g, function (whole, key) {
      return values && values.hasOwnProperty(key) ? String(values[key]) : whole;
    });
  }

  var lastSeq = 0;
  var socket = null;    // the WebSocket of the latest connection attempt
  var wrapper = null;   // the extension's socket wrapper; its reconnect() reopens in place
  var watchdog = null;
  var retries = 0;      // backoff for the closes the extension does not retry

  // Actions are plain hx-post requests: on a dead network one would hang until the OS gives up
  // (minutes) with its button stuck; fail it after 30 s (htmx:timeout) so the person can retry,
  // which is safe because the server refuses stale or repeated actions. The ws reconnect delay
  // stays the extension's 'full-jitter' default: it spreads a room of phones after a restart.
  htmx.config.timeout = 30000;
  // A refused action answers 4xx with an #mc-error fragment: swap it so the person reads why.
  htmx.config.responseHandling = [
    {code: '204', swap: false},
    {code: '[23]..', swap: true},
    {code: '[45]..', swap: true, error: true}
  ];
  // A timed-out or failed request (no answer at all) says so in the same place.
  document.addEventListener('htmx:sendError', function () { showError(say('no-answer')); });
  document.addEventListener('htmx:timeout', function () { showError(say('too-slow')); });

  function showError(text) {
    var box = document.getElementById('mc-error');
    if (!box) { return; }
    var p = document.createElement('p');
    p.setAttribute('data-code', 'network');
    p.textContent = text;
    box.innerHTML = '';
    box.appendChild(p);
  }

  function readSeq() {
    var el = document.getElementById('mc-seq');
    var n = el ? parseInt(el.getAttribute('data-seq'), 10) : NaN;
    if (n > lastSeq) { lastSeq = n; }  // false for NaN: a bad value never lowers it
  }

  function withSince(url) {
    var param = /([?&])since=[^&#]*/;
    if (param.test(url)) { return url.replace(param, '$1since=' + lastSeq); }
    return url + (url.indexOf('?') < 0 ? '?' : '&') + 'since=' + lastSeq;
  }

  function setStatus(state, text) {
    var el = document.getElementById('mc-connection');
    if (!el) { return; }
    // Rewriting the same text would make screen readers announce it again.
    if (el.getAttribute('data-state') !== state) { el.setAttribute('data-state', state); }
    if (el.textContent !== text) { el.textContent = text; }
  }

  function arm() {
    clearTimeout(watchdog);
    watchdog = setTimeout(onSilence, timeoutMs);
  }

  // Nothing heard for more than two 15 s heartbeats: the link is dead even if the socket says open.
  function onSilence() {
    var old = socket;
    if (!old) { return; }
    setStatus('reconnecting', say('reconnecting'));
    if (old.readyState !== old.OPEN || !wrapper) {
      // A handshake that never finished fails at once with 1006, which the extension retries.
      old.close();
      return;
    }
    // On a dead network the close handshake can hang for a minute (no close event, and the
    // extension never retries a client-side close), so detach the old socket and reopen now.
    old.onopen = old.onclose = old.onerror = null;
    old.close(4000, 'heartbeat timeout');
    wrapper.reconnect();
  }

  readSeq();
  // The page says "Not live: refresh to update" for phones without JavaScript; with it, connect.
  var badge = document.getElementById('mc-connection');
  if (badge && badge.getAttribute('data-state') === 'static') { setStatus('connecting', say('connecting')); }

  // The extension computes the URL once but calls htmx.createWebSocket(url) on every attempt,
  // first connect and each retry alike, so wrapping it is the one place to set since=lastSeq.
  // Until its first push the page holds every region as rendered at its seq: whole=1 lets the
  // server skip the snapshot when nothing has changed since (a room loads its pages at once).
  var pushed = false;
  document.addEventListener('htmx:wsAfterMessage', function () { pushed = true; });
  var create = htmx.createWebSocket;
  htmx.createWebSocket = function (url) {
    readSeq();
    socket = create(withSince(url) + (pushed ? '' : '&whole=1'));
    arm();  // also covers a handshake that hangs
    return socket;
  };

  document.addEventListener('htmx:wsOpen', function (e) {
    wrapper = e.detail.socketWrapper;
    retries = 0;
    arm();
    setStatus('live', say('live'));
  });

  // Any frame, a heartbeat included, proves the link is alive.
  document.addEventListener('htmx:wsBeforeMessage', arm);
  document.addEventListener('htmx:wsAfterMessage', readSeq);
  // HTTP replies to actions may carry an out-of-band #mc-seq too.
  document.addEventListener('htmx:oobAfterSwap', readSeq);
  // What a form does once its action succeeded, named in data-after-success (no inline script:
  // the pages' Content-Security-Policy allows only script files from the server).
  document.addEventListener('htmx:afterRequest', function (e) {
    var form = e.detail.elt;
    if (!e.detail.successful || !form || !form.getAttribute) { return; }
    var todo = ' ' + (form.getAttribute('data-after-success') || '') + ' ';
    var text = form.querySelector('textarea');
    if (todo.indexOf(' reset ') >= 0 && form.reset) { form.reset(); }
    if (todo.indexOf(' clear-text ') >= 0 && text) { text.value = ''; }
    if (todo.indexOf(' close ') >= 0 && form.closest && form.closest('details')) { form.closest('details').open = false; }
    if (todo.indexOf(' focus ') >= 0 && text) { text.focus(); }
  });
  // While the socket is open, an action's reply need carry only this person's own bits: the
  // public regions come by the next push. Without the header the server sends every region.
  document.addEventListener('htmx:configRequest', function (e) {
    if (socket && socket.readyState === 1 && wrapper) { e.detail.headers['MC-Live'] = String(lastSeq); }
  });

  document.addEventListener('htmx:wsClose', function (e) {
    var ev = e.detail.event;
    if (ev.target !== socket) { return; }  // a socket already replaced
    clearTimeout(watchdog);
    if (ev.code === NOT_ALLOWED) {
      // The extension does not retry 1008 either: the server said no, so stay closed.
      setStatus('closed', say('disconnected', {reason: ev.reason || say('not-allowed')}));
      return;
    }
    setStatus('reconnecting', say('reconnecting'));
    if (EXTENSION_RETRIES.indexOf(ev.code) < 0) {
      // Normal, going-away or app-defined closes: retry with the extension's full-jitter backoff.
      var delay = Math.random() * 1000 * Math.pow(2, Math.min(retries, 6));
      var w = e.detail.socketWrapper;
      retries += 1;
      setTimeout(function () { if (socket === ev.target) { w.reconnect(); } }, delay);
    }
  });

  // A form marked data-ws-send="type" goes as a frame on the open socket, {type, its fields},
  // not as a request (hand signals: a room taps at once); with the socket down it posts.
  document.addEventListener('submit', function (e) {
    var form = e.target, type = form.getAttribute && form.getAttribute('data-ws-send');
    if (!type || !socket || socket.readyState !== 1) { return; }
    var frame = {type: type};
    for (var i = 0; i < form.elements.length; i++) {
      if (form.elements[i].name) { frame[form.elements[i].name] = form.elements[i].value; }
    }
    socket.send(JSON.stringify(frame));
    e.preventDefault();
    e.stopPropagation();
  }, true);

  window.micCheck = { lastSeq: function () { return lastSeq; } };
})();
