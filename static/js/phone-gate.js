/* The phone's join gate screen: a game may ask for the shapes on the projector. The
   phone learns it only from a `gate_wrong` error to a join without shapes, then shows
   four shape buttons; it is never told which shapes are right.

   Loaded after common.js, before phone.js, which makes one:
   Quiz.PhoneGate({length, showScreen(id), onJoin(shapes), onBack()})
     -> {show(message), error(text), setBusy(busy), reset()}. */
(function () {
  "use strict";

  var Q = window.Quiz;
  var $ = function (id) { return document.getElementById(id); };

  function shapeName(name) {
    return Q.shapeLabel(name);
  }

  Q.PhoneGate = function (options) {
    var length = options.length;
    var taps = [];  // shapes tapped so far

    function error(text) {
      Q.setText($("gate-error"), text);
    }

    function say(text) {
      Q.setText($("gate-said"), text);
    }

    function draw() {
      var list = Q.clear($("gate-picked"));
      for (var i = 0; i < length; i++) {
        var name = taps[i];
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
      $("gate-join").disabled = busy || taps.length !== length;
      $("gate-undo").disabled = busy || taps.length === 0;
      document.querySelectorAll(".gate-btn").forEach(function (button) {
        button.disabled = busy || taps.length >= length;
      });
    }

    function setBusy(busy) {
      $("gate-join").setAttribute("data-busy", busy ? "true" : "false");
      Q.setText($("gate-join"), busy ? Q.gettext("Joining…") : Q.gettext("Join"));
      draw();
    }

    function reset() {
      taps = [];
    }

    /* The gate, empty, with `message` (why it is shown again), focus on the shapes. */
    function show(message) {
      reset();
      setBusy(false);
      error(message || "");
      options.showScreen("screen-gate");
      say("");
      var first = document.querySelector(".gate-btn");
      if (first) first.focus();
    }

    document.querySelectorAll(".gate-btn").forEach(function (button) {
      button.insertBefore(Q.shape(Q.SHAPE_NAMES.indexOf(button.getAttribute("data-shape"))),
        button.firstChild);
      button.addEventListener("click", function () {
        if (taps.length >= length) return;
        var name = button.getAttribute("data-shape");
        taps.push(name);
        error("");
        draw();
        say(Q.fill(Q.gettext("%(shape)s, %(n)s of %(length)s"), { shape: shapeName(name), n: taps.length, length: length }) +
          (taps.length === length ? Q.gettext(". Now press Join.") : ""));
        if (taps.length === length) $("gate-join").focus();
      });
    });

    $("gate-undo").addEventListener("click", function () {
      var name = taps.pop();
      draw();
      if (name) say(Q.fill(Q.gettext("Removed %(shape)s, %(n)s of %(length)s"), { shape: shapeName(name), n: taps.length, length: length }));
      var next = document.querySelector(".gate-btn:not(:disabled)");
      if (next && $("gate-undo").disabled) next.focus();
    });

    $("gate-join").addEventListener("click", function () {
      if (taps.length !== length) return;
      error("");
      options.onJoin(taps.slice());
    });

    $("gate-back").addEventListener("click", function () {
      reset();
      options.onBack();
    });

    return { show: show, error: error, setBusy: setBusy, reset: reset };
  };
})();
