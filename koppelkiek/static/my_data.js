/* "My data": delete it, behind a confirmation. Needs kk.js. */
(function () {
  "use strict";
  var page = document.getElementById("my-data"), forget = document.getElementById("forget-me");
  forget.addEventListener("click", function () {
    if (!window.confirm(forget.getAttribute("data-confirm"))) return;
    kk.api("DELETE", page.getAttribute("data-forget-url")).then(function (res) {
      if (!res.ok) { kk.toast(kk.errorText(res)); return; }
      var done = document.getElementById("forgotten");
      done.textContent = page.getAttribute("data-msg-gone");
      done.hidden = false; forget.hidden = true;
    });
  });
})();
