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
    return "You are " + Q.ordinal(rank) + (typeof count === "number" ? " of " + count : "");
  }

  function pointsText(score) {
    return typeof score === "number" ? score + " points" : "";
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
        if (typeof frame.score === "number") rank += (rank ? " · " : "") + frame.score + " points";
        draw(own.result, own.title, own.points, own.detail, rank, false);
        return;
      }
      var result, title;
      if (frame.correct) { result = "correct"; title = "Correct!"; }
      else if (!kind.gave(frame)) { result = "wrong"; title = "No answer this time"; }
      else if (frame.points > 0) { result = "partial"; title = "Nearly!"; }
      else { result = "wrong"; title = "Not this time"; }
      var details = [];
      var detail = kind.revealDetail(frame, textOf);
      if (detail) details.push(detail);
      if (frame.streak >= 2) details.push("Answer streak: " + frame.streak + " in a row!");
      // The reveal carries no player count, and the one from joining is stale by now.
      rank = rankText(frame.rank, null);
      if (typeof frame.score === "number") rank += (rank ? " · " : "") + frame.score + " points";
      draw(result, title, "+" + (frame.points || 0) + " points", details.join(" "), rank, false);
    }

    function scoreboard(frame) {
      draw("info", "Scoreboard", pointsText(frame.score), "Look at the screen for the top 5.",
        rankText(frame.rank, frame.count), false);
    }

    function finished(frame) {
      draw("info", "Game over", pointsText(frame.score), "Thanks for playing!",
        typeof frame.rank === "number" ? "You finished " + Q.ordinal(frame.rank) +
          (typeof frame.count === "number" ? " of " + frame.count : "") : "", true);
    }

    return { reveal: reveal, scoreboard: scoreboard, finished: finished };
  };
})();
