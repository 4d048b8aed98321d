/* The big screen in the round's languages, in turn (the round's screen setting in the console).
 * The server renders every text once per language into #screen-languages; this script swaps the
 * texts of the elements that carry them, so the page never reloads:
 *   [data-kk-text="key"]  its text (the screen's labels, the round's name),
 *   [data-kk-spot="id"]   a story spot's "name: excerpt" on the wall,
 *   [data-kk-teller="name"] its "told by name",
 *   data-msg-* on #screen the messages screen.js reads when it draws the clock and the board.
 * Elements that screen.js draws later are put in the current language as they appear. */
(function () {
  "use strict";
  var source = document.getElementById("screen-languages");
  var body = document.getElementById("screen");
  if (!source || !body) return;
  var words = JSON.parse(source.textContent);
  var languages = words.languages || [];
  if (!languages.length) return;
  var current = 0;

  function put(node, text, lang) {
    if (typeof text !== "string") return;
    if (node.textContent !== text) node.textContent = text;
    if (node.getAttribute("lang") !== lang) node.setAttribute("lang", lang);
    var dir = (words.dir || {})[lang] || "ltr";
    if (node.getAttribute("dir") !== dir) node.setAttribute("dir", dir);
  }

  function apply() {
    var lang = languages[current];
    var texts = words.texts[lang] || {};
    document.querySelectorAll("[data-kk-text]").forEach(function (node) {
      put(node, texts[node.getAttribute("data-kk-text")], lang);
    });
    document.querySelectorAll("[data-kk-spot]").forEach(function (node) {
      var spot = (words.spots[node.getAttribute("data-kk-spot")] || {})[lang];
      if (spot) put(node, spot.excerpt ? spot.name + ": " + spot.excerpt : spot.name, lang);
    });
    var messages = words.messages[lang] || {};
    document.querySelectorAll("[data-kk-teller]").forEach(function (node) {
      if (messages["told-by"]) put(node, messages["told-by"].replace("__NAME__", node.getAttribute("data-kk-teller")), lang);
    });
    Object.keys(messages).forEach(function (key) {
      if (body.getAttribute("data-msg-" + key) !== messages[key]) {
        body.setAttribute("data-msg-" + key, messages[key]);
      }
    });
    if (body.getAttribute("data-screen-language") !== lang) {
      body.setAttribute("data-screen-language", lang);
    }
  }

  // Only what differs is written, so the changes this makes settle after one more look.
  new MutationObserver(apply).observe(body, { childList: true, subtree: true });
  apply();
  if (languages.length > 1) {
    setInterval(function () {
      current = (current + 1) % languages.length;
      apply();
    }, Math.max(3, words.seconds || 15) * 1000);
  }
})();
