/* The phone's result screen: after a question (its reveal: right, nearly or not, the
   points, the streak, the rank), at the scoreboard and at the end. What it says about
   the right answer is the question kind's (static/js/kinds.js, revealDetail); a kind
   with its own `result` (a vote) draws the whole screen its way.

   Loaded after kinds.js, before phone.js, which makes one:
   Quiz.PhoneResults({showScreen(id)}) -> {reveal(frame, textOf), scoreboard(frame),
   finished(frame)}. */
(function () {
  "use strict";

  var Q = window.Quiz;
  var $ = function (id) { return document.getElementById(id); };

  function rankText(rank, count) {
    if (typeof rank !== "number") return "";
    return typeof count === "number"
      ? Q.fill(Q.gettext("You are %(place)s of %(count)s"), { place: Q.ordinal(rank), count: count })
      : Q.fill(Q.gettext("You are %(place)s"), { place: Q.ordinal(rank) });
  }

  function pointsText(score) {
    return typeof score === "number" ? Q.plural(score, Q.ngettext("%(n)s point", "%(n)s points", score)) : "";
  }

  Q.PhoneResults = function (options) {
    function draw(result, title, points, detail, rank, finished) {
      var screen = $("screen-result");
      screen.classList.toggle("is-correct", result === "correct");
      screen.classList.toggle("is-wrong", result === "wrong");
      screen.setAttribute("data-result", result);
      Q.setText($("result-title"), title);
      Q.setText($("result-points"), points);
      Q.setText($("result-detail"), detail);
      Q.setText($("result-rank"), rank);
      Q.show($("new-game"), !!finished);
      options.showScreen("screen-result");
    }

    /* `textOf(choiceId)`: the text of one of the question's choices. */
    function reveal(frame, textOf) {
      var kind = Q.kindOf(frame.kind);
      var rank;
      if (kind.result) {
        // A kind with its own result (a vote): no right or wrong, no points line.
        var own = kind.result(frame, textOf);
        rank = rankText(frame.rank, null);
        if (typeof frame.score === "number") rank += (rank ? " · " : "") + pointsText(frame.score);
        draw(own.result, own.title, own.points, own.detail, rank, false);
        return;
      }
      var result, title;
      if (frame.correct) { result = "correct"; title = Q.gettext("Correct!"); }
      else if (!kind.gave(frame)) { result = "wrong"; title = Q.gettext("No answer this time"); }
      else if (frame.points > 0) { result = "partial"; title = Q.gettext("Nearly!"); }
      else { result = "wrong"; title = Q.gettext("Not this time"); }
      var details = [];
      var detail = kind.revealDetail(frame, textOf);
      if (detail) details.push(detail);
      if (frame.streak >= 2) details.push(Q.fill(Q.gettext("Answer streak: %(n)s in a row!"), { n: frame.streak }));
      // The reveal carries no player count, and the one from joining is stale by now.
      rank = rankText(frame.rank, null);
      if (typeof frame.score === "number") rank += (rank ? " · " : "") + pointsText(frame.score);
      draw(result, title, "+" + pointsText(frame.points || 0), details.join(" "), rank, false);
    }

    function scoreboard(frame) {
      draw("info", Q.gettext("Scoreboard"), pointsText(frame.score), Q.gettext("Look at the screen for the top 5."),
        rankText(frame.rank, frame.count), false);
    }

    function finished(frame) {
      draw("info", Q.gettext("Game over"), pointsText(frame.score), Q.gettext("Thanks for playing!"),
        typeof frame.rank !== "number" ? "" : typeof frame.count === "number"
          ? Q.fill(Q.gettext("You finished %(place)s of %(count)s"), { place: Q.ordinal(frame.rank), count: frame.count })
          : Q.fill(Q.gettext("You finished %(place)s"), { place: Q.ordinal(frame.rank) }), true);
    }

    return { reveal: reveal, scoreboard: scoreboard, finished: finished };
  };
})();
