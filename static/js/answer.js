/* The answer page (templates/classroom/answer.html): its Print button. The page
   prints without it (Ctrl+P); static/css/answer.css holds the print layout. */
(function () {
  "use strict";
  var button = document.getElementById("print-answer");
  if (button) button.addEventListener("click", function () { window.print(); });
})();
