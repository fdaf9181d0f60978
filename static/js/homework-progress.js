/* The teacher's homework page: every student's progress, live.

   Frames handled (docs/protocol.md, "Self-paced games (homework)"): state (its
   `homework.players`: the whole table redrawn), progress (one row), player_joined (a
   new row), finished (the homework closed), error. Command sent: end (and sync, ping). */
(function () {
  "use strict";

  var TEXT = {
    connecting: window.Quiz.gettext("Connecting…"),
    open: window.Quiz.gettext("Live"),
    waiting: window.Quiz.gettext("Reconnecting…"),
    closed: window.Quiz.gettext("Not live: reload the page"),
    finished: window.Quiz.gettext("Finished"),
    going: window.Quiz.gettext("Still going"),
    notStarted: window.Quiz.gettext("Not started"),
    summary: window.Quiz.gettext("%(joined)s joined · %(going)s still going · %(finished)s finished"),
    confirmEnd: window.Quiz.gettext("End this homework now? Students can no longer answer; every answer so far stays."),
    copied: window.Quiz.gettext("Link copied"),
    copyFailed: window.Quiz.gettext("Select the link and copy it")
  };

  var Q = window.Quiz;
  var root = document.getElementById("homework");
  if (!root) return;
  var $ = function (id) { return document.getElementById(id); };
  var count = parseInt(root.getAttribute("data-question-count"), 10) || 0;
  var rows = {};  // player_id -> progress fields

  function statusOf(p) {
    if (p.finished) return TEXT.finished;
    return p.reached ? TEXT.going : TEXT.notStarted;
  }

  function rowFor(p) {
    var tr = document.querySelector('#hw-rows tr[data-player-id="' + p.player_id + '"]');
    if (!tr) {
      tr = Q.el("tr", { "data-testid": "progress-row", "data-player-id": String(p.player_id) }, [
        Q.el("th", { scope: "row" }, [p.nickname]),
        Q.el("td", { "data-col": "reached" }),
        Q.el("td", { "data-col": "correct" }),
        Q.el("td", { "data-col": "score" }),
        Q.el("td", { "data-col": "status" })
      ]);
      $("hw-rows").appendChild(tr);
    }
    return tr;
  }

  function draw(p) {
    rows[p.player_id] = p;
    var tr = rowFor(p);
    Q.setText(tr.querySelector('[data-col="reached"]'), p.answered + " / " + count);
    Q.setText(tr.querySelector('[data-col="correct"]'), String(p.correct));
    Q.setText(tr.querySelector('[data-col="score"]'), String(p.score));
    Q.setText(tr.querySelector('[data-col="status"]'), statusOf(p));
    tr.classList.toggle("is-finished", !!p.finished);
    summary();
  }

  function summary() {
    var all = Object.keys(rows).map(function (k) { return rows[k]; });
    var finished = all.filter(function (p) { return p.finished; }).length;
    var going = all.filter(function (p) { return !p.finished && p.reached; }).length;
    Q.setText($("hw-summary"), Q.fill(TEXT.summary, { joined: all.length, going: going, finished: finished }));
    Q.show($("hw-empty"), all.length === 0);
  }

  function ended() {
    Q.show($("hw-ended"), true);
    var button = $("end-homework");
    if (button) button.disabled = true;
  }

  function onFrame(frame) {
    switch (frame.type) {
      case "state":
        if (frame.homework) {
          count = frame.homework.questions;
          Q.clear($("hw-rows"));
          rows = {};
          frame.homework.players.forEach(draw);
          summary();
        }
        if (frame.phase === "finished") ended();
        break;
      case "progress": draw(frame); break;
      case "player_joined":
        if (!rows[frame.player.id]) {
          draw({ player_id: frame.player.id, nickname: frame.player.nickname, answered: 0,
                 correct: 0, score: 0, reached: 0, finished: false });
        }
        break;
      case "finished": ended(); break;
      default: break;
    }
  }

  function onStatus(state) {
    var node = $("hw-conn");
    node.className = "conn conn-" + (state === "open" ? "open" : state === "closed" ? "closed" : "connecting");
    node.setAttribute("data-state", state);
    Q.setText(node, TEXT[state] || state);
  }

  var socket = new Q.GameSocket({
    path: root.getAttribute("data-ws-path"),
    snapshotTypes: ["lobby", "state"],
    replyTypes: ["error", "pong", "join_gate"],
    onFrame: onFrame,
    onStatus: onStatus,
    onClose: function (code) { return code !== 4403 && code !== 4404; }
  });

  var end = $("end-homework");
  if (end) {
    end.addEventListener("click", function () {
      if (window.confirm(TEXT.confirmEnd)) socket.send({ type: "end" });
    });
  }
  $("print-page").addEventListener("click", function () { window.print(); });
  $("copy-link").addEventListener("click", function (event) {
    var button = event.currentTarget;
    var done = function (ok) { Q.setText(button, ok ? TEXT.copied : TEXT.copyFailed); };
    if (navigator.clipboard) {
      navigator.clipboard.writeText(button.getAttribute("data-link")).then(
        function () { done(true); }, function () { done(false); });
    } else {
      done(false);
    }
  });

  summary();
  socket.start();
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") socket.connectNow();
  });
})();
