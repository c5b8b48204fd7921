/* Lobby live updates over a WebSocket. Shared fragments (roster page, bracket, announcements: the
   same HTML for everyone) arrive with the event that changed them: the page tells its socket what it
   shows ("watch") and the server pushes that HTML, rendered once per event. The participant's own
   fragments (header, my match, notifications) are re-fetched, and only when the event concerns them
   (payload.registration / payload.concerns). Reconnects with exponential backoff (1 s … 30 s,
   jittered); while the socket is down, every fragment is polled every 10 s. Without JavaScript the
   page still works (every action is a plain form).
   The participant's own row and matches are highlighted here. The roster comes a page at a time; the
   bracket is fetched only once its section is opened or scrolled into view. */
(function () {
  "use strict";
  var configEl = document.getElementById("lobby-config");
  if (!configEl) return;
  var cfg = JSON.parse(configEl.textContent);
  var isMe = function (id) { return cfg.me !== null && cfg.me !== undefined && id === cfg.me; };

  // The fragments an event changes for this page: shared ones always, the participant's own only
  // when the event names them (an event that names nobody, e.g. a new round, concerns everyone).
  function changedBy(msg) {
    var p = msg.payload || {};
    var concernsMe = !Array.isArray(p.concerns) || p.concerns.some(isMe);
    switch (msg.event) {
      case "roster.updated": return isMe(p.registration) || cfg.waitlisted ? ["roster", "header"] : ["roster"];
      case "announcement.new": return ["announcements"];
      case "match.updated":
      case "bracket.updated": return concernsMe ? ["bracket", "my-match"] : ["bracket"];
      case "tournament.updated": return ["header"];
      case "notification.new": return ["notifications"];
      default: return [];
    }
  }
  var statusEl = document.querySelector("[data-connection]");
  var timers = {};
  var deferred = {};
  var pollTimer = null;
  var attempt = 0;
  var socket = null;
  var everConnected = false;

  function setStatus(key) {
    if (statusEl) statusEl.textContent = cfg.i18n[key] || "";
    document.documentElement.setAttribute("data-lobby-connection", key);
  }

  function container(name) {
    return document.querySelector('[data-fragment="' + name + '"]');
  }

  function busy(el) {
    // Never wipe what someone is typing: a form inside the fragment holds focus or has input.
    if (el.contains(document.activeElement) && document.activeElement !== document.body) {
      var tag = document.activeElement.tagName;
      if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return true;
    }
    // Typed-in forms are kept for 2 minutes after the last keystroke.
    var dirty = el.querySelectorAll("form[data-dirty]");
    for (var i = 0; i < dirty.length; i++) {
      if (Date.now() - Number(dirty[i].getAttribute("data-dirty")) < 120000) return true;
    }
    return false;
  }

  var rosterPage = cfg.rosterPage || 1;

  function markMine(root) {
    if (cfg.me === null || cfg.me === undefined) return;
    var me = String(cfg.me);
    root.querySelectorAll('[data-registration="' + me + '"], [data-a="' + me + '"], [data-b="' + me + '"]')
      .forEach(function (el) { el.classList.add("mine"); });
  }

  function fragmentUrl(name) {
    var url = cfg.fragments[name];
    return name === "roster" && url && rosterPage > 1 ? url + "?page=" + rosterPage : url;
  }

  function apply(name, el, html) {
    if (busy(el)) { deferred[name] = true; return; }
    var wasLazy = el.hasAttribute("data-lazy");
    el.innerHTML = html;  // server-rendered and escaped by Django's templates
    el.removeAttribute("data-lazy");
    markMine(el);
    el.setAttribute("data-refreshed", String(Date.now()));
    tick();
    if (wasLazy) watch();  // from now on the server pushes it
  }

  function refresh(name, force) {
    var el = container(name);
    var url = fragmentUrl(name);
    if (!el || !url) return;
    if (el.hasAttribute("data-lazy") && !force) return;  // not asked for yet: nothing to keep fresh
    if (busy(el)) { deferred[name] = true; return; }
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" }, cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) apply(name, el, html); })
      .catch(function () { /* the next event or poll tries again */ });
  }

  function pushed(name, msg) {
    // HTML that came with the event, if it is for what this page shows now (the roster page may have
    // changed since the socket was told).
    var html = msg.html && msg.html[name];
    if (typeof html !== "string") return false;
    if (name === "roster" && msg.page !== rosterPage) return false;
    var el = container(name);
    if (!el || el.hasAttribute("data-lazy")) return true;  // not shown: nothing to do
    apply(name, el, html);
    return true;
  }

  function watch() {
    // Tell the socket what this page shows, so events bring that HTML along.
    if (!socket || socket.readyState !== 1) return;
    var bracket = container("bracket");
    socket.send(JSON.stringify({
      action: "watch", roster: container("roster") ? rosterPage : null,
      bracket: !!(bracket && !bracket.hasAttribute("data-lazy")), announcements: !!container("announcements"),
      lang: cfg.lang || undefined
    }));
  }

  function schedule(name) {
    // Coalesce bursts (a bracket update touches many matches) into one fetch per fragment.
    if (timers[name]) return;
    timers[name] = setTimeout(function () { timers[name] = null; refresh(name); }, 150);
  }

  function refreshAll() {
    Object.keys(cfg.fragments).forEach(schedule);
  }

  function startPolling() {
    if (pollTimer) return;
    pollTimer = setInterval(refreshAll, (cfg.pollSeconds || 10) * 1000);
  }

  function stopPolling() {
    if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
  }

  function connect() {
    var proto = location.protocol === "https:" ? "wss:" : "ws:";
    try {
      socket = new WebSocket(proto + "//" + location.host + cfg.ws);
    } catch (e) {
      setStatus("polling");
      startPolling();
      return;
    }
    socket.onopen = function () {
      attempt = 0;
      stopPolling();
      setStatus("live");
      watch();
      if (everConnected) refreshAll();  // catch up on what happened while we were away
      everConnected = true;
    };
    socket.onmessage = function (e) {
      var msg;
      try { msg = JSON.parse(e.data); } catch (err) { return; }
      if (!msg || !msg.event) return;
      changedBy(msg).forEach(function (name) { if (!pushed(name, msg)) schedule(name); });
    };
    socket.onclose = function (e) {
      socket = null;
      startPolling();
      if (e.code === 4403 || e.code === 4404) { setStatus("polling"); return; }  // refused: polling only
      setStatus(attempt >= 3 ? "polling" : "reconnecting");
      var delay = Math.min(30000, 1000 * Math.pow(2, attempt)) * (0.5 + Math.random() / 2);
      attempt += 1;
      setTimeout(connect, delay);
    };
  }

  // Forms: remember which ones hold input, so live refreshes wait for them.
  document.addEventListener("input", function (e) {
    var form = e.target.closest && e.target.closest("form");
    if (form) form.setAttribute("data-dirty", String(Date.now()));
  });
  function flushDeferred() {
    Object.keys(deferred).forEach(function (name) {
      var el = container(name);
      if (el && !busy(el)) { delete deferred[name]; schedule(name); }
    });
  }
  document.addEventListener("focusout", function () { setTimeout(flushDeferred, 500); });
  setInterval(flushDeferred, 5000);

  // On-demand fragments: fetched when their link is followed or their section comes into view.
  (cfg.lazy || []).forEach(function (name) {
    var el = container(name);
    if (!el) return;
    el.addEventListener("click", function (e) {
      var link = e.target.closest && e.target.closest("[data-load-fragment]");
      if (!link) return;
      e.preventDefault();
      refresh(name, true);
    });
    if ("IntersectionObserver" in window) {
      var seen = new IntersectionObserver(function (entries) {
        if (entries.some(function (x) { return x.isIntersecting; })) { seen.disconnect(); refresh(name, true); }
      });
      seen.observe(el);
    }
  });

  // Roster pages: fetched in place; live refreshes then keep that page.
  var rosterEl = container("roster");
  if (rosterEl) {
    rosterEl.addEventListener("click", function (e) {
      var link = e.target.closest && e.target.closest("a[data-roster-page]");
      if (!link) return;
      e.preventDefault();
      rosterPage = Number(link.getAttribute("data-roster-page")) || 1;
      refresh("roster");
      watch();
    });
  }
  markMine(document);

  // Countdown to the next match.
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var at = Date.parse(el.getAttribute("data-countdown"));
      if (isNaN(at)) return;
      var s = Math.round((at - now) / 1000);
      if (s <= 0) { el.textContent = cfg.i18n.now; return; }
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
      var u = cfg.i18n;
      var text = (h ? h + " " + u.h + " " : "") + (h || m ? m + " " + u.min + " " : "") + sec + " " + u.s;
      el.textContent = cfg.i18n.startsIn.replace("%(t)s", text);
    });
  }
  setInterval(tick, 1000);
  tick();

  if ("WebSocket" in window) {
    setStatus("reconnecting");
    connect();
  } else {
    setStatus("polling");
    startPolling();
  }
})();
