/* The phone: join form, then screens drawn from the player socket's frames.

   Frames handled (docs/protocol.md): joined and state (snapshots: redraw all),
   question, answer_received, reveal, scoreboard, finished, host_status, error, pong.
   Frames sent: join (with `gate` when the game asks for shapes), resume, answer
   (choice_id | choice_ids | year), sync, ping.

   The join gate: a game may ask for the shapes on the projector. The phone learns it
   only from a `gate_wrong` error to a join without shapes, then shows four shape
   buttons; it is never told which shapes are right.

   The resume token is kept in localStorage per PIN, so a reload, a sleeping phone or
   a wifi blip brings the same player back with the same score. */
(function () {
  "use strict";

  var Q = window.Quiz;
  var root = document.getElementById("phone");
  if (!root) return;
  var $ = function (id) { return document.getElementById(id); };

  var KEY_PLAYER = "quiz.player.";
  var KEY_KICKED = "quiz.kicked.";
  var KEY_LAST = "quiz.lastPin";
  var PIN_RE = /^[0-9]{6}$/;
  var ORDINAL_TEXT = Q.ordinal;

  // ---------------------------------------------------------------- storage

  function load(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function save(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* private mode */ }
  }
  function forget(key) {
    try { window.localStorage.removeItem(key); } catch (e) { /* private mode */ }
  }
  function savedPlayer(pin) {
    var raw = load(KEY_PLAYER + pin);
    if (!raw) return null;
    try {
      var data = JSON.parse(raw);
      return data && typeof data.token === "string" ? data : null;
    } catch (e) { return null; }
  }
  // PINs are reused once a game ends, so a kick is remembered for a school day only.
  var KICK_MEMORY_MS = 12 * 60 * 60 * 1000;
  function wasKicked(pin) {
    var at = parseInt(load(KEY_KICKED + pin), 10);
    if (isNaN(at)) return false;
    if (Date.now() - at < KICK_MEMORY_MS) return true;
    forget(KEY_KICKED + pin);
    return false;
  }

  // ---------------------------------------------------------------- state

  var app = {
    pin: "",
    mode: "join",          // "join": send join on open; "resume": send resume
    nickname: "",
    player: null,
    joined: false,
    phase: null,
    question: null,        // the open question frame
    answered: false,
    pending: null,         // the answer frame sent and not yet acknowledged
    retries: 0,
    count: null,
    score: null,
    lastError: null,
    order: [],             // choice ids tapped so far (order questions)
    gate: null,            // the shapes sent with the join in flight, if any
    gateTaps: []           // shapes tapped on the gate screen so far
  };
  var GATE_LENGTH = parseInt(root.getAttribute("data-gate-length"), 10) || 4;
  var socket = null;

  // ---------------------------------------------------------------- screens

  var SCREENS = ["screen-join", "screen-gate", "screen-wait", "screen-question", "screen-result"];

  function showScreen(id) {
    SCREENS.forEach(function (s) { Q.show($(s), s === id); });
    root.setAttribute("data-screen", id.replace("screen-", ""));
  }

  function status(text) {
    Q.setText($("status"), text);
  }

  function joinError(text) {
    Q.setText($("join-error"), text);
  }

  function setBusy(busy) {
    $("join-button").disabled = busy;
    Q.setText($("join-button"), busy ? "Joining…" : "Join");
    $("gate-join").setAttribute("data-busy", busy ? "true" : "false");
    Q.setText($("gate-join"), busy ? "Joining…" : "Join");
    drawGateTaps();
  }

  function onScreen(id) {
    return !$(id).hidden;
  }

  /* A refusal is shown where the student is: the join form or the shapes. */
  function refusal(text) {
    if (onScreen("screen-gate")) gateError(text);
    else joinError(text);
  }

  // ---------------------------------------------------------------- join gate

  function gateError(text) {
    Q.setText($("gate-error"), text);
  }

  function drawGateTaps() {
    var list = Q.clear($("gate-picked"));
    for (var i = 0; i < GATE_LENGTH; i++) {
      var name = app.gateTaps[i];
      var slot;
      if (name) {
        var index = Q.SHAPE_NAMES.indexOf(name);
        slot = Q.el("li", { class: "gate-slot filled c" + index, "data-shape": name },
          [Q.shape(index), Q.el("span", { class: "visually-hidden", text: shapeName(name) })]);
      } else {
        slot = Q.el("li", { class: "gate-slot", "aria-hidden": "true", text: String(i + 1) });
      }
      list.appendChild(slot);
    }
    var busy = $("gate-join").getAttribute("data-busy") === "true";
    $("gate-join").disabled = busy || app.gateTaps.length !== GATE_LENGTH;
    $("gate-undo").disabled = busy || app.gateTaps.length === 0;
    document.querySelectorAll(".gate-btn").forEach(function (button) {
      button.disabled = busy || app.gateTaps.length >= GATE_LENGTH;
    });
  }

  function shapeName(name) {
    return name.charAt(0).toUpperCase() + name.slice(1);
  }

  function say(text) {
    Q.setText($("gate-said"), text);
  }

  function showGate(message) {
    app.gate = null;
    app.gateTaps = [];
    setBusy(false);
    gateError(message || "");
    showScreen("screen-gate");
    say("");
    var first = document.querySelector(".gate-btn");
    if (first) first.focus();
  }

  function joinFrame() {
    var frame = { type: "join", nickname: app.nickname };
    if (app.gate) frame.gate = app.gate.slice();
    return frame;
  }

  function sendJoin() {
    setBusy(true);
    if (socket && socket.isOpen() && !app.joined &&
        socket.options.path.indexOf("/" + app.pin + "/") !== -1) {
      // The socket stays open after nickname_taken or gate_wrong: try again on it.
      socket.send(joinFrame());
    } else {
      startSocket();
    }
  }

  function showJoinForm(message) {
    if (socket) { socket.stop(); socket = null; }
    app.joined = false;
    app.player = null;
    app.phase = null;
    countdown.stop();
    setBusy(false);
    Q.show($("teacher-away"), false);
    Q.setText($("me"), "");
    Q.setText($("my-score"), "");
    joinError(message || "");
    status("");
    showScreen("screen-join");
    var pinInput = $("pin-input");
    if (app.pin && !pinInput.value) pinInput.value = app.pin;
    (PIN_RE.test(pinInput.value) ? $("nickname-input") : pinInput).focus();
  }

  /* `kind` (lobby, received, reconnecting, replaced) gives each waiting state its own
     look, so "you're in" and "answer received" are never mistaken for each other. */
  function showWait(title, text, kind) {
    $("screen-wait").setAttribute("data-wait", kind || "lobby");
    Q.setText($("wait-title"), title);
    Q.setText($("wait-text"), text);
    showScreen("screen-wait");
  }

  function setHeader() {
    if (app.player) Q.setText($("me"), app.player.nickname);
    Q.setText($("my-score"), typeof app.score === "number" ? app.score + " pts" : "");
  }

  // ---------------------------------------------------------------- question

  var countdown = new Q.Countdown(function (leftMs) {
    var seconds = Math.ceil(leftMs / 1000);
    var timer = $("q-timer");
    Q.setText(timer, seconds + " s");
    timer.setAttribute("data-remaining-ms", Math.round(leftMs));
    if (leftMs <= 0 && app.phase === "question" && !app.answered) {
      disableAnswers();
      status("Time's up! Waiting for the answer…");
    }
  });

  function disableAnswers() {
    document.querySelectorAll("#answers button, #answers input").forEach(function (b) {
      b.disabled = true;
    });
  }

  function answerButton(choice, index, onClick) {
    var letter = Q.LETTERS[index];
    var button = Q.el("button", {
      type: "button",
      class: "answer-btn c" + (index % 4),
      "data-testid": "answer",
      "data-choice-id": choice.id,
      "data-shape": Q.SHAPE_NAMES[index % 4],
      "aria-label": "Answer " + letter + ": " + choice.text
    }, [Q.shape(index), Q.el("span", { class: "answer-text", text: choice.text })]);
    button.addEventListener("click", function () { onClick(choice, button); });
    return button;
  }

  function drawChoice(question) {
    var box = Q.clear($("answers"));
    box.className = "answers" + (question.choices.length <= 2 ? " answers-two" : "");
    question.choices.forEach(function (choice, index) {
      box.appendChild(answerButton(choice, index, function (c, button) {
        button.classList.add("chosen");
        submit({ choice_id: c.id });
      }));
    });
  }

  function drawOrder(question) {
    var box = Q.clear($("answers"));
    box.className = "answers answers-order";
    app.order = [];
    var picked = Q.el("ol", { id: "order-picked", class: "order-picked", "data-testid": "order-picked",
                              "aria-label": "Your order" });
    var submitButton = Q.el("button", { type: "button", class: "button button-primary",
                                        "data-testid": "order-submit", text: "Submit order" });
    var reset = Q.el("button", { type: "button", class: "button", "data-testid": "order-reset",
                                 text: "Start again" });
    var buttons = [];
    var byId = {};
    question.choices.forEach(function (c) { byId[c.id] = c; });

    function refresh() {
      buttons.forEach(function (button) {
        var id = Number(button.getAttribute("data-choice-id"));
        var at = app.order.indexOf(id);
        var badge = button.querySelector(".order-badge");
        var letter = Q.LETTERS[Number(button.getAttribute("data-index"))];
        button.setAttribute("aria-pressed", at === -1 ? "false" : "true");
        button.setAttribute("aria-label", "Answer " + letter + ": " + byId[id].text +
          (at === -1 ? "" : " (position " + (at + 1) + ")"));
        Q.setText(badge, at === -1 ? "" : at + 1);
        Q.show(badge, at !== -1);
      });
      Q.clear(picked);
      app.order.forEach(function (id) { picked.appendChild(Q.el("li", { text: byId[id].text })); });
      submitButton.disabled = app.order.length !== question.choices.length || app.answered;
      reset.disabled = app.order.length === 0 || app.answered;
    }

    question.choices.forEach(function (choice, index) {
      var button = answerButton(choice, index, function (c) {
        if (app.answered) return;
        var at = app.order.indexOf(c.id);
        if (at === -1) app.order.push(c.id);
        else app.order.splice(at, 1);
        refresh();
      });
      button.setAttribute("data-index", index);
      button.insertBefore(Q.el("span", { class: "order-badge", hidden: true }), button.firstChild);
      buttons.push(button);
      box.appendChild(button);
    });
    reset.addEventListener("click", function () { app.order = []; refresh(); });
    submitButton.addEventListener("click", function () {
      if (app.order.length === question.choices.length) submit({ choice_ids: app.order.slice() });
    });
    var after = Q.el("div", { class: "order-extra" }, [
      Q.el("p", { class: "muted small", text: "Tap the events from earliest to latest." }),
      picked,
      Q.el("div", { class: "order-actions" }, [reset, submitButton])
    ]);
    box.parentNode.appendChild(after);
    refresh();
  }

  function drawYear(question) {
    var box = Q.clear($("answers"));
    box.className = "year-box";
    var min = typeof question.year_min === "number" ? question.year_min : 1900;
    var max = typeof question.year_max === "number" ? question.year_max : 2000;
    var input = Q.el("input", {
      type: "number", id: "year-input", "data-testid": "year-input", inputmode: "numeric",
      min: min, max: max, step: 1, value: Math.round((min + max) / 2),
      "aria-label": "Year between " + min + " and " + max
    });
    var minus = Q.el("button", { type: "button", class: "button", "data-testid": "year-minus",
                                 "aria-label": "One year earlier", text: "−" });
    var plus = Q.el("button", { type: "button", class: "button", "data-testid": "year-plus",
                                "aria-label": "One year later", text: "+" });
    var send = Q.el("button", { type: "button", class: "button button-primary button-big",
                                "data-testid": "year-submit", text: "Submit year" });
    function current() {
      var value = parseInt(input.value, 10);
      return isNaN(value) ? Math.round((min + max) / 2) : value;
    }
    function step(by) {
      input.value = String(Math.min(max, Math.max(min, current() + by)));
    }
    var minusTen = Q.el("button", { type: "button", class: "button", "data-testid": "year-minus-10",
                                    "aria-label": "Ten years earlier", text: "−10" });
    var plusTen = Q.el("button", { type: "button", class: "button", "data-testid": "year-plus-10",
                                   "aria-label": "Ten years later", text: "+10" });
    minus.addEventListener("click", function () { step(-1); });
    plus.addEventListener("click", function () { step(1); });
    minusTen.addEventListener("click", function () { step(-10); });
    plusTen.addEventListener("click", function () { step(10); });
    send.addEventListener("click", function () {
      var raw = String(input.value).trim();
      if (!/^[0-9]{3,4}$/.test(raw)) { status("Type a year, e.g. " + max + "."); return; }
      var year = parseInt(raw, 10);
      if (year < min || year > max) { status("The year is between " + min + " and " + max + "."); return; }
      submit({ year: year });
    });
    Q.append(box, [
      Q.el("p", { class: "year-range", text: "Between " + min + " and " + max }),
      Q.el("div", { class: "year-row" }, [minus, input, plus]),
      Q.el("div", { class: "year-jumps" }, [minusTen, plusTen]),
      send
    ]);
  }

  function drawQuestion(question, yourAnswer) {
    app.question = question;
    app.phase = "question";
    app.answered = false;
    if (app.pending && app.pending.question_id !== question.question_id) app.pending = null;
    var extra = document.querySelector(".order-extra");
    if (extra) extra.parentNode.removeChild(extra);
    Q.setText($("q-index"), "Question " + (question.index + 1) + " of " + question.count);
    Q.setText($("q-prompt"), question.prompt);
    $("q-prompt").classList.toggle("long", (question.prompt || "").length > 140);
    if (question.kind === "order") drawOrder(question);
    else if (question.kind === "year_guess") drawYear(question);
    else drawChoice(question);
    countdown.start(question.remaining_ms, question.time_limit_ms);
    if (yourAnswer && yourAnswer.question_id === question.question_id) {
      answerReceived();
      return;
    }
    showScreen("screen-question");
    status(question.points_multiplier === 2 ? "Double points!" : "");
    // An answer tapped while the connection was down goes out now.
    if (app.pending && app.pending.question_id === question.question_id) {
      disableAnswers();
      socket.send(app.pending);
    }
  }

  function submit(fields) {
    if (!app.question || app.answered) return;
    var frame = { type: "answer", question_id: app.question.question_id };
    Object.keys(fields).forEach(function (k) { frame[k] = fields[k]; });
    app.pending = frame;
    app.retries = 0;
    disableAnswers();
    if (socket && socket.send(frame)) status("Sending…");
    else status("Reconnecting… your answer will be sent.");
  }

  function answerReceived() {
    app.answered = true;
    app.pending = null;
    disableAnswers();
    showWait("Answer received", "Look at the screen: the answer comes when time is up.", "received");
    status("Answer received");
    root.setAttribute("data-answered", "true");
  }

  // ---------------------------------------------------------------- results

  function choiceText(id) {
    var choices = (app.question && app.question.choices) || [];
    for (var i = 0; i < choices.length; i++) if (choices[i].id === id) return choices[i].text;
    return null;
  }

  function rankText(rank, count) {
    if (typeof rank !== "number") return "";
    return "You are " + ORDINAL_TEXT(rank) + (typeof count === "number" ? " of " + count : "");
  }

  function drawResult(kind, title, points, detail, rank) {
    var screen = $("screen-result");
    screen.classList.toggle("is-correct", kind === "correct");
    screen.classList.toggle("is-wrong", kind === "wrong");
    screen.setAttribute("data-result", kind);
    Q.setText($("result-title"), title);
    Q.setText($("result-points"), points);
    Q.setText($("result-detail"), detail);
    Q.setText($("result-rank"), rank);
    Q.show($("new-game"), app.phase === "finished");
    showScreen("screen-result");
  }

  function drawReveal(reveal) {
    countdown.stop();
    app.phase = "reveal";
    app.pending = null;
    if (typeof reveal.score === "number") app.score = reveal.score;
    setHeader();
    var gave = reveal.your_choice_id !== null && reveal.your_choice_id !== undefined ||
      (reveal.your_choice_ids && reveal.your_choice_ids.length) ||
      (reveal.your_year !== null && reveal.your_year !== undefined);
    var kind, title;
    if (reveal.correct) { kind = "correct"; title = "Correct!"; }
    else if (!gave) { kind = "wrong"; title = "No answer this time"; }
    else if (reveal.points > 0) { kind = "partial"; title = "Nearly!"; }
    else { kind = "wrong"; title = "Not this time"; }
    var details = [];
    if (reveal.kind === "year_guess" && typeof reveal.correct_year === "number") {
      details.push("The year was " + reveal.correct_year +
        (typeof reveal.your_year === "number" ? " (you said " + reveal.your_year + ")" : "") + ".");
    } else if (!reveal.correct && reveal.kind !== "order") {
      var right = (reveal.correct_choice_ids || []).map(choiceText).filter(Boolean);
      if (right.length) details.push("The answer: " + right.join(", ") + ".");
    }
    if (reveal.streak >= 2) details.push("Answer streak: " + reveal.streak + " in a row!");
    // The reveal carries no player count, and the one from joining is stale by now.
    var rank = rankText(reveal.rank, null);
    if (typeof reveal.score === "number") rank += (rank ? " · " : "") + reveal.score + " points";
    drawResult(kind, title, "+" + (reveal.points || 0) + " points", details.join(" "), rank);
    status("");
  }

  function drawScoreboard(frame) {
    countdown.stop();
    app.phase = "scoreboard";
    if (typeof frame.count === "number") app.count = frame.count;
    if (typeof frame.score === "number") app.score = frame.score;
    setHeader();
    drawResult("info", "Scoreboard",
      typeof frame.score === "number" ? frame.score + " points" : "",
      "Look at the screen for the top 5.",
      rankText(frame.rank, frame.count));
    status("");
  }

  function drawFinished(frame) {
    countdown.stop();
    app.phase = "finished";
    if (typeof frame.score === "number") app.score = frame.score;
    setHeader();
    drawResult("info", "Game over",
      typeof frame.score === "number" ? frame.score + " points" : "",
      "Thanks for playing!",
      typeof frame.rank === "number" ? "You finished " + ORDINAL_TEXT(frame.rank) +
        (typeof frame.count === "number" ? " of " + frame.count : "") : "");
    status("");
  }

  function drawState(state) {
    if (state.player) app.player = state.player;
    if (typeof state.count === "number") app.count = state.count;
    if (typeof state.score === "number") app.score = state.score;
    setHeader();
    Q.show($("teacher-away"), state.host_connected === false && state.phase !== "finished");
    var phase = state.phase;
    if (phase === "question" && state.question) {
      drawQuestion(state.question, state.your_answer);
    } else if ((phase === "reveal") && state.reveal) {
      drawReveal(state.reveal);
    } else if (phase === "scoreboard") {
      drawScoreboard({ rank: state.rank, score: state.score, count: state.count });
    } else if (phase === "finished") {
      drawFinished(state.finished || { rank: state.rank, score: state.score, count: state.count });
    } else {
      countdown.stop();
      app.phase = "lobby";
      showWait("You're in!", "See your nickname on the screen.", "lobby");
      status("");
    }
  }

  // ---------------------------------------------------------------- frames

  var ERROR_TEXT = {
    nickname_taken: "That nickname, or one that looks just like it, is already in this game. Choose another one.",
    nickname_invalid: "That nickname cannot be used. Choose another one.",
    game_locked: "The teacher has locked this game: nobody new can join.",
    game_not_found: "There is no game with that PIN. Check the PIN on the screen.",
    game_full: "This game is full.",
    rate_limited: "Too many attempts. Wait a minute and try again.",
    question_closed: "Too late: the question has closed.",
    unknown_choice: "That answer is not one of this question's choices.",
    forbidden: "This page may not connect to the game.",
    gate_wrong: "Those are not the shapes on the big screen. Look again: they change " +
      "every 20 seconds. Tap them in order."
  };

  function onError(frame) {
    app.lastError = frame.code;
    var text = ERROR_TEXT[frame.code] || frame.message || "Something went wrong.";
    if (!app.joined) {
      if (frame.code === "bad_token") {
        forget(KEY_PLAYER + app.pin);
        return;
      }
      if (frame.code === "kicked") { onKicked(); return; }
      if (frame.code === "gate_wrong") {
        // Asked without shapes: the game has the gate. With shapes: they were wrong.
        showGate(app.gate ? ERROR_TEXT.gate_wrong : "");
        return;
      }
      setBusy(false);
      if (frame.code === "nickname_taken" || frame.code === "nickname_invalid") {
        app.gate = null;
        showScreen("screen-join");
        joinError(text);
        var input = $("nickname-input");
        input.focus();
        input.select();
        return;
      }
      refusal(text);
      return;
    }
    switch (frame.code) {
      case "kicked": onKicked(); break;
      case "bad_token": forget(KEY_PLAYER + app.pin); break;
      case "replaced": break;
      case "already_answered": answerReceived(); break;
      case "try_again":
        if (app.pending && app.retries < 3) {
          app.retries += 1;
          var frameToSend = app.pending;
          setTimeout(function () { if (socket) socket.send(frameToSend); }, 300 * app.retries);
          status("Sending again…");
        } else {
          status("Your answer could not be saved. Tap it again.");
          app.pending = null;
          if (app.question) drawQuestion(app.question, null);
        }
        break;
      case "question_closed":
        app.pending = null;
        disableAnswers();
        status(text);
        break;
      default:
        status(text);
    }
  }

  function onKicked() {
    save(KEY_KICKED + app.pin, String(Date.now()));
    forget(KEY_PLAYER + app.pin);
    forget(KEY_LAST);
    showJoinForm("The teacher removed you from this game. You cannot join it again from this browser.");
    root.setAttribute("data-kicked", "true");
  }

  function onJoined(frame) {
    app.joined = true;
    app.gate = null;
    app.gateTaps = [];
    app.mode = "resume";
    app.player = frame.player;
    save(KEY_PLAYER + app.pin, JSON.stringify({
      token: frame.token, nickname: frame.player.nickname, id: frame.player.id
    }));
    save(KEY_LAST, app.pin);
    var path = root.getAttribute("data-play-url") + app.pin + "/";
    if (window.location.pathname !== path && window.history && window.history.replaceState) {
      window.history.replaceState(null, "", path);
    }
    joinError("");
    root.setAttribute("data-player-id", frame.player.id);
    drawState(frame.state || {});
  }

  function onFrame(frame) {
    switch (frame.type) {
      case "joined": onJoined(frame); break;
      case "state": drawState(frame); break;
      case "question": Q.show($("teacher-away"), false); drawQuestion(frame, null); break;
      case "answer_received":
        if (!app.question || frame.question_id === app.question.question_id) answerReceived();
        break;
      case "reveal": drawReveal(frame); break;
      case "scoreboard": drawScoreboard(frame); break;
      case "finished": Q.show($("teacher-away"), false); drawFinished(frame); break;
      case "host_status":
        Q.show($("teacher-away"), !frame.connected && app.phase !== "finished");
        break;
      case "error": onError(frame); break;
      default: break;
    }
  }

  function onClose(code) {
    if (app.phase === "finished") {
      // The game is over and its result is on screen: nothing left to reconnect to.
      return false;
    }
    if (!app.joined && app.mode === "join") {
      // A join that failed: the student fixes the form (or the shapes) and tries again.
      setBusy(false);
      var shown = onScreen("screen-gate") ? $("gate-error") : $("join-error");
      if (!shown.textContent || code === 4429) {
        refusal(code === 4404 ? ERROR_TEXT.game_not_found
          : code === 4429 ? ERROR_TEXT.rate_limited
          : "Could not reach the game. Check the wifi and try again.");
      }
      socket = null;
      return false;
    }
    if (code === 4403) {
      if (app.lastError === "kicked") { onKicked(); return false; }
      if (app.lastError === "replaced") {
        showReplaced();
        return false;
      }
      showJoinForm(ERROR_TEXT[app.lastError] || "The game refused this connection.");
      return false;
    }
    if (code === 4404) {
      forget(KEY_PLAYER + app.pin);
      if (load(KEY_LAST) === app.pin) forget(KEY_LAST);
      showJoinForm(app.lastError === "bad_token"
        ? "Your place in that game was not found. Join again."
        : "That game has ended or does not exist.");
      return false;
    }
    app.joined = false;
    return true;
  }

  function showReplaced() {
    countdown.stop();
    showWait("Opened in another window", "This game is open in another tab or window.", "replaced");
    var again = Q.el("button", { type: "button", class: "button button-primary",
                                 "data-testid": "use-here", text: "Play in this window" });
    again.addEventListener("click", function () {
      again.parentNode.removeChild(again);
      startSocket();
    });
    $("screen-wait").appendChild(again);
  }

  var CONN_TEXT = { connecting: "Connecting…", waiting: "Reconnecting…", closed: "Offline" };

  function onStatus(state) {
    var node = $("conn-status");
    node.setAttribute("data-state", state);
    node.className = "conn conn-" + (state === "open" ? "open" : state === "closed" ? "closed" : "connecting");
    // Calm when all is well: only trouble is shown.
    var quiet = state === "open" || app.phase === "finished" || !(app.joined || app.mode === "resume");
    Q.setText(node, quiet ? "" : CONN_TEXT[state] || "");
  }

  function startSocket() {
    if (socket) socket.stop();
    app.lastError = null;
    socket = new Q.GameSocket({
      path: root.getAttribute("data-ws-prefix") + app.pin + "/",
      snapshotTypes: ["joined", "state"],
      replyTypes: ["error", "pong", "answer_received"],
      onOpen: function (s) {
        app.lastError = null;
        var saved = savedPlayer(app.pin);
        if (app.mode === "resume" && saved) s.send({ type: "resume", token: saved.token });
        else s.send(joinFrame());
      },
      onFrame: onFrame,
      onStatus: onStatus,
      onClose: onClose
    });
    socket.start();
  }

  // ---------------------------------------------------------------- join form

  $("new-game").addEventListener("click", function () {
    forget(KEY_LAST);
    if (socket) socket.stop();
  });

  $("pin-input").addEventListener("input", function () {
    var digits = this.value.replace(/[^0-9]/g, "").slice(0, 6);
    if (digits !== this.value) this.value = digits;
  });

  $("join-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var pin = $("pin-input").value.trim();
    var nickname = $("nickname-input").value.trim();
    if (!PIN_RE.test(pin)) { joinError("The game PIN has 6 digits: look at the screen."); $("pin-input").focus(); return; }
    if (wasKicked(pin)) {
      joinError("The teacher removed you from this game. You cannot join it again from this browser.");
      return;
    }
    app.pin = pin;
    if (savedPlayer(pin)) {
      // Already in this game from this browser: come back as the same player.
      app.mode = "resume";
      setBusy(true);
      startSocket();
      return;
    }
    if (!nickname) { joinError("Type a nickname."); $("nickname-input").focus(); return; }
    if (nickname.length > 30) { joinError("Nicknames have at most 30 characters."); return; }
    joinError("");
    app.mode = "join";
    app.nickname = nickname;
    app.gate = null;
    sendJoin();
  });

  document.querySelectorAll(".gate-btn").forEach(function (button) {
    button.insertBefore(Q.shape(Q.SHAPE_NAMES.indexOf(button.getAttribute("data-shape"))),
      button.firstChild);
    button.addEventListener("click", function () {
      if (app.gateTaps.length >= GATE_LENGTH) return;
      var name = button.getAttribute("data-shape");
      app.gateTaps.push(name);
      gateError("");
      drawGateTaps();
      say(shapeName(name) + ", " + app.gateTaps.length + " of " + GATE_LENGTH +
        (app.gateTaps.length === GATE_LENGTH ? ". Now press Join." : ""));
      if (app.gateTaps.length === GATE_LENGTH) $("gate-join").focus();
    });
  });

  $("gate-undo").addEventListener("click", function () {
    var name = app.gateTaps.pop();
    drawGateTaps();
    if (name) say("Removed " + shapeName(name) + ", " + app.gateTaps.length + " of " + GATE_LENGTH);
    var next = document.querySelector(".gate-btn:not(:disabled)");
    if (next && $("gate-undo").disabled) next.focus();
  });

  $("gate-join").addEventListener("click", function () {
    if (app.gateTaps.length !== GATE_LENGTH) return;
    app.gate = app.gateTaps.slice();
    gateError("");
    sendJoin();
  });

  $("gate-back").addEventListener("click", function () {
    app.gate = null;
    app.gateTaps = [];
    showJoinForm("");
  });

  // ---------------------------------------------------------------- resume triggers

  function wake() {
    if (socket && app.mode === "resume") socket.connectNow();
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") wake();
  });
  window.addEventListener("pageshow", function (event) { if (event.persisted) wake(); });
  window.addEventListener("online", wake);

  // ---------------------------------------------------------------- start

  (function init() {
    var pin = root.getAttribute("data-pin") || "";
    if (!pin) {
      var last = load(KEY_LAST);
      if (last && PIN_RE.test(last) && savedPlayer(last)) pin = last;
    }
    app.pin = pin;
    if (pin && wasKicked(pin)) {
      showJoinForm("The teacher removed you from this game. You cannot join it again from this browser.");
      root.setAttribute("data-kicked", "true");
      return;
    }
    var saved = pin ? savedPlayer(pin) : null;
    if (saved) {
      app.mode = "resume";
      app.player = { id: saved.id, nickname: saved.nickname };
      setHeader();
      showWait("Reconnecting…", "Taking you back to your game.", "reconnecting");
      startSocket();
    } else {
      showJoinForm("");
    }
  })();
})();
