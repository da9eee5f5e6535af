// ponte pages: posts the page's Looker-style embed events to the portal
// that frames it, and a few niceties. Every page works without this file.
(function () {
  "use strict";
  var body = document.body;
  var origin = body.getAttribute("data-parent-origin");
  var data = document.getElementById("ponte-events");
  var events = [];
  try { events = JSON.parse(data ? data.textContent : "[]"); } catch (e) { events = []; }

  // Events go to the allowlisted portal origin only, never to any origin:
  // the server leaves data-parent-origin empty unless the config allows it.
  function post(event) {
    if (origin && window.parent !== window) {
      window.parent.postMessage(JSON.stringify(event), origin);
    }
  }
  events.forEach(post);

  // A form that is being submitted says so, and cannot be sent twice.
  Array.prototype.forEach.call(document.querySelectorAll("form.controls"), function (form) {
    form.addEventListener("submit", function () {
      var kind = form.getAttribute("data-kind");
      if (kind) { post({ type: kind + ":run:start" }); }
      body.classList.add("running");
      Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (b) {
        b.disabled = true;
      });
    });
  });

  // Explore: a change of chart type redraws at once.
  Array.prototype.forEach.call(document.querySelectorAll("select[data-autosubmit]"), function (select) {
    select.addEventListener("change", function () {
      if (select.form.requestSubmit) { select.form.requestSubmit(); } else { select.form.submit(); }
    });
  });
})();
