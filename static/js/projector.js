/* The projector: one page whose screens are drawn from the host socket's frames. The
   lobby (roster, join gate) is projector-lobby.js, the reveal projector-reveal.js, and
   what differs by question kind static/js/kinds.js.

   Frames handled (docs/protocol.md): lobby, state (snapshots: the whole screen is
   redrawn), player_joined / player_left (roster deltas), options, extra_time,
   join_gate (the join shapes changed), question, answer_count, reveal, scoreboard,
   finished, error. In a team game, scoreboard, finished and state carry `teams`: the
   team board and the team podium.
   Commands sent: start, next, close_question, scoreboard, end, lock, unlock, kick,
   set_options, extra_time, sync (on a seq gap), ping. */
(function () {
  "use strict";

  var Q = window.Quiz;
  var root = document.getElementById("projector");
  if (!root) return;

  var $ = function (id) { return document.getElementById(id); };
  var body = document.body;
  // Words this file adds for reading time and teams (one place, for translation).
  var TEXT = {
    readingLeft: function (s) { return Q.fill(Q.gettext("Answers open in %(s)s s"), { s: s }); },
    teamScore: function (score) { return Q.fill(Q.gettext("%(score)s points"), { score: score }); },
    teamMembers: function (n) { return Q.plural(n, Q.ngettext("%(n)s player", "%(n)s players", n)); },
    noTeams: Q.gettext("No teams yet.")
  };
  var PHASES = ["lobby", "question", "reveal", "scoreboard", "finished"];
  // Mirror of classroom/machine.py's TRANSITIONS, for the buttons between snapshots.
  var ACTIONS = {
    lobby: ["start", "end"],
    question: ["close_question", "end"],
    reveal: ["scoreboard", "next", "end"],
    scoreboard: ["next", "end"],
    finished: []
  };

  var game = {
    phase: null,
    locked: false,
    question: null,     // the open or last question frame
    questionCount: parseInt(root.getAttribute("data-question-count"), 10) || 0,
    allowed: [],
    reportUrl: root.getAttribute("data-report-url"),
    lastTick: null,
    readingTimer: null  // shows the tiles and starts the clock when reading is over
  };
  var sound = new Q.Sound();
  var lobby = Q.ProjectorLobby({ root: root, sound: sound, phase: function () { return game.phase; } });

  // ---------------------------------------------------------------- screens

  var screens = {
    lobby: $("screen-lobby"),
    question: $("screen-question"),
    reveal: $("screen-reveal"),
    scoreboard: $("screen-scoreboard"),
    finished: $("screen-podium"),
    connecting: $("screen-connecting"),
    ended: $("screen-ended")
  };
  var revealScreen = Q.ProjectorReveal({ screen: screens.reveal });
  var picture = Q.ProjectorPicture({ screen: screens.question, figure: $("q-picture") });

  function showScreen(name) {
    Object.keys(screens).forEach(function (key) { Q.show(screens[key], key === name); });
    PHASES.concat(["connecting", "ended"]).forEach(function (p) {
      body.classList.toggle("phase-" + p, p === name);
    });
    root.setAttribute("data-phase", name);
  }

  function setPhase(phase, allowed) {
    game.phase = phase;
    game.allowed = allowed || ACTIONS[phase] || [];
    showScreen(phase);
    updateControls();
  }

  function updateControls() {
    var phase = game.phase;
    var allowed = game.allowed;
    document.querySelectorAll(".controls [data-phase]").forEach(function (button) {
      var phases = button.getAttribute("data-phase").split(" ");
      Q.show(button, phases.indexOf(phase) !== -1);
    });
    $("btn-start").disabled = allowed.indexOf("start") === -1 || !socket.isOpen();
    $("btn-close").disabled = allowed.indexOf("close_question") === -1;
    $("btn-scoreboard").disabled = allowed.indexOf("scoreboard") === -1;
    $("btn-next").disabled = allowed.indexOf("next") === -1;
    $("btn-end").disabled = allowed.indexOf("end") === -1;
    var label = Q.gettext("Next");
    if (game.question && typeof game.question.index === "number") {
      var last = game.question.index + 1 >= (game.question.count || game.questionCount);
      label = last ? Q.gettext("Finish") : Q.gettext("Next question");
    }
    Q.clear($("btn-next"));
    Q.append($("btn-next"), [label, " ", Q.el("kbd", { text: "→" })]);
    var lock = $("btn-lock");
    lock.textContent = game.locked ? Q.gettext("Unlock") : Q.gettext("Lock");
    lock.setAttribute("aria-pressed", game.locked ? "true" : "false");
    Q.show($("locked-badge"), game.locked);
    document.querySelectorAll("#options input").forEach(function (box) {
      box.disabled = phase !== "lobby";
    });
    lobby.showSmallGate();
  }

  var toastTimer = null;
  function toast(message) {
    var node = $("toast");
    Q.setText(node, message);
    Q.show(node, true);
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { Q.show(node, false); }, 5000);
  }

  // ---------------------------------------------------------------- lobby

  function onLobby(frame) {
    lobby.drawRoster(frame.players);
    game.locked = !!frame.locked;
    lobby.onJoinGate(frame.join_gate);
    if (game.phase === null) setPhase("lobby");
    else updateControls();
  }

  function onOptions(options) {
    document.querySelectorAll("#options input[data-option]").forEach(function (box) {
      var key = box.getAttribute("data-option");
      if (options && key in options) box.checked = !!options[key];
    });
  }

  // ---------------------------------------------------------------- question

  var countdown = new Q.Countdown(function (leftMs, totalMs) {
    var seconds = Math.ceil(leftMs / 1000);
    var box = $("countdown");
    Q.setText($("countdown-text"), seconds);
    box.setAttribute("data-remaining-ms", Math.round(leftMs));
    $("countdown-ring").setAttribute("stroke-dashoffset", String(100 * (1 - leftMs / totalMs)));
    box.classList.toggle("urgent", leftMs <= 5000);
    if (game.phase === "question" && seconds <= 5 && seconds > 0 && seconds !== game.lastTick) {
      game.lastTick = seconds;
      sound.play("tick");
    }
  });

  function promptClass(node, text) {
    node.classList.toggle("long", text.length > 110 && text.length <= 200);
    node.classList.toggle("very-long", text.length > 200);
  }

  function tile(choice, index) {
    return Q.el("li", {
      class: "tile c" + (index % 4),
      "data-testid": "tile",
      "data-choice-id": choice.id,
      "data-shape": Q.SHAPE_NAMES[index % 4]
    }, [Q.shape(index), Q.el("span", { class: "tile-text", text: choice.text })]);
  }

  function drawQuestion(frame) {
    game.question = frame;
    game.lastTick = null;
    var count = frame.count || game.questionCount;
    Q.setText($("q-index"), Q.fill(Q.gettext("Question %(n)s of %(count)s"), { n: frame.index + 1, count: count }));
    var kind = Q.kindOf(frame.kind);
    Q.setText($("q-kind"), Q.KINDS[frame.kind] ? kind.label : "");
    Q.show($("q-multiplier"), frame.points_multiplier === 2);
    var prompt = $("q-prompt");
    Q.setText(prompt, frame.prompt);
    promptClass(prompt, frame.prompt || "");
    picture.draw(frame.image);
    var shown = kind.question(frame, tile);
    var tiles = Q.clear($("tiles"));
    tiles.className = "tiles" + (shown.cls ? " " + shown.cls : "");
    var longest = (frame.choices || []).reduce(function (m, c) { return Math.max(m, (c.text || "").length); }, 0);
    // Tile rows are a quarter of the screen or less: long choices need smaller type.
    tiles.classList.toggle("tiles-long", longest * shown.rows > 200 && longest * shown.rows <= 320);
    tiles.classList.toggle("tiles-very-long", longest * shown.rows > 320);
    Q.append(tiles, shown.items);
    Q.setText($("q-hint"), shown.hint);
    updateAnswered(frame.answered || 0, typeof frame.total === "number" ? frame.total : lobby.count());
    var readingMs = frame.answerable_in_ms || 0;
    if (readingMs > 0) startReading(frame, readingMs);
    else startAnswering(frame);
  }

  function startAnswering(frame) {
    stopReading();
    var remaining = typeof frame.remaining_ms === "number" ? frame.remaining_ms : frame.time_limit_ms;
    countdown.start(remaining, Math.max(frame.time_limit_ms || 0, remaining || 0));
  }

  /* Reading time: the prompt alone with a draining bar; then the tiles and the clock
     (the server takes no answer before, and its time limit starts then). */
  function startReading(frame, readingMs) {
    stopReading();
    countdown.stop();
    screens.question.setAttribute("data-reading", "true");
    Q.show($("tiles"), false);
    Q.show($("q-reading"), true);
    var total = Math.max(1, frame.reading_ms || readingMs);
    var endsAt = performance.now() + readingMs;
    var tick = function () {
      var left = Math.max(0, endsAt - performance.now());
      $("q-reading-bar").style.width = (100 * left / total) + "%";
      Q.setText($("q-reading-left"), TEXT.readingLeft(Math.ceil(left / 1000)));
      if (left <= 0 && game.question === frame && game.phase === "question") startAnswering(frame);
    };
    tick();
    game.readingTimer = setInterval(tick, 100);
  }

  function stopReading() {
    clearInterval(game.readingTimer);
    game.readingTimer = null;
    screens.question.removeAttribute("data-reading");
    Q.show($("q-reading"), false);
    Q.show($("tiles"), true);
  }

  function updateAnswered(answered, total) {
    var node = $("answered-count");
    if (answered === null || answered === undefined) {
      answered = parseInt(node.getAttribute("data-answered"), 10) || 0;
    }
    if (total === null || total === undefined) {
      total = parseInt(node.getAttribute("data-total"), 10) || 0;
    }
    node.setAttribute("data-answered", answered);
    node.setAttribute("data-total", total);
    Q.setText(node, answered + " / " + total);
  }

  function onQuestion(frame) {
    setPhase("question");
    drawQuestion(frame);
    sound.play("question");
  }

  // ---------------------------------------------------------------- reveal

  function onReveal(frame) {
    stopReading();
    countdown.stop();
    setPhase("reveal");
    revealScreen.draw(frame, game.question);
    sound.play("reveal");
  }

  // ---------------------------------------------------------------- scoreboard, podium

  function movement(entry) {
    var prev = entry.previous_rank;
    if (prev === null || prev === undefined) return { cls: "none", text: "", label: "" };
    if (prev > entry.rank) return { cls: "up", text: "▲", label: Q.plural(prev - entry.rank, Q.ngettext("up %(n)s place", "up %(n)s places", prev - entry.rank)) };
    if (prev < entry.rank) return { cls: "down", text: "▼", label: Q.plural(entry.rank - prev, Q.ngettext("down %(n)s place", "down %(n)s places", entry.rank - prev)) };
    return { cls: "same", text: "=", label: Q.gettext("same place") };
  }

  function drawScoreboard(top) {
    var list = Q.clear($("scoreboard-rows"));
    (top || []).slice(0, 5).forEach(function (entry) {
      var move = movement(entry);
      list.appendChild(Q.el("li", {
        class: "score-row",
        "data-testid": "scoreboard-row",
        "data-player-id": entry.player_id,
        "data-rank": entry.rank,
        "data-movement": move.cls
      }, [
        Q.el("span", { class: "score-rank", text: entry.rank }),
        Q.el("span", { class: "score-move " + move.cls, "aria-label": move.label || null,
                       title: move.label || null, text: move.text }),
        Q.el("span", { class: "score-name", text: entry.nickname }),
        Q.el("span", { class: "score-delta", "data-testid": "score-delta",
                       text: entry.delta ? "+" + entry.delta : "" }),
        Q.el("span", { class: "score-points", text: entry.score })
      ]));
    });
    if (!list.children.length) {
      list.appendChild(Q.el("li", { class: "score-row", text: Q.gettext("No players yet.") }));
    }
  }

  // Through the CSSOM: the page's CSP refuses style attributes.
  function coloured(node, colour) {
    node.style.backgroundColor = colour;
    return node;
  }

  /* A team game's standings (frame.teams): every team, best first, in its colour,
     with its movement; hidden in a game without teams. */
  function drawTeamBoard(teamList) {
    var box = $("team-board");
    Q.show(box, !!teamList);
    if (!teamList) return;
    var list = Q.clear($("team-rows"));
    teamList.forEach(function (entry) {
      var move = movement(entry);
      list.appendChild(Q.el("li", {
        class: "score-row team-row",
        "data-testid": "team-row",
        "data-team-id": entry.id,
        "data-rank": entry.rank,
        "data-movement": move.cls
      }, [
        Q.el("span", { class: "score-rank", text: entry.rank }),
        Q.el("span", { class: "score-move " + move.cls, "aria-label": move.label || null,
                       title: move.label || null, text: move.text }),
        Q.el("span", { class: "score-name" }, [
          coloured(Q.el("span", { class: "team-chip", text: Q.teamName(entry.name) }), entry.colour),
          Q.el("span", { class: "team-members", text: " " + TEXT.teamMembers(entry.members) })
        ]),
        Q.el("span", { class: "score-delta", text: entry.delta ? "+" + entry.delta : "" }),
        Q.el("span", { class: "score-points", text: entry.score })
      ]));
    });
    if (!list.children.length) list.appendChild(Q.el("li", { class: "score-row", text: TEXT.noTeams }));
  }

  /* The team podium: the first three teams (ties as they fall), in their colours. */
  function drawTeamPodium(teamList) {
    var box = $("team-podium");
    Q.show(box, !!teamList);
    if (!teamList) return;
    var list = Q.clear($("team-podium-list"));
    teamList.slice(0, 3).forEach(function (entry) {
      list.appendChild(coloured(Q.el("li", {
        class: "team-place", "data-testid": "team-place", "data-team-id": entry.id,
        "data-rank": entry.rank
      }, [
        Q.el("span", { class: "team-place-rank", text: Q.ordinal(entry.rank) }),
        Q.el("span", { class: "team-place-name", text: Q.teamName(entry.name) }),
        Q.el("span", { class: "team-place-score", text: TEXT.teamScore(entry.score) })
      ]), entry.colour));
    });
  }

  function onScoreboard(frame) {
    setPhase("scoreboard");
    drawScoreboard(frame.top);
    drawTeamBoard(frame.teams || null);
  }

  function drawPodium(podium, reportUrl, timelineUrl, answerUrl) {
    [1, 2, 3].forEach(function (place) {
      var slot = document.querySelector('[data-testid="podium-' + place + '"]');
      var entry = (podium || [])[place - 1];
      slot.classList.toggle("empty", !entry);
      Q.setText(slot.querySelector(".podium-name"), entry ? entry.nickname : "");
      Q.setText(slot.querySelector(".podium-score"), entry ? Q.plural(entry.score, Q.ngettext("%(n)s point", "%(n)s points", entry.score)) : "");
      if (entry) slot.setAttribute("data-player-id", entry.player_id);
    });
    if (reportUrl) $("report-link").setAttribute("href", reportUrl);
    if (timelineUrl) {
      // The timeline page offers "Back to the podium" when it knows the PIN.
      var pin = encodeURIComponent(root.getAttribute("data-pin"));
      $("timeline-link").setAttribute("href", timelineUrl + "?podium=" + pin);
      Q.show($("timeline-link"), true);
    }
    // Only a game that asked verdict questions has an answer page.
    if (answerUrl) $("answer-link").setAttribute("href", answerUrl);
    Q.show($("answer-link"), !!answerUrl);
  }

  function onFinished(frame) {
    stopReading();
    countdown.stop();
    setPhase("finished");
    drawPodium(frame.podium, frame.report_url, frame.timeline_url, frame.answer_url);
    drawTeamPodium(frame.teams || null);
    sound.play("finish");
  }

  // ---------------------------------------------------------------- snapshot

  function onState(frame) {
    game.locked = !!frame.locked;
    if (typeof frame.count === "number") lobby.setCount(frame.count);
    onOptions(frame.options);
    lobby.onJoinGate(frame.join_gate);
    var phase = PHASES.indexOf(frame.phase) !== -1 ? frame.phase : "lobby";
    if (frame.question) game.question = frame.question;
    if (phase !== "question") { stopReading(); countdown.stop(); }
    setPhase(phase, frame.allowed_actions);
    if (phase === "question" && frame.question) drawQuestion(frame.question);
    if ((phase === "reveal" || phase === "scoreboard") && frame.reveal) revealScreen.draw(frame.reveal, game.question);
    if (phase === "scoreboard" || (phase === "finished" && frame.top)) drawScoreboard(frame.top);
    if (phase === "scoreboard") drawTeamBoard(frame.teams || null);
    if (phase === "finished") {
      drawPodium(frame.podium, frame.report_url, frame.timeline_url, frame.answer_url);
      drawTeamPodium(frame.teams || null);
    }
  }

  // ---------------------------------------------------------------- socket

  var CONN_TEXT = {
    connecting: Q.gettext("Connecting…"),
    open: Q.gettext("Connected"),
    waiting: Q.gettext("Reconnecting…"),
    closed: Q.gettext("Disconnected")
  };

  function onStatus(state, detail) {
    var node = $("conn-status");
    var text = CONN_TEXT[state] || state;
    if (state === "waiting" && typeof detail === "number") {
      text = Q.fill(Q.gettext("Connection lost: retrying in %(n)s s"), { n: Math.max(1, Math.round(detail / 1000)) });
    }
    node.className = "conn conn-" + (state === "open" ? "open" : state === "closed" ? "closed" : "connecting");
    node.setAttribute("data-state", state);
    Q.setText(node, text);
    if (game.phase !== null) updateControls();
  }

  var closeReason = "";
  var CLOSING_ERRORS = ["game_not_found", "not_host", "forbidden"];

  function onFrame(frame) {
    switch (frame.type) {
      case "lobby": onLobby(frame); break;
      case "state": onState(frame); break;
      case "player_joined": lobby.onPlayerJoined(frame); break;
      case "player_left": lobby.onPlayerLeft(frame); break;
      case "options": onOptions(frame.options); lobby.onJoinGate(frame.join_gate); break;
      case "join_gate": lobby.onJoinGate(frame); break;
      case "extra_time": lobby.onExtraTime(frame); break;
      case "question": onQuestion(frame); break;
      case "answer_count": updateAnswered(frame.answered, frame.total); break;
      case "reveal": onReveal(frame); break;
      case "scoreboard": onScoreboard(frame); break;
      case "finished": onFinished(frame); break;
      case "error":
        if (CLOSING_ERRORS.indexOf(frame.code) !== -1) closeReason = frame.message || frame.code;
        toast(frame.message || Q.fill(Q.gettext("Something went wrong (%(code)s)."), { code: frame.code }));
        break;
      default: break;
    }
  }

  function onClose(code) {
    if (game.phase === "finished") return false;
    if (code === 4403 || code === 4404) {
      countdown.stop();
      Q.setText($("ended-text"), closeReason ||
        (code === 4404 ? Q.gettext("There is no running game with this PIN.") : Q.gettext("This projector may not run this game.")));
      showScreen("ended");
      Q.show(document.querySelector(".controls"), false);
      return false;
    }
    return true;
  }

  var socket = new Q.GameSocket({
    path: root.getAttribute("data-ws-path"),
    snapshotTypes: ["lobby", "state"],
    // join_gate is this socket's own news (no broadcast), like a reply: never a gap.
    replyTypes: ["error", "pong", "join_gate"],
    onFrame: onFrame,
    onStatus: onStatus,
    onClose: onClose
  });

  function command(type, extra) {
    var frame = { type: type };
    if (extra) Object.keys(extra).forEach(function (k) { frame[k] = extra[k]; });
    if (!socket.send(frame)) toast(Q.gettext("Not connected to the game: wait a moment and try again."));
  }

  // ---------------------------------------------------------------- controls

  // A held or double-tapped key must not skip a whole question: one advance per
  // phase change, or per second if the server refuses.
  var advancedIn = null;
  var advancedAt = 0;
  function advance() {
    if (advancedIn === game.phase && Date.now() - advancedAt < 1000) return;
    advancedIn = game.phase;
    advancedAt = Date.now();
    if (game.phase === "lobby") command("start");
    else if (game.phase === "question") command("close_question");
    else if (game.phase === "reveal" || game.phase === "scoreboard") command("next");
  }

  function toggleSound() {
    var on = sound.toggle();
    var button = $("btn-sound");
    button.setAttribute("aria-pressed", on ? "true" : "false");
    Q.setText(button, on ? Q.gettext("Sound on") : Q.gettext("Sound off"));
    if (on) sound.play("join");
  }

  function toggleFullscreen() {
    if (document.fullscreenElement) {
      if (document.exitFullscreen) document.exitFullscreen();
    } else if (document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(function () {
        toast(Q.gettext("Full screen is not available here."));
      });
    }
  }

  $("btn-start").addEventListener("click", function () { command("start"); });
  $("btn-close").addEventListener("click", function () { command("close_question"); });
  $("btn-scoreboard").addEventListener("click", function () { command("scoreboard"); });
  $("btn-next").addEventListener("click", function () { command("next"); });
  $("btn-end").addEventListener("click", function () {
    if (window.confirm(Q.gettext("End the game for everyone now?"))) command("end");
  });
  $("btn-lock").addEventListener("click", function () { command(game.locked ? "unlock" : "lock"); });
  $("btn-sound").addEventListener("click", toggleSound);
  $("btn-fullscreen").addEventListener("click", toggleFullscreen);
  $("roster").addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button") : null;
    if (!button) return;
    var playerId = Number(button.getAttribute("data-player-id"));
    if (button.classList.contains("kick")) {
      command("kick", { player_id: playerId });
    } else if (button.classList.contains("extra-time")) {
      var seconds = Number(button.getAttribute("data-seconds")) || 0;
      command("extra_time", { player_id: playerId, seconds: lobby.nextExtraTime(seconds) });
    }
  });
  document.querySelectorAll("#options input[data-option]").forEach(function (box) {
    box.addEventListener("change", function () {
      var change = {};
      change[box.getAttribute("data-option")] = box.checked;
      command("set_options", change);
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.repeat) return;
    var target = event.target;
    var tag = target && target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) return;
    var key = event.key;
    if (key === " " || key === "Spacebar") {
      // Space on a focused button or link already activates it.
      if (tag === "BUTTON" || tag === "A") return;
      event.preventDefault();
      advance();
    } else if (key === "ArrowRight") {
      event.preventDefault();
      advance();
    } else if (key === "s" || key === "S") {
      if (game.phase === "reveal") command("scoreboard");
    } else if (key === "t" || key === "T") {
      // After the podium the class sees the whole story on the timeline page (a
      // separate page: it cannot be framed, its CSP forbids that).
      var link = $("timeline-link");
      if (game.phase === "finished" && !link.hidden) window.location.assign(link.href);
    } else if (key === "f" || key === "F") {
      toggleFullscreen();
    } else if (key === "m" || key === "M") {
      toggleSound();
    }
  });

  // A projector laptop that slept or lost the wifi comes back by itself.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") socket.connectNow();
  });
  window.addEventListener("online", function () { socket.connectNow(); });
  // Back from the browser's back/forward cache: the frozen page's socket is gone.
  window.addEventListener("pageshow", function (event) { if (event.persisted) socket.connectNow(); });

  showScreen("connecting");
  socket.start();
})();
