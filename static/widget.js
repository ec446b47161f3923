// Rapport website widget: a launcher button and a chat panel talking to Rapport's widget API.
// Plain JavaScript, no build step. Embed with
//   <script src="https://HOST/static/widget.js" data-widget="ID" async></script>
// Everything lives in a Shadow DOM with its own styles, so the host page's CSS neither leaks
// in nor is touched. Signed-in users: window.rapport.identify({name, email, phone, userId,
// userHash}); calls made before this script loads are queued in window.rapport.q.
(function () {
  "use strict";
  var script = document.currentScript ||
    document.querySelector('script[data-widget][src*="/static/widget.js"]');
  var prior = window.rapport;
  if (!script || (prior && prior.loaded)) return;
  var widgetId = script.getAttribute("data-widget") || "";
  if (!/^[0-9]+$/.test(widgetId)) {
    console.warn("Rapport widget: data-widget must be the widget's id");
    return;
  }
  var api = script.src.replace(/\/static\/widget\.js(?:[?#].*)?$/, "") +
    "/api/v1/integration/widget/" + widgetId;
  var storeKey = "rapport.widget." + widgetId;
  var FIELDS = [["name", "Name", "text", "name"], ["email", "Email", "email", "email"],
    ["phone", "Phone", "tel", "tel"]];
  var POLL_MIN = 3000, POLL_IDLE = 15000, POLL_MAX = 60000;

  var config = null, identity = {}, session = load(), isOpen = false;
  var seen = {}, lastId = 0, pollTimer = 0, pollDelay = POLL_MIN, polling = false, loaded = false;
  var ui = {};

  window.rapport = { loaded: true, identify: identify, open: open, close: close };
  ((prior && prior.q) || []).forEach(function (call) {
    if (call && call[0] === "identify") identify(call[1]);
  });

  // ---- storage: the session survives a reload, per widget ----
  function load() {
    try {
      var s = JSON.parse(localStorage.getItem(storeKey) || "null");
      return s && s.token && s.expiresAt > Date.now() + 60000 ? s : null;
    } catch (e) { return null; }
  }
  function save() {
    try {
      if (session) localStorage.setItem(storeKey, JSON.stringify(session));
      else localStorage.removeItem(storeKey);
    } catch (e) { /* private mode: the chat lasts this page view */ }
  }

  // ---- page API ----
  function identify(user) {
    if (!user || typeof user !== "object") return;
    var next = {};
    ["name", "email", "phone", "userId", "userHash"].forEach(function (k) {
      if (user[k] != null && String(user[k]).trim()) next[k] = String(user[k]).trim();
    });
    identity = next;
    // Another signed-in user on this browser must not continue someone else's chat.
    if (session && (session.userId || "") !== (identity.userId || "")) forget();
    if (ui.form) FIELDS.forEach(function (f) {
      var input = ui.inputs[f[0]];
      if (input && !input.value && identity[f[0]]) input.value = identity[f[0]];
    });
  }

  // ---- HTTP ----
  function request(method, path, body) {
    var headers = {};
    if (body) headers["Content-Type"] = "application/json";
    if (session && path.indexOf("/session/" + session.id + "/") === 0) {
      headers.Authorization = "Bearer " + session.token;
    }
    return fetch(api + path, {
      method: method, headers: headers, mode: "cors", credentials: "omit",
      body: body ? JSON.stringify(body) : undefined
    }).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { /* not JSON */ }
        if (res.ok) return data;
        var err = new Error((data && data.message) || "Something went wrong (" + res.status + ").");
        err.status = res.status;
        err.retryAfter = parseInt(res.headers.get("Retry-After"), 10) || 0;
        throw err;
      });
    });
  }

  // ---- DOM ----
  function el(tag, attrs, kids) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (attrs[k] !== false && attrs[k] != null) node.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
    });
    (kids || []).forEach(function (kid) { if (kid) node.appendChild(kid); });
    return node;
  }
  function icon() {
    var ns = "http://www.w3.org/2000/svg", svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "28");
    svg.setAttribute("height", "28");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
    svg.appendChild(path);
    return svg;
  }

  var CSS = ":host{all:initial}*{box-sizing:border-box}[hidden]{display:none!important}" +
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:56px;height:56px;border-radius:50%;border:0;background:#1f5fbf;color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.3);display:flex;align-items:center;justify-content:center;padding:0}" +
    ".launcher:hover{background:#174a96}" +
    ":focus-visible{outline:3px solid #ffbf47;outline-offset:2px}" +
    ".panel{position:fixed;right:20px;bottom:88px;z-index:2147483001;width:370px;max-width:calc(100vw - 40px);height:540px;max-height:calc(100vh - 110px);display:flex;flex-direction:column;background:#fff;color:#1c2430;border-radius:12px;box-shadow:0 10px 40px rgba(0,0,0,.3);font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;overflow:hidden;text-align:left}" +
    ".head{display:flex;align-items:center;justify-content:space-between;gap:8px;padding:10px 12px 10px 16px;background:#1f5fbf;color:#fff}" +
    "h2{margin:0;font-size:17px;font-weight:600;line-height:1.3}" +
    ".close{background:none;border:0;color:#fff;font:inherit;font-size:26px;line-height:1;cursor:pointer;padding:4px 10px;border-radius:6px}" +
    ".close:hover{background:rgba(255,255,255,.15)}" +
    "form{margin:0}.details{flex:1;overflow:auto;padding:8px 16px 16px}" +
    "p{margin:8px 0}label{display:block;font-weight:600;font-size:14px;margin:12px 0 4px}" +
    "input,textarea{display:block;width:100%;font:inherit;color:inherit;background:#fff;border:1px solid #8a94a3;border-radius:8px;padding:8px 10px;margin:0}" +
    "[aria-invalid=true]{border-color:#b3261e;box-shadow:0 0 0 1px #b3261e}" +
    ".error{color:#b3261e;font-size:14px;margin:4px 0 0}.muted{color:#5b6676;font-size:14px}" +
    ".primary{margin-top:16px;font:inherit;font-weight:600;background:#1f5fbf;color:#fff;border:0;border-radius:8px;padding:9px 16px;cursor:pointer}" +
    ".primary:disabled{opacity:.6;cursor:default}" +
    ".chat{flex:1;display:flex;flex-direction:column;min-height:0}" +
    ".log{flex:1;overflow-y:auto;padding:12px 16px;display:flex;flex-direction:column;gap:8px}" +
    ".msg{max-width:85%;padding:8px 12px;border-radius:14px;white-space:pre-wrap;overflow-wrap:anywhere}" +
    ".user{align-self:flex-end;background:#1f5fbf;color:#fff;border-bottom-right-radius:4px}" +
    ".bot,.staff{align-self:flex-start;background:#eef1f5;border-bottom-left-radius:4px}" +
    ".status{font-size:13px;color:#5b6676;padding:0 16px;margin:0 0 4px;min-height:1em}" +
    ".compose{display:flex;gap:8px;align-items:flex-end;padding:10px;border-top:1px solid #d9dee5}" +
    ".compose textarea{resize:none;height:44px;flex:1}.compose .primary{margin:0}" +
    ".vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}" +
    "@media (max-width:480px){.panel{right:0;bottom:0;width:100%;max-width:none;height:100%;max-height:none;border-radius:0}}";

  function build() {
    var host = el("div", { "data-rapport-widget": widgetId });
    var root = host.attachShadow({ mode: "open" });
    if (root.adoptedStyleSheets && window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
      // Constructed sheets also work under a host page's strict style-src policy.
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } else {
      root.appendChild(el("style", { text: CSS }));
    }
    var title = config.name || "Chat";
    ui.root = root;
    ui.launcher = el("button", { type: "button", "class": "launcher", "aria-label": "Open chat: " + title,
      "aria-expanded": "false", "aria-controls": "panel" }, [icon()]);
    ui.close = el("button", { type: "button", "class": "close", "aria-label": "Close chat", text: "\u00d7" });
    ui.log = el("div", { "class": "log", role: "log", "aria-live": "polite", "aria-label": "Messages", tabindex: "0" });
    ui.status = el("p", { "class": "status", role: "status" });
    ui.text = el("textarea", { id: "rw-text", rows: "1", maxlength: "4000", autocomplete: "off" });
    ui.send = el("button", { type: "submit", "class": "primary", text: "Send" });
    ui.compose = el("form", { "class": "compose", novalidate: true }, [
      el("label", { "for": "rw-text", "class": "vh", text: "Message" }), ui.text, ui.send]);
    ui.chat = el("div", { "class": "chat", hidden: true }, [ui.log, ui.status, ui.compose]);
    ui.form = detailsForm();
    ui.panel = el("div", { id: "panel", "class": "panel", role: "dialog", "aria-modal": "true",
      "aria-labelledby": "rw-title", hidden: true }, [
      el("div", { "class": "head" }, [el("h2", { id: "rw-title", text: title }), ui.close]),
      ui.form, ui.chat]);
    root.appendChild(ui.launcher);
    root.appendChild(ui.panel);

    ui.launcher.addEventListener("click", function () { if (isOpen) close(); else open(); });
    ui.close.addEventListener("click", close);
    ui.panel.addEventListener("keydown", trapKeys);
    ui.compose.addEventListener("submit", function (e) { e.preventDefault(); sendMessage(); });
    ui.text.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); sendMessage(); }
    });
    document.body.appendChild(host);
  }

  function asked() {
    var fields = (config && config.fields) || {};
    return FIELDS.filter(function (f) { return fields[f[0]] === "optional" || fields[f[0]] === "required"; });
  }
  function required(name) { return config.fields && config.fields[name] === "required"; }

  function detailsForm() {
    ui.inputs = {};
    ui.errors = {};
    var kids = [el("p", { "class": "muted", text: "Before we start, tell us how to reach you." })];
    asked().forEach(function (f) {
      var name = f[0], id = "rw-" + name, req = required(name);
      var input = el("input", { id: id, name: name, type: f[2], autocomplete: f[3],
        "aria-required": req ? "true" : "false", "aria-describedby": id + "-error",
        maxlength: name === "phone" ? "40" : "200" });
      input.value = identity[name] || "";
      var error = el("p", { id: id + "-error", "class": "error", hidden: true });
      ui.inputs[name] = input;
      ui.errors[name] = error;
      kids.push(el("label", { "for": id, text: f[1] + (req ? " (required)" : " (optional)") }), input, error);
    });
    ui.formError = el("p", { "class": "error", role: "alert", hidden: true });
    ui.start = el("button", { type: "submit", "class": "primary", text: "Start chat" });
    kids.push(ui.formError, ui.start);
    var form = el("form", { "class": "details", novalidate: true, hidden: true, "aria-label": "Your details" }, kids);
    form.addEventListener("submit", function (e) { e.preventDefault(); submitDetails(); });
    return form;
  }

  function fieldError(name, message) {
    var input = ui.inputs[name], error = ui.errors[name];
    if (!input) return false;
    input.setAttribute("aria-invalid", message ? "true" : "false");
    error.textContent = message || "";
    error.hidden = !message;
    return true;
  }

  function validate() {
    var first = null;
    asked().forEach(function (f) {
      var name = f[0], value = ui.inputs[name].value.trim(), message = "";
      if (!value && required(name)) message = "Please enter your " + f[1].toLowerCase() + ".";
      else if (value && name === "email" && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) message = "Please enter an email address like name@example.com.";
      else if (value && name === "phone" && (value.replace(/\D/g, "").length < 5 || /[^0-9+()\s.\-]/.test(value))) message = "Please enter a phone number, e.g. +44 20 7946 0958.";
      fieldError(name, message);
      if (message && !first) first = ui.inputs[name];
    });
    if (first) first.focus();
    return !first;
  }

  function submitDetails() {
    ui.formError.hidden = true;
    if (!validate()) return;
    var contact = {};
    asked().forEach(function (f) {
      var value = ui.inputs[f[0]].value.trim();
      if (value) contact[f[0]] = value;
    });
    ui.start.disabled = true;
    startSession(contact).then(function () {
      ui.start.disabled = false;
      showChat();
    }, function (err) {
      ui.start.disabled = false;
      // A 422 names each field: "email: This is not … phone: Please enter …".
      var parts = err.status === 422 ? (err.message || "").split(/(?:^|\s)(name|email|phone):\s/) : [];
      var first = null;
      for (var i = 1; i < parts.length; i += 2) {
        if (fieldError(parts[i], parts[i + 1].trim())) first = first || ui.inputs[parts[i]];
      }
      if (first) first.focus();
      else { ui.formError.textContent = describe(err); ui.formError.hidden = false; }
    });
  }

  function describe(err) {
    if (err.status === 429) return "Too many messages at once. Please wait a moment and try again.";
    if (!err.status) return "We could not reach the chat. Check your connection and try again.";
    return err.message;
  }

  function startSession(contact) {
    var body = { meta: { page: location.origin + location.pathname } };
    if (contact && Object.keys(contact).length) body.contact = contact;
    if (identity.userId) { body.userId = identity.userId; body.userHash = identity.userHash || ""; }
    return request("POST", "/session/create", body).then(function (s) {
      session = { id: s.id, token: s.token, conversationId: s.conversationId, expiresAt: s.expiresAt,
        userId: identity.userId || "" };
      save();
      (s.messages || []).forEach(render);
    });
  }

  function forget() {
    session = null;
    save();
    seen = {};
    lastId = 0;
    loaded = false;
    if (ui.log) ui.log.textContent = "";
  }

  // ---- panel ----
  function open() {
    if (!ui.panel) return;
    isOpen = true;
    ui.panel.hidden = false;
    ui.launcher.setAttribute("aria-expanded", "true");
    if (!session && asked().length) {
      ui.form.hidden = false;
      ui.chat.hidden = true;
      var first = ui.form.querySelector("input");
      (first || ui.start).focus();
    } else {
      showChat();
    }
  }

  function close() {
    if (!ui.panel || !isOpen) return;
    isOpen = false;
    clearTimeout(pollTimer);
    ui.panel.hidden = true;
    ui.launcher.setAttribute("aria-expanded", "false");
    ui.launcher.focus();
  }

  function showChat() {
    ui.form.hidden = true;
    ui.chat.hidden = false;
    if (!ui.log.firstChild) ui.log.appendChild(el("p", { "class": "muted", "data-hint": "", text: "Send us a message and we will reply here." }));
    ui.text.focus();
    pollDelay = POLL_MIN;
    if (session) poll();
  }

  function focusables() {
    return Array.prototype.filter.call(
      ui.panel.querySelectorAll("button,input,textarea,[tabindex]"),
      function (n) { return !n.disabled && n.getClientRects().length > 0; });
  }

  function trapKeys(e) {
    if (e.key === "Escape") { e.preventDefault(); close(); return; }
    if (e.key !== "Tab") return;
    var items = focusables();
    if (!items.length) return;
    var first = items[0], last = items[items.length - 1], active = ui.root.activeElement;
    if (e.shiftKey && (active === first || items.indexOf(active) < 0)) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && (active === last || items.indexOf(active) < 0)) { e.preventDefault(); first.focus(); }
  }

  // ---- messages ----
  function render(m) {
    if (!m || m.id == null || seen[m.id]) return false;
    seen[m.id] = true;
    var n = Number(m.id);
    if (n > lastId) lastId = n;
    var hint = ui.log.querySelector("[data-hint]");
    if (hint) hint.remove();
    var mine = m.type === "user";
    ui.log.appendChild(el("div", { "class": "msg " + (mine ? "user" : "bot"), "data-type": m.type }, [
      el("span", { "class": "vh", text: mine ? "You: " : (config.name || "Reply") + ": " }),
      document.createTextNode(m.text || "")]));
    ui.log.scrollTop = ui.log.scrollHeight;
    return true;
  }

  function sendMessage() {
    var text = ui.text.value.trim();
    if (!text || ui.send.disabled) return;
    if (text.length > 4000) { ui.status.textContent = "Messages can be at most 4,000 characters."; return; }
    ui.send.disabled = true;
    ui.status.textContent = "Sending\u2026";
    var ready = session ? Promise.resolve() : startSession(pick());
    ready.then(function () {
      return request("POST", "/session/" + session.id + "/message/send", { text: text });
    }).then(function (m) {
      ui.text.value = "";
      ui.status.textContent = "";
      render(m);
      pollDelay = POLL_MIN;
      schedulePoll(POLL_MIN);
    }, function (err) {
      if (err.status === 401) { expired(); return; }
      ui.status.textContent = "Not sent: " + describe(err);
    }).then(function () { ui.send.disabled = false; });
  }

  function pick() {
    var contact = {};
    ["name", "email", "phone"].forEach(function (k) { if (identity[k]) contact[k] = identity[k]; });
    return contact;
  }

  function expired() {
    forget();
    ui.status.textContent = "This chat has ended. Start a new one any time.";
    if (asked().length) { ui.form.hidden = false; ui.chat.hidden = true; ui.start.focus(); }
  }

  function schedulePoll(delay) {
    clearTimeout(pollTimer);
    if (isOpen && session) pollTimer = setTimeout(poll, delay);
  }

  // While open: every few seconds, slowing down while nothing arrives, backing off on errors.
  function poll() {
    if (polling || !session || !isOpen) return;
    polling = true;
    var query = loaded && lastId ? "?after=" + lastId : "";
    request("GET", "/session/" + session.id + "/message/list" + query).then(function (page) {
      polling = false;
      loaded = true;
      var fresh = false;
      ((page && page.items) || []).forEach(function (m) { if (render(m)) fresh = true; });
      pollDelay = fresh ? POLL_MIN : Math.min(pollDelay * 1.5, POLL_IDLE);
      schedulePoll(document.hidden ? POLL_IDLE : pollDelay);
    }, function (err) {
      polling = false;
      if (err.status === 401) { expired(); return; }
      pollDelay = Math.min(pollDelay * 2, POLL_MAX);
      schedulePoll(Math.max(pollDelay, err.retryAfter * 1000));
    });
  }

  function start() {
    request("GET", "/config").then(function (c) {
      config = c || {};
      build();
    }, function (err) {
      console.warn("Rapport widget " + widgetId + " is unavailable here: " + err.message);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
