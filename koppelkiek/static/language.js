/* The language picker in the header: choosing a language is enough, no extra tap needed. */
(function () {
  "use strict";
  var picker = document.getElementById("lang-picker");
  if (!picker) return;
  var form = picker.form;
  var go = form.querySelector(".lang-go");
  if (go) go.hidden = true;
  picker.addEventListener("change", function () { form.submit(); });
})();
