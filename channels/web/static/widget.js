/* Bürgerassistent – chat widget (vanilla JS, no dependencies).
 * Embed: <script src="/static/widget.js" data-server="" data-municipality="Kleinwalde"
 *   data-title="Bürgerassistent" data-color="#0b5394" data-logo="/static/logo.svg"
 *   data-greeting="Guten Tag! …" defer></script>
 * Security: bot and user text is only ever set with textContent; links are built as DOM nodes.
 * Identity: the server issues the conversation credential. On the server's own site it is an
 * HttpOnly cookie the script never sees; embedded on another origin (data-server set to another
 * site) the widget keeps the signed token the server returns in X-Conversation-Token. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__buergerWidget) return;
  window.__buergerWidget = true;
  var ds = script.dataset;
  var SERVER = (ds.server || "").replace(/\/+$/, "");
  var TITLE = ds.title || "Bürgerassistent";
  var PLACE = ds.municipality || "";
  var GREETING = ds.greeting || "Guten Tag! Ich beantworte Ihre Fragen zu Ämtern und Dienstleistungen. Was möchten Sie wissen?";
  var KEY = "buergerassistent.";
  var MAX_HISTORY = 150;
  var MAX_RECORD_MS = 55000;

  /* ---------- small helpers ---------- */
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function attrs(e, a) { for (var k in a) e.setAttribute(k, a[k]); return e; }
  function load(name, fallback) {
    try { var v = localStorage.getItem(KEY + name); return v == null ? fallback : JSON.parse(v); } catch (e) { return fallback; }
  }
  function save(name, value) {
    try { localStorage.setItem(KEY + name, JSON.stringify(value)); } catch (e) { /* storage full or blocked */ }
  }
  var TOKEN_HEADER = "X-Conversation-Token";
  var CROSS_ORIGIN = (function () {
    try { return !!SERVER && new URL(SERVER, location.href).origin !== location.origin; } catch (e) { return false; }
  })();
  function credentialHeaders(h) {
    h = h || {};
    if (CROSS_ORIGIN) h[TOKEN_HEADER] = load("token", "") || "";
    return h;
  }
  function keepCredential(r) {
    if (!CROSS_ORIGIN) return;
    var t = r.headers.get(TOKEN_HEADER);
    if (t) save("token", t);
  }
  var ICONS = {
    chat: "M4 4h16v12H8l-4 4z",
    close: "M6 6l12 12M18 6L6 18",
    mic: "M12 3a3 3 0 0 1 3 3v6a3 3 0 0 1-6 0V6a3 3 0 0 1 3-3zM5 11a7 7 0 0 0 14 0M12 18v3",
    stop: "M7 7h10v10H7z",
    speaker: "M4 9h4l5-4v14l-5-4H4zM16 9a4 4 0 0 1 0 6M18.5 6.5a8 8 0 0 1 0 11",
    up: "M7 11v9H4v-9zM7 11l4-8a2 2 0 0 1 3 2l-1 5h6a2 2 0 0 1 2 2l-2 7a2 2 0 0 1-2 1H7"
  };
  function icon(name, cls) {
    var ns = "http://www.w3.org/2000/svg";
    var s = document.createElementNS(ns, "svg");
    attrs(s, { viewBox: "0 0 24 24", "aria-hidden": "true", focusable: "false", "class": "bw-icon " + (cls || "") });
    var p = document.createElementNS(ns, "path");
    p.setAttribute("d", ICONS[name]);
    s.appendChild(p);
    return s;
  }
  function button(cls, label, iconName, text) {
    var b = el("button", cls);
    b.type = "button";
    if (iconName) b.appendChild(icon(iconName));
    if (text) b.appendChild(el("span", null, text)); else b.setAttribute("aria-label", label);
    if (!text && label) b.title = label;
    return b;
  }
  function luminance(hex) {
    var v = parseInt(hex.length === 4 ? hex.replace(/(\w)/g, "$1$1").slice(1) : hex.slice(1), 16);
    return [16, 8, 0].map(function (s) {
      var c = ((v >> s) & 255) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    }).reduce(function (a, c, i) { return a + c * [0.2126, 0.7152, 0.0722][i]; }, 0);
  }

  /* ---------- linkify: text -> DOM nodes (never HTML) ---------- */
  var LINK_RE = /(https?:\/\/[^\s<>"']+)|((?:mailto:)?[\w.+-]+@[\w-]+(?:\.[\w-]+)+)|((?:tel:)?(?:\+49 ?|0)\d{1,5}(?:[ \/-]?\d{2,}){1,4})/g;
  function link(href, text) {
    var a = el("a", null, text);
    a.href = href;
    if (/^https?:/.test(href)) { a.target = "_blank"; a.rel = "noopener noreferrer"; }
    else a.rel = "noopener noreferrer";
    return a;
  }
  function appendLinked(parent, text) {
    text.split("\n").forEach(function (line, i) {
      if (i) parent.appendChild(el("br"));
      var last = 0, m, tail;
      LINK_RE.lastIndex = 0;
      while ((m = LINK_RE.exec(line))) {
        var s = m[0], node = null;
        tail = "";
        if (m[1]) {
          tail = (s.match(/[.,;:!?)\]]+$/) || [""])[0];
          s = s.slice(0, s.length - tail.length);
          node = link(s, s);
        } else if (m[2]) {
          node = link("mailto:" + s.replace(/^mailto:/, ""), s.replace(/^mailto:/, ""));
        } else {
          var digits = s.replace(/^tel:/, "").replace(/[^\d+]/g, "");
          // at least 7 digits and not the tail of a longer word or number (postcode, IBAN …)
          if (digits.replace("+", "").length >= 7 && !/[\w+]/.test(line.charAt(m.index - 1))) node = link("tel:" + digits, s.replace(/^tel:/, ""));
        }
        if (!node) continue;
        if (m.index > last) parent.appendChild(document.createTextNode(line.slice(last, m.index)));
        parent.appendChild(node);
        if (tail) parent.appendChild(document.createTextNode(tail));
        last = m.index + m[0].length;
      }
      if (last < line.length) parent.appendChild(document.createTextNode(line.slice(last)));
    });
  }
  function safeUrl(u) {
    try {
      var url = new URL(String(u), location.href);
      return /^https?:$/.test(url.protocol) ? url.href : null;
    } catch (e) { return null; }
  }

  /* ---------- state ---------- */
  try { localStorage.removeItem(KEY + "sender"); } catch (e) { /* old client-chosen id: no longer used */ }
  var history = load("history", []);
  if (!Array.isArray(history)) history = [];
  var busy = false, audio = null, recorder = null;

  /* ---------- CSS ---------- */
  var css = el("link");
  css.rel = "stylesheet";
  css.href = script.src.replace(/\.js(\?.*)?$/, ".css$1");
  document.head.appendChild(css);

  /* ---------- DOM ---------- */
  var root = attrs(el("aside", "bw-root"), { "aria-label": TITLE + " (Chat)" });
  var color = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(ds.color || "") ? ds.color : "#0b5394";
  var lum = luminance(color);
  root.style.setProperty("--bw-color", color);
  root.style.setProperty("--bw-on", 1.05 / (lum + 0.05) >= 4.5 ? "#fff" : "#111");
  root.style.setProperty("--bw-link", 1.05 / (lum + 0.05) >= 4.5 ? color : "#0b3d6e");
  if (load("large", false)) root.classList.add("bw-large");

  var launcher = button("bw-launcher", null, "chat", TITLE);
  attrs(launcher, { "aria-expanded": "false", "aria-controls": "bw-panel" });

  var panel = attrs(el("div", "bw-panel"), { id: "bw-panel", role: "dialog", "aria-labelledby": "bw-title" });
  panel.hidden = true;
  var head = el("div", "bw-head");
  if (ds.logo) head.appendChild(attrs(el("img", "bw-logo"), { src: ds.logo, alt: "" }));
  var titles = el("div", "bw-titles");
  titles.appendChild(attrs(el("h2", "bw-title", TITLE), { id: "bw-title" }));
  if (PLACE) titles.appendChild(el("p", "bw-sub", "Gemeinde " + PLACE));
  head.appendChild(titles);
  var closeBtn = button("bw-close", "Chat schließen", "close");
  head.appendChild(closeBtn);

  var tools = el("div", "bw-tools");
  var largeBtn = button("bw-tool", null, null, "Größere Schrift");
  largeBtn.setAttribute("aria-pressed", String(root.classList.contains("bw-large")));
  var clearBtn = button("bw-tool", null, null, "Verlauf löschen");
  tools.appendChild(largeBtn);
  tools.appendChild(clearBtn);

  var log = attrs(el("div", "bw-log"), { role: "log", "aria-live": "polite", "aria-label": "Gesprächsverlauf", tabindex: "0" });
  var status = attrs(el("p", "bw-status"), { role: "status" });

  var form = el("form", "bw-form");
  form.noValidate = true;
  var label = attrs(el("label", "bw-sr", "Ihre Nachricht"), { "for": "bw-input" });
  var input = attrs(el("input", "bw-input"), { id: "bw-input", type: "text", autocomplete: "off", maxlength: "2000", placeholder: "Ihre Frage …" });
  var mic = button("bw-mic", "Spracheingabe starten", "mic");
  mic.setAttribute("aria-pressed", "false");
  mic.hidden = !(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.MediaRecorder);
  var sendBtn = el("button", "bw-send", "Senden");
  sendBtn.type = "submit";
  [label, input, mic, sendBtn].forEach(function (n) { form.appendChild(n); });
  var note = el("p", "bw-note", "Automatischer Assistent. Bitte geben Sie keine persönlichen Daten wie Geburtsdatum oder Ausweisnummer ein. ");
  note.appendChild(attrs(el("a", "bw-privacy", "Datenschutz"), { href: SERVER + "/datenschutz", target: "_blank", rel: "noopener" }));

  [head, tools, log, status, form, note].forEach(function (n) { panel.appendChild(n); });
  root.appendChild(panel);
  root.appendChild(launcher);

  /* ---------- rendering ---------- */
  function scroll() { log.scrollTop = log.scrollHeight; }

  function renderUser(entry) {
    var row = el("div", "bw-msg bw-user");
    var bubble = el("div", "bw-bubble");
    bubble.appendChild(el("span", entry.spoken ? "bw-who" : "bw-who bw-sr", entry.spoken ? "Sie (gesprochen): " : "Sie: "));
    bubble.appendChild(document.createTextNode(entry.text));
    row.appendChild(bubble);
    log.appendChild(row);
    scroll();
    return row;
  }

  function renderNotice(text, cls) {
    var row = el("div", "bw-msg bw-notice " + (cls || "bw-error"));
    row.appendChild(el("div", "bw-bubble", text));
    log.appendChild(row);
    scroll();
    return row;
  }

  function renderBot(entry, withActions) {
    var row = el("div", "bw-msg bw-bot");
    var bubble = el("div", "bw-bubble");
    bubble.appendChild(el("span", "bw-who bw-sr", "Assistent: "));
    if (entry.text) appendLinked(bubble, String(entry.text));
    var img = entry.image && safeUrl(entry.image);
    if (img) bubble.appendChild(attrs(el("img", "bw-img"), { src: img, alt: "" }));
    var att = entry.attachment && safeUrl(typeof entry.attachment === "string" ? entry.attachment
      : (entry.attachment.payload && (entry.attachment.payload.src || entry.attachment.payload.url)) || entry.attachment.url);
    if (att) { bubble.appendChild(el("br")); bubble.appendChild(link(att, "Anhang öffnen")); }
    row.appendChild(bubble);
    if (entry.buttons && entry.buttons.length) {
      var box = el("div", "bw-buttons");
      entry.buttons.forEach(function (b) {
        var title = String(b.title || b.payload || "");
        var url = b.type === "web_url" ? safeUrl(b.url || b.payload)
          : (/^https?:\/\//.test(b.payload || "") ? safeUrl(b.payload) : null);
        if (url) {
          var a = link(url, title);
          a.className = "bw-linkbtn";
          box.appendChild(a);
        } else if (b.payload) {
          var q = button("bw-quick", null, null, title);
          q.addEventListener("click", function () { send(String(b.payload), title); });
          box.appendChild(q);
        }
      });
      row.appendChild(box);
    }
    if (withActions && entry.text) row.appendChild(actions(entry.text));
    log.appendChild(row);
    scroll();
    return row;
  }

  function actions(text) {
    var box = el("div", "bw-actions");
    var speak = button("bw-act", "Vorlesen", "speaker");
    speak.addEventListener("click", function () { readAloud(text, speak); });
    var up = button("bw-act", "Antwort hilfreich", "up");
    var down = button("bw-act bw-down", "Antwort nicht hilfreich", "up");
    [up, down].forEach(function (b, i) {
      b.setAttribute("aria-pressed", "false");
      b.addEventListener("click", function () {
        if (up.disabled) return;
        b.setAttribute("aria-pressed", "true");
        up.disabled = down.disabled = true;
        api("/api/feedback", { rating: i ? "down" : "up", text: text })
          .then(function () { say("Danke für Ihre Rückmeldung."); }, function () { say("Die Rückmeldung konnte nicht gesendet werden."); });
      });
    });
    box.appendChild(speak);
    box.appendChild(up);
    box.appendChild(down);
    return box;
  }

  function say(text) {
    status.textContent = "";
    // a fresh text node makes screen readers announce repeated messages, too
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function renderAll() {
    log.textContent = "";
    renderBot({ text: GREETING }, false);
    history.forEach(function (h) { if (h.who === "user") renderUser(h); else renderBot(h, true); });
  }

  function remember(entry) {
    history.push(entry);
    if (history.length > MAX_HISTORY) history = history.slice(-MAX_HISTORY);
    save("history", history);
  }

  /* ---------- server ---------- */
  function api(path, body) {
    return fetch(SERVER + path, {
      method: "POST", headers: credentialHeaders({ "Content-Type": "application/json" }), body: JSON.stringify(body)
    }).then(function (r) {
      keepCredential(r);
      if (!r.ok) return r.json().catch(function () { return {}; }).then(function (d) { throw { status: r.status, error: d.error, outage: d.outage === true }; });
      return r;
    });
  }

  function errorText(err) {
    if (!err || !err.status) return "Keine Verbindung zum Server. Bitte prüfen Sie Ihre Internetverbindung und versuchen Sie es noch einmal.";
    if (err.status === 429) return "Sie haben sehr viele Nachrichten geschickt. Bitte warten Sie einen Moment und versuchen Sie es dann noch einmal.";
    if (err.outage && typeof err.error === "string" && err.error) return err.error;  // the server's German notice
    if (err.status >= 500) return "Der Assistent ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.";
    return typeof err.error === "string" && err.error ? err.error : "Das hat leider nicht geklappt. Bitte versuchen Sie es noch einmal.";
  }

  function setBusy(on) {
    busy = on;
    sendBtn.disabled = clearBtn.disabled = on;
    log.setAttribute("aria-busy", String(on));
    var t = panel.querySelector(".bw-typing");
    if (t) t.remove();
    if (on) {
      t = attrs(el("div", "bw-typing"), { "aria-hidden": "true" });
      t.appendChild(el("span", "bw-dots"));
      t.appendChild(el("span", null, "Assistent schreibt …"));
      log.appendChild(t);
      scroll();
      status.textContent = "Assistent schreibt …";
    } else if (status.textContent === "Assistent schreibt …") status.textContent = "";
  }

  function informPlace() {
    if (!PLACE || load("place", "") === PLACE) return Promise.resolve();
    var msg = "/inform" + JSON.stringify({ place: PLACE });
    return api("/api/chat", { message: msg }).then(function () { save("place", PLACE); }, function () {});
  }

  /* Send text to the bot; `shown` is what appears in the user's bubble. Resolves true on success. */
  function send(text, shown, spoken) {
    if (busy || !text) return Promise.resolve(false);
    var entry = { who: "user", text: shown || text };
    if (spoken) entry.spoken = true;
    var row = renderUser(entry);
    setBusy(true);
    return informPlace().then(function () {
      return api("/api/chat", { message: text });
    }).then(function (r) { return r.json(); }).then(function (replies) {
      setBusy(false);
      remember(entry);
      if (!Array.isArray(replies) || !replies.length) {
        renderNotice("Darauf habe ich leider keine Antwort. Bitte formulieren Sie Ihre Frage anders.", "bw-info");
      }
      (Array.isArray(replies) ? replies : []).forEach(function (m) {
        var bot = { who: "bot", text: typeof m.text === "string" ? m.text : "" };
        if (Array.isArray(m.buttons)) bot.buttons = m.buttons.map(function (b) {
          return { title: b.title, payload: b.payload, type: b.type, url: b.url };
        });
        if (m.image) bot.image = String(m.image);
        if (m.attachment) bot.attachment = m.attachment;
        if (!bot.text && !bot.buttons && !bot.image && !bot.attachment) return;
        renderBot(bot, true);
        remember(bot);
      });
      return true;
    }, function (err) {
      setBusy(false);
      row.remove();
      var msg = errorText(err);
      if (!spoken && shown === undefined) {
        if (!input.value) input.value = text;
        msg += " Ihr Text steht noch im Eingabefeld.";
      } else if (spoken) {
        if (!input.value) input.value = text;
        msg += " Der erkannte Text steht im Eingabefeld.";
      }
      renderNotice(msg);
      return false;
    });
  }

  /* ---------- text to speech ---------- */
  function stopAudio() {
    if (!audio) return;
    audio.pause();
    URL.revokeObjectURL(audio.src);
    if (audio.btn) audio.btn.setAttribute("aria-pressed", "false");
    audio = null;
  }
  function readAloud(text, btn) {
    var same = audio && audio.btn === btn;
    stopAudio();
    if (same) return;
    btn.setAttribute("aria-pressed", "true");
    api("/api/tts", { text: text }).then(function (r) { return r.blob(); }).then(function (blob) {
      if (btn.getAttribute("aria-pressed") !== "true") return;
      audio = new Audio(URL.createObjectURL(blob));
      audio.btn = btn;
      audio.onended = stopAudio;
      return audio.play();
    }).catch(function (err) {
      btn.setAttribute("aria-pressed", "false");
      renderNotice("Vorlesen ist gerade nicht möglich. " + errorText(err));
    });
  }

  /* ---------- voice input ---------- */
  function setRecording(on) {
    mic.setAttribute("aria-pressed", String(on));
    mic.setAttribute("aria-label", on ? "Aufnahme beenden" : "Spracheingabe starten");
    mic.title = mic.getAttribute("aria-label");
    mic.replaceChild(icon(on ? "stop" : "mic"), mic.firstChild);
    mic.classList.toggle("bw-rec", on);
  }
  function startRecording() {
    if (recorder) { recorder.stop(); return; }
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
      var types = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm", "audio/mp4"];
      var type = types.filter(function (t) { return MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported(t); })[0];
      var chunks = [];
      var rec = recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
      var timer = window.setTimeout(function () { if (rec.state !== "inactive") rec.stop(); }, MAX_RECORD_MS);
      rec.ondataavailable = function (e) { if (e.data && e.data.size) chunks.push(e.data); };
      rec.onstop = function () {
        window.clearTimeout(timer);
        stream.getTracks().forEach(function (t) { t.stop(); });
        recorder = null;
        setRecording(false);
        if (!rec.discard) transcribe(new Blob(chunks, { type: rec.mimeType || type || "audio/webm" }));
      };
      rec.start();
      setRecording(true);
      say("Aufnahme läuft. Sprechen Sie jetzt. Zum Beenden drücken Sie erneut die Mikrofon-Taste.");
    }).catch(function (e) {
      recorder = null;
      setRecording(false);
      var name = e && e.name;
      renderNotice(name === "NotAllowedError" || name === "SecurityError"
        ? "Der Zugriff auf das Mikrofon ist nicht erlaubt. Bitte erlauben Sie das Mikrofon in Ihrem Browser oder schreiben Sie Ihre Frage."
        : name === "NotFoundError" ? "Es wurde kein Mikrofon gefunden. Bitte schreiben Sie Ihre Frage."
          : "Die Aufnahme konnte nicht gestartet werden. Bitte schreiben Sie Ihre Frage.");
    });
  }
  function cancelRecording() {
    if (recorder) { recorder.discard = true; recorder.stop(); }
  }
  function transcribe(blob) {
    if (!blob.size) { renderNotice("Die Aufnahme war leer. Bitte versuchen Sie es noch einmal."); return; }
    mic.disabled = true;
    say("Ihre Sprache wird erkannt …");
    fetch(SERVER + "/api/stt", { method: "POST", headers: credentialHeaders({ "Content-Type": blob.type || "application/octet-stream" }), body: blob })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (d) {
          if (!r.ok) throw { status: r.status, error: d.error };
          return d;
        });
      })
      .then(function (d) {
        mic.disabled = false;
        var text = typeof d.text === "string" ? d.text.trim() : "";
        if (!text) renderNotice("Ich habe leider nichts verstanden. Bitte sprechen Sie noch einmal oder schreiben Sie Ihre Frage.");
        else if (busy) input.value = text;
        else send(text, text, true);
      }, function (err) {
        mic.disabled = false;
        renderNotice("Die Spracheingabe hat nicht geklappt. " + errorText(err));
      });
  }

  /* ---------- open / close ---------- */
  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    root.classList.add("bw-open");
    scroll();
    input.focus();
  }
  function close() {
    cancelRecording();
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    root.classList.remove("bw-open");
    launcher.focus();
  }

  launcher.addEventListener("click", function () { if (panel.hidden) open(); else close(); });
  closeBtn.addEventListener("click", close);
  panel.addEventListener("keydown", function (e) {
    if (e.key === "Escape" || e.key === "Esc") { e.preventDefault(); close(); }
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text || busy) return;
    input.value = "";
    send(text);
  });
  mic.addEventListener("click", startRecording);
  largeBtn.addEventListener("click", function () {
    var on = root.classList.toggle("bw-large");
    largeBtn.setAttribute("aria-pressed", String(on));
    save("large", on);
  });
  clearBtn.addEventListener("click", function () {
    stopAudio();
    cancelRecording();
    clearBtn.disabled = true;
    fetch(SERVER + "/api/conversation", { method: "DELETE", headers: credentialHeaders() })
      .catch(function () {}).then(function () {
        clearBtn.disabled = false;
        save("token", "");
        save("place", "");
        history = [];
        save("history", history);
        renderAll();
        say("Der Verlauf wurde gelöscht.");
        input.focus();
      });
  });

  function mount() {
    document.body.appendChild(root);
    renderAll();
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
