/* Shared by the projector and the phone: DOM helpers, answer shapes, the game socket
   (reconnect with backoff and jitter, seq tracking with sync), and beeps.

   Every piece of text that came from a user (nicknames, and to be safe every frame
   field) goes into the page with textContent, never innerHTML. */
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";

  /* The page's language (docs/translating.md). /jsi18n/, Django's JavaScript catalogue,
     loads before this file and defines window.django; without it (the Node tests) the
     English text stands. Write every interface string as Q.gettext("...") or
     Q.ngettext("one", "many", n), so makemessages -d djangojs finds it, and put values
     in with Q.fill(Q.gettext("Question %(n)s of %(count)s"), {n: 1, count: 8}). */
  var catalog = window.django || {};

  function gettext(text) {
    return catalog.gettext ? catalog.gettext(text) : text;
  }

  function ngettext(one, many, n) {
    return catalog.ngettext ? catalog.ngettext(one, many, n) : (n === 1 ? one : many);
  }

  function fill(text, values) {
    return String(text).replace(/%\((\w+)\)s/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
    });
  }

  /* el("li", {class: "x", "data-id": 3}, ["text", childNode]) */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        if (value === null || value === undefined || value === false) return;
        if (key === "text") node.textContent = String(value);
        else node.setAttribute(key, value === true ? "" : String(value));
      });
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    if (children === null || children === undefined) return node;
    if (!Array.isArray(children)) children = [children];
    children.forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      node.appendChild(typeof child === "string" || typeof child === "number"
        ? document.createTextNode(String(child)) : child);
    });
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  function setText(node, text) {
    if (node) node.textContent = text === null || text === undefined ? "" : String(text);
  }

  function show(node, visible) {
    if (node) node.hidden = !visible;
  }

  /* The four answer shapes, so the colours are never the only cue:
     0 red triangle, 1 blue diamond, 2 yellow circle, 3 green square. */
  var SHAPE_NAMES = ["triangle", "diamond", "circle", "square"];
  var SHAPE_LABELS = [gettext("Triangle"), gettext("Diamond"), gettext("Circle"), gettext("Square")];

  /* Team names (classroom/teams.py) travel in English, since one broadcast reaches pages
     of every language; each page says them in its own. */
  var TEAM_NAMES = {
    Blue: gettext("Blue"), Orange: gettext("Orange"), Green: gettext("Green"),
    Purple: gettext("Purple"), Red: gettext("Red"), Teal: gettext("Teal"),
    Pink: gettext("Pink"), Brown: gettext("Brown")
  };

  function teamName(name) {
    return Object.prototype.hasOwnProperty.call(TEAM_NAMES, name) ? TEAM_NAMES[name] : name;
  }

  /* A shape's name as the page's language says it: "triangle" -> "Triangle". */
  function shapeLabel(name) {
    return SHAPE_LABELS[SHAPE_NAMES.indexOf(name)] || name;
  }
  var LETTERS = "ABCDEFGH";

  function shape(index) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 32 32");
    svg.setAttribute("class", "shape shape-" + SHAPE_NAMES[index % 4]);
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var node;
    switch (index % 4) {
      case 0:
        node = document.createElementNS(SVG_NS, "polygon");
        node.setAttribute("points", "16,3 30,28 2,28");
        break;
      case 1:
        node = document.createElementNS(SVG_NS, "polygon");
        node.setAttribute("points", "16,1 31,16 16,31 1,16");
        break;
      case 2:
        node = document.createElementNS(SVG_NS, "circle");
        node.setAttribute("cx", "16");
        node.setAttribute("cy", "16");
        node.setAttribute("r", "14");
        break;
      default:
        node = document.createElementNS(SVG_NS, "rect");
        node.setAttribute("x", "3");
        node.setAttribute("y", "3");
        node.setAttribute("width", "26");
        node.setAttribute("height", "26");
    }
    svg.appendChild(node);
    return svg;
  }

  function ordinal(n) {
    var s = [gettext("%(n)sth"), gettext("%(n)sst"), gettext("%(n)snd"), gettext("%(n)srd")];
    var v = n % 100;
    return fill(s[(v - 20) % 10] || s[v] || s[0], { n: n });
  }

  /* "3 players": Q.plural(3, Q.ngettext("%(n)s player", "%(n)s players", 3)) puts the
     number into the form the page's language picks. */
  function plural(n, one, many) {
    return fill(many === undefined ? one : (n === 1 ? one : many), { n: n });
  }

  function wsUrl(path) {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + window.location.host + path;
  }

  /* Delay before reconnect attempt `attempt` (0-based): exponential with full jitter,
     so a class of phones that lost the wifi together does not come back together. */
  function backoffDelay(attempt, baseMs, capMs) {
    var ceiling = Math.min(capMs, baseMs * Math.pow(2, attempt));
    return Math.round(ceiling / 2 + Math.random() * ceiling / 2);
  }

  /* Seq tracking (docs/protocol.md, Part 2). `snapshotTypes` reset the count;
     `replyTypes` carry the last seq but never open a gap. */
  function SeqTracker(snapshotTypes, replyTypes) {
    this.snapshotTypes = snapshotTypes;
    this.replyTypes = replyTypes;
    this.last = null;
  }
  SeqTracker.prototype.reset = function () { this.last = null; };
  /* Returns "apply", "stale" or "gap". */
  SeqTracker.prototype.check = function (frame) {
    var seq = frame.seq;
    if (typeof seq !== "number" || this.replyTypes.indexOf(frame.type) !== -1) return "apply";
    if (this.snapshotTypes.indexOf(frame.type) !== -1) {
      if (this.last !== null && seq < this.last) return "stale";
      this.last = seq;
      return "apply";
    }
    if (this.last === null) { this.last = seq; return "apply"; }
    if (seq <= this.last) return "stale";
    if (seq > this.last + 1) return "gap";
    this.last = seq;
    return "apply";
  };

  /* A game socket that reconnects by itself.
     options: path, onOpen(socket), onFrame(frame), onStatus(state, detail),
              onClose(code) -> false to stop reconnecting,
              snapshotTypes, replyTypes. */
  function GameSocket(options) {
    this.options = options;
    this.ws = null;
    this.attempt = 0;
    this.timer = null;
    this.stopped = true;
    this.syncing = false;
    this.syncTimer = null;
    this.heartbeat = null;
    this.lastHeard = 0;
    this.pingRef = 0;
    this.seq = new SeqTracker(options.snapshotTypes || ["state"], options.replyTypes || []);
  }

  GameSocket.prototype.start = function () {
    this.stopped = false;
    this.connectNow();
  };

  GameSocket.prototype.stop = function () {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = null;
    this.stopHeartbeat();
    if (this.ws) {
      var ws = this.ws;
      this.ws = null;
      try { ws.close(1000); } catch (e) { /* already closed */ }
    }
  };

  GameSocket.prototype.isOpen = function () {
    return !!this.ws && this.ws.readyState === WebSocket.OPEN;
  };

  /* Connect now if not connected (page shown again, network back). */
  GameSocket.prototype.connectNow = function () {
    if (this.stopped) return;
    if (this.ws && (this.ws.readyState === WebSocket.OPEN ||
                    this.ws.readyState === WebSocket.CONNECTING)) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.open();
  };

  GameSocket.prototype.open = function () {
    var self = this;
    var ws;
    this.status("connecting");
    try {
      ws = new WebSocket(wsUrl(this.options.path));
    } catch (e) {
      this.scheduleReconnect(1006);
      return;
    }
    this.ws = ws;
    this.seq.reset();
    this.syncing = false;
    ws.onopen = function () {
      if (self.ws !== ws) return;
      self.lastHeard = Date.now();
      self.startHeartbeat();
      self.status("open");
      if (self.options.onOpen) self.options.onOpen(self);
    };
    ws.onmessage = function (event) {
      if (self.ws !== ws) return;
      self.lastHeard = Date.now();
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (!frame || typeof frame.type !== "string") return;
      self.receive(frame);
    };
    ws.onclose = function (event) {
      if (self.ws !== ws) return;
      self.ws = null;
      self.stopHeartbeat();
      var again = self.options.onClose ? self.options.onClose(event.code) : true;
      if (again === false || self.stopped) {
        self.stopped = true;
        self.status("closed", event.code);
        return;
      }
      self.scheduleReconnect(event.code);
    };
  };

  GameSocket.prototype.receive = function (frame) {
    if (frame.type === "pong") return;
    var verdict = this.seq.check(frame);
    if (verdict === "stale") return;
    if (verdict === "gap") {
      this.requestSync();
      return;
    }
    if (this.seq.snapshotTypes.indexOf(frame.type) !== -1) {
      this.syncing = false;
      clearTimeout(this.syncTimer);
    }
    // A frame that opened the socket successfully resets the backoff.
    if (frame.type !== "error") this.attempt = 0;
    this.options.onFrame(frame);
  };

  GameSocket.prototype.requestSync = function () {
    if (this.syncing) return;
    var self = this;
    this.syncing = true;
    this.send({ type: "sync" });
    // If the reply is lost too, ask again rather than stay stale.
    clearTimeout(this.syncTimer);
    this.syncTimer = setTimeout(function () {
      self.syncing = false;
      if (self.isOpen()) self.requestSync();
    }, 5000);
  };

  GameSocket.prototype.send = function (frame) {
    if (!this.isOpen()) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  };

  GameSocket.prototype.scheduleReconnect = function (code) {
    var self = this;
    // Rate limited: wait longer before trying again.
    var base = code === 4429 ? 5000 : 500;
    var delay = backoffDelay(this.attempt, base, 10000);
    this.attempt += 1;
    this.status("waiting", delay);
    clearTimeout(this.timer);
    this.timer = setTimeout(function () {
      self.timer = null;
      if (!self.stopped) self.open();
    }, delay);
  };

  /* A socket can die without a close event (a phone that slept, a NAT that forgot
     it): ping now and then and reconnect when nothing has been heard for a while. */
  GameSocket.prototype.startHeartbeat = function () {
    var self = this;
    this.stopHeartbeat();
    this.heartbeat = setInterval(function () {
      if (!self.isOpen()) return;
      if (Date.now() - self.lastHeard > 45000) {
        var ws = self.ws;
        self.ws = null;
        try { ws.close(4000); } catch (e) { /* ignore */ }
        self.stopHeartbeat();
        self.scheduleReconnect(1006);
        return;
      }
      self.pingRef += 1;
      self.send({ type: "ping", ref: self.pingRef });
    }, 15000);
  };

  GameSocket.prototype.stopHeartbeat = function () {
    clearInterval(this.heartbeat);
    this.heartbeat = null;
  };

  GameSocket.prototype.status = function (state, detail) {
    if (this.options.onStatus) this.options.onStatus(state, detail);
  };

  /* Short beeps with the WebAudio API (no audio files). Off until switched on, and
     the AudioContext is created on that click, as browsers require. */
  function Sound() {
    this.enabled = false;
    this.ctx = null;
  }
  Sound.prototype.toggle = function () {
    this.enabled = !this.enabled;
    if (this.enabled && !this.ctx) {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (Ctx) this.ctx = new Ctx();
    }
    if (this.ctx && this.ctx.state === "suspended") this.ctx.resume();
    return this.enabled;
  };
  Sound.prototype.beep = function (freq, ms, delayMs, volume) {
    if (!this.enabled || !this.ctx) return;
    var ctx = this.ctx;
    var start = ctx.currentTime + (delayMs || 0) / 1000;
    var osc = ctx.createOscillator();
    var gain = ctx.createGain();
    osc.type = "sine";
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(volume || 0.2, start + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + ms / 1000);
    osc.connect(gain);
    gain.connect(ctx.destination);
    osc.start(start);
    osc.stop(start + ms / 1000 + 0.02);
  };
  Sound.prototype.play = function (name) {
    if (name === "join") this.beep(880, 90, 0, 0.12);
    else if (name === "question") { this.beep(523, 120); this.beep(784, 180, 130); }
    else if (name === "tick") this.beep(1000, 60, 0, 0.1);
    else if (name === "reveal") { this.beep(523, 150); this.beep(659, 150, 120); this.beep(784, 260, 240); }
    else if (name === "finish") {
      [523, 659, 784, 1047].forEach(function (f, i) { this.beep(f, 200, i * 150); }, this);
    }
  };

  /* A countdown driven by remaining_ms from the server: local clock only measures
     the time since the frame arrived, so phone and projector clocks never matter. */
  function Countdown(onTick) {
    this.onTick = onTick;
    this.timer = null;
    this.endsAt = 0;
    this.totalMs = 0;
  }
  Countdown.prototype.start = function (remainingMs, totalMs) {
    var self = this;
    this.stop();
    this.totalMs = Math.max(1, totalMs || remainingMs || 1);
    this.endsAt = performance.now() + Math.max(0, remainingMs || 0);
    var tick = function () {
      var left = Math.max(0, self.endsAt - performance.now());
      self.onTick(left, self.totalMs);
      if (left <= 0) self.stop();
    };
    tick();
    this.timer = setInterval(tick, 100);
  };
  Countdown.prototype.stop = function () {
    clearInterval(this.timer);
    this.timer = null;
  };

  window.Quiz = {
    el: el,
    append: append,
    clear: clear,
    setText: setText,
    show: show,
    shape: shape,
    SHAPE_NAMES: SHAPE_NAMES,
    shapeLabel: shapeLabel,
    teamName: teamName,
    LETTERS: LETTERS,
    ordinal: ordinal,
    plural: plural,
    gettext: gettext,
    ngettext: ngettext,
    fill: fill,
    backoffDelay: backoffDelay,
    SeqTracker: SeqTracker,
    GameSocket: GameSocket,
    Sound: Sound,
    Countdown: Countdown
  };
})();
