/* The game setup page: tells the server the teacher's time zone, shows the homework
   closing time only for homework, and keeps the estimate ("10 questions · about 8
   minutes · ...") and the messages next to the fields up to date as the form changes.

   The estimate is the server's (GET data-estimate-url with the form's values: the
   same selection and the same formula as the game, written once in Python); this
   script only shows it. Without this script the page still works: the estimate is
   the one drawn with the page, and the server checks the form when it is sent. */
(function () {
  "use strict";

  var form = document.getElementById("setup-form");
  if (!form) return;
  var estimate = document.getElementById("estimate");
  var closesField = document.getElementById("closes-at-field");
  var FIELDS = ["questions", "periods", "order", "time_scale", "mode", "closes_at",
    "accuracy_only", "teams", "reading_s", "join_gate", "generated_names_only"];
  // The page's language from /jsi18n/ (docs/translating.md); this page has no common.js.
  var gettext = window.django ? window.django.gettext : function (text) { return text; };
  var FALLBACK = gettext("Fix the marked values to see how long the game takes.");

  var zone = form.querySelector('input[name="timezone"]');
  try {
    var name = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && name && !zone.value) zone.value = name;
  } catch (e) { /* an old browser: the server's time zone is used */ }

  function mode() {
    var picked = form.querySelector('input[name="mode"]:checked');
    return picked ? picked.value : "live";
  }

  function showClosesAt() {
    if (!closesField) return;
    var error = document.getElementById("err-closes_at");
    closesField.hidden = mode() !== "self_paced" && !(error && error.textContent.trim());
  }

  function inputsOf(name) {
    return Array.prototype.slice.call(form.querySelectorAll('[name="' + name + '"]'));
  }

  function showErrors(errors) {
    FIELDS.forEach(function (name) {
      var box = document.getElementById("err-" + name);
      var messages = (errors && errors[name]) || [];
      if (box) box.textContent = messages.join(" ");
      inputsOf(name).forEach(function (input) {
        if (messages.length) {
          input.setAttribute("aria-invalid", "true");
          input.setAttribute("aria-describedby", "err-" + name);
        } else if (input.getAttribute("aria-describedby") === "err-" + name) {
          input.removeAttribute("aria-invalid");
          input.removeAttribute("aria-describedby");
        }
      });
    });
  }

  var timer = null;
  var asked = 0;
  function refresh() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (key !== "csrfmiddlewaretoken") params.append(key, value);
    });
    var mine = ++asked;
    fetch(form.getAttribute("data-estimate-url") + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (mine !== asked) return; // a newer answer is on its way
      if (result.ok) {
        estimate.textContent = result.body.summary;
        showErrors({});
      } else {
        estimate.textContent = FALLBACK;
        showErrors(result.body.errors || {});
      }
      showClosesAt();
    }).catch(function () { /* offline for a moment: the form still works */ });
  }

  function later() {
    showClosesAt();
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 250);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
  showClosesAt();
})();
