/* The question kinds, one entry each: everything the projector and the phone draw
   differently by kind. The server declares the same kinds in quizzes/kinds.py (what an
   answer is, how it scores, what a reveal carries); a new kind is one entry there and
   one here (docs/architecture.md, "Adding a question kind").

   An entry:
     label                        the projector's name for the kind
     question(frame, tile)        the projector's tiles: {items, hint, rows, cls}
     bars(frame, choices)         the projector's reveal chart, one row per bar
     answerText(frame, textOf)    the projector's "Answer: ..." line
     drawAnswers(question, ui)    the phone's answer controls (ui: see phone.js)
     gave(reveal)                 whether the phone's reveal says it answered
     revealDetail(reveal, textOf) the phone's line about the right answer, or ""
   and, where a kind differs from the others (all optional; `verdict` has them):
     vote                         true: nobody is right or wrong (the bars, the answer line)
     chartTitle                   a heading over the projector's reveal chart
     stats(frame)                 the projector's line under the chart
     showsEventReason             false: the reveal already gives the event's reason
     received(choiceText)         what the phone says once its answer is stored
     result(reveal, textOf)       the phone's result screen: {result, title, points,
                                  detail}, instead of right / nearly / wrong

   Loaded after common.js, before projector.js or phone.js: Quiz.kindOf(name). */
