/* The projector's lobby: the roster (each player with their extra time and a kick
   button), the player count, and the join gate's shapes (large in the lobby, small in
   the top bar during the game, for a late student).

   Loaded after common.js, before projector.js, which makes one:
   Quiz.ProjectorLobby({root, sound, phase: function () { return the phase; }}). */
(function () {
  "use strict";

  var Q = window.Quiz;
  var $ = function (id) { return document.getElementById(id); };

  Q.ProjectorLobby = function (options) {
    var root = options.root;
    var sound = options.sound;
    var state = { count: 0 };

    function setCount(count) {
      state.count = count;
      Q.setText($("player-count"), count);
      Q.setText($("player-count-label"), Q.ngettext("player", "players", count));
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
      button.setAttribute("aria-label", Q.fill(Q.gettext("Extra time for %(name)s: %(n)s s"), { name: nickname, n: seconds }));
      button.setAttribute("title", Q.fill(Q.gettext("Extra time for %(name)s (press for %(n)s s)"), { name: nickname,
        n: nextExtraTime(seconds) }));
      button.classList.toggle("on", seconds > 0);
      Q.setText(button, seconds ? "+" + Q.fill(Q.gettext("%(n)s s"), { n: seconds }) : Q.gettext("+ time"));
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
        "aria-label": Q.fill(Q.gettext("Remove %(name)s"), { name: player.nickname }),
        title: Q.fill(Q.gettext("Remove %(name)s"), { name: player.nickname }),
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

    // ---------------------------------------------------------------- join gate

    /* The shapes a phone must tap to join (game option join_gate): large in the lobby,
       small in the top bar during the game, for a late student. The server sends new
       ones when they change; the countdown here only says when that will be. */
    var gateState = { shapes: null, endsAt: 0, totalMs: 20000, timer: null };

    function shapeName(name) {
      return Q.shapeLabel(name);
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
      Q.setText($("gate-countdown"), seconds > 0 ? Q.fill(Q.gettext("New shapes in %(n)s s"), { n: seconds }) : Q.gettext("New shapes now…"));
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
      var phase = options.phase();
      Q.show($("gate-small"), !!gateState.shapes && phase !== null &&
        phase !== "lobby" && phase !== "finished");
    }

    function onExtraTime(frame) {
      var item = findRosterItem(frame.player_id);
      if (!item) return;
      drawExtraTime(item.querySelector("button.extra-time"), frame.seconds,
        item.querySelector(".roster-name").textContent);
    }

    return {
      count: function () { return state.count; },
      setCount: setCount,
      drawRoster: drawRoster,
      onPlayerJoined: onPlayerJoined,
      onPlayerLeft: onPlayerLeft,
      onExtraTime: onExtraTime,
      nextExtraTime: nextExtraTime,
      onJoinGate: onJoinGate,
      showSmallGate: showSmallGate
    };
  };
})();
