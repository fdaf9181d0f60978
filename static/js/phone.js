/* The phone: join form, then screens drawn from the player socket's frames.

   Frames handled (docs/protocol.md): joined and state (snapshots: redraw all),
   question, answer_received, reveal, scoreboard, finished, host_status, error, pong,
   team (a team game: the player's team at start; its rank rides on the results).
   Frames sent: join (with `gate` when the game asks for shapes), resume, answer
   (choice_id | choice_ids | year), sync, ping; in a homework game (`state.mode`
   self_paced) also next, from phone-homework.js's Start and Next buttons.

   The join gate (a game may ask for the shapes on the projector) is phone-gate.js;
   what differs by question kind (the answer controls, the reveal's line) kinds.js.

   The resume token is kept in localStorage per PIN (phone-storage.js), so a reload, a
   sleeping phone or a wifi blip brings the same player back with the same score.

   Why one file of about 590 lines: what is left here is one flow (join, wait, answer,
   result, reconnect) around one `app` state and one socket; the parts that stand
   alone are split out (storage, the gate, the result screen, homework, the kinds). */
(function () {
  "use strict";

  var Q = window.Quiz;
  var root = document.getElementById("phone");
  if (!root) return;

  // Words this file adds for reading time and teams (one place, for translation).
  var TEXT = {
    reading: Q.gettext("Read the question. Answers open in a moment…"),
    readingLeft: function (s) { return Q.fill(Q.gettext("Answers open in %(s)s s"), { s: s }); },
    tooEarly: Q.gettext("Read the question first: answers open in a moment."),
    team: function (name) { return Q.fill(Q.gettext("Team %(name)s"), { name: name }); },
    teamRank: function (rank, score) {
      return Q.fill(Q.gettext("Your team: %(place)s place · %(score)s pts"), { place: Q.ordinal(rank), score: score });
    }
  };
  var $ = function (id) { return document.getElementById(id); };

  var store = Q.phoneStorage;
  var PIN_RE = /^[0-9]{6}$/;
  // What this file says in a homework game (the rest of homework is phone-homework.js).
  var HOMEWORK_TEXT = { checking: Q.gettext("Checking your answer…") };

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
    gate: null,            // the shapes sent with the join in flight, if any
    selfPaced: false,      // a homework game: the student sends `next` (phone-homework.js)
    readingTimer: null,    // opens the answers when the reading time is over
    team: null             // {id, name, colour} in a team game
  };
  var GATE_LENGTH = parseInt(root.getAttribute("data-gate-length"), 10) || 4;
  var results = Q.PhoneResults({ showScreen: function (id) { showScreen(id); } });
  var picture = Q.PhonePicture({
    thumb: $("q-picture"), dialog: $("picture-dialog"), closeButton: $("picture-close")
  });
  var socket = null;
  var homework = Q.PhoneHomework({
    send: function (frame) { return !!socket && socket.send(frame); },
    pin: function () { return app.pin; },
    status: function (text) { status(text); }
  });

  // ---------------------------------------------------------------- screens

  var SCREENS = ["screen-join", "screen-gate", "screen-wait", "screen-question", "screen-result"];

  function showScreen(id) {
    if (id !== "screen-question") picture.close();
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
    Q.setText($("join-button"), busy ? Q.gettext("Joining…") : Q.gettext("Join"));
    gate.setBusy(busy);
  }

  function onScreen(id) {
    return !$(id).hidden;
  }

  /* A refusal is shown where the student is: the join form or the shapes. */
  function refusal(text) {
    if (onScreen("screen-gate")) gate.error(text);
    else joinError(text);
  }

  var gate = Q.PhoneGate({
    length: GATE_LENGTH,
    showScreen: showScreen,
    onJoin: function (shapes) {
      app.gate = shapes;
      sendJoin();
    },
    onBack: function () {
      app.gate = null;
      showJoinForm("");
    }
  });

  function showGate(message) {
    app.gate = null;
    setBusy(false);
    gate.show(message);
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
    Q.setText($("my-score"), typeof app.score === "number" ? Q.fill(Q.gettext("%(n)s pts"), { n: app.score }) : "");
  }

  /* The player's team (a team game, from start): a badge in its colour (white text
     reads on every team colour), and the page's accent. */
  function setTeam(team) {
    if (team === undefined) return;
    app.team = team;
    var badge = $("my-team");
    Q.show(badge, !!team);
    if (!team) {
      root.removeAttribute("data-team");
      root.style.removeProperty("--team-colour");
      return;
    }
    Q.setText(badge, TEXT.team(Q.teamName(team.name)));
    badge.style.backgroundColor = team.colour;
    root.setAttribute("data-team", team.id);
    root.style.setProperty("--team-colour", team.colour);
  }

  /* The team's rank and score under a result ("Your team: 2nd place · 640 pts"). */
  function setTeamStanding(frame) {
    var line = $("result-team");
    var shown = app.team && typeof frame.team_rank === "number";
    Q.show(line, !!shown);
    Q.setText(line, shown ? TEXT.teamRank(frame.team_rank, frame.team_score) : "");
    if (shown) line.style.backgroundColor = app.team.colour;
  }

  // ---------------------------------------------------------------- question

  var countdown = new Q.Countdown(function (leftMs) {
    var seconds = Math.ceil(leftMs / 1000);
    var timer = $("q-timer");
    Q.setText(timer, Q.fill(Q.gettext("%(n)s s"), { n: seconds }));
    timer.setAttribute("data-remaining-ms", Math.round(leftMs));
    if (leftMs <= 0 && app.phase === "question" && !app.answered) {
      disableAnswers();
      status(Q.gettext("Time's up! Waiting for the answer…"));
      // Homework: the server's state after the deadline is this question's reveal.
      if (app.selfPaced) setTimeout(function () { if (socket) socket.send({ type: "sync" }); }, 500);
    }
  });

  function disableAnswers() {
    document.querySelectorAll("#answers button, #answers input").forEach(function (b) {
      b.disabled = true;
    });
  }

  function drawQuestion(question, yourAnswer) {
    app.question = question;
    app.phase = "question";
    app.answered = false;
    if (app.pending && app.pending.question_id !== question.question_id) app.pending = null;
    var extra = document.querySelector(".order-extra");
    if (extra) extra.parentNode.removeChild(extra);
    Q.setText($("q-index"), Q.fill(Q.gettext("Question %(n)s of %(count)s"), { n: question.index + 1, count: question.count }));
    Q.setText($("q-prompt"), question.prompt);
    $("q-prompt").classList.toggle("long", (question.prompt || "").length > 140);
    picture.draw(question.image, question.kind);
    homework.question(question);
    Q.kindOf(question.kind).drawAnswers(question, {
      box: Q.clear($("answers")),
      button: Q.answerButton,
      submit: submit,
      answered: function () { return app.answered; },
      status: status
    });
    if (yourAnswer && yourAnswer.question_id === question.question_id) {
      stopReading();
      countdown.start(question.remaining_ms, question.time_limit_ms);
      answerReceived(yourAnswer.choice_id);
      return;
    }
    showScreen("screen-question");
    var readingMs = question.answerable_in_ms || 0;
    if (readingMs > 0) {
      startReading(question, readingMs);
      return;
    }
    openAnswers(question);
  }

  /* Reading time: the prompt alone, then the answers and the timer (the server refuses
     an earlier answer as too_early, so the buttons are not even shown). */
  function startReading(question, readingMs) {
    stopReading();
    countdown.stop();
    root.setAttribute("data-reading", "true");
    Q.show($("answers"), false);
    Q.show($("q-reading"), true);
    Q.setText($("q-timer"), "");
    var endsAt = performance.now() + readingMs;
    var bar = $("q-reading-bar");
    var tick = function () {
      var left = Math.max(0, endsAt - performance.now());
      bar.style.width = (100 * left / Math.max(1, question.reading_ms || readingMs)) + "%";
      Q.setText($("q-reading-left"), TEXT.readingLeft(Math.ceil(left / 1000)));
      if (left <= 0) {
        stopReading();
        if (app.question === question && app.phase === "question") openAnswers(question);
      }
    };
    status(TEXT.reading);
    tick();
    app.readingTimer = setInterval(tick, 100);
  }

  function stopReading() {
    clearInterval(app.readingTimer);
    app.readingTimer = null;
    root.removeAttribute("data-reading");
    Q.show($("q-reading"), false);
    Q.show($("answers"), true);
  }

  function openAnswers(question) {
    stopReading();
    countdown.start(question.remaining_ms, question.time_limit_ms);
    status(question.points_multiplier === 2 ? Q.gettext("Double points!") : "");
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
    if (socket && socket.send(frame)) status(Q.gettext("Sending…"));
    else status(Q.gettext("Reconnecting… your answer will be sent."));
  }

  /* `choiceId`: the choice stored, when the server said which (a vote is repeated). */
  function answerReceived(choiceId) {
    app.answered = true;
    app.pending = null;
    disableAnswers();
    var kind = app.question ? Q.kindOf(app.question.kind) : null;
    var text = kind && kind.received ? kind.received(choiceText(choiceId))
      : app.selfPaced ? HOMEWORK_TEXT.checking
      : Q.gettext("Look at the screen: the answer comes when time is up.");
    showWait(Q.gettext("Answer received"), text, "received");
    status(Q.gettext("Answer received"));
    root.setAttribute("data-answered", "true");
  }

  // ---------------------------------------------------------------- results

  function choiceText(id) {
    var choices = (app.question && app.question.choices) || [];
    for (var i = 0; i < choices.length; i++) if (choices[i].id === id) return choices[i].text;
    return null;
  }

  function drawReveal(reveal) {
    stopReading();
    countdown.stop();
    app.phase = "reveal";
    app.pending = null;
    if (typeof reveal.score === "number") app.score = reveal.score;
    setHeader();
    results.reveal(reveal, choiceText);
    if (app.selfPaced) homework.reveal(reveal);
    setTeamStanding(reveal);
    status("");
  }

  function drawScoreboard(frame) {
    stopReading();
    countdown.stop();
    app.phase = "scoreboard";
    if (typeof frame.count === "number") app.count = frame.count;
    if (typeof frame.score === "number") app.score = frame.score;
    setHeader();
    results.scoreboard(frame);
    setTeamStanding(frame);
    status("");
  }

  function drawFinished(frame) {
    stopReading();
    countdown.stop();
    app.phase = "finished";
    if (typeof frame.score === "number") app.score = frame.score;
    setHeader();
    results.finished(frame);
    if (app.selfPaced) homework.finished(frame);
    setTeamStanding(frame);
    status("");
  }

  function drawState(state) {
    if (state.player) app.player = state.player;
    setTeam(state.team || null);
    if (typeof state.count === "number") app.count = state.count;
    if (typeof state.score === "number") app.score = state.score;
    setSelfPaced(state.mode === "self_paced");
    setHeader();
    Q.show($("teacher-away"), !app.selfPaced && state.host_connected === false && state.phase !== "finished");
    var phase = state.phase;
    if (phase === "question" && state.question) {
      drawQuestion(state.question, state.your_answer);
    } else if ((phase === "reveal") && state.reveal) {
      drawReveal(state.reveal);
    } else if (phase === "scoreboard") {
      drawScoreboard({ rank: state.rank, score: state.score, count: state.count,
                       team_rank: state.team_rank, team_score: state.team_score });
    } else if (phase === "finished") {
      drawFinished(state.finished || { rank: state.rank, score: state.score, count: state.count });
    } else {
      countdown.stop();
      app.phase = "lobby";
      showWait(Q.gettext("You're in!"), Q.gettext("See your nickname on the screen."), "lobby");
      if (app.selfPaced) homework.lobby();
      status("");
    }
  }

  /* In homework the player's question, reveal and finished answer their own `next` or
     answer (replies carrying the last seq, like answer_received), not broadcasts. */
  function setSelfPaced(on) {
    app.selfPaced = on;
    if (!on) { homework.hide(); return; }
    var replies = socket && socket.seq.replyTypes;
    if (!replies) return;
    ["question", "reveal", "finished"].forEach(function (type) {
      if (replies.indexOf(type) === -1) replies.push(type);
    });
  }

  // ---------------------------------------------------------------- frames

  var ERROR_TEXT = {
    nickname_taken: Q.gettext("That nickname, or one that looks just like it, is already in this game. Choose another one."),
    nickname_invalid: Q.gettext("That nickname cannot be used. Choose another one."),
    game_locked: Q.gettext("The teacher has locked this game: nobody new can join."),
    game_not_found: Q.gettext("There is no game with that PIN. Check the PIN on the screen."),
    game_full: Q.gettext("This game is full."),
    rate_limited: Q.gettext("Too many attempts. Wait a minute and try again."),
    question_closed: Q.gettext("Too late: the question has closed."),
    too_early: TEXT.tooEarly,
    unknown_choice: Q.gettext("That answer is not one of this question's choices."),
    forbidden: Q.gettext("This page may not connect to the game."),
    gate_wrong: Q.gettext("Those are not the shapes on the big screen. Look again: they change " +
      "every 20 seconds. Tap them in order.")
  };

  function onError(frame) {
    app.lastError = frame.code;
    var text = ERROR_TEXT[frame.code] || frame.message || Q.gettext("Something went wrong.");
    if (!app.joined) {
      if (frame.code === "bad_token") {
        store.forgetPlayer(app.pin);
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
      case "bad_token": store.forgetPlayer(app.pin); break;
      case "replaced": break;
      case "already_answered": answerReceived(); break;
      case "try_again":
        if (app.pending && app.retries < 3) {
          app.retries += 1;
          var frameToSend = app.pending;
          setTimeout(function () { if (socket) socket.send(frameToSend); }, 300 * app.retries);
          status(Q.gettext("Sending again…"));
        } else {
          status(Q.gettext("Your answer could not be saved. Tap it again."));
          app.pending = null;
          if (app.question) drawQuestion(app.question, null);
        }
        break;
      case "question_closed":
        app.pending = null;
        disableAnswers();
        status(text);
        break;
      case "too_early":
        // Nothing was stored: the same answer may be tapped again in a moment.
        app.pending = null;
        document.querySelectorAll("#answers button, #answers input").forEach(function (b) {
          b.disabled = false;
        });
        status(text);
        break;
      default:
        status(text);
    }
  }

  function onKicked() {
    store.markKicked(app.pin);
    store.forgetPlayer(app.pin);
    store.forgetLastPin();
    showJoinForm(Q.gettext("The teacher removed you from this game. You cannot join it again from this browser."));
    root.setAttribute("data-kicked", "true");
  }

  function onJoined(frame) {
    app.joined = true;
    app.gate = null;
    gate.reset();
    app.mode = "resume";
    app.player = frame.player;
    store.savePlayer(app.pin, {
      token: frame.token, nickname: frame.player.nickname, id: frame.player.id
    });
    store.setLastPin(app.pin);
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
      case "question": Q.show($("teacher-away"), false); homework.hide(); drawQuestion(frame, null); break;
      case "team": setTeam(frame.team || null); break;
      case "answer_received":
        if (!app.question || frame.question_id === app.question.question_id) answerReceived(frame.choice_id);
        break;
      case "reveal": drawReveal(frame); break;
      case "scoreboard": drawScoreboard(frame); break;
      case "finished": Q.show($("teacher-away"), false); drawFinished(frame); break;
      case "host_status":
        // Homework has no teacher to wait for.
        Q.show($("teacher-away"), !app.selfPaced && !frame.connected && app.phase !== "finished");
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
          : Q.gettext("Could not reach the game. Check the wifi and try again."));
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
      showJoinForm(ERROR_TEXT[app.lastError] || Q.gettext("The game refused this connection."));
      return false;
    }
    if (code === 4404) {
      store.forgetPlayer(app.pin);
      if (store.lastPin() === app.pin) store.forgetLastPin();
      showJoinForm(app.lastError === "bad_token"
        ? Q.gettext("Your place in that game was not found. Join again.")
        : Q.gettext("That game has ended or does not exist."));
      return false;
    }
    app.joined = false;
    return true;
  }

  function showReplaced() {
    countdown.stop();
    showWait(Q.gettext("Opened in another window"), Q.gettext("This game is open in another tab or window."), "replaced");
    var again = Q.el("button", { type: "button", class: "button button-primary",
                                 "data-testid": "use-here", text: Q.gettext("Play in this window") });
    again.addEventListener("click", function () {
      again.parentNode.removeChild(again);
      startSocket();
    });
    $("screen-wait").appendChild(again);
  }

  var CONN_TEXT = { connecting: Q.gettext("Connecting…"), waiting: Q.gettext("Reconnecting…"), closed: Q.gettext("Offline") };

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
        var saved = store.savedPlayer(app.pin);
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
    store.forgetLastPin();
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
    if (!PIN_RE.test(pin)) { joinError(Q.gettext("The game PIN has 6 digits: look at the screen.")); $("pin-input").focus(); return; }
    if (store.wasKicked(pin)) {
      joinError(Q.gettext("The teacher removed you from this game. You cannot join it again from this browser."));
      return;
    }
    app.pin = pin;
    if (store.savedPlayer(pin)) {
      // Already in this game from this browser: come back as the same player.
      app.mode = "resume";
      setBusy(true);
      startSocket();
      return;
    }
    if (!nickname) { joinError(Q.gettext("Type a nickname.")); $("nickname-input").focus(); return; }
    if (nickname.length > 30) { joinError(Q.gettext("Nicknames have at most 30 characters.")); return; }
    joinError("");
    app.mode = "join";
    app.nickname = nickname;
    app.gate = null;
    sendJoin();
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
      var last = store.lastPin();
      if (last && PIN_RE.test(last) && store.savedPlayer(last)) pin = last;
    }
    app.pin = pin;
    homework.tokenFromLink(pin);
    if (pin && store.wasKicked(pin)) {
      showJoinForm(Q.gettext("The teacher removed you from this game. You cannot join it again from this browser."));
      root.setAttribute("data-kicked", "true");
      return;
    }
    var saved = pin ? store.savedPlayer(pin) : null;
    if (saved) {
      app.mode = "resume";
      app.player = { id: saved.id, nickname: saved.nickname };
      setHeader();
      showWait(Q.gettext("Reconnecting…"), Q.gettext("Taking you back to your game."), "reconnecting");
      startSocket();
    } else {
      showJoinForm("");
    }
  })();
})();
