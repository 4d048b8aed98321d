/* The join page: a team typed in another spelling ("via roma") is the team already playing
   ("Via Roma"); the datalist offers it, and the hint says which team it will be. */
(function () {
  "use strict";
  var input = document.getElementById("team"), hint = document.getElementById("team-hint");
  var list = document.getElementById("teams");
  if (!input || !hint || !list) return;
  // As the server compares teams (game/teams.py): NFKC, case-folded, single spaces.
  function key(text) {
    var t = text.normalize ? text.normalize("NFKC") : text;
    return t.toLowerCase().split(/\s+/).filter(Boolean).join(" ");
  }
  function show() {
    var typed = key(input.value), match = null;
    for (var i = 0; typed && i < list.options.length; i++) {
      if (key(list.options[i].value) === typed) match = list.options[i].value;
    }
    hint.textContent = match ? hint.getAttribute("data-msg").replace("__TEAM__", match) : "";
    hint.hidden = !match;
  }
  input.addEventListener("input", show);
  show();
})();
