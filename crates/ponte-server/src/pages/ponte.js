// ponte pages: talks to the portal that frames the page, and a few
// niceties. Every page works without this file.
//
// Two ways to talk, both to the allowlisted portal origin only (the server
// leaves data-parent-origin empty unless server.embed_domains allows the
// page's embed_domain; never to any origin):
//  - Looker's Embed SDK (@looker/embed-sdk 1.x and 2.x, over @looker/chatty):
//    the page opens a MessageChannel and sends the parent a Syn with one
//    port; once the SDK answers SynAck and the page Acks, events go over
//    the port, and the SDK's actions (run, filters:update, load, …) come
//    back on it. A page loaded anew in the frame connects again; the SDK
//    keeps its connection object across the reload.
//  - Looker's older message API: every event also goes to the parent as a
//    JSON string, for portals that listen to raw messages.
(function () {
  "use strict";
  var body = document.body;
  var origin = body.getAttribute("data-parent-origin");
  var data = document.getElementById("ponte-events");
  var events = [];
  try { events = JSON.parse(data ? data.textContent : "[]"); } catch (e) { events = []; }
  var framed = !!origin && window.parent !== window;
  // A cookieless session's page: its navigation token is in the URL, and
  // the newest one comes from the host (the Embed SDK's session:tokens).
  var cookieless = body.getAttribute("data-cookieless") === "1";
  var TOKEN = "embed_navigation_token";
  var navigationToken = new URL(window.location.href).searchParams.get(TOKEN);
  var renewal = null;

  // chatty's message kinds: what the page sends, and what the host sends.
  var PAGE = { SYN: 0, ACK: 1, MESSAGE: 2, REQUEST: 3, RESPONSE: 4, RESPONSE_ERROR: 5 };
  var HOST = { SYN_ACK: 0, MESSAGE: 1, REQUEST: 2, RESPONSE: 3, RESPONSE_ERROR: 4 };
  var port = null;
  var connected = false;
  var waiting = [];
  var leaving = null;
  var FILTERS_CHANGED = "ponte:filters-changed";

  function legacy(event) {
    if (framed) { window.parent.postMessage(JSON.stringify(event), origin); }
  }

  // Events wait for the handshake: the SDK handles nothing before it.
  function send(message) {
    if (!port) { return; }
    if (connected) { port.postMessage(message); } else { waiting.push(message); }
  }

  function emit(event) {
    legacy(event);
    send({ action: PAGE.MESSAGE, data: { eventName: event.type, payload: [event] } });
  }

  function reply(request, payload, ok) {
    port.postMessage({
      action: ok ? PAGE.RESPONSE : PAGE.RESPONSE_ERROR,
      data: { eventName: request.eventName, payload: payload, sequence: request.sequence }
    });
  }

  // Requests to the host (chatty's sendAndReceive): `then` gets the
  // answers of the host's handlers, or null when there is no host, it
  // refused, or it said nothing within two seconds.
  var asked = {};
  var sequence = 0;
  function ask(event, then) {
    if (!port || !connected) { then(null); return; }
    var seq = ++sequence;
    var timer = window.setTimeout(function () {
      if (asked[seq]) { delete asked[seq]; then(null); }
    }, 2000);
    asked[seq] = function (answers) { window.clearTimeout(timer); then(answers); };
    port.postMessage({ action: PAGE.REQUEST, data: { eventName: event.type, payload: [event], sequence: seq } });
  }

  function first(payload) {
    return Array.isArray(payload) ? payload[0] : payload;
  }

  // The page's own URL with `changes` applied (a value of null removes).
  function withParams(changes) {
    var url = here();
    if (cookieless && navigationToken) { url.searchParams.set(TOKEN, navigationToken); }
    Object.keys(changes).forEach(function (key) {
      if (changes[key] === null) { url.searchParams.delete(key); } else { url.searchParams.set(key, changes[key]); }
    });
    return url.pathname + url.search;
  }

  // Another page in the frame: replies go out first (the SDK waits for
  // them), then the new page loads and connects again.
  // The page being left for, once a navigation started: later actions
  // build on it (filters then run: the run loads the filtered page).
  function go(path, marker) {
    if (marker) {
      try { window.sessionStorage.setItem(marker, "1"); } catch (e) { /* storage blocked: no filters:changed */ }
    }
    leaving = path;
    body.classList.add("running");
    window.setTimeout(function () { if (leaving === path) { window.location.assign(path); } }, 0);
  }

  function here() {
    return new URL(leaving || window.location.href, window.location.href);
  }

  function rerun() {
    if (!leaving) { go(withParams({})); }
  }

  // An /embed/ page of this server, nothing else (no scheme, no //host):
  // the path and query to load, or null.
  function embedPath(url) {
    if (typeof url !== "string" || url.charAt(0) !== "/" || url.charAt(1) === "/" || url.indexOf("\\") >= 0) {
      return null;
    }
    var resolved = new URL(url, window.location.origin);
    if (resolved.origin !== window.location.origin || resolved.pathname.indexOf("/embed/") !== 0) { return null; }
    return resolved.pathname + resolved.search;
  }

  // What the SDK can send. Unknown actions are ignored, as Looker does.
  function act(name, payload) {
    switch (name) {
      case "dashboard:run":
      case "look:run":
      case "explore:run":
        rerun();
        break;
      case "dashboard:stop":
        window.stop();
        break;
      case "dashboard:filters:update":
        updateDashboardFilters(payload && payload.filters);
        break;
      case "session:tokens":
        takeTokens(payload);
        break;
      case "look:filters:update":
      case "explore:filters:update":
        updateFieldFilters(payload && payload.filters);
        break;
      default:
        break;
    }
  }

  // Dashboard filters by name; names the dashboard does not have are
  // ignored (the server would refuse the page), and the page reloads with
  // the new values, its tiles run again with the viewer's access filters.
  function updateDashboardFilters(filters) {
    if (!filters || typeof filters !== "object") { return; }
    var known = dashboardFilters();
    var changes = {};
    Object.keys(filters).forEach(function (name) {
      if (Object.prototype.hasOwnProperty.call(known, name)) {
        changes[name] = String(filters[name] === null || filters[name] === undefined ? "" : filters[name]);
      }
    });
    if (Object.keys(changes).length) { go(withParams(changes), FILTERS_CHANGED); }
  }

  // A look's or explore's filters by field: `f[view.field]=expression`.
  function updateFieldFilters(filters) {
    if (!filters || typeof filters !== "object") { return; }
    var changes = {};
    Object.keys(filters).forEach(function (field) {
      if (/^[A-Za-z0-9_]+\.[A-Za-z0-9_]+$/.test(field)) {
        changes["f[" + field + "]"] = String(filters[field] === null || filters[field] === undefined ? "" : filters[field]);
      }
    });
    if (Object.keys(changes).length) { go(withParams(changes)); }
  }

  // Cookieless: ask the host for tokens, keep the newest navigation token
  // on every link and form, and ask again before it expires.
  function requestTokens() {
    send({ action: PAGE.MESSAGE, data: { eventName: "session:tokens:request", payload: [{}] } });
  }

  function takeTokens(tokens) {
    if (!cookieless || !tokens || typeof tokens.navigation_token !== "string" || !tokens.navigation_token) { return; }
    navigationToken = tokens.navigation_token;
    Array.prototype.forEach.call(document.querySelectorAll("a[href]"), function (a) {
      var url = new URL(a.getAttribute("href"), window.location.href);
      if (url.origin === window.location.origin && url.searchParams.has(TOKEN)) {
        url.searchParams.set(TOKEN, navigationToken);
        a.setAttribute("href", url.pathname + url.search);
      }
    });
    Array.prototype.forEach.call(document.querySelectorAll("input[name=" + TOKEN + "]"), function (input) {
      input.value = navigationToken;
    });
    var ttl = Number(tokens.navigation_token_ttl) || 0;
    window.clearTimeout(renewal);
    if (ttl > 0 && tokens.session_reference_token_ttl !== 0) {
      renewal = window.setTimeout(requestTokens, Math.max(30, ttl - 60) * 1000);
    }
  }

  function dashboardFilters() {
    for (var i = 0; i < events.length; i++) {
      if (events[i].dashboard && events[i].dashboard.dashboard_filters) { return events[i].dashboard.dashboard_filters; }
    }
    return {};
  }

  // Requests (the SDK waits for an answer): loads, and the rest refused.
  function answer(request) {
    var payload = first(request.payload) || {};
    var keep = {};
    new URL(window.location.href).searchParams.forEach(function (value, key) {
      if (key === "embed_domain" || key === "sdk" || key === "theme") { keep[key] = value; }
    });
    if (cookieless && navigationToken) { keep[TOKEN] = navigationToken; }
    switch (request.eventName) {
      case "dashboard:load": {
        var id = payload.id === undefined || payload.id === null ? "" : String(payload.id);
        if (!id) { reply(request, "Error: dashboard:load needs an id", false); return; }
        var query = new URLSearchParams(keep).toString();
        reply(request, [], true);
        go(body.getAttribute("data-prefix") + "/dashboards/" + encodeURIComponent(id) + (query ? "?" + query : ""));
        return;
      }
      case "page:load": {
        var target = embedPath(payload.url);
        if (!target) { reply(request, "Error: page:load takes an /embed/ path of this server", false); return; }
        if (cookieless && navigationToken) {
          var next = new URL(target, window.location.origin);
          next.searchParams.set(TOKEN, navigationToken);
          target = next.pathname + next.search;
        }
        reply(request, [], true);
        go(target);
        return;
      }
      default:
        reply(request, "Error: " + String(request.eventName) + " is not supported by ponte", false);
    }
  }

  function onHostMessage(event) {
    var message = event.data;
    if (!message || typeof message !== "object") { return; }
    var d = message.data || {};
    if (message.action === HOST.SYN_ACK) {
      port.postMessage({ action: PAGE.ACK, data: {} });
      connected = true;
      var queued = waiting;
      waiting = [];
      queued.forEach(function (m) { port.postMessage(m); });
      reportHeight();
      if (cookieless) { requestTokens(); }
    } else if (message.action === HOST.MESSAGE && connected) {
      act(d.eventName, first(d.payload));
    } else if (message.action === HOST.REQUEST && connected && typeof d.sequence === "number") {
      answer(d);
    } else if ((message.action === HOST.RESPONSE || message.action === HOST.RESPONSE_ERROR) && asked[d.sequence]) {
      var done = asked[d.sequence];
      delete asked[d.sequence];
      done(message.action === HOST.RESPONSE ? d.payload : null);
    }
  }

  if (framed && window.MessageChannel) {
    var channel = new MessageChannel();
    port = channel.port1;
    port.onmessage = onHostMessage;
    window.parent.postMessage({ action: PAGE.SYN }, origin, [channel.port2]);
  }

  var changed = false;
  try {
    changed = window.sessionStorage.getItem(FILTERS_CHANGED) === "1";
    window.sessionStorage.removeItem(FILTERS_CHANGED);
  } catch (e) { changed = false; }
  events.forEach(function (event) {
    emit(event);
    if (changed && event.type === "dashboard:loaded") {
      emit({ type: "dashboard:filters:changed", dashboard: event.dashboard });
    }
  });

  // The page's height, so a host can size its frame to it.
  var lastHeight = 0;
  function reportHeight() {
    var height = document.documentElement.scrollHeight;
    if (height !== lastHeight) {
      lastHeight = height;
      emit({ type: "page:properties:changed", height: height });
    }
  }
  if (framed && window.ResizeObserver) {
    var timer = null;
    new ResizeObserver(function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(reportHeight, 100);
    }).observe(body);
  }

  // A form that is being submitted says so, and cannot be sent twice.
  Array.prototype.forEach.call(document.querySelectorAll("form.controls"), function (form) {
    form.addEventListener("submit", function () {
      var kind = form.getAttribute("data-kind");
      if (kind) { emit({ type: kind + ":run:start" }); }
      if (kind === "dashboard") {
        try { window.sessionStorage.setItem(FILTERS_CHANGED, "1"); } catch (e) { /* storage blocked */ }
      }
      body.classList.add("running");
      Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (b) {
        b.disabled = true;
      });
    });
  });

  // A drill link (a bar, point, figure or cell of a drillable measure)
  // opens Looker's drill menu where it was clicked: the rows behind the
  // mark, and the measure by each of its drill fields (the tile's cell
  // lists them in data-drill-by). Choosing an entry tells the host first,
  // as Looker does: a handler of `drillmenu:click` that answers
  // { cancel: true } keeps the page where it is (the host shows the rows
  // its own way). Unframed, or with no answer, the entry is followed.
  // Without this file the mark's link opens the drill page, which lists
  // the same entries.
  var menu = null;

  function closeMenu(focusBack) {
    if (!menu) { return; }
    // Cleared first: removing the focused menu may fire its focusout.
    var closing = menu;
    menu = null;
    if (closing.parentNode) { closing.parentNode.removeChild(closing); }
    if (focusBack && closing.from && closing.from.focus) { closing.from.focus(); }
  }

  // The entries the server listed for the mark's measure (an empty field
  // is the rows); null when it listed none (the link opens the page).
  function drillEntries(link) {
    var cell = link.closest("[data-drill-by]");
    var menus = {};
    try { menus = cell ? JSON.parse(cell.getAttribute("data-drill-by")) : {}; } catch (err) { menus = {}; }
    var url = new URL(link.getAttribute("href"), window.location.href);
    var listed = menus[url.searchParams.get("dimension") || url.searchParams.get("measure")];
    if (!Array.isArray(listed) || !listed.length) { return null; }
    // A field the mark already pins (its month, say) has one group: no entry.
    listed = listed.filter(function (pair) {
      return !pair[0] || !url.searchParams.has("drill[" + pair[0] + "]");
    });
    return listed.map(function (pair) {
      if (pair[0]) { url.searchParams.set("by", pair[0]); } else { url.searchParams.delete("by"); }
      return { label: String(pair[1]), href: url.pathname + url.search };
    });
  }

  function openMenu(link, entries, x, y) {
    closeMenu(false);
    menu = document.createElement("div");
    menu.className = "drill-popup";
    menu.setAttribute("role", "menu");
    menu.from = link;
    var heading = document.createElement("p");
    heading.className = "drill-popup-title";
    heading.textContent = link.getAttribute("data-label") || "";
    menu.appendChild(heading);
    entries.forEach(function (entry) {
      var a = document.createElement("a");
      a.className = "drill-entry";
      a.setAttribute("role", "menuitem");
      a.setAttribute("href", entry.href);
      a.setAttribute("data-label", link.getAttribute("data-label") || "");
      a.textContent = entry.label;
      menu.appendChild(a);
    });
    // Focus leaving the menu (Tab) closes it.
    menu.addEventListener("focusout", function (e) {
      if (menu && !(e.relatedTarget && menu.contains(e.relatedTarget))) { closeMenu(false); }
    });
    body.appendChild(menu);
    var width = menu.offsetWidth;
    var left = Math.min(x + window.scrollX, window.scrollX + document.documentElement.clientWidth - width - 8);
    menu.style.left = Math.max(window.scrollX + 4, left) + "px";
    menu.style.top = (y + window.scrollY + 4) + "px";
    var first = menu.querySelector("a");
    if (first) { first.focus(); }
  }

  document.addEventListener("keydown", function (e) {
    if (!menu) { return; }
    if (e.key === "Escape") { closeMenu(true); return; }
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      var items = Array.prototype.slice.call(menu.querySelectorAll("a"));
      var at = items.indexOf(document.activeElement);
      var next = e.key === "ArrowDown" ? (at + 1) % items.length
        : (at < 0 ? items.length - 1 : (at - 1 + items.length) % items.length);
      items[next].focus();
      e.preventDefault();
    }
  });

  document.addEventListener("click", function (e) {
    var target = e.target;
    // A cross-filter (a chart's mark, or its chip's ✕) changes the
    // dashboard's filters: the page it loads says so to the host.
    if (target && target.closest && target.closest("a.crossfilter, a.chip-clear")) {
      try { window.sessionStorage.setItem(FILTERS_CHANGED, "1"); } catch (err) { /* storage blocked */ }
      return;
    }
    var plain = !e.defaultPrevented && e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey;
    var mark = target && target.closest ? target.closest("a.drill") : null;
    var entries = mark && plain ? drillEntries(mark) : null;
    // A menu of one entry (the rows) is no choice: the link is followed.
    if (entries && entries.length > 1) {
      e.preventDefault();
      var box = mark.getBoundingClientRect();
      openMenu(mark, entries, e.clientX || box.left, e.clientY || box.bottom);
      return;
    }
    var entry = target && target.closest ? target.closest("a.drill-entry, a.drill") : null;
    if (!entry) {
      if (menu && !(target && target.closest && target.closest(".drill-popup"))) { closeMenu(false); }
      return;
    }
    if (!plain) { return; }
    e.preventDefault();
    var href = entry.getAttribute("href");
    var from = menu ? menu.from : entry;
    closeMenu(false);
    // The host hears the drill's URL without the session's navigation token.
    var shown = new URL(href, window.location.href);
    shown.searchParams.delete(TOKEN);
    var event = {
      type: "drillmenu:click",
      label: entry.getAttribute("data-label") || "",
      link_type: "drill",
      url: shown.pathname + shown.search,
      modal: false,
      context: "dashboard",
      addFilterJson: null
    };
    if (!framed) { go(href); return; }
    legacy(event);
    ask(event, function (answers) {
      var cancelled = Array.isArray(answers) && answers.some(function (a) { return a && a.cancel === true; });
      if (!cancelled) { go(href); } else if (from && from.focus) { from.focus(); }
    });
  });

  // A text filter's values, searched as the user types (Looker's
  // suggestions): the page carries the first 100; typing asks the server
  // for the values containing the text, under the viewer's access filters.
  Array.prototype.forEach.call(document.querySelectorAll("input[data-suggest][list]"), function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var form = input.form;
    if (!list || !form || !window.fetch) { return; }
    var timer = null;
    var asked = "";
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var term = input.value;
        if (term === asked) { return; }
        asked = term;
        var url = new URL(form.getAttribute("action") + "/filters/" + input.getAttribute("data-suggest") + "/suggestions",
          window.location.href);
        url.searchParams.set("term", term);
        if (cookieless && navigationToken) { url.searchParams.set(TOKEN, navigationToken); }
        window.fetch(url.pathname + url.search, { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (found) {
            if (!found || !Array.isArray(found.values) || asked !== term) { return; }
            while (list.firstChild) { list.removeChild(list.firstChild); }
            found.values.forEach(function (value) {
              var option = document.createElement("option");
              option.value = String(value);
              list.appendChild(option);
            });
          })
          .catch(function () { /* the list stays as it was */ });
      }, 250);
    });
  });

  // Explore: a change of chart type redraws at once.
  Array.prototype.forEach.call(document.querySelectorAll("select[data-autosubmit]"), function (select) {
    select.addEventListener("change", function () {
      if (select.form.requestSubmit) { select.form.requestSubmit(); } else { select.form.submit(); }
    });
  });
})();