(function () {
  "use strict";

  var Q = window.Quiz;

  function isNumber(value) { return typeof value === "number"; }

  function texts(ids, textOf) {
    return (ids || []).map(textOf).filter(function (t) { return t !== null && t !== undefined; });
  }

  // ------------------------------------------------------------- projector helpers

  function choiceTiles(frame, tile) {
    return (frame.choices || []).map(function (choice, index) { return tile(choice, index); });
  }

  function choiceBars(frame, choices, inOrder) {
    var distribution = frame.distribution || {};
    var correctIds = frame.correct_choice_ids || [];
    var indexOf = {};
    choices.forEach(function (c, i) { indexOf[c.id] = i; });
    // In the right order for `order`; colours stay those of the tiles the class saw.
    var listed = inOrder
      ? correctIds.map(function (id) { return choices[indexOf[id]]; }).filter(Boolean)
      : choices;
    return listed.map(function (c, at) {
      var i = indexOf[c.id];
      return {
        position: inOrder ? at + 1 : 0,
        label: c.text,
        choiceId: c.id,
        count: distribution[String(c.id)] || 0,
        correct: inOrder || correctIds.indexOf(c.id) !== -1,
        colour: "c" + (i % 4),
        shapeIndex: i
      };
    });
  }

  /* Single years, or with many different guesses single years near the answer and
     the rest in two buckets. */
  function yearBars(frame) {
    var distribution = frame.distribution || {};
    var correctYear = frame.correct_year;
    var years = Object.keys(distribution).map(Number).filter(function (y) { return !isNaN(y); });
    years.sort(function (a, b) { return a - b; });
    var rows = [];
    if (years.length <= 11 || !isNumber(correctYear)) {
      years.forEach(function (y) {
        rows.push({ label: String(y), year: y, count: distribution[String(y)] || 0,
                    correct: y === correctYear });
      });
      if (isNumber(correctYear) && years.indexOf(correctYear) === -1) {
        rows.push({ label: String(correctYear), year: correctYear, count: 0, correct: true });
        rows.sort(function (a, b) { return a.year - b.year; });
      }
      return rows;
    }
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

  // ------------------------------------------------------------- phone helpers

  /* A phone's answer tile: shape, colour and letter of its place, the choice's text. */
  Q.answerButton = function (choice, index, onClick) {
    var letter = Q.LETTERS[index];
    var button = Q.el("button", {
      type: "button",
      class: "answer-btn c" + (index % 4),
      "data-testid": "answer",
      "data-choice-id": choice.id,
      "data-shape": Q.SHAPE_NAMES[index % 4],
      "aria-label": Q.fill(Q.gettext("Answer %(letter)s: %(text)s"), { letter: letter, text: choice.text })
    }, [Q.shape(index), Q.el("span", { class: "answer-text", text: choice.text })]);
    button.addEventListener("click", function () { onClick(choice, button); });
    return button;
  };

  /* ui: {box (the cleared answer area), button(choice, index, onClick), submit(fields),
          answered() (whether an answer went out), status(text)} */

  function drawChoices(question, ui) {
    ui.box.className = "answers" + (question.choices.length <= 2 ? " answers-two" : "");
    question.choices.forEach(function (choice, index) {
      ui.box.appendChild(ui.button(choice, index, function (c, button) {
        button.classList.add("chosen");
        ui.submit({ choice_id: c.id });
      }));
    });
  }

  function drawOrder(question, ui) {
    var box = ui.box;
    box.className = "answers answers-order";
    var order = [];
    var picked = Q.el("ol", { id: "order-picked", class: "order-picked", "data-testid": "order-picked",
                              "aria-label": Q.gettext("Your order") });
    var submitButton = Q.el("button", { type: "button", class: "button button-primary",
                                        "data-testid": "order-submit", text: Q.gettext("Submit order") });
    var reset = Q.el("button", { type: "button", class: "button", "data-testid": "order-reset",
                                 text: Q.gettext("Start again") });
    var buttons = [];
    var byId = {};
    question.choices.forEach(function (c) { byId[c.id] = c; });

    function refresh() {
      buttons.forEach(function (button) {
        var id = Number(button.getAttribute("data-choice-id"));
        var at = order.indexOf(id);
        var badge = button.querySelector(".order-badge");
        var letter = Q.LETTERS[Number(button.getAttribute("data-index"))];
        button.setAttribute("aria-pressed", at === -1 ? "false" : "true");
        button.setAttribute("aria-label", at === -1
          ? Q.fill(Q.gettext("Answer %(letter)s: %(text)s"), { letter: letter, text: byId[id].text })
          : Q.fill(Q.gettext("Answer %(letter)s: %(text)s (position %(n)s)"), { letter: letter, text: byId[id].text, n: at + 1 }));
        Q.setText(badge, at === -1 ? "" : at + 1);
        Q.show(badge, at !== -1);
      });
      Q.clear(picked);
      order.forEach(function (id) { picked.appendChild(Q.el("li", { text: byId[id].text })); });
      submitButton.disabled = order.length !== question.choices.length || ui.answered();
      reset.disabled = order.length === 0 || ui.answered();
    }

    question.choices.forEach(function (choice, index) {
      var button = ui.button(choice, index, function (c) {
        if (ui.answered()) return;
        var at = order.indexOf(c.id);
        if (at === -1) order.push(c.id);
        else order.splice(at, 1);
        refresh();
      });
      button.setAttribute("data-index", index);
      button.insertBefore(Q.el("span", { class: "order-badge", hidden: true }), button.firstChild);
      buttons.push(button);
      box.appendChild(button);
    });
    reset.addEventListener("click", function () { order = []; refresh(); });
    submitButton.addEventListener("click", function () {
      if (order.length === question.choices.length) ui.submit({ choice_ids: order.slice() });
    });
    // Below the tiles, outside the answer area: the phone removes it with the question.
    box.parentNode.appendChild(Q.el("div", { class: "order-extra" }, [
      Q.el("p", { class: "muted small", text: Q.gettext("Tap the events from earliest to latest.") }),
      picked,
      Q.el("div", { class: "order-actions" }, [reset, submitButton])
    ]));
    refresh();
  }

  function drawYear(question, ui) {
    var box = ui.box;
    box.className = "year-box";
    var min = isNumber(question.year_min) ? question.year_min : 1900;
    var max = isNumber(question.year_max) ? question.year_max : 2000;
    var input = Q.el("input", {
      type: "number", id: "year-input", "data-testid": "year-input", inputmode: "numeric",
      min: min, max: max, step: 1, value: Math.round((min + max) / 2),
      "aria-label": Q.fill(Q.gettext("Year between %(min)s and %(max)s"), { min: min, max: max })
    });
    function stepButton(by, testid, label, text) {
      var button = Q.el("button", { type: "button", class: "button", "data-testid": testid,
                                    "aria-label": label, text: text });
      button.addEventListener("click", function () {
        var value = parseInt(input.value, 10);
        var current = isNaN(value) ? Math.round((min + max) / 2) : value;
        input.value = String(Math.min(max, Math.max(min, current + by)));
      });
      return button;
    }
    var send = Q.el("button", { type: "button", class: "button button-primary button-big",
                                "data-testid": "year-submit", text: Q.gettext("Submit year") });
    send.addEventListener("click", function () {
      var raw = String(input.value).trim();
      if (!/^[0-9]{3,4}$/.test(raw)) { ui.status(Q.fill(Q.gettext("Type a year, e.g. %(year)s."), { year: max })); return; }
      var year = parseInt(raw, 10);
      if (year < min || year > max) { ui.status(Q.fill(Q.gettext("The year is between %(min)s and %(max)s."), { min: min, max: max })); return; }
      ui.submit({ year: year });
    });
    Q.append(box, [
      Q.el("p", { class: "year-range", text: Q.fill(Q.gettext("Between %(min)s and %(max)s"), { min: min, max: max }) }),
      Q.el("div", { class: "year-row" }, [
        stepButton(-1, "year-minus", Q.gettext("One year earlier"), "−"),
        input,
        stepButton(1, "year-plus", Q.gettext("One year later"), "+")
      ]),
      Q.el("div", { class: "year-jumps" }, [
        stepButton(-10, "year-minus-10", Q.gettext("Ten years earlier"), "−10"),
        stepButton(10, "year-plus-10", Q.gettext("Ten years later"), "+10")
      ]),
      send
    ]);
  }

  function rightChoices(reveal, textOf) {
    var right = texts(reveal.correct_choice_ids, textOf);
    return !reveal.correct && right.length ? Q.fill(Q.gettext("The answer: %(answer)s."), { answer: right.join(Q.gettext(", ")) }) : "";
  }

  // ------------------------------------------------------------- the kinds

  var choice = {
    label: Q.gettext("Multiple choice"),
    question: function (frame, tile) {
      return { items: choiceTiles(frame, tile), hint: "", rows: 2, cls: "" };
    },
    bars: function (frame, choices) { return choiceBars(frame, choices, false); },
    answerText: function (frame, textOf) {
      var right = texts(frame.correct_choice_ids, textOf);
      return right.length ? Q.fill(Q.gettext("Answer: %(answer)s"), { answer: right.join(Q.gettext(", ")) }) : "";
    },
    drawAnswers: drawChoices,
    gave: function (reveal) { return reveal.your_choice_id !== null && reveal.your_choice_id !== undefined; },
    revealDetail: rightChoices
  };

  var trueFalse = Object.assign({}, choice, { label: Q.gettext("True or false") });

  var order = Object.assign({}, choice, {
    label: Q.gettext("Put these in order, earliest first"),
    question: function (frame, tile) {
      return { items: choiceTiles(frame, tile), hint: Q.gettext("Tap them in order on your phone"),
               rows: (frame.choices || []).length, cls: "tiles-order" };
    },
    bars: function (frame, choices) { return choiceBars(frame, choices, true); },
    answerText: function (frame, textOf) {
      return Q.fill(Q.gettext("The right order: %(order)s"), { order: (frame.correct_choice_ids || []).map(textOf).join(" → ") });
    },
    drawAnswers: drawOrder,
    gave: function (reveal) { return !!(reveal.your_choice_ids && reveal.your_choice_ids.length); },
    // The phone shows no order: the projector's chart lists it, place by place.
    revealDetail: function () { return ""; }
  });

  var yearGuess = {
    label: Q.gettext("Guess the year"),
    question: function (frame) {
      var tile = Q.el("li", { class: "tile tile-year", "data-testid": "tile" },
        Q.fill(Q.gettext("Type a year between %(min)s and %(max)s on your phone"), { min: frame.year_min, max: frame.year_max }));
      return { items: [tile], hint: "", rows: 2, cls: "" };
    },
    bars: yearBars,
    answerText: function (frame) {
      return isNumber(frame.correct_year) ? Q.fill(Q.gettext("The year: %(year)s"), { year: frame.correct_year }) : "";
    },
    drawAnswers: drawYear,
    gave: function (reveal) { return reveal.your_year !== null && reveal.your_year !== undefined; },
    revealDetail: function (reveal) {
      if (!isNumber(reveal.correct_year)) return "";
      return isNumber(reveal.your_year)
        ? Q.fill(Q.gettext("The year was %(year)s (you said %(yours)s)."), { year: reveal.correct_year, yours: reveal.your_year })
        : Q.fill(Q.gettext("The year was %(year)s."), { year: reveal.correct_year });
    }
  };

  /* A verdict question: the class votes Success or Failure on one event; nobody is
     right or wrong. The reveal's `verdict` {choice_id, reason, event} is the model
     answer's (the source's) judgement, always shown as theirs, never as the truth. */
  function modelSays(reveal, textOf) {
    var verdict = reveal.verdict || {};
    var text = textOf(verdict.choice_id);
    if (!text) return Q.gettext("The model answer gives no verdict on this event.");
    return verdict.reason ? Q.fill(Q.gettext("The model answer says: %(verdict)s — %(reason)s"), { verdict: text, reason: verdict.reason })
      : Q.fill(Q.gettext("The model answer says: %(verdict)s."), { verdict: text });
  }

  var verdict = Object.assign({}, choice, {
    label: Q.gettext("Verdict: success or failure?"),
    question: function (frame, tile) {
      return { items: choiceTiles(frame, tile),
               hint: Q.gettext("Vote on your phone: there is no right or wrong answer"),
               rows: 1, cls: "tiles-verdict" };
    },
    // The class's votes; the model answer's side is tagged, never marked correct.
    bars: function (frame, choices) {
      var source = (frame.verdict || {}).choice_id;
      return choiceBars(frame, choices, false).map(function (row) {
        row.correct = false;
        row.vote = true;
        if (row.choiceId === source) row.tag = Q.gettext("model answer");
        return row;
      });
    },
    answerText: function (frame, textOf) {
      var text = textOf((frame.verdict || {}).choice_id);
      return text ? Q.fill(Q.gettext("The model answer says: %(verdict)s"), { verdict: text }) : Q.gettext("The model answer gives no verdict");
    },
    revealDetail: modelSays,
    vote: true,
    chartTitle: Q.gettext("The class's vote"),
    stats: function (frame) {
      var distribution = frame.distribution || {};
      var votes = Object.keys(distribution).reduce(function (n, k) { return n + distribution[k]; }, 0);
      var source = (frame.verdict || {}).choice_id;
      var line = Q.plural(votes, Q.ngettext("%(n)s vote", "%(n)s votes", votes));
      if (source !== null && source !== undefined && votes) {
        var agreed = distribution[String(source)] || 0;
        line += " · " + Q.fill(Q.gettext("%(n)s agree with the model answer (%(percent)s)"), { n: agreed, percent: Math.round(100 * agreed / votes) + " %" });
      }
      return line;
    },
    showsEventReason: false,
    received: function (choiceText) {
      return (choiceText ? Q.fill(Q.gettext("You said: %(choice)s."), { choice: choiceText }) + " " : "") +
        Q.gettext("Look at the screen: the class's vote and the model answer come when time is up.");
    },
    result: function (reveal, textOf) {
      var mine = textOf(reveal.your_choice_id);
      var source = (reveal.verdict || {}).choice_id;
      var agrees = "";
      if (mine && source !== null && source !== undefined) {
        agrees = reveal.your_choice_id === source
          ? Q.gettext("The model answer agrees with you") : Q.gettext("The model answer sees it the other way");
      }
      return {
        result: "vote",
        title: mine ? Q.fill(Q.gettext("You said: %(choice)s"), { choice: mine }) : Q.gettext("No vote this time"),
        points: agrees,
        detail: modelSays(reveal, textOf)
      };
    }
  });

  Q.KINDS = { choice: choice, true_false: trueFalse, order: order, year_guess: yearGuess,
              verdict: verdict };

  /* The entry of kind `name`; a kind this page does not know is drawn as choices. */
  Q.kindOf = function (name) {
    return Object.prototype.hasOwnProperty.call(Q.KINDS, name) ? Q.KINDS[name] : choice;
  };
})();
