/* The language picker in the header: choosing a language is enough, no extra tap needed. */
(function () {
  "use strict";
  var picker = document.getElementById("lang-picker");
  if (!picker) return;
  picker.addEventListener("change", function () { picker.form.submit(); });
})();
