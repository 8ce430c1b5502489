// Staff area: confirmation before risky actions and live progress of a training run.
// Loaded as a file from /staff/static/ (no inline scripts; CSP script-src 'self').
(function () {
  "use strict";

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });

  // "Zeile 12" in a validation error: jump to that line in the editor
  document.querySelectorAll("a[data-line]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var area = document.getElementById("content");
      if (!area) {
        return;
      }
      event.preventDefault();
      var line = parseInt(link.getAttribute("data-line"), 10) || 1;
      var lines = area.value.split("\n");
      var start = 0;
      for (var i = 0; i < line - 1 && i < lines.length; i++) {
        start += lines[i].length + 1;
      }
      var end = start + (lines[line - 1] || "").length;
      area.focus();
      area.setSelectionRange(start, end);
      var lineHeight = parseFloat(window.getComputedStyle(area).lineHeight) || 18;
      area.scrollTop = Math.max(0, (line - 5) * lineHeight);
    });
  });

  var logOnLoad = document.getElementById("run-log");
  if (logOnLoad) {
    logOnLoad.scrollTop = logOnLoad.scrollHeight;  // the newest lines are at the end
  }

  var run = document.getElementById("run");
  if (!run || run.getAttribute("data-status") !== "running") {
    return;
  }
  var url = run.getAttribute("data-status-url");
  var order = Array.prototype.map.call(run.querySelectorAll(".step"), function (li) {
    return li.getAttribute("data-step");
  });

  function setText(id, text) {
    var el = document.getElementById(id);
    if (el && el.textContent !== text) {
      el.textContent = text;
    }
  }

  function update(data) {
    setText("run-status", data.status_label);
    setText("run-message", data.message || "");
    var log = document.getElementById("run-log");
    if (log && log.textContent !== data.log) {
      var atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 20;
      log.textContent = data.log;
      if (atEnd) {
        log.scrollTop = log.scrollHeight;
      }
    }
    var current = order.indexOf(data.step);
    run.querySelectorAll(".step").forEach(function (li, i) {
      var state = "todo";
      var label = "offen";
      if (data.status === "published" || i < current) {
        state = "done"; label = "erledigt";
      } else if (i === current) {
        state = data.status === "running" ? "active" : "failed";
        label = data.status === "running" ? "läuft …" : "fehlgeschlagen";
      }
      li.className = "step step-" + state;
      li.querySelector("span").textContent = label;
    });
  }

  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        update(data);
        if (data.status === "running") {
          window.setTimeout(poll, 2000);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1500);
})();
