/* The "large text" switch in the header: remembered per device (localStorage) and applied
   before the page is drawn (this script sits in <head>), by scaling the rem base on <html>. */
(function () {
  "use strict";
  var KEY = "kk-large-text";
  var root = document.documentElement;
  function stored() {
    try { return window.localStorage.getItem(KEY) === "1"; } catch (e) { return false; }
  }
  function apply(on) {
    root.classList.toggle("large-text", on);
    var button = document.getElementById("text-size");
    if (button) button.setAttribute("aria-pressed", on ? "true" : "false");
  }
  apply(stored());
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("text-size");
    if (!button) return;
    apply(stored());
    button.hidden = false;
    button.addEventListener("click", function () {
      var on = !root.classList.contains("large-text");
      try { window.localStorage.setItem(KEY, on ? "1" : "0"); } catch (e) { /* private mode: this page only */ }
      apply(on);
    });
  });
})();
