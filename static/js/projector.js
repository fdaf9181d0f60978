/* The projector: one page whose screens are drawn from the host socket's frames.

   Frames handled (docs/protocol.md): lobby, state (snapshots: the whole screen is
   redrawn), player_joined / player_left (roster deltas), options, extra_time,
   join_gate (the join shapes changed), question, answer_count, reveal, scoreboard,
   finished, error.
   Commands sent: start, next, close_question, scoreboard, end, lock, unlock, kick,
   set_options, extra_time, sync (on a seq gap), ping. */
(function () {
  "use strict";

  var Q = window.Quiz;
  var root = document.getElementById("projector");
  if (!root) return;

  var $ = function (id) { return document.getElementById(id); };
  var body = document.body;
  var PHASES = ["lobby", "question", "reveal", "scoreboard", "finished"];
  // Mirror of classroom/machine.py's TRANSITIONS, for the buttons between snapshots.
  var ACTIONS = {
    lobby: ["start", "end"],
    question: ["close_question", "end"],
    reveal: ["scoreboard", "next", "end"],
    scoreboard: ["next", "end"],
    finished: []
  };
  var KIND_LABELS = {
    choice: "Multiple choice",
    true_false: "True or false",
    order: "Put these in order, earliest first",
    year_guess: "Guess the year"
  };

  var game = {
    phase: null,
    locked: false,
    count: 0,
    question: null,     // the open or last question frame
    questionCount: parseInt(root.getAttribute("data-question-count"), 10) || 0,
    allowed: [],
    reportUrl: root.getAttribute("data-report-url"),
    lastTick: null
  };
  var sound = new Q.Sound();

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
    var label = "Next";
    if (game.question && typeof game.question.index === "number") {
      var last = game.question.index + 1 >= (game.question.count || game.questionCount);
      label = last ? "Finish" : "Next question";
    }
    Q.clear($("btn-next"));
    Q.append($("btn-next"), [label, " ", Q.el("kbd", { text: "→" })]);
    var lock = $("btn-lock");
    lock.textContent = game.locked ? "Unlock" : "Lock";
    lock.setAttribute("aria-pressed", game.locked ? "true" : "false");
    Q.show($("locked-badge"), game.locked);
    document.querySelectorAll("#options input").forEach(function (box) {
      box.disabled = phase !== "lobby";
    });
    showSmallGate();
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

  function setCount(count) {
    game.count = count;
    Q.setText($("player-count"), count);
    Q.setText($("player-count-label"), count === 1 ? "player" : "players");
    Q.show($("roster-empty"), $("roster").children.length === 0);
  }

  // Extra time a teacher gives one player from the lobby, one press per step.
  var EXTRA_TIME_STEPS = [0, 10, 20, 30];

  function nextExtraTime(seconds) {
    for (var i = 0; i < EXTRA_TIME_STEPS.length; i++) {
      if (EXTRA_TIME_STEPS[i] > seconds) return EXTRA_TIME_STEPS[i];
    }
    return 0;
  }

  // The button shows what the server stored (the `extra_time` frame or the roster),
  // never what was pressed: a refused change must not look granted.
  function drawExtraTime(button, seconds, nickname) {
    seconds = Number(seconds) || 0;
    button.setAttribute("data-seconds", seconds);
    button.setAttribute("aria-label", "Extra time for " + nickname + ": " + seconds + " s");
    button.setAttribute("title", "Extra time for " + nickname + " (press for " +
      nextExtraTime(seconds) + " s)");
    button.classList.toggle("on", seconds > 0);
    Q.setText(button, seconds ? "+" + seconds + " s" : "+ time");
  }

  function rosterItem(player) {
    var extra = Q.el("button", {
      type: "button",
      class: "extra-time",
      "data-testid": "extra-time",
      "data-player-id": player.id
    });
    drawExtraTime(extra, player.extra_time_s, player.nickname);
    var kick = Q.el("button", {
      type: "button",
      class: "kick",
      "data-testid": "kick",
      "data-player-id": player.id,
      "aria-label": "Remove " + player.nickname,
      title: "Remove " + player.nickname,
      text: "✕"
    });
    return Q.el("li", {
      class: "roster-item",
      "data-testid": "roster-item",
      "data-player-id": player.id
    }, [Q.el("span", { class: "roster-name", text: player.nickname }), extra, kick]);
  }

  function findRosterItem(playerId) {
    return $("roster").querySelector('[data-player-id="' + Number(playerId) + '"]');
  }

  function drawRoster(players) {
    var list = Q.clear($("roster"));
    var fragment = document.createDocumentFragment();
    (players || []).forEach(function (p) { fragment.appendChild(rosterItem(p)); });
    list.appendChild(fragment);
    setCount((players || []).length);
  }

  function onLobby(frame) {
    drawRoster(frame.players);
    game.locked = !!frame.locked;
    onJoinGate(frame.join_gate);
    if (game.phase === null) setPhase("lobby");
    else updateControls();
  }

  function onPlayerJoined(frame) {
    var player = frame.player || {};
    if (!findRosterItem(player.id)) {
      $("roster").appendChild(rosterItem(player));
      if (!frame.resumed) sound.play("join");
    }
    setCount(typeof frame.count === "number" ? frame.count : $("roster").children.length);
  }

  function onPlayerLeft(frame) {
    var item = findRosterItem(frame.player_id);
    if (item) item.parentNode.removeChild(item);
    setCount(typeof frame.count === "number" ? frame.count : $("roster").children.length);
  }

  function onOptions(options) {
    document.querySelectorAll("#options input[data-option]").forEach(function (box) {
      var key = box.getAttribute("data-option");
      if (options && key in options) box.checked = !!options[key];
    });
  }

  // ---------------------------------------------------------------- join gate

  /* The shapes a phone must tap to join (game option join_gate): large in the lobby,
     small in the top bar during the game, for a late student. The server sends new
     ones when they change; the countdown here only says when that will be. */
  var gateState = { shapes: null, endsAt: 0, totalMs: 20000, timer: null };

  function shapeName(name) {
    return name.charAt(0).toUpperCase() + name.slice(1);
  }

  function gateItem(name, small) {
    var index = Q.SHAPE_NAMES.indexOf(name);
    return Q.el("li", {
      class: "gate-shape c" + index,
      "data-testid": small ? "gate-small-shape" : "gate-shape",
      "data-shape": name
    }, [Q.shape(index), Q.el("span", { class: small ? "visually-hidden" : "gate-shape-name",
                                       text: shapeName(name) })]);
  }

  function tickGate() {
    var left = Math.max(0, gateState.endsAt - performance.now());
    var seconds = Math.ceil(left / 1000);
    Q.setText($("gate-countdown"), seconds > 0 ? "New shapes in " + seconds + " s" : "New shapes now…");
    $("gate-bar-fill").style.setProperty("--share", String(left / gateState.totalMs));
  }

  function onJoinGate(shown) {
    var on = !!(shown && shown.shapes && shown.shapes.length);
    gateState.shapes = on ? shown.shapes.slice() : null;
    clearInterval(gateState.timer);
    gateState.timer = null;
    var big = Q.clear($("gate-shapes"));
    var small = Q.clear($("gate-small-shapes"));
    if (on) {
      gateState.shapes.forEach(function (name) {
        big.appendChild(gateItem(name, false));
        small.appendChild(gateItem(name, true));
      });
      gateState.endsAt = performance.now() + Math.max(0, shown.changes_in_ms || 0);
      tickGate();
      gateState.timer = setInterval(tickGate, 250);
    }
    Q.show($("gate"), on);
    root.classList.toggle("has-gate", on);
    root.setAttribute("data-gate", on ? gateState.shapes.join(" ") : "");
    showSmallGate();
  }

  function showSmallGate() {
    Q.show($("gate-small"), !!gateState.shapes && game.phase !== null &&
      game.phase !== "lobby" && game.phase !== "finished");
  }

  function onExtraTime(frame) {
    var item = findRosterItem(frame.player_id);
    if (!item) return;
    drawExtraTime(item.querySelector("button.extra-time"), frame.seconds,
      item.querySelector(".roster-name").textContent);
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
    Q.setText($("q-index"), "Question " + (frame.index + 1) + " of " + count);
    Q.setText($("q-kind"), KIND_LABELS[frame.kind] || "");
    Q.show($("q-multiplier"), frame.points_multiplier === 2);
    var prompt = $("q-prompt");
    Q.setText(prompt, frame.prompt);
    promptClass(prompt, frame.prompt || "");
    var tiles = Q.clear($("tiles"));
    tiles.classList.toggle("tiles-order", frame.kind === "order");
    var longest = (frame.choices || []).reduce(function (m, c) { return Math.max(m, (c.text || "").length); }, 0);
    // Tile rows are a quarter of the screen or less: long choices need smaller type.
    var rows = frame.kind === "order" ? (frame.choices || []).length : 2;
    tiles.classList.toggle("tiles-long", longest * rows > 200 && longest * rows <= 320);
    tiles.classList.toggle("tiles-very-long", longest * rows > 320);
    var hint = "";
    if (frame.kind === "year_guess") {
      tiles.appendChild(Q.el("li", { class: "tile tile-year", "data-testid": "tile" },
        "Type a year between " + frame.year_min + " and " + frame.year_max + " on your phone"));
    } else {
      (frame.choices || []).forEach(function (choice, index) {
        tiles.appendChild(tile(choice, index));
      });
      if (frame.kind === "order") hint = "Tap them in order on your phone";
    }
    Q.setText($("q-hint"), hint);
    var remaining = typeof frame.remaining_ms === "number" ? frame.remaining_ms : frame.time_limit_ms;
    countdown.start(remaining, Math.max(frame.time_limit_ms || 0, remaining || 0));
    updateAnswered(frame.answered || 0, typeof frame.total === "number" ? frame.total : game.count);
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

  function bar(opts) {
    var fill = Q.el("span", { class: "bar-fill " + (opts.colour || "plain") });
    fill.style.setProperty("--share", String(opts.share));
    var label = Q.el("span", { class: "bar-label " + (opts.colour || "") });
    if (opts.shapeIndex !== undefined) label.appendChild(Q.shape(opts.shapeIndex));
    Q.append(label, Q.el("span", { class: "bar-text", text: opts.label }));
    if (opts.position) Q.append(label, Q.el("span", { class: "bar-tick", text: Q.ordinal(opts.position) }));
    else if (opts.correct) Q.append(label, Q.el("span", { class: "bar-tick", "aria-hidden": "true", text: "✓ correct" }));
    return Q.el("li", {
      class: "bar " + (opts.correct ? "correct" : "wrong"),
      "data-testid": "bar",
      "data-choice-id": opts.choiceId,
      "data-year": opts.year,
      "data-count": opts.count,
      "data-correct": opts.correct ? "true" : "false",
      "aria-label": opts.position
        ? Q.ordinal(opts.position) + ", " + opts.label + ": " + Q.plural(opts.count, "player", "players") + " put it here"
        : opts.label + ": " + Q.plural(opts.count, "answer", "answers") + (opts.correct ? " (correct)" : "")
    }, [Q.el("span", { class: "bar-count", text: opts.count }),
        Q.el("span", { class: "bar-track" }, fill),
        label]);
  }

  function yearBuckets(distribution, correctYear) {
    var years = Object.keys(distribution || {}).map(Number).filter(function (y) { return !isNaN(y); });
    years.sort(function (a, b) { return a - b; });
    var rows = [];
    if (years.length <= 11 || typeof correctYear !== "number") {
      years.forEach(function (y) {
        rows.push({ label: String(y), year: y, count: distribution[String(y)] || 0,
                    correct: y === correctYear });
      });
      if (typeof correctYear === "number" && years.indexOf(correctYear) === -1) {
        rows.push({ label: String(correctYear), year: correctYear, count: 0, correct: true });
        rows.sort(function (a, b) { return a.year - b.year; });
      }
      return rows;
    }
    // Many different guesses: single years near the answer, the rest in two buckets.
    var before = 0, after = 0;
    for (var y = correctYear - 4; y <= correctYear + 4; y++) {
      rows.push({ label: String(y), year: y, count: distribution[String(y)] || 0,
                  correct: y === correctYear });
    }
    years.forEach(function (year) {
      if (year < correctYear - 4) before += distribution[String(year)];
      else if (year > correctYear + 4) after += distribution[String(year)];
    });
    rows.unshift({ label: "before " + (correctYear - 4), count: before, correct: false });
    rows.push({ label: "after " + (correctYear + 4), count: after, correct: false });
    return rows;
  }

  function drawBars(frame) {
    var list = Q.clear($("bars"));
    var distribution = frame.distribution || {};
    var choices = frame.choices || (game.question && game.question.choices) || [];
    var correctIds = frame.correct_choice_ids || [];
    var rows = [];
    if (frame.kind === "year_guess") {
      rows = yearBuckets(distribution, frame.correct_year);
    } else {
      var indexOf = {};
      choices.forEach(function (c, i) { indexOf[c.id] = i; });
      var ordered = choices;
      if (frame.kind === "order") {
        // In the right order; colours stay those of the tiles the class saw.
        ordered = correctIds.map(function (id) {
          return choices[indexOf[id]];
        }).filter(Boolean);
      }
      rows = ordered.map(function (c, at) {
        var i = indexOf[c.id];
        return {
          position: frame.kind === "order" ? at + 1 : 0,
          label: c.text,
          choiceId: c.id,
          count: distribution[String(c.id)] || 0,
          correct: frame.kind === "order" || correctIds.indexOf(c.id) !== -1,
          colour: "c" + (i % 4),
          shapeIndex: i
        };
      });
    }
    var max = rows.reduce(function (m, r) { return Math.max(m, r.count); }, 0);
    rows.forEach(function (r) {
      r.share = max ? r.count / max : 0;
      list.appendChild(bar(r));
    });
  }

  function correctAnswerText(frame) {
    var choices = frame.choices || (game.question && game.question.choices) || [];
    var byId = {};
    choices.forEach(function (c) { byId[c.id] = c.text; });
    var ids = frame.correct_choice_ids || [];
    if (frame.kind === "year_guess") {
      return typeof frame.correct_year === "number" ? "The year: " + frame.correct_year : "";
    }
    if (frame.kind === "order") {
      return "The right order: " + ids.map(function (id) { return byId[id]; }).join(" → ");
    }
    return ids.length ? "Answer: " + ids.map(function (id) { return byId[id]; }).join(", ") : "";
  }

  var VERDICTS = { success: "Success", failure: "Failure", neutral: "Neutral" };

  function timelineItem(event, current) {
    if (!event) {
      return Q.el("li", { class: "tl-item tl-empty", "aria-hidden": "true" }, "–");
    }
    var verdict = VERDICTS[event.verdict] || "";
    return Q.el("li", {
      class: "tl-item" + (current ? " tl-current" : ""),
      "data-testid": current ? "timeline-current" : "timeline-neighbour",
      "aria-current": current ? "true" : null
    }, [Q.el("span", { class: "tl-year", text: event.date_label || event.year }),
        Q.el("span", { class: "tl-title", text: event.title }),
        verdict ? Q.el("span", { class: "verdict verdict-" + event.verdict, text: verdict }) : null]);
  }

  function drawEvent(frame) {
    var event = frame.event;
    Q.show($("event-box"), !!event);
    if (!event) return;
    Q.setText($("event-title"), event.title + " (" + (event.date_label || event.year) + ")");
    var verdict = $("event-verdict");
    verdict.className = "verdict verdict-" + (event.verdict || "neutral");
    Q.setText(verdict, VERDICTS[event.verdict] ? VERDICTS[event.verdict] + " for the relationship" : "");
    var neighbours = frame.neighbours || {};
    var list = Q.clear($("timeline"));
    list.appendChild(timelineItem(neighbours.prev, false));
    list.appendChild(timelineItem(event, true));
    list.appendChild(timelineItem(neighbours.next, false));
    Q.setText($("event-reason"), event.verdict_reason || "");
  }

  function drawReveal(frame) {
    Q.setText($("reveal-prompt"), frame.prompt || (game.question && game.question.prompt) || "");
    drawBars(frame);
    Q.setText($("correct-answer"), correctAnswerText(frame));
    Q.setText($("explanation"), frame.explanation || "");
    var stats = "";
    if (typeof frame.answered === "number") {
      stats = (frame.correct_count || 0) + " of " + Q.plural(frame.answered, "answer", "answers") +
        " correct" + (typeof frame.total === "number" ? " · " + Q.plural(frame.total, "player", "players") : "");
    }
    Q.setText($("reveal-stats"), stats);
    drawEvent(frame);
    fitReveal();
  }

  /* Nobody scrolls a projector: when the explanation and the timeline are too long
     for the screen (generated questions quote the whole event), their column widens,
     then their type shrinks step by step until it fits, down to 60% of its size. */
  var FIT_PARTS = ".correct-answer, .explanation, .event-verdict-line, .tl-item, .event-reason";
  function fitReveal() {
    var side = document.querySelector(".reveal-side");
    if (!side || screens.reveal.hidden) return;
    var parts = Array.prototype.slice.call(side.querySelectorAll(FIT_PARTS));
    parts.forEach(function (node) { node.style.fontSize = ""; });
    var body = side.parentNode;
    body.classList.remove("reveal-wide");
    if (side.scrollHeight <= side.clientHeight + 1) return;
    // First give the text the room the bars do not need, then shrink it if it must.
    body.classList.add("reveal-wide");
    if (side.scrollHeight <= side.clientHeight + 1) return;
    var sizes = parts.map(function (node) { return parseFloat(getComputedStyle(node).fontSize); });
    for (var scale = 0.95; scale >= 0.6 && side.scrollHeight > side.clientHeight + 1; scale -= 0.05) {
      parts.forEach(function (node, i) { node.style.fontSize = (sizes[i] * scale).toFixed(1) + "px"; });
    }
  }
  window.addEventListener("resize", fitReveal);

  function onReveal(frame) {
    countdown.stop();
    setPhase("reveal");
    drawReveal(frame);
    sound.play("reveal");
  }

  // ---------------------------------------------------------------- scoreboard, podium

  function movement(entry) {
    var prev = entry.previous_rank;
    if (prev === null || prev === undefined) return { cls: "none", text: "", label: "" };
    if (prev > entry.rank) return { cls: "up", text: "▲", label: "up " + Q.plural(prev - entry.rank, "place", "places") };
    if (prev < entry.rank) return { cls: "down", text: "▼", label: "down " + Q.plural(entry.rank - prev, "place", "places") };
    return { cls: "same", text: "=", label: "same place" };
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
      list.appendChild(Q.el("li", { class: "score-row", text: "No players yet." }));
    }
  }

  function onScoreboard(frame) {
    setPhase("scoreboard");
    drawScoreboard(frame.top);
  }

  function drawPodium(podium, reportUrl, timelineUrl) {
    [1, 2, 3].forEach(function (place) {
      var slot = document.querySelector('[data-testid="podium-' + place + '"]');
      var entry = (podium || [])[place - 1];
      slot.classList.toggle("empty", !entry);
      Q.setText(slot.querySelector(".podium-name"), entry ? entry.nickname : "");
      Q.setText(slot.querySelector(".podium-score"), entry ? entry.score + " points" : "");
      if (entry) slot.setAttribute("data-player-id", entry.player_id);
    });
    if (reportUrl) $("report-link").setAttribute("href", reportUrl);
    if (timelineUrl) {
      // The timeline page offers "Back to the podium" when it knows the PIN.
      var pin = encodeURIComponent(root.getAttribute("data-pin"));
      $("timeline-link").setAttribute("href", timelineUrl + "?podium=" + pin);
      Q.show($("timeline-link"), true);
    }
  }

  function onFinished(frame) {
    countdown.stop();
    setPhase("finished");
    drawPodium(frame.podium, frame.report_url, frame.timeline_url);
    sound.play("finish");
  }

  // ---------------------------------------------------------------- snapshot

  function onState(frame) {
    game.locked = !!frame.locked;
    if (typeof frame.count === "number") setCount(frame.count);
    onOptions(frame.options);
    onJoinGate(frame.join_gate);
    var phase = PHASES.indexOf(frame.phase) !== -1 ? frame.phase : "lobby";
    if (frame.question) game.question = frame.question;
    if (phase !== "question") countdown.stop();
    setPhase(phase, frame.allowed_actions);
    if (phase === "question" && frame.question) drawQuestion(frame.question);
    if ((phase === "reveal" || phase === "scoreboard") && frame.reveal) drawReveal(frame.reveal);
    if (phase === "scoreboard" || (phase === "finished" && frame.top)) drawScoreboard(frame.top);
    if (phase === "finished") drawPodium(frame.podium, frame.report_url, frame.timeline_url);
  }

  // ---------------------------------------------------------------- socket

  var CONN_TEXT = {
    connecting: "Connecting…",
    open: "Connected",
    waiting: "Reconnecting…",
    closed: "Disconnected"
  };

  function onStatus(state, detail) {
    var node = $("conn-status");
    var text = CONN_TEXT[state] || state;
    if (state === "waiting" && typeof detail === "number") {
      text = "Connection lost: retrying in " + Math.max(1, Math.round(detail / 1000)) + " s";
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
      case "player_joined": onPlayerJoined(frame); break;
      case "player_left": onPlayerLeft(frame); break;
      case "options": onOptions(frame.options); onJoinGate(frame.join_gate); break;
      case "join_gate": onJoinGate(frame); break;
      case "extra_time": onExtraTime(frame); break;
      case "question": onQuestion(frame); break;
      case "answer_count": updateAnswered(frame.answered, frame.total); break;
      case "reveal": onReveal(frame); break;
      case "scoreboard": onScoreboard(frame); break;
      case "finished": onFinished(frame); break;
      case "error":
        if (CLOSING_ERRORS.indexOf(frame.code) !== -1) closeReason = frame.message || frame.code;
        toast(frame.message || "Something went wrong (" + frame.code + ").");
        break;
      default: break;
    }
  }

  function onClose(code) {
    if (game.phase === "finished") return false;
    if (code === 4403 || code === 4404) {
      countdown.stop();
      Q.setText($("ended-text"), closeReason ||
        (code === 4404 ? "There is no running game with this PIN." : "This projector may not run this game."));
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
    if (!socket.send(frame)) toast("Not connected to the game: wait a moment and try again.");
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
    Q.setText(button, on ? "Sound on" : "Sound off");
    if (on) sound.play("join");
  }

  function toggleFullscreen() {
    if (document.fullscreenElement) {
      if (document.exitFullscreen) document.exitFullscreen();
    } else if (document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(function () {
        toast("Full screen is not available here.");
      });
    }
  }

  $("btn-start").addEventListener("click", function () { command("start"); });
  $("btn-close").addEventListener("click", function () { command("close_question"); });
  $("btn-scoreboard").addEventListener("click", function () { command("scoreboard"); });
  $("btn-next").addEventListener("click", function () { command("next"); });
  $("btn-end").addEventListener("click", function () {
    if (window.confirm("End the game for everyone now?")) command("end");
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
      command("extra_time", { player_id: playerId, seconds: nextExtraTime(seconds) });
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
