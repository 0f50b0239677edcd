/* The citizen's form keeps its answers on the phone and sends them when the network allows.
 *
 * Progressive enhancement of the server-rendered form (#survey-form); without this script the
 * form posts as usual. As the citizen answers, every field of the form (answers, csrf_token and
 * the signed submission id "sid") is kept in localStorage under "sipas-form:<path>|<sid>" and put
 * back on reload. "Gửi" posts the same fields to the form's action with fetch (20 s timeout). The server's 303 to the
 * thank-you page is the acknowledgement: only then is the entry deleted. A network failure, a
 * timeout or a 5xx keeps the entry pending: it is sent again on the "online" event, on a timer
 * (5 s, doubling to 2 min) and on the next visit of the page, always with the same sid, so the
 * server stores it once. Any other answer (errors, expired session) replaces the page's main
 * part with the server's page; the answers stay in the form and in storage, with the same sid.
 * Only this form's own POST is ever sent; nothing else is intercepted.
 */
(function () {
  "use strict";
  var PREFIX = "sipas-form:";
  var DRAFT_MS = 24 * 3600 * 1000; // an unsent draft is forgotten after a day (shared tablets)
  var TIMEOUT_MS = 20000;
  var RETRY_FIRST_MS = 5000;
  var RETRY_MAX_MS = 120000;
  var TOKENS = {csrf_token: 1, sid: 1, website: 1};
  var store = null;
  var path = location.pathname;
  var busy = false;
  var attempt = 0;
  var retryTimer = null;

  try {
    store = window.localStorage;
    store.setItem(PREFIX, "1");
    store.removeItem(PREFIX);
  } catch (e) {
    store = null;
  }

  function value(list, name) {
    for (var i = 0; i < list.length; i += 1) {
      if (list[i][0] === name) { return list[i][1]; }
    }
    return "";
  }

  function complete(list) { // never keep or send a body without its tokens (an empty submission)
    return !!(value(list, "sid") && value(list, "csrf_token"));
  }

  function read(key) {
    try {
      var entry = JSON.parse(store.getItem(key));
      if (entry && entry.f && complete(entry.f)) { entry.key = key; return entry; }
    } catch (e) { /* not ours or damaged: dropped below */ }
    store.removeItem(key);
    return null;
  }

  function entries() { // this form's entries, newest first
    var found = [];
    if (!store) { return found; }
    var keys = [];
    for (var i = 0; i < store.length; i += 1) { keys.push(store.key(i)); }
    keys.forEach(function (key) {
      if (key && key.indexOf(PREFIX + path + "|") === 0) {
        var entry = read(key);
        if (entry) { found.push(entry); }
      }
    });
    return found.sort(function (a, b) { return b.t - a.t; });
  }

  // flags: p (pending), s (sid already sent once), b (sid refused once with 400); kept if omitted
  function save(list, flags) {
    if (!store || !complete(list)) { return; }
    var key = PREFIX + path + "|" + value(list, "sid");
    var old = read(key) || {};
    var form = currentForm();
    var entry = {f: list, t: Date.now(), p: old.p || 0, s: old.s || 0, b: old.b || 0};
    entry.u = form ? form.action : old.u;
    ["p", "s", "b"].forEach(function (flag) {
      if (flags && flag in flags) { entry[flag] = flags[flag]; }
    });
    try { store.setItem(key, JSON.stringify(entry)); } catch (e) { /* storage full: still sends */ }
  }

  function fields(form) { // every field the browser itself would post
    var list = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.type === "submit" || el.type === "button") { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      list.push([el.name, el.value]);
    });
    return list;
  }

  function fill(form, list, keepSid) { // put answers back; csrf_token stays the page's own
    var answered = 0;
    list.forEach(function (pair) {
      var name = pair[0];
      if (name === "sid" ? !keepSid : TOKENS[name]) { return; }
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name !== name) { return; }
        if (el.type === "radio" || el.type === "checkbox") {
          if (el.value === pair[1]) { el.checked = true; answered += 1; }
        } else {
          el.value = pair[1];
          if (pair[1] && name !== "sid") { answered += 1; }
        }
      });
    });
    return answered;
  }

  function body(list) {
    return list.map(function (pair) {
      return encodeURIComponent(pair[0]) + "=" + encodeURIComponent(pair[1]);
    }).join("&").replace(/%20/g, "+");
  }

  function say(text) {
    var status = document.getElementById("form-status");
    if (status) { status.textContent = text; }
  }

  function currentForm() { return document.getElementById("survey-form"); }

  function withPageToken(list) { // the page's csrf_token is valid for today's session cookie
    var form = currentForm();
    var token = form && form.elements.csrf_token ? form.elements.csrf_token.value : "";
    return token ? list.map(function (pair) {
      return pair[0] === "csrf_token" ? [pair[0], token] : pair;
    }) : list;
  }

  function post(url, list, done) { // done(response or null, text)
    var controller = window.AbortController ? new window.AbortController() : null;
    var finished = false;
    var timer = setTimeout(function () {
      if (controller) { controller.abort(); }
      finish(null, "");
    }, TIMEOUT_MS);
    function finish(response, text) {
      if (finished) { return; }
      finished = true;
      clearTimeout(timer);
      done(response, text);
    }
    window.fetch(url, {
      method: "POST",
      body: body(list),
      headers: {"Content-Type": "application/x-www-form-urlencoded"},
      credentials: "same-origin",
      cache: "no-store",
      redirect: "follow",
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.text().then(function (text) { finish(response, text); });
    }).catch(function () { finish(null, ""); });
  }

  function swap(html, url) { // show the server's page in place of this one
    var doc = new window.DOMParser().parseFromString(html, "text/html");
    var main = doc.getElementById("main");
    var here = document.getElementById("main");
    if (!main || !here) { location.assign(url || path); return null; }
    document.title = doc.title;
    here.parentNode.replaceChild(document.importNode(main, true), here);
    if (url && url !== location.href) { history.replaceState(null, "", url); }
    window.scrollTo(0, 0);
    var focus = document.querySelector("#main [autofocus]") || document.querySelector("#main h1");
    if (focus) {
      if (!focus.hasAttribute("tabindex")) { focus.setAttribute("tabindex", "-1"); }
      focus.focus();
    }
    return currentForm();
  }

  function schedule() {
    clearTimeout(retryTimer);
    var delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * Math.pow(2, attempt));
    attempt += 1;
    retryTimer = setTimeout(flush, delay);
  }

  function settle(entry, response, text) {
    var form = currentForm();
    var ours = form && form.elements.sid && form.elements.sid.value === value(entry.f, "sid");
    if (!response || response.status >= 500) { // not stored, or not known: keep and retry
      if (ours) { say(form.getAttribute("data-saved")); }
      return false;
    }
    store.removeItem(entry.key);
    if (!ours) { return true; }
    if (response.redirected) { // the 303 to the thank-you page: stored
      swap(text, response.url);
      return true;
    }
    var refused = response.status === 400;
    var next = swap(text, null); // errors, expired session, too many tries: the server's page
    if (next) {
      // The answers are in it. Keep the same sid, so that a first attempt stored unbeknown can
      // never be stored twice, unless this sid was refused twice (a ticket no longer valid,
      // e.g. a new round): then the server's new one.
      if (!(refused && entry.b)) {
        next.elements.sid.value = value(entry.f, "sid");
        save(fields(next), {p: 0, s: 1, b: refused ? 1 : 0});
      } else {
        save(fields(next), {p: 0, s: 0, b: 0});
      }
      watch(next);
    }
    return true;
  }

  function flush() { // send every pending entry of this form, oldest first, one at a time
    if (busy || !window.fetch || !store) { return; }
    var pending = entries().filter(function (entry) { return entry.p; }).reverse();
    if (!pending.length) { return; }
    busy = true;
    var entry = pending[0];
    post(entry.u || path, withPageToken(entry.f), function (response, text) {
      busy = false;
      if (settle(entry, response, text)) {
        attempt = 0;
        flush();
      } else {
        schedule();
      }
    });
  }

  function watch(form) {
    if (form.getAttribute("data-watched")) { return; }
    form.setAttribute("data-watched", "1");
    function remember() { save(fields(form)); }
    form.addEventListener("change", remember);
    form.addEventListener("input", remember);
    form.addEventListener("submit", function (event) {
      var list = fields(form);
      if (!window.fetch || !store || !complete(list)) { // the browser posts it as usual
        save(list, {s: 1});
        return;
      }
      event.preventDefault();
      save(list, {p: 1, s: 1});
      say(form.getAttribute("data-sending"));
      attempt = 0;
      clearTimeout(retryTimer);
      flush();
    });
  }

  function start() {
    var form = currentForm();
    if (!store) { return; }
    if (!form) { // a thank-you page: the drafts of its form are done with
      var thanked = path.replace(/\/cam-on$/, "");
      if (thanked !== path) {
        path = thanked;
        entries().forEach(function (entry) { if (!entry.p) { store.removeItem(entry.key); } });
      }
      return;
    }
    var now = Date.now();
    var found = entries().filter(function (entry) {
      var stale = !entry.p && now - entry.t > DRAFT_MS;
      if (stale) { store.removeItem(entry.key); }
      return !stale;
    });
    var pending = found.filter(function (entry) { return entry.p; });
    if (pending.length) {
      fill(form, pending[0].f, true);
      say(form.getAttribute("data-saved"));
    } else if (found.length) {
      var draft = found[0];
      found.forEach(function (entry) { store.removeItem(entry.key); }); // one draft per form
      if (fill(form, draft.f, !!draft.s)) { say(form.getAttribute("data-restored")); }
      save(fields(form), {s: draft.s || 0});
    }
    watch(form);
    window.addEventListener("online", function () {
      attempt = 0;
      flush();
    });
    flush();
  }

  start();
}());
