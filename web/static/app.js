// Progressive enhancement only: every page works without this file.
// While a form is uploaded and checked, show that something is happening.
(function () {
  var form = document.getElementById("upload");
  if (!form) { return; }
  form.addEventListener("submit", function () {
    var p = document.getElementById("progress"), t = document.getElementById("progress-text"), b = document.getElementById("check-button");
    if (p) { p.hidden = false; }
    if (t) { t.hidden = false; }
    if (b) { b.disabled = true; }
  });
})();
