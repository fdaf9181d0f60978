/* The phone in a homework game (docs/protocol.md, "Self-paced games (homework)"): the
   student paces the game. Start and Next send `next`; the reveal shows the teaching
   part the projector shows in class (the explanation, the event between its
   neighbours on a mini timeline); the end offers "Practise what you missed"; and a
   resume link (the token in the link's #fragment, never sent to a server) carries
   the player to another phone.

   Loaded after phone-storage.js, before phone.js, which makes one:
   Quiz.PhoneHomework({send(frame) -> bool, pin() -> string, status(text)}) ->
   {tokenFromLink(pin), lobby(), reveal(frame), finished(frame), hide()}. */
(function () {
  "use strict";

  var TEXT = {
    lobbyTitle: window.Quiz.gettext("Homework"),
    lobbyText: window.Quiz.gettext("Answer at your own pace. You can stop and come back later: your place is kept."),
    start: window.Quiz.gettext("Start"),
    next: window.Quiz.gettext("Next question"),
    last: window.Quiz.gettext("See my result"),
    practise: window.Quiz.gettext("Practise what you missed"),
    resume: window.Quiz.gettext("Copy my resume link"),
    resumeHint: window.Quiz.gettext("Open this link on another phone to carry on where you are. Keep it to yourself: it is your place in the game."),
    copied: window.Quiz.gettext("Resume link copied"),
    copyFailed: window.Quiz.gettext("Copy the link below"),
    notConnected: window.Quiz.gettext("Not connected: wait a moment and tap again."),
    timeline: window.Quiz.gettext("On the timeline"),
    finishedText: window.Quiz.gettext("Well done! Your score counts for your class.")
  };

  var Q = window.Quiz;
  var $ = function (id) { return document.getElementById(id); };
  var RESUME_RE = /^#resume=([A-Za-z0-9_-]{1,200})$/;

  Q.PhoneHomework = function (options) {
    var lastIndex = -1;
    var count = 0;

    function next() {
      if (!options.send({ type: "next" })) options.status(TEXT.notConnected);
    }

    function resumeLink() {
      var saved = Q.phoneStorage.savedPlayer(options.pin());
      if (!saved) return "";
      return window.location.origin + "/play/" + options.pin() + "/#resume=" + saved.token;
    }

    function eventItem(event, current) {
      if (!event) return null;
      return Q.el("li", { class: current ? "hw-event is-current" : "hw-event",
                          "aria-current": current ? "true" : null }, [
        Q.el("span", { class: "hw-event-date", text: event.date_label || String(event.year) }),
        " ",
        Q.el("span", { class: "hw-event-title", text: event.title })
      ]);
    }

    function drawTimeline(frame) {
      var box = Q.clear($("hw-timeline"));
      var n = frame.neighbours || {};
      if (!frame.event) { Q.show($("hw-timeline-box"), false); return; }
      Q.append(box, [eventItem(n.prev, false), eventItem(frame.event, true), eventItem(n.next, false)]);
      Q.show($("hw-timeline-box"), true);
    }

    function show(part) {
      Q.show($("hw-result"), true);
      Q.show($("hw-next"), part === "reveal");
      Q.show($("hw-practise"), part === "finished");
      Q.show($("hw-explanation"), part === "reveal" && !!$("hw-explanation").textContent);
      if (part !== "reveal") Q.show($("hw-timeline-box"), false);
    }

    function copyResume() {
      var link = resumeLink();
      var field = $("hw-resume-link");
      field.value = link;
      Q.show(field, true);
      var done = function (ok) { options.status(ok ? TEXT.copied : TEXT.copyFailed); };
      if (navigator.clipboard && link) {
        navigator.clipboard.writeText(link).then(function () { done(true); }, function () { done(false); });
      } else {
        done(false);
      }
      field.select();
    }

    $("hw-start").addEventListener("click", next);
    $("hw-next").addEventListener("click", next);
    $("hw-resume").addEventListener("click", copyResume);
    Q.setText($("hw-start"), TEXT.start);
    Q.setText($("hw-practise"), TEXT.practise);
    Q.setText($("hw-resume"), TEXT.resume);
    Q.setText($("hw-resume-hint"), TEXT.resumeHint);
    Q.setText($("hw-timeline-title"), TEXT.timeline);

    return {
      /* A link's #resume=<token> becomes this browser's place in game `pin`. */
      tokenFromLink: function (pin) {
        var match = RESUME_RE.exec(window.location.hash || "");
        if (!match || !pin) return;
        Q.phoneStorage.savePlayer(pin, { token: match[1], nickname: "", id: null });
        if (window.history && window.history.replaceState) {
          window.history.replaceState(null, "", window.location.pathname);
        }
      },
      lobby: function () {
        $("screen-wait").setAttribute("data-wait", "homework");
        Q.setText($("wait-title"), TEXT.lobbyTitle);
        Q.setText($("wait-text"), TEXT.lobbyText);
        Q.show($("hw-start"), true);
      },
      question: function (frame) {
        lastIndex = frame.index;
        count = frame.count;
        Q.show($("hw-start"), false);
        Q.show($("hw-result"), false);
      },
      reveal: function (frame) {
        Q.setText($("hw-explanation"), frame.explanation || "");
        drawTimeline(frame);
        Q.setText($("hw-next"), count && lastIndex + 1 >= count ? TEXT.last : TEXT.next);
        show("reveal");
        $("hw-next").focus();
      },
      finished: function (frame) {
        Q.setText($("result-detail"), TEXT.finishedText);
        $("hw-practise").setAttribute("href", "/play/" + options.pin() + "/practice/");
        show("finished");
      },
      hide: function () {
        Q.show($("hw-start"), false);
        Q.show($("hw-result"), false);
      }
    };
  };
})();
