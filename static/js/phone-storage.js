/* What the phone keeps in localStorage: its resume token per PIN (a reload, a sleeping
   phone or a wifi blip brings the same player back with the same score), the last PIN
   it played, and that the teacher removed it from a game.

   Loaded after common.js, before phone.js: Quiz.phoneStorage. */
(function () {
  "use strict";

  var KEY_PLAYER = "quiz.player.";
  var KEY_KICKED = "quiz.kicked.";
  var KEY_LAST = "quiz.lastPin";
  // PINs are reused once a game ends, so a kick is remembered for a school day only.
  var KICK_MEMORY_MS = 12 * 60 * 60 * 1000;

  function load(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function save(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* private mode */ }
  }
  function forget(key) {
    try { window.localStorage.removeItem(key); } catch (e) { /* private mode */ }
  }

  window.Quiz.phoneStorage = {
    /* {token, nickname, id} of this browser's player in the game `pin`, or null. */
    savedPlayer: function (pin) {
      var raw = load(KEY_PLAYER + pin);
      if (!raw) return null;
      try {
        var data = JSON.parse(raw);
        return data && typeof data.token === "string" ? data : null;
      } catch (e) { return null; }
    },
    savePlayer: function (pin, player) { save(KEY_PLAYER + pin, JSON.stringify(player)); },
    forgetPlayer: function (pin) { forget(KEY_PLAYER + pin); },
    lastPin: function () { return load(KEY_LAST); },
    setLastPin: function (pin) { save(KEY_LAST, pin); },
    forgetLastPin: function () { forget(KEY_LAST); },
    markKicked: function (pin) { save(KEY_KICKED + pin, String(Date.now())); },
    wasKicked: function (pin) {
      var at = parseInt(load(KEY_KICKED + pin), 10);
      if (isNaN(at)) return false;
      if (Date.now() - at < KICK_MEMORY_MS) return true;
      forget(KEY_KICKED + pin);
      return false;
    }
  };
})();
