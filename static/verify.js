// /verify: checks an events export in this browser, as `miccheck verify` does (app/events/chain.py).
// Nothing is sent anywhere: the file is read, parsed, re-serialised as Python's canonical JSON,
// hashed with SHA-256 and its chain walked here. The page's words come from the server in
// #verify-messages[data-messages] (translated); the checking is all below.
(function () {
  "use strict";

  var GENESIS = "0000000000000000000000000000000000000000000000000000000000000000";
  var HASHED_FIELDS = ["assembly_id", "seq", "at", "actor_id", "type", "payload", "prev_hash"];
  var HEAD_PREFIX_MIN = 12;

  // ---- JSON, as Python's json module reads and writes it ----------------------------------

  // A number kept as the text it was written as: Python writes 1.0 for a float and 1 for an
  // int, and a JavaScript number cannot tell them apart.
  function Num(raw) {
    this.raw = raw;
  }

  function ParseError(message, at) {
    this.message = message;
    this.at = at;
  }

  // Objects become Maps (a repeated key keeps its last value, as in Python), numbers Nums.
  function parseJSON(text) {
    var i = 0;
    var n = text.length;

    function fail(what) {
      throw new ParseError(what, i);
    }
    function space() {
      while (i < n) {
        var c = text.charCodeAt(i);
        if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
        else break;
      }
    }
    function literal(word, value) {
      if (text.substr(i, word.length) !== word) fail("unexpected character");
      i += word.length;
      return value;
    }
    function number() {
      var m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 4096));
      if (!m) {
        if (text.substr(i, 9) === "-Infinity") return literal("-Infinity", new Num("-Infinity"));
        fail("unexpected character");
      }
      i += m[0].length;
      return new Num(m[0]);
    }
    function string() {
      i++; // the opening quote
      var out = "";
      var start = i;
      while (true) {
        if (i >= n) fail("unterminated string");
        var c = text.charCodeAt(i);
        if (c === 0x22) {
          out += text.slice(start, i);
          i++;
          return out;
        }
        if (c < 0x20) fail("control character in a string");
        if (c !== 0x5c) {
          i++;
          continue;
        }
        out += text.slice(start, i);
        var e = text.charAt(i + 1);
        i += 2;
        if (e === "u") {
          var hex = text.substr(i, 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail("bad \\u escape");
          out += String.fromCharCode(parseInt(hex, 16));
          i += 4;
        } else {
          var simple = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" }[e];
          if (simple === undefined) fail("bad escape");
          out += simple;
        }
        start = i;
      }
    }
    function value() {
      space();
      if (i >= n) fail("unexpected end");
      var c = text.charAt(i);
      if (c === "{") {
        i++;
        var object = new Map();
        space();
        if (text.charAt(i) === "}") {
          i++;
          return object;
        }
        while (true) {
          space();
          if (text.charAt(i) !== '"') fail("expected a key");
          var key = string();
          space();
          if (text.charAt(i) !== ":") fail("expected ':'");
          i++;
          object.set(key, value());
          space();
          if (text.charAt(i) === ",") {
            i++;
            continue;
          }
          if (text.charAt(i) === "}") {
            i++;
            return object;
          }
          fail("expected ',' or '}'");
        }
      }
      if (c === "[") {
        i++;
        var array = [];
        space();
        if (text.charAt(i) === "]") {
          i++;
          return array;
        }
        while (true) {
          array.push(value());
          space();
          if (text.charAt(i) === ",") {
            i++;
            continue;
          }
          if (text.charAt(i) === "]") {
            i++;
            return array;
          }
          fail("expected ',' or ']'");
        }
      }
      if (c === '"') return string();
      if (c === "t") return literal("true", true);
      if (c === "f") return literal("false", false);
      if (c === "n") return literal("null", null);
      if (c === "N") return literal("NaN", new Num("NaN"));
      if (c === "I") return literal("Infinity", new Num("Infinity"));
      return number();
    }
    var result = value();
    space();
    if (i < n) fail("extra data");
    return result;
  }

  // Python's repr of a float: the shortest digits that read back the same (as JavaScript's),
  // fixed between 1e-4 and 1e16, else d.ddde+XX with at least two exponent digits.
  function pyFloat(x) {
    if (x !== x) return "NaN";
    if (x === Infinity) return "Infinity";
    if (x === -Infinity) return "-Infinity";
    if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
    var sign = x < 0 ? "-" : "";
    var parts = Math.abs(x).toExponential().split("e");
    var digits = parts[0].replace(".", "");
    var exp = parseInt(parts[1], 10);
    if (exp < -4 || exp >= 16) {
      var mantissa = digits.length > 1 ? digits[0] + "." + digits.slice(1) : digits;
      var e = Math.abs(exp);
      return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + (e < 10 ? "0" : "") + e;
    }
    if (exp < 0) return sign + "0." + "0".repeat(-exp - 1) + digits;
    if (digits.length <= exp + 1) return sign + digits + "0".repeat(exp + 1 - digits.length) + ".0";
    return sign + digits.slice(0, exp + 1) + "." + digits.slice(exp + 1);
  }

  function pyNumber(raw) {
    if (/^-?\d+$/.test(raw)) return /^-0+$/.test(raw) ? "0" : raw; // an int: as written
    return pyFloat(Number(raw));
  }

  // json.dumps(ensure_ascii=False) escapes only these; everything else is written as is.
  var ESCAPES = { '"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f" };

  function pyString(s) {
    return (
      '"' +
      s.replace(/[\x00-\x1f"\\]/g, function (c) {
        return ESCAPES[c] || "\\u" + ("000" + c.charCodeAt(0).toString(16)).slice(-4);
      }) +
      '"'
    );
  }

  // Python sorts keys by code point; JavaScript's sort compares UTF-16 units.
  function byCodePoint(a, b) {
    var i = 0;
    var j = 0;
    while (i < a.length && j < b.length) {
      var x = a.codePointAt(i);
      var y = b.codePointAt(j);
      if (x !== y) return x < y ? -1 : 1;
      i += x > 0xffff ? 2 : 1;
      j += y > 0xffff ? 2 : 1;
    }
    return a.length - i - (b.length - j);
  }

  // json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
  function canonical(value) {
    if (value === null || value === undefined) return "null";
    if (value === true) return "true";
    if (value === false) return "false";
    if (value instanceof Num) return pyNumber(value.raw);
    if (typeof value === "string") return pyString(value);
    if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
    var keys = Array.from(value.keys()).sort(byCodePoint);
    return (
      "{" +
      keys
        .map(function (k) {
          return pyString(k) + ":" + canonical(value.get(k));
        })
        .join(",") +
      "}"
    );
  }

  function utf8(text) {
    return new TextEncoder().encode(text);
  }

  // ---- SHA-256 --------------------------------------------------------------------------

  function hex(bytes) {
    var out = "";
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return out;
  }

  var K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);

  // A plain SHA-256 for pages without crypto.subtle (plain http on a LAN is not a secure context).
  function sha256Plain(data) {
    var h = new Uint32Array([
      0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ]);
    var length = data.length;
    var padded = new Uint8Array(((length + 9 + 63) >> 6) << 6);
    padded.set(data);
    padded[length] = 0x80;
    var bits = length * 8;
    var view = new DataView(padded.buffer);
    view.setUint32(padded.length - 8, Math.floor(bits / 0x100000000));
    view.setUint32(padded.length - 4, bits >>> 0);
    var w = new Uint32Array(64);
    for (var block = 0; block < padded.length; block += 64) {
      for (var t = 0; t < 16; t++) w[t] = view.getUint32(block + t * 4);
      for (t = 16; t < 64; t++) {
        var x = w[t - 15];
        var y = w[t - 2];
        var s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
        var s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (t = 0; t < 64; t++) {
        var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        var ch = (e & f) ^ (~e & g);
        var t1 = (k + S1 + ch + K[t] + w[t]) | 0;
        var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        var maj = (a & b) ^ (a & c) ^ (b & c);
        var t2 = (S0 + maj) | 0;
        k = g;
        g = f;
        f = e;
        e = (d + t1) | 0;
        d = c;
        c = b;
        b = a;
        a = (t1 + t2) | 0;
      }
      h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
    }
    var out = new Uint8Array(32);
    var outView = new DataView(out.buffer);
    for (var i = 0; i < 8; i++) outView.setUint32(i * 4, h[i]);
    return hex(out);
  }

  function subtle() {
    var c = window.crypto;
    return c && c.subtle && typeof c.subtle.digest === "function" ? c.subtle : null;
  }

  function sha256(bytes) {
    var s = subtle();
    if (!s) return Promise.resolve(sha256Plain(bytes));
    return s.digest("SHA-256", bytes).then(function (buffer) {
      return hex(new Uint8Array(buffer));
    });
  }

  // ---- the chain, as verify_chain in app/events/chain.py ---------------------------------

  function isMap(v) {
    return v instanceof Map;
  }
  function get(object, key) {
    return isMap(object) && object.has(key) ? object.get(key) : null;
  }
  // Python's `value == n` for an int n (True == 1, 1.0 == 1).
  function equalsInt(value, n) {
    return (value === true || value === false || value instanceof Num) && intValue(value) === n;
  }
  function isInt(value) {
    return value === true || value === false || (value instanceof Num && /^-?\d+$/.test(value.raw));
  }
  function intValue(value) {
    return value === true ? 1 : value === false ? 0 : Number(value.raw);
  }
  function shown(value) {
    if (value instanceof Num) return value.raw;
    if (typeof value === "string") return value;
    return canonical(value);
  }

  function eventHash(event) {
    var body = new Map();
    HASHED_FIELDS.forEach(function (key) {
      body.set(key, get(event, key));
    });
    return sha256(utf8(canonical(body)));
  }

  // {seq, why} where the chain breaks, or null. `why`: seq, prev, hash, head, not_event.
  function verifyChain(events, head) {
    var expectedPrev = GENESIS;
    var expectedSeq = 1;
    var index = 0;
    function next() {
      if (index >= events.length) return Promise.resolve(checkHead());
      var event = events[index];
      if (!isMap(event)) return Promise.resolve({ seq: expectedSeq, why: "not_event" });
      if (!equalsInt(get(event, "seq"), expectedSeq)) return Promise.resolve({ seq: expectedSeq, why: "seq" });
      if (get(event, "prev_hash") !== expectedPrev) return Promise.resolve({ seq: expectedSeq, why: "prev" });
      return eventHash(event).then(function (digest) {
        if (get(event, "hash") !== digest) return { seq: expectedSeq, why: "hash" };
        expectedPrev = shown(get(event, "hash"));
        expectedSeq += 1;
        index += 1;
        return next();
      });
    }
    function checkHead() {
      if (head === null || head === undefined) return null;
      var lastSeq = expectedSeq - 1;
      var headSeq = get(head, "seq");
      if (!equalsInt(headSeq, lastSeq) || get(head, "hash") !== expectedPrev) {
        // Missing events at the end break at the first one missing; extra ones at the last.
        var missing = isInt(headSeq) && intValue(headSeq) > lastSeq;
        return { seq: missing ? lastSeq + 1 : Math.max(lastSeq, 1), why: "head" };
      }
      return null;
    }
    return next();
  }

  // parse_head_hash: 12 to 64 hex characters, any case, spaces allowed.
  function parseHeadHash(text) {
    var digest = text.replace(/\s+/g, "").toLowerCase();
    if (!digest || /[^0-9a-f]/.test(digest)) return { error: "head_not_hex" };
    if (digest.length < HEAD_PREFIX_MIN || digest.length > 64) return { error: "head_length", count: digest.length };
    return { digest: digest };
  }

  function fingerprint(digest) {
    return digest.slice(0, 4) + " " + digest.slice(4, 8);
  }

  // ---- what was decided, from the file alone ---------------------------------------------

  function decisions(events) {
    var byId = new Map();
    function proposal(payload) {
      var id = shown(get(payload, "proposal_id"));
      if (!byId.has(id)) byId.set(id, { id: id, title: "", seq: "", outcome: null, rounds: [] });
      return byId.get(id);
    }
    events.forEach(function (event) {
      var type = get(event, "type");
      var payload = get(event, "payload");
      var seq = shown(get(event, "seq"));
      if (!isMap(payload) || get(payload, "proposal_id") === null) return;
      if (type === "proposal_submitted") {
        var p = proposal(payload);
        p.title = shown(get(payload, "title"));
        p.seq = seq;
      } else if (type === "proposal_decided") {
        proposal(payload).outcome = {
          outcome: shown(get(payload, "outcome")),
          tabledTo: get(payload, "tabled_to"),
          version: shown(get(payload, "version")),
          seq: seq,
        };
      } else if (type === "round_closed") {
        var tally = get(payload, "tally");
        proposal(payload).rounds.push({
          kind: shown(get(payload, "kind")),
          tally: isMap(tally) ? Array.from(tally.entries()) : [],
          outcome: shown(get(payload, "outcome")),
          seq: seq,
        });
      }
    });
    return Array.from(byId.values());
  }

  // ---- the page ---------------------------------------------------------------------------

  var form = document.getElementById("verify-form");
  if (!form) return;
  var T = JSON.parse(document.getElementById("verify-messages").getAttribute("data-messages"));
  var fileInput = document.getElementById("verify-file");
  var textInput = document.getElementById("verify-text");
  var headInput = document.getElementById("verify-head");
  var result = document.getElementById("verify-result");
  var outcomes = document.getElementById("verify-outcomes");

  function say(key, values) {
    return T[key].replace(/%\((\w+)\)s/g, function (_m, name) {
      return values && name in values ? String(values[name]) : "";
    });
  }
  function word(table, key) {
    return (T.words[table] && T.words[table][key]) || String(key).replace(/_/g, " ");
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      node.setAttribute(k, attrs[k]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function readInput() {
    var file = fileInput.files && fileInput.files[0];
    if (file) {
      if (file.text) return file.text();
      return new Promise(function (resolve, reject) {
        var reader = new FileReader();
        reader.onload = function () {
          resolve(reader.result);
        };
        reader.onerror = reject;
        reader.readAsText(file);
      });
    }
    return Promise.resolve(textInput.value);
  }

  function show(state, lines) {
    result.hidden = false;
    result.setAttribute("data-state", state);
    result.textContent = "";
    lines.forEach(function (line) {
      result.appendChild(line);
    });
  }

  // `verified`: the check's state (ok, broken, mismatch); anything but ok is said above them.
  function renderOutcomes(events, verified) {
    outcomes.textContent = "";
    var rows = decisions(events);
    outcomes.hidden = false;
    outcomes.appendChild(el("h2", { id: "verify-outcomes-heading" }, T.outcomes_heading));
    if (verified !== "ok") outcomes.appendChild(el("p", { class: "warning" }, verified === "mismatch" ? T.outcomes_not_head : T.outcomes_unverified));
    if (!rows.length) {
      outcomes.appendChild(el("p", {}, T.no_proposals));
      return;
    }
    var list = el("ol", { class: "verify-decisions" });
    rows.forEach(function (p) {
      var item = el("li", { "data-proposal": p.id });
      item.appendChild(el("h3", {}, p.title || say("proposal_n", { id: p.id })));
      var decided = p.outcome;
      var line = decided
        ? say(decided.tabledTo ? "decided_to" : "decided", {
            outcome: word("outcomes", decided.outcome),
            name: decided.tabledTo,
            version: decided.version,
            seq: decided.seq,
          })
        : T.undecided;
      item.appendChild(el("p", { class: "verify-outcome", "data-outcome": decided ? decided.outcome : "" }, line));
      p.rounds.forEach(function (r) {
        var counts = r.tally
          .map(function (pair) {
            return shown(pair[1]) + " " + word("answers", pair[0]);
          })
          .join(", ");
        item.appendChild(
          el(
            "p",
            { class: "verify-round hint" },
            say("round_line", { kind: word("kinds", r.kind), counts: counts, outcome: word("outcomes", r.outcome), seq: r.seq })
          )
        );
      });
      list.appendChild(item);
    });
    outcomes.appendChild(list);
  }

  function check() {
    var typed = headInput.value.trim();
    var wanted = null;
    if (typed) {
      wanted = parseHeadHash(typed);
      if (wanted.error) {
        show("error", [el("p", { id: "verify-verdict" }, say(wanted.error, { text: typed, count: wanted.count, least: HEAD_PREFIX_MIN }))]);
        return Promise.resolve();
      }
    }
    outcomes.hidden = true;
    show("checking", [el("p", { id: "verify-verdict" }, T.checking)]);
    return readInput().then(function (text) {
      if (!text.trim()) {
        show("error", [el("p", { id: "verify-verdict" }, T.no_input)]);
        return;
      }
      var data;
      try {
        data = parseJSON(text);
      } catch (e) {
        if (!(e instanceof ParseError)) throw e;
        show("error", [el("p", { id: "verify-verdict" }, say("not_json", { at: e.at }))]);
        return;
      }
      var events = get(data, "events");
      if (!Array.isArray(events)) {
        show("error", [el("p", { id: "verify-verdict" }, T.no_events)]);
        return;
      }
      return verifyChain(events, get(data, "head")).then(function (broken) {
        var engine = el("p", { id: "verify-engine", class: "hint", "data-engine": subtle() ? "subtle" : "plain" }, subtle() ? T.engine_subtle : T.engine_plain);
        if (broken) {
          show("broken", [
            el("p", { id: "verify-verdict", "data-broken-seq": String(broken.seq) }, say("broken", { seq: broken.seq })),
            el("p", { id: "verify-why", "data-why": broken.why }, T["why_" + broken.why]),
            engine,
          ]);
          renderOutcomes(events, "broken");
          return;
        }
        var last = events.length ? events[events.length - 1] : null;
        var lastSeq = last ? shown(get(last, "seq")) : "0";
        var lastHash = last ? shown(get(last, "hash")) : GENESIS;
        var lines = [
          el("p", { id: "verify-verdict" }, say("ok", { count: events.length })),
          fingerprintLine(lastHash, lastSeq),
        ];
        var state = "ok";
        if (wanted) {
          var against = compareHead(events, wanted.digest, lastSeq);
          state = against.state;
          lines.push(el("p", { id: "verify-head-result", "data-match": against.state === "ok" ? "yes" : "no" }, against.text));
        } else {
          lines.push(el("p", { id: "verify-head-result", class: "hint" }, T.links_only));
        }
        lines.push(engine);
        show(state, lines);
        renderOutcomes(events, state);
      });
    });
  }

  function fingerprintLine(digest, seq) {
    var line = el("p", { id: "verify-head" });
    var parts = T.head_line.split(/(%\(\w+\)s)/);
    parts.forEach(function (part) {
      if (part === "%(fingerprint)s") line.appendChild(el("code", { class: "fingerprint", id: "verify-fingerprint" }, fingerprint(digest)));
      else if (part === "%(seq)s") line.appendChild(el("span", { id: "verify-seq" }, seq));
      else if (part === "%(hash)s") line.appendChild(el("code", { class: "hash", id: "verify-hash" }, digest));
      else if (part) line.appendChild(document.createTextNode(part));
    });
    return line;
  }

  // _compare_head in app/cli.py: the export must end at the head the minutes printed.
  function compareHead(events, wanted, lastSeq) {
    var found = [];
    events.forEach(function (event) {
      var digest = get(event, "hash");
      if (typeof digest === "string" && digest.indexOf(wanted) === 0) found.push(shown(get(event, "seq")));
    });
    // The links hold, the head does not: "mismatch", not "broken" (no seq breaks).
    if (found.length > 1) return { state: "mismatch", text: say("head_ambiguous", { count: found.length, seqs: found.join(", ") }) };
    if (found.length !== 1 || found[0] !== lastSeq) {
      var key = found.length ? "head_cut" : "head_mismatch";
      return { state: "mismatch", text: say(key, { found: found[0] || "" }) };
    }
    return { state: "ok", text: T.head_match };
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    check().catch(function (e) {
      show("error", [el("p", { id: "verify-verdict" }, say("failed", { error: e && e.message ? e.message : String(e) }))]);
    });
  });
  fileInput.addEventListener("change", function () {
    if (fileInput.files && fileInput.files.length) textInput.value = "";
  });
  textInput.addEventListener("input", function () {
    if (textInput.value) fileInput.value = "";
  });

  // For tests and the curious: the same functions the page uses.
  window.micCheckVerify = {
    parseJSON: parseJSON,
    canonical: canonical,
    sha256: sha256,
    sha256Plain: sha256Plain,
    pyFloat: pyFloat,
    fingerprint: fingerprint,
  };
})();
