/* "Practise what you missed" (classroom/practice.py): a private round on the phone.

   Asks the server for the round's questions (no keys), then for each answer its
   reveal (right or not, the key, the explanation, the event). Nothing is stored and
   nothing is scored; the round lives in this page only. The player is this browser's
   (the resume token phone-storage.js keeps for the game's PIN). */
(function () {
  "use strict";

  var TEXT = {
    index: window.Quiz.gettext("Practice %(n)s of %(count)s"),
    right: window.Quiz.gettext("Correct!"),
    wrong: window.Quiz.gettext("Not this time"),
    next: window.Quiz.gettext("Next"),
    last: window.Quiz.gettext("Finish"),
    nothing: window.Quiz.gettext("Nothing to practise: you got every question right. Well done!"),
    noPlayer: window.Quiz.gettext("This phone has not played this game, so there is nothing to practise here."),
    failed: window.Quiz.gettext("Could not reach the server. Check the wifi and reload the page."),
    summary: window.Quiz.gettext("%(right)s of %(count)s right."),
    sending: window.Quiz.gettext("Checking…")
  };

  var Q = window.Quiz;
  var root = document.getElementById("practice");
  if (!root) return;
  var $ = function (id) { return document.getElementById(id); };
  var pin = root.getAttribute("data-pin");
  var saved = Q.phoneStorage.savedPlayer(pin);
  var csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  var round = { questions: [], at: 0, right: 0, question: null, answered: false };

  function show(id) {
    ["p-intro", "p-question", "p-result", "p-done"].forEach(function (s) { Q.show($(s), s === id); });
    root.setAttribute("data-screen", id);
  }

  function status(text) { Q.setText($("status"), text || ""); }

  function call(body) {
    body.token = saved.token;
    return fetch(root.getAttribute("data-api"), {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      credentials: "same-origin",
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw data;
        return data;
      });
    });
  }

  function ask() {
    var question = round.questions[round.at];
    round.question = question;
    round.answered = false;
    Q.setText($("q-index"), Q.fill(TEXT.index, { n: round.at + 1, count: round.questions.length }));
    Q.setText($("q-prompt"), question.prompt);
    Q.kindOf(question.kind).drawAnswers(question, {
      box: Q.clear($("answers")),
      button: Q.answerButton,
      submit: submit,
      answered: function () { return round.answered; },
      status: status
    });
    show("p-question");
    status("");
  }

  function textOf(id) {
    var choices = (round.question && round.question.choices) || [];
    for (var i = 0; i < choices.length; i++) if (choices[i].id === id) return choices[i].text;
    return null;
  }

  function eventItem(event, current) {
    if (!event) return null;
    return Q.el("li", { class: current ? "hw-event is-current" : "hw-event" }, [
      Q.el("span", { class: "hw-event-date", text: event.date_label || String(event.year) }), " ",
      Q.el("span", { class: "hw-event-title", text: event.title })
    ]);
  }

  function reveal(frame) {
    if (frame.correct) round.right += 1;
    Q.setText($("result-title"), frame.correct ? TEXT.right : TEXT.wrong);
    $("p-result").setAttribute("data-result", frame.correct ? "correct" : "wrong");
    Q.setText($("result-detail"), Q.kindOf(frame.kind).revealDetail(frame, textOf) || "");
    Q.setText($("hw-explanation"), frame.explanation || "");
    var n = frame.neighbours || {};
    Q.append(Q.clear($("hw-timeline")), frame.event
      ? [eventItem(n.prev, false), eventItem(frame.event, true), eventItem(n.next, false)] : []);
    Q.show($("hw-timeline-box"), !!frame.event);
    Q.setText($("p-next"), round.at + 1 >= round.questions.length ? TEXT.last : TEXT.next);
    show("p-result");
    status("");
    $("p-next").focus();
  }

  function submit(fields) {
    if (round.answered) return;
    round.answered = true;
    status(TEXT.sending);
    var body = { type: "practice_answer", index: round.at };
    Object.keys(fields).forEach(function (k) { body[k] = fields[k]; });
    call(body).then(reveal, function (error) {
      round.answered = false;
      status((error && error.message) || TEXT.failed);
    });
  }

  $("p-next").addEventListener("click", function () {
    round.at += 1;
    if (round.at < round.questions.length) { ask(); return; }
    Q.setText($("p-done-text"), Q.fill(TEXT.summary, { right: round.right, count: round.questions.length }));
    show("p-done");
  });

  function stop(text) {
    Q.setText($("p-intro-text"), text);
    Q.show($("p-back"), true);
    show("p-intro");
  }

  if (!saved) { stop(TEXT.noPlayer); return; }
  call({ type: "practice_round" }).then(function (data) {
    Q.setText($("me"), data.nickname);
    round.questions = data.questions;
    if (!round.questions.length) { stop(TEXT.nothing); return; }
    ask();
  }, function (error) {
    stop(error && error.code === "bad_token" ? TEXT.noPlayer
      : (error && error.code === "wrong_phase" && error.message) || TEXT.failed);
  });
})();
