/* Lobby live updates: a WebSocket tells which part of the page changed; the page re-fetches that
   server-rendered fragment. Reconnects with exponential backoff (1 s … 30 s, jittered); while the
   socket is down, every fragment is polled every 10 s. Without JavaScript the page still works
   (every action is a plain form).
   Shared fragments (roster, bracket) are the same HTML for everyone (cached by the server): the
   participant's own row and matches are highlighted here. The roster comes a page at a time; the
   bracket is fetched only once its section is opened or scrolled into view. */
(function () {
  "use strict";
  var configEl = document.getElementById("lobby-config");
  if (!configEl) return;
  var cfg = JSON.parse(configEl.textContent);
  var EVENTS = {
    "roster.updated": ["roster", "header"],
    "announcement.new": ["announcements"],
    "match.updated": ["my-match", "bracket"],
    "bracket.updated": ["my-match", "bracket"],
    "tournament.updated": ["header"],
    "notification.new": ["notifications"]
  };
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

  function refresh(name, force) {
    var el = container(name);
    var url = fragmentUrl(name);
    if (!el || !url) return;
    if (el.hasAttribute("data-lazy") && !force) return;  // not asked for yet: nothing to keep fresh
    if (busy(el)) { deferred[name] = true; return; }
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" }, cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        if (busy(el)) { deferred[name] = true; return; }
        el.innerHTML = html;  // server-rendered and escaped by Django's templates
        el.removeAttribute("data-lazy");
        markMine(el);
        el.setAttribute("data-refreshed", String(Date.now()));
        tick();
      })
      .catch(function () { /* the next event or poll tries again */ });
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
      if (everConnected) refreshAll();  // catch up on what happened while we were away
      everConnected = true;
    };
    socket.onmessage = function (e) {
      var msg;
      try { msg = JSON.parse(e.data); } catch (err) { return; }
      var names = msg && EVENTS[msg.event];
      if (names) names.forEach(schedule);
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
