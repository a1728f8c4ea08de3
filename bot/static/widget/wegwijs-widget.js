/*
 * Wegwijs chat widget. A municipality embeds it with one tag, no build step:
 *
 *   <script src="https://WEGWIJS-WEB/widget/wegwijs-widget.js" data-server="https://WEGWIJS-RASA" defer></script>
 *
 * data-server: the Rasa server (its /webhooks/webchat channel). data-language (optional): the language to
 * start in when the visitor's browser asks for none of the eight. Texts come from the content catalogue
 * (/widget/texts/<lang>), so there is no sentence in this file. The conversation survives a reload of the tab
 * (a signed session token in sessionStorage, which the browser forgets when the tab closes; the token also
 * expires, 12 hours by default), and "End conversation" forgets it at once: on a shared computer the next
 * visitor does not get the previous one's conversation. Staff replies from the console arrive by polling the
 * channel's history.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var WEB = new URL(script.src).origin;
  var SERVER = (script.getAttribute("data-server") || WEB).replace(/\/$/, "");
  var CHANNEL = SERVER + "/webhooks/webchat";
  var LANGUAGES = ["nl", "en", "ar", "tr", "ti", "fa", "so", "uk"];
  var STORE = "wegwijs.";
  var POLL_OPEN_MS = 2500, POLL_CLOSED_MS = 10000;

  var state = { session: null, language: null, texts: null, lastTimestamp: 0, seen: {}, open: false,
                busy: false, unread: 0, chosenLanguage: null, loaded: false };

  // The session token lives in the tab (sessionStorage); only the language choice stays in the browser.
  function stored(key, value, storage) {
    try {
      storage = storage || window.localStorage;
      if (value === undefined) { return storage.getItem(STORE + key); }
      if (value === null) { storage.removeItem(STORE + key); } else { storage.setItem(STORE + key, value); }
    } catch (e) { /* storage blocked: the conversation lasts as long as the page */ }
    return value;
  }

  function storedSession(value) {
    try { return stored("session", value, window.sessionStorage); } catch (e) { return value; }
  }

  function expired(token) {
    // "<session id>.<expiry, Unix seconds>.<signature>": the server checks it too; this only spares a request.
    var parts = (token || "").split(".");
    return parts.length !== 3 || !(Number(parts[1]) * 1000 > Date.now());
  }

  function firstLanguage() {
    // The user's own choice, then their browser's languages, then the page's.
    var candidates = [stored("language")].concat(navigator.languages || [navigator.language])
      .concat([script.getAttribute("data-language"), document.documentElement.lang]);
    for (var i = 0; i < candidates.length; i++) {
      var code = (candidates[i] || "").slice(0, 2).toLowerCase();
      if (LANGUAGES.indexOf(code) >= 0) { return code; }
    }
    return "nl";
  }

  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function request(method, url, body) {
    return fetch(url, {
      method: method,
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined
    }).then(function (answer) {
      if (!answer.ok) { var error = new Error("HTTP " + answer.status); error.status = answer.status; throw error; }
      return answer.json();
    });
  }

  // --- the page parts (in a shadow root, so the site's CSS and ours do not mix) ------------------------

  var host = el("div", { id: "wegwijs-widget" });
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  var style = el("style");
  style.textContent = [
    ":host{all:initial}",
    ".ww{font:16px/1.45 system-ui,'Noto Sans','Noto Sans Ethiopic','Abyssinica SIL','Noto Naskh Arabic',sans-serif;color:#1b1b1b}",
    ".launcher{position:fixed;bottom:20px;inset-inline-end:20px;z-index:2147483000;border:0;border-radius:28px;",
    "padding:14px 20px;background:#0b5cad;color:#fff;font:inherit;font-weight:600;cursor:pointer;box-shadow:0 2px 8px #0005}",
    ".launcher:focus-visible,.panel :focus-visible{outline:3px solid #f0a500;outline-offset:2px}",
    ".badge{display:inline-block;min-width:1.3em;margin-inline-start:.5em;border-radius:1em;background:#a84f00;color:#fff;text-align:center}",
    ".panel{position:fixed;bottom:84px;inset-inline-end:20px;z-index:2147483000;width:370px;max-width:calc(100vw - 40px);",
    "height:560px;max-height:calc(100vh - 110px);display:flex;flex-direction:column;background:#fff;border:1px solid #ccc;",
    "border-radius:12px;box-shadow:0 4px 24px #0004;overflow:hidden}",
    ".panel[hidden]{display:none}",
    "header{display:flex;flex-wrap:wrap;gap:.5em;align-items:center;padding:.6em .8em;background:#0b5cad;color:#fff}",
    "header h2{flex:1;margin:0;font-size:1em}",
    "header select,header button{font:inherit;font-size:.9em}",
    ".close,.end{background:transparent;color:#fff;border:1px solid #fff8;border-radius:6px;cursor:pointer}",
    ".log{flex:1;overflow-y:auto;margin:0;padding:.8em;background:#f6f7f9}",
    ".messages{margin:0;padding:0;list-style:none}",
    ".msg{margin:.4em 0;max-width:85%;padding:.5em .7em;border-radius:10px;white-space:pre-wrap;word-wrap:break-word}",
    ".msg .who{display:block;font-size:.75em;color:#555}",
    ".user{margin-inline-start:auto;background:#dcebfa}",
    ".bot{background:#fff;border:1px solid #e1e1e1}",
    ".staff{background:#e5f4e5;border:1px solid #bcdcbc}",
    ".buttons{display:flex;flex-wrap:wrap;gap:.4em;margin-top:.4em}",
    ".buttons button{font:inherit;font-size:.9em;padding:.3em .7em;border:1px solid #0b5cad;border-radius:16px;background:#fff;color:#0b5cad;cursor:pointer}",
    ".status{min-height:1.4em;padding:0 .8em;font-size:.85em;color:#555}",
    ".person{padding:.4em .8em;background:#e5f4e5;font-size:.9em}",
    ".person[hidden]{display:none}",
    "form{display:flex;gap:.4em;padding:.6em;border-top:1px solid #ddd}",
    "textarea{flex:1;resize:none;font:inherit;padding:.4em;border:1px solid #999;border-radius:6px}",
    "form button{font:inherit;padding:.4em .9em;border:0;border-radius:6px;background:#0b5cad;color:#fff;cursor:pointer}",
    ".error{color:#8a1c1c}",
    ".visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}",
    "@media (max-width:480px){.panel{inset:0;width:auto;max-width:none;height:auto;max-height:none;border-radius:0}",
    ".launcher{bottom:12px;inset-inline-end:12px}}"
  ].join("");
  var wrap = el("div", { "class": "ww" });
  var launcher = el("button", { "class": "launcher", type: "button", "aria-expanded": "false",
                                "aria-controls": "wegwijs-panel" });
  var launcherText = el("span");
  var badge = el("span", { "class": "badge", hidden: "" });
  launcher.appendChild(launcherText);
  launcher.appendChild(badge);
  var panel = el("section", { "class": "panel", id: "wegwijs-panel", role: "dialog", hidden: "" });
  var header = el("header");
  var title = el("h2", { id: "wegwijs-title" });
  var languageLabel = el("label", { "for": "wegwijs-language", "class": "visually-hidden" });
  var languageMenu = el("select", { id: "wegwijs-language" });
  var endButton = el("button", { "class": "end", type: "button" });
  var closeButton = el("button", { "class": "close", type: "button" }, "×");
  header.appendChild(title);
  header.appendChild(languageLabel);
  header.appendChild(languageMenu);
  header.appendChild(endButton);
  header.appendChild(closeButton);
  var person = el("p", { "class": "person", hidden: "" });
  // The live region scrolls (and takes the keyboard focus to scroll); the messages are a list inside it.
  var logBox = el("div", { "class": "log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
                           tabindex: "0", "aria-labelledby": "wegwijs-title" });
  var log = el("ol", { "class": "messages" });
  logBox.appendChild(log);
  var status = el("p", { "class": "status", role: "status" });
  var form = el("form");
  var inputLabel = el("label", { "for": "wegwijs-input", "class": "visually-hidden" });
  var input = el("textarea", { id: "wegwijs-input", rows: "2" });
  var sendButton = el("button", { type: "submit" });
  form.appendChild(inputLabel);
  form.appendChild(input);
  form.appendChild(sendButton);
  [header, person, logBox, status, form].forEach(function (part) { panel.appendChild(part); });
  panel.setAttribute("aria-labelledby", "wegwijs-title");
  wrap.appendChild(launcher);
  wrap.appendChild(panel);
  root.appendChild(style);
  root.appendChild(wrap);

  function label(name) { return (state.texts && state.texts.labels[name]) || ""; }

  function applyTexts(texts) {
    state.texts = texts;
    var rtl = texts.direction === "rtl";
    wrap.setAttribute("dir", rtl ? "rtl" : "ltr");
    wrap.setAttribute("lang", texts.language);
    launcherText.textContent = label("open");
    title.textContent = label("title");
    languageLabel.textContent = label("language");
    closeButton.setAttribute("aria-label", label("close"));
    endButton.textContent = label("end");
    inputLabel.textContent = label("message");
    input.setAttribute("placeholder", label("placeholder"));
    sendButton.textContent = label("send");
    person.textContent = label("with_person");
    languageMenu.textContent = "";
    Object.keys(texts.languages).forEach(function (code) {
      var option = el("option", { value: code, lang: code }, texts.languages[code]);
      if (code === texts.language) { option.selected = true; }
      languageMenu.appendChild(option);
    });
    Array.prototype.forEach.call(log.querySelectorAll(".who"), function (who) {
      who.textContent = label(who.getAttribute("data-role"));
    });
  }

  function loadTexts(language) {
    state.language = language;
    return request("GET", WEB + "/widget/texts/" + language).then(applyTexts);
  }

  // --- messages ----------------------------------------------------------------------------------------

  function addMessage(message) {
    var role = message.from === "user" ? "you" : message.from === "staff" ? "colleague" : "bot";
    var item = el("li", { "class": "msg " + message.from, dir: message.direction || "auto" });
    if (message.language) { item.setAttribute("lang", message.language); }
    var who = el("span", { "class": "who", "data-role": role },
                 message.from === "staff" && message.author ? message.author : label(role));
    if (message.from === "staff" && message.author) { who.removeAttribute("data-role"); }
    item.appendChild(who);
    item.appendChild(document.createTextNode(message.text));
    if (message.buttons && message.buttons.length) {
      var buttons = el("div", { "class": "buttons" });
      message.buttons.forEach(function (button) {
        var press = el("button", { type: "button" }, button.title);
        press.addEventListener("click", function () { send(button.payload); });
        buttons.appendChild(press);
      });
      item.appendChild(buttons);
    }
    log.appendChild(item);
    if (!state.open && state.loaded && message.from !== "user") {
      state.unread += 1;
      badge.textContent = String(state.unread);
      badge.removeAttribute("hidden");
    }
  }

  function refresh() {
    if (!state.session) { return Promise.resolve(); }
    return request("GET", CHANNEL + "/history?session=" + encodeURIComponent(state.session) +
                   "&after=" + state.lastTimestamp).then(function (history) {
      var added = 0;
      history.messages.forEach(function (message) {
        var key = message.from + "|" + message.timestamp + "|" + message.text;
        if (state.seen[key]) { return; }
        state.seen[key] = true;
        state.lastTimestamp = Math.max(state.lastTimestamp, message.timestamp || 0);
        addMessage(message);
        added += 1;
      });
      if (history.with_person) { person.removeAttribute("hidden"); } else { person.setAttribute("hidden", ""); }
      if (added) { logBox.scrollTop = logBox.scrollHeight; }
      state.loaded = true;
    }).catch(function (error) {
      if (error.status === 403) { forget(); }  // expired, or signed with another key
    });
  }

  // Forgets the conversation in this browser: the token and what the panel shows.
  function forget() {
    storedSession(null);
    state.session = null;
    state.lastTimestamp = 0;
    state.seen = {};
    state.unread = 0;
    state.loaded = false;
    log.textContent = "";
    badge.setAttribute("hidden", "");
    person.setAttribute("hidden", "");
    status.className = "status";
    status.textContent = "";
  }

  function ensureSession() {
    if (state.session && !expired(state.session)) { return Promise.resolve(state.session); }
    if (state.session) { forget(); }
    return request("POST", CHANNEL + "/session").then(function (answer) {
      state.session = storedSession(answer.session);
      return state.session;
    });
  }

  function post(body) {
    return ensureSession().then(function (session) {
      body.session = session;
      return request("POST", CHANNEL + "/webhook", body);
    });
  }

  function send(text) {
    text = (text || "").trim();
    if (!text || state.busy) { return; }
    state.busy = true;
    status.className = "status";
    status.textContent = label("typing");
    var body = { message: text };
    if (state.chosenLanguage) { body.language = state.chosenLanguage; }
    post(body).catch(function (error) {
      if (error.status !== 403) { throw error; }
      forget();  // the session expired meanwhile: a new conversation, with this message
      return post(body);
    }).then(function () {
      state.chosenLanguage = null;
      if (input.value.trim() === text) { input.value = ""; }
      status.textContent = "";
      return refresh();
    }).catch(function () {
      // Nothing is lost: the text stays in the box, and the user is told in their language.
      if (text.charAt(0) !== "/" && !input.value) { input.value = text; }
      status.className = "status error";
      status.textContent = label("not_sent");
    }).then(function () { state.busy = false; });
  }

  // --- behaviour ---------------------------------------------------------------------------------------

  function setOpen(open) {
    state.open = open;
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      panel.removeAttribute("hidden");
      state.unread = 0;
      badge.setAttribute("hidden", "");
      refresh().then(function () {
        if (!log.children.length) {  // a new conversation starts with the greeting, in the widget's language
          state.chosenLanguage = state.language;
          send("/greet");
        }
      });
      input.focus();
    } else {
      panel.setAttribute("hidden", "");
      launcher.focus();
    }
  }

  launcher.addEventListener("click", function () { setOpen(!state.open); });
  closeButton.addEventListener("click", function () { setOpen(false); });
  endButton.addEventListener("click", function () { forget(); setOpen(false); });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { setOpen(false); }
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); send(input.value); }
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); send(input.value); });
  languageMenu.addEventListener("change", function () {
    var code = languageMenu.value;
    stored("language", code);
    state.chosenLanguage = code;  // sent with the next message: the user's choice switches the reply language
    loadTexts(code);
  });

  function poll() {
    refresh().then(function () { window.setTimeout(poll, state.open ? POLL_OPEN_MS : POLL_CLOSED_MS); });
  }

  function start() {
    document.body.appendChild(host);
    stored("session", null);  // older versions kept the token in localStorage: never again
    state.session = storedSession() || null;
    if (state.session && expired(state.session)) { forget(); }
    loadTexts(firstLanguage()).then(poll, poll);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
