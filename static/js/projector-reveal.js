/* The projector's reveal: the class's answers as a chart (the kind's rows, from
   static/js/kinds.js), the right answer, the explanation, and the event on its
   timeline between its neighbours; fitted to the screen, since nobody scrolls a
   projector.

   Loaded after kinds.js, before projector.js, which makes one:
   Quiz.ProjectorReveal({screen: the reveal screen}) -> {draw(frame, question), fit()}. */
(function () {
  "use strict";

  var Q = window.Quiz;
  var $ = function (id) { return document.getElementById(id); };

  /* An event's verdict is the model answer's judgement, not a fact: every badge says
     whose it is (docs/teaching.md). "Neither" covers both a neutral verdict and none
     given. */
  var VERDICTS = { success: Q.gettext("success"), failure: Q.gettext("failure"), neutral: Q.gettext("neither") };
  Q.verdictBadge = function (verdict) {
    return VERDICTS[verdict] ? Q.fill(Q.gettext("Model answer: %(verdict)s"), { verdict: VERDICTS[verdict] }) : "";
  };

  Q.ProjectorReveal = function (options) {
    var screen = options.screen;

    function bar(opts) {
      var fill = Q.el("span", { class: "bar-fill " + (opts.colour || "plain") });
      fill.style.setProperty("--share", String(opts.share));
      var label = Q.el("span", { class: "bar-label " + (opts.colour || "") });
      if (opts.shapeIndex !== undefined) label.appendChild(Q.shape(opts.shapeIndex));
      Q.append(label, Q.el("span", { class: "bar-text", text: opts.label }));
      if (opts.position) Q.append(label, Q.el("span", { class: "bar-tick", text: Q.ordinal(opts.position) }));
      else if (opts.correct) Q.append(label, Q.el("span", { class: "bar-tick", "aria-hidden": "true", text: "✓ " + Q.gettext("correct") }));
      else if (opts.tag) Q.append(label, Q.el("span", { class: "bar-tick bar-tag", "aria-hidden": "true", text: opts.tag }));
      return Q.el("li", {
        class: "bar " + (opts.vote ? "vote" : opts.correct ? "correct" : "wrong"),
        "data-testid": "bar",
        "data-choice-id": opts.choiceId,
        "data-year": opts.year,
        "data-count": opts.count,
        "data-correct": opts.correct ? "true" : "false",
        "data-tag": opts.tag || null,
        "aria-label": opts.position
          ? Q.fill(Q.ngettext("%(place)s, %(label)s: %(n)s player put it here",
                              "%(place)s, %(label)s: %(n)s players put it here", opts.count),
                   { place: Q.ordinal(opts.position), label: opts.label, n: opts.count })
          : Q.fill(Q.ngettext("%(label)s: %(n)s answer", "%(label)s: %(n)s answers", opts.count),
                   { label: opts.label, n: opts.count }) +
            (opts.correct ? " (" + Q.gettext("correct") + ")" : opts.tag ? " (" + opts.tag + ")" : "")
      }, [Q.el("span", { class: "bar-count", text: opts.count }),
          Q.el("span", { class: "bar-track" }, fill),
          label]);
    }

    /* The chart and the answer line come from the kind's entry (static/js/kinds.js). */
    function drawBars(frame, choices) {
      var list = Q.clear($("bars"));
      var rows = Q.kindOf(frame.kind).bars(frame, choices);
      var max = rows.reduce(function (m, r) { return Math.max(m, r.count); }, 0);
      rows.forEach(function (r) {
        r.share = max ? r.count / max : 0;
        list.appendChild(bar(r));
      });
    }

    function correctAnswerText(frame, choices) {
      var byId = {};
      choices.forEach(function (c) { byId[c.id] = c.text; });
      return Q.kindOf(frame.kind).answerText(frame, function (id) { return byId[id]; });
    }

    function timelineItem(event, current) {
      if (!event) {
        return Q.el("li", { class: "tl-item tl-empty", "aria-hidden": "true" }, "–");
      }
      var verdict = Q.verdictBadge(event.verdict);
      return Q.el("li", {
        class: "tl-item" + (current ? " tl-current" : ""),
        "data-testid": current ? "timeline-current" : "timeline-neighbour",
        "aria-current": current ? "true" : null
      }, [Q.el("span", { class: "tl-year", text: event.date_label || event.year }),
          Q.el("span", { class: "tl-title", text: event.title }),
          verdict ? Q.el("span", { class: "verdict verdict-" + event.verdict, text: verdict }) : null]);
    }

    function drawEvent(frame) {
      var event = frame.event;
      Q.show($("event-box"), !!event);
      if (!event) return;
      Q.setText($("event-title"), event.title + " (" + (event.date_label || event.year) + ")");
      var verdict = $("event-verdict");
      verdict.className = "verdict verdict-" + (event.verdict || "neutral");
      // No badge while the class has still to judge this event (the server sends none).
      Q.setText(verdict, Q.verdictBadge(event.verdict));
      Q.show(verdict, !!event.verdict);
      var neighbours = frame.neighbours || {};
      var list = Q.clear($("timeline"));
      list.appendChild(timelineItem(neighbours.prev, false));
      list.appendChild(timelineItem(event, true));
      list.appendChild(timelineItem(neighbours.next, false));
      // A verdict question's reveal has given the reason already (kinds.js).
      var reason = Q.kindOf(frame.kind).showsEventReason === false ? "" : event.verdict_reason;
      Q.setText($("event-reason"), reason || "");
    }

    function drawReveal(frame, question) {
      var kind = Q.kindOf(frame.kind);
      Q.setText($("reveal-prompt"), frame.prompt || (question && question.prompt) || "");
      var choices = frame.choices || (question && question.choices) || [];
      var title = $("chart-title");
      Q.setText(title, kind.chartTitle || "");
      Q.show(title, !!kind.chartTitle);
      drawBars(frame, choices);
      Q.setText($("correct-answer"), correctAnswerText(frame, choices));
      $("correct-answer").classList.toggle("is-model", !!kind.vote);
      Q.setText($("explanation"), frame.explanation || "");
      var stats = "";
      if (kind.stats) {
        stats = kind.stats(frame);
      } else if (typeof frame.answered === "number") {
        stats = Q.fill(Q.ngettext("%(right)s of %(n)s answer correct", "%(right)s of %(n)s answers correct",
                                  frame.answered), { right: frame.correct_count || 0, n: frame.answered });
      }
      if (stats && typeof frame.total === "number") stats += " · " + Q.plural(frame.total, Q.ngettext("%(n)s player", "%(n)s players", frame.total));
      Q.setText($("reveal-stats"), stats);
      drawEvent(frame);
      fitReveal();
    }

    /* Nobody scrolls a projector: when the explanation and the timeline are too long
       for the screen (generated questions quote the whole event), their column widens,
       then their type shrinks step by step until it fits, down to 60% of its size. */
    var FIT_PARTS = ".correct-answer, .explanation, .event-verdict-line, .tl-item, .event-reason";
    function fitReveal() {
      var side = document.querySelector(".reveal-side");
      if (!side || screen.hidden) return;
      var parts = Array.prototype.slice.call(side.querySelectorAll(FIT_PARTS));
      parts.forEach(function (node) { node.style.fontSize = ""; });
      var body = side.parentNode;
      body.classList.remove("reveal-wide");
      if (side.scrollHeight <= side.clientHeight + 1) return;
      // First give the text the room the bars do not need, then shrink it if it must.
      body.classList.add("reveal-wide");
      if (side.scrollHeight <= side.clientHeight + 1) return;
      var sizes = parts.map(function (node) { return parseFloat(getComputedStyle(node).fontSize); });
      for (var scale = 0.95; scale >= 0.6 && side.scrollHeight > side.clientHeight + 1; scale -= 0.05) {
        parts.forEach(function (node, i) { node.style.fontSize = (sizes[i] * scale).toFixed(1) + "px"; });
      }
    }
    window.addEventListener("resize", fitReveal);

    return { draw: drawReveal, fit: fitReveal };
  };
})();
