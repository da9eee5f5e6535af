"""Looker's own Embed SDK, unmodified from npm, against ponte's pages.

Run by embed_sdk.rs. ponte serves HTTPS (Embed SDK 2.x loads only
`https://<host>`) with a certificate made for the test; this script serves
a portal of its own on another port: a host page that loads the SDK's
published bundle (`@looker/embed-sdk` 1.8.7 or 2.0.8, `dist/main.js`) and
an auth endpoint that signs embed URLs the way Looker's documentation
describes (the SDK's signed-embedding flow). Headless Chromium opens the
host page; the checks: `connect()` resolves, every `.on(...)` handler fires
with Looker's payload shapes, `updateFilters` + `run` re-run the tiles and
the numbers in the frame equal DuckDB's for the new filter and that
customer, 2.x's `loadDashboard` loads a page over the connection, and a host
whose origin is not allowlisted gets no handshake.

Usage: embed_sdk_suite.py LANDING_DIR   (env: PONTE_BASE (https), PONTE_EMBED_SECRET,
PONTE_JS_MODULES, PORTAL_PORT)
"""

import http.server
import json
import os
import re
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse

import duckdb
import requests
import urllib3
from looker_signing import sign_url
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

urllib3.disable_warnings()  # ponte's certificate is the test's own
LANDING = sys.argv[1]
BASE = os.environ["PONTE_BASE"]
HOST = BASE.split("://", 1)[1]
SECRET = os.environ["PONTE_EMBED_SECRET"]
MODULES = os.environ["PONTE_JS_MODULES"]
PORTAL_PORT = int(os.environ["PORTAL_PORT"])
PORTAL = f"http://localhost:{PORTAL_PORT}"
FOREIGN = f"http://127.0.0.1:{PORTAL_PORT}"  # the same server, an origin not in embed_domains
FATURAS = f"read_parquet('{LANDING}/objeto_dados_energia_gestao_faturas_v2/*.parquet')"
UNIDADES = f"read_parquet('{LANDING}/objeto_unidades_atributos/*.parquet')"
PERMISSIONS = ["access_data", "see_user_dashboards", "see_looks", "explore"]
# Screenshots, kept by CI as artifacts (the repository's test-artifacts/).
ARTIFACTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "test-artifacts")


def truth_cost(customer, year=None):
    where = f"id_cliente = {customer}" + (f" AND year(mes_referencia) = {year}" if year else "")
    return duckdb.sql(f"SELECT sum(valor_total)::DOUBLE FROM {FATURAS} WHERE {where}").fetchall()[0][0]


def pt_number(text):
    """`R$ 1.234,56` → 1234.56"""
    return float(re.sub(r"[^0-9,\-]", "", text).replace(",", "."))


# ── The portal: a host page, the SDK bundles, an auth endpoint ───────────


def sign(target, customer):
    """A signed login URL for `target`, as Looker's documentation describes."""
    return sign_url(BASE, SECRET, target, f"portal-user-{customer}", {"id_cliente": str(customer)}, PERMISSIONS,
                    session_length=3600)


HOST_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>portal</title></head>
<body>
<div id="dashboard"></div>
<script src="/sdk__VERSION__.js"></script>
<script>
  // What the tests read: every event the SDK handed to a handler, and the connection.
  window.seen = [];
  window.connected = false;
  var record = function (name) { return function (event) { window.seen.push({ name: name, event: event }); }; };
  var names = ["page:changed", "page:properties:changed", "dashboard:loaded", "dashboard:run:start",
               "dashboard:run:complete", "dashboard:filters:changed", "dashboard:tile:start", "dashboard:tile:complete",
               "look:ready", "look:run:start", "look:run:complete", "explore:ready", "explore:run:start",
               "explore:run:complete"];
  var kind = "__KIND__";
  var builder;
  var cookieless = "__MODE__" === "cookieless";
  if (__VERSION__ === 1) {
    var sdk = window.LookerEmbedSDK.LookerEmbedSDK;
    if (cookieless) {
      sdk.initCookieless("__HOST__", "/acquire/__CUSTOMER__", "/generate/__CUSTOMER__");
    } else {
      sdk.init("__BASE__", "/auth/__CUSTOMER__");
    }
    builder = sdk.createDashboardWithId("__DASHBOARD__");
  } else {
    var sdk2 = window.LookerEmbedSDK.getEmbedSDK();
    if (cookieless) {
      sdk2.initCookieless("__HOST__", "/acquire/__CUSTOMER__", "/generate/__CUSTOMER__");
    } else {
      sdk2.init("__HOST__", "/auth/__CUSTOMER__");
    }
    builder = kind === "look" ? sdk2.createLookWithId("1")
      : kind === "explore" ? sdk2.createExploreWithId("comerc::faturas")
      : sdk2.createDashboardWithId("__DASHBOARD__");
  }
  builder = builder.appendTo("#dashboard").withDynamicIFrameHeight();
  if ("__THEME__") { builder = builder.withTheme("__THEME__"); }
  names.forEach(function (name) { builder = builder.on(name, record(name)); });
  // The host may take a drill over: it answers { cancel: true } while told to.
  window.drills = [];
  builder = builder.on("drillmenu:click", function (event) {
    window.drills.push(event);
    return window.cancelDrills ? { cancel: true } : undefined;
  });
  builder.build().connect().then(function (connection) {
    window.connection = connection;
    window.connected = true;
  }).catch(function (e) { window.connectError = String(e); });
</script>
</body></html>
"""


class Portal(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/host.html":
            page = (HOST_PAGE.replace("__VERSION__", str(int(query["sdk"])))
                    .replace("__CUSTOMER__", str(int(query["customer"]))).replace("__BASE__", BASE)
                    .replace("__HOST__", HOST).replace("__MODE__", query.get("mode", "signed"))
                    .replace("__KIND__", query.get("kind", "dashboard"))
                    .replace("__THEME__", re.sub(r"[^a-z]", "", query.get("theme", "")))
                    .replace("__DASHBOARD__", re.sub(r"[^a-z_]", "", query.get("dashboard", "visao_geral"))))
            return self.reply(200, page, "text/html; charset=utf-8")
        if url.path in ("/sdk1.js", "/sdk2.js"):
            bundle = os.path.join(MODULES, f"embed-sdk-{url.path[4]}", "dist", "main.js")
            with open(bundle, "rb") as f:
                return self.reply(200, f.read(), "text/javascript")
        m = re.fullmatch(r"/acquire/(\d+)", url.path)
        if m:
            # Cookieless: the portal's server acquires the session with its
            # API client, forwarding the browser's user agent, and keeps the
            # session's reference token to itself.
            customer = int(m.group(1))
            answer = ponte_api("POST", "/api/4.0/embed/cookieless_session/acquire", customer, self.headers["User-Agent"], {
                "external_user_id": f"cookieless-user-{customer}", "session_length": 3600, "models": ["comerc"],
                "permissions": PERMISSIONS, "user_attributes": {"id_cliente": str(customer)},
                "session_reference_token": REFERENCES.get(customer),
            })
            REFERENCES[customer] = answer.pop("session_reference_token")
            COUNTS["acquire"] += 1
            return self.reply(200, json.dumps(answer), "application/json")
        m = re.fullmatch(r"/auth/(\d+)", url.path)
        if m:
            # The SDK's auth call: ?src=<the embed path it will load>.
            src = query.get("src", "")
            assert src.startswith("/embed/"), src
            return self.reply(200, json.dumps({"url": sign(src, int(m.group(1)))}), "application/json")
        self.reply(404, "not found", "text/plain")

    def do_PUT(self):
        m = re.fullmatch(r"/generate/(\d+)", urllib.parse.urlparse(self.path).path)
        if not m:
            return self.reply(404, "not found", "text/plain")
        customer = int(m.group(1))
        tokens = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        answer = ponte_api("PUT", "/api/4.0/embed/cookieless_session/generate_tokens", customer,
                           self.headers["User-Agent"], {"session_reference_token": REFERENCES[customer], **tokens})
        answer.pop("session_reference_token", None)
        COUNTS["generate"] += 1
        self.reply(200, json.dumps(answer), "application/json")


# The portal's server side of cookieless embedding: one API client per
# customer (each may act only for its own customer), the reference tokens
# it keeps, and how often the SDK made it call ponte.
CLIENT_OF = {1: "A", 2: "B"}
REFERENCES = {}
COUNTS = {"acquire": 0, "generate": 0}


def ponte_api(method, path, customer, user_agent, body):
    client = CLIENT_OF[customer]
    login = requests.post(f"{BASE}/api/4.0/login", verify=False, data={
        "client_id": os.environ[f"{client}_ID"], "client_secret": os.environ[f"{client}_SECRET"]})
    token = login.json()["access_token"]
    r = requests.request(method, BASE + path, json=body, verify=False,
                         headers={"Authorization": f"token {token}", "User-Agent": user_agent})
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return r.json()


server = http.server.ThreadingHTTPServer(("127.0.0.1", PORTAL_PORT), Portal)
threading.Thread(target=server.serve_forever, daemon=True).start()

# ── The browser ──────────────────────────────────────────────────────────

options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-dev-shm-usage", "--window-size=1280,1800", "--ignore-certificate-errors",
             f"--user-data-dir={tempfile.mkdtemp()}"]:
    options.add_argument(flag)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.set_page_load_timeout(120)
driver.set_script_timeout(60)


def seen(name=None):
    events = driver.execute_script("return window.seen || []")
    return [e["event"] for e in events if name is None or e["name"] == name]


def wait_for(predicate, what, timeout=90):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.2).until(lambda d: predicate())
    except Exception as e:
        names = [e["name"] for e in driver.execute_script("return window.seen || []")]
        raise AssertionError(f"{what}: not within {timeout} s; events so far: {names}") from e


def frame_values():
    """The single values the dashboard in the frame shows."""
    driver.switch_to.frame(driver.find_element(By.CSS_SELECTOR, "#dashboard iframe"))
    try:
        # A shortened figure (`R$ 1,2 mi`) keeps the whole one as its title.
        return [p.get_attribute("title") or p.text for p in driver.find_elements(By.CSS_SELECTOR, "p.sv-value")]
    finally:
        driver.switch_to.default_content()


def check_sdk(version, customer, mode="signed"):
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    driver.get(f"{PORTAL}/host.html?sdk={version}&customer={customer}&mode={mode}")
    wait_for(lambda: driver.execute_script("return window.connected"), f"SDK {version}: connect() resolved")
    wait_for(lambda: seen("dashboard:run:complete"), f"SDK {version}: dashboard:run:complete")
    # Every handler fired, with Looker's shapes.
    page = seen("page:changed")[0]["page"]
    assert page["url"].startswith("/embed/dashboards/visao_geral") and page["absoluteUrl"].startswith(BASE), page
    assert page["type"] == "dashboards" and page["lookerVersion"], page
    loaded = seen("dashboard:loaded")[0]["dashboard"]
    assert loaded["id"] == "comerc::visao_geral" and loaded["title"] == "Visão geral", loaded
    assert set(loaded["dashboard_filters"]) == {"Mês", "Unidade"}, loaded["dashboard_filters"]
    assert len(seen("dashboard:tile:start")) == 6 and len(seen("dashboard:tile:complete")) == 6
    tile = seen("dashboard:tile:complete")[0]
    assert tile["tile"]["title"] == "Custo total" and tile["status"] == "complete", tile
    complete = seen("dashboard:run:complete")[0]
    assert complete["status"] == "complete" and len(complete["tileStatuses"]) == 6, complete
    assert all(t["status"] == "complete" and t["tileId"] for t in complete["tileStatuses"]), complete
    # The page reports its height; withDynamicIFrameHeight sizes the frame to
    # it (1.x keeps page:properties:changed for itself, 2.x passes it on too).
    frame_height = lambda: driver.execute_script(
        "return parseInt(document.querySelector('#dashboard iframe').style.height || '0', 10)")
    wait_for(lambda: frame_height() > 100, "withDynamicIFrameHeight sized the frame")
    if version == 2:
        heights = [e["height"] for e in seen("page:properties:changed")]
        assert heights and heights[-1] == frame_height(), (heights, frame_height())
    values = frame_values()
    assert abs(pt_number(values[0]) - round(truth_cost(customer), 2)) < 0.006, (values, truth_cost(customer))
    # The host drives the page: new filters, then a run.
    before = len(seen("dashboard:run:complete"))
    drive = ("window.connection.updateFilters({'Mês': '2024'}); window.connection.run();" if version == 1 else
             "var d = window.connection.asDashboardConnection(); d.updateFilters({'Mês': '2024'}); d.run();")
    driver.execute_script(drive)
    wait_for(lambda: len(seen("dashboard:run:complete")) > before, f"SDK {version}: the tiles ran again")
    rerun = seen("dashboard:run:complete")[-1]
    assert rerun["dashboard"]["dashboard_filters"]["Mês"] == "2024", rerun["dashboard"]["dashboard_filters"]
    changed = seen("dashboard:filters:changed")
    assert changed and changed[-1]["dashboard"]["dashboard_filters"]["Mês"] == "2024", changed
    values = frame_values()
    assert abs(pt_number(values[0]) - round(truth_cost(customer, 2024), 2)) < 0.006, (values, truth_cost(customer, 2024))
    # An unknown action and a malformed one change nothing; the page still answers.
    driver.execute_script("window.connection.send && window.connection.send('dashboard:explode', {x: 1});")
    if version == 2:
        # 2.x loads another page over the same connection (page:load, a request).
        before = len(seen("dashboard:loaded"))
        answer = driver.execute_async_script(
            "var done = arguments[0]; window.connection.loadDashboard('visao_geral').then("
            "function () { done(true); }, function (e) { done(String(e)); });")
        assert answer is True, answer
        wait_for(lambda: len(seen("dashboard:loaded")) > before, "loadDashboard loaded the dashboard")
        assert seen("page:changed")[-1]["page"]["url"].startswith("/embed/dashboards/visao_geral")
    if mode == "cookieless":
        # No cookie anywhere: the session lives in the frame's tokens.
        cookies = driver.execute_cdp_cmd("Network.getAllCookies", {})["cookies"]
        assert not [c for c in cookies if c["name"].startswith("ponte")], cookies
        frame_url = driver.execute_script("return document.querySelector('#dashboard iframe').src")
        assert "embed_authentication_token=" in frame_url, frame_url
    print(f"ok    Embed SDK {version}.x, {mode}: customer {customer}", flush=True)


def a_drill_tells_the_host_which_may_cancel_it(customer=2):
    """Embed SDK 2.x: clicking a bar sends `drillmenu:click`; a handler that
    answers { cancel: true } keeps the dashboard; without it the frame shows
    the rows behind the bar, DuckDB's rows for that customer and month."""
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    driver.get(f"{PORTAL}/host.html?sdk=2&customer={customer}")
    wait_for(lambda: driver.execute_script("return window.connected"), "drill: connect() resolved")
    wait_for(lambda: seen("dashboard:run:complete"), "drill: dashboard:run:complete")

    def in_frame(action):
        driver.switch_to.frame(driver.find_element(By.CSS_SELECTOR, "#dashboard iframe"))
        try:
            return action()
        finally:
            driver.switch_to.default_content()

    def choose(entry):
        """Clicks the last bar, checks the drill menu it opens, clicks `entry`."""
        def act():
            bars = driver.find_elements(By.CSS_SELECTOR, "[data-tile='4'] a.drill rect.mark")
            assert bars, "the bars of Custo por mês are drill links"
            driver.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true, view: window, clientX: 300, clientY: 300}))", bars[-1])
            wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, ".drill-popup a.drill-entry"), "the drill menu")
            entries = [a.text for a in driver.find_elements(By.CSS_SELECTOR, ".drill-popup a.drill-entry")]
            assert entries[0] == "Ver linhas" and "Por Unidade" in entries, entries
            assert not any(e.startswith("Por Mês de referência") for e in entries), "the bar pins its month"
            title = driver.find_element(By.CSS_SELECTOR, ".drill-popup-title").text
            assert title.startswith("Custo total · "), title
            link = next(a for a in driver.find_elements(By.CSS_SELECTOR, ".drill-popup a.drill-entry") if a.text == entry)
            driver.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true, view: window}))", link)
        in_frame(act)

    def frame_url():
        return in_frame(lambda: driver.execute_script("return window.location.pathname + window.location.search"))

    driver.execute_script("window.cancelDrills = true;")
    choose("Ver linhas")
    wait_for(lambda: driver.execute_script("return window.drills.length") >= 1, "drillmenu:click reached the host")
    drill = driver.execute_script("return window.drills[0]")
    assert drill["type"] == "drillmenu:click" and "/tiles/4/drill?" in drill["url"], drill
    assert drill["label"].startswith("Custo total · "), drill
    time.sleep(1.5)
    assert frame_url().startswith("/embed/dashboards/visao_geral?") or frame_url() == "/embed/dashboards/visao_geral", \
        f"a cancelled drill navigated: {frame_url()}"
    assert not in_frame(lambda: driver.find_elements(By.CSS_SELECTOR, ".drill-popup")), "the menu closed"

    # Not cancelled: the unit breakdown of that month opens in the frame.
    driver.execute_script("window.cancelDrills = false;")
    choose("Por Unidade")
    wait_for(lambda: "/tiles/4/drill?" in frame_url() and "by=unidades.nome_unidade" in frame_url(), "the breakdown opened")
    assert "by=unidades.nome_unidade" in driver.execute_script("return window.drills[1].url")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(drill["url"]).query)
    month = query["drill[faturas.mes_referencia_month]"][0]
    truth = [r[0] for r in duckdb.sql(
        f"""SELECT u.nome_unidade FROM {FATURAS} f JOIN {UNIDADES} u ON f.id_unidade = u.id_unidade
            WHERE f.id_cliente = {customer} AND strftime(f.mes_referencia, '%Y-%m') = '{month}'
            GROUP BY 1 ORDER BY sum(f.valor_total) DESC""").fetchall()]

    def shown_units():
        wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "table.data tbody tr"), "the breakdown's rows")
        return [tr.find_elements(By.CSS_SELECTOR, "td")[0].text
                for tr in driver.find_elements(By.CSS_SELECTOR, "table.data tbody tr")]

    units = in_frame(shown_units)
    assert units == truth[:500], (month, units[:3], truth[:3])
    ids = units
    print(f"ok    a drill menu tells the host, which may cancel it; customer {customer}, {month}: {len(ids)} units",
          flush=True)


def a_theme_restyles_the_tiles(customer=1):
    """Embed SDK 2.x `withTheme('escuro')`: the model's dark theme colours the
    tiles, their font and the series; the drill it opens keeps the theme.
    Screenshots of both go to test-artifacts/."""
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    driver.get(f"{PORTAL}/host.html?sdk=2&customer={customer}&theme=escuro")
    wait_for(lambda: driver.execute_script("return window.connected"), "theme: connect() resolved")
    wait_for(lambda: seen("dashboard:run:complete"), "theme: dashboard:run:complete")
    driver.switch_to.frame(driver.find_element(By.CSS_SELECTOR, "#dashboard iframe"))
    try:
        assert "theme=escuro" in driver.execute_script("return window.location.search"), "withTheme sets theme="
        tile = driver.find_element(By.CSS_SELECTOR, "section.tile")
        assert tile.value_of_css_property("background-color") == "rgba(30, 41, 59, 1)", tile.value_of_css_property("background-color")
        assert "Segoe UI" in tile.value_of_css_property("font-family"), tile.value_of_css_property("font-family")
        body_bg = driver.find_element(By.TAG_NAME, "body").value_of_css_property("background-color")
        assert body_bg == "rgba(15, 23, 42, 1)", body_bg
        bar = driver.find_elements(By.CSS_SELECTOR, "[data-tile='4'] rect.mark")[0]
        assert bar.value_of_css_property("fill") == "rgb(56, 189, 248)", bar.value_of_css_property("fill")
        # The filter bar's form keeps the theme, and so does each drill link.
        assert driver.find_elements(By.CSS_SELECTOR, "form.controls input[name=theme][value=escuro]")
        link = driver.find_elements(By.CSS_SELECTOR, "[data-tile='4'] a.drill")[-1]
        assert "theme=escuro" in link.get_dom_attribute("href"), link.get_dom_attribute("href")
    finally:
        driver.switch_to.default_content()
    os.makedirs(ARTIFACTS, exist_ok=True)
    driver.set_window_size(1280, 1500)
    time.sleep(0.5)
    driver.save_screenshot(os.path.join(ARTIFACTS, "dashboard-theme-escuro.png"))
    # Open the drill of the last month's bar (the host does not cancel it).
    driver.switch_to.frame(driver.find_element(By.CSS_SELECTOR, "#dashboard iframe"))
    try:
        bars = driver.find_elements(By.CSS_SELECTOR, "[data-tile='4'] a.drill rect.mark")
        driver.execute_script(
            "arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true, view: window}))", bars[-1])
        wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, ".drill-popup a.drill-entry"), "the themed drill menu")
        menu = driver.find_element(By.CSS_SELECTOR, ".drill-popup")
        assert menu.value_of_css_property("background-color") == "rgba(30, 41, 59, 1)", menu.value_of_css_property("background-color")
        driver.execute_script(
            "arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true, view: window}))",
            driver.find_elements(By.CSS_SELECTOR, ".drill-popup a.drill-entry")[0])
        wait_for(lambda: driver.execute_script("return window.location.pathname").endswith("/drill"), "the themed drill")
        wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "table.data tbody tr"), "the drilled rows")
        head = driver.find_element(By.CSS_SELECTOR, "table.data th")
        assert head.value_of_css_property("background-color") == "rgba(39, 52, 73, 1)", head.value_of_css_property("background-color")
    finally:
        driver.switch_to.default_content()
    time.sleep(0.5)
    driver.save_screenshot(os.path.join(ARTIFACTS, "drill-theme-escuro.png"))
    driver.set_window_size(1280, 900)
    print(f"ok    a theme restyles the tiles and the drill; customer {customer}", flush=True)


def a_cross_filter_click_narrows_the_other_tiles(customer=1):
    """Embed SDK 2.x on the cross-filtering dashboard: a click on a unit's bar
    filters the other tiles to DuckDB's numbers for that unit, and the host
    hears dashboard:filters:changed with the cross-filter."""
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    driver.get(f"{PORTAL}/host.html?sdk=2&customer={customer}&dashboard=analise_unidades")
    wait_for(lambda: driver.execute_script("return window.connected"), "crossfilter: connect() resolved")
    wait_for(lambda: seen("dashboard:run:complete"), "crossfilter: dashboard:run:complete")
    before = len(seen("dashboard:filters:changed"))
    driver.switch_to.frame(driver.find_element(By.CSS_SELECTOR, "#dashboard iframe"))
    try:
        link = driver.find_elements(By.CSS_SELECTOR, "[data-tile='3'] a.crossfilter")[0]
        unit = urllib.parse.parse_qs(urllib.parse.urlsplit(link.get_dom_attribute("href")).query)[
            "crossfilter[unidades.nome_unidade]"][0]
        link.find_element(By.CSS_SELECTOR, "rect").click()
    finally:
        driver.switch_to.default_content()
    wait_for(lambda: len(seen("dashboard:filters:changed")) > before, "dashboard:filters:changed after the click")
    changed = seen("dashboard:filters:changed")[-1]["dashboard"]
    assert changed["crossfilters"] == [{"field": "unidades.nome_unidade", "value": unit}], changed
    (cost, months), = duckdb.sql(
        f"""SELECT sum(f.valor_total)::DOUBLE, count(DISTINCT f.mes_referencia) FROM {FATURAS} f
            JOIN read_parquet('{LANDING}/objeto_unidades_atributos/*.parquet') u ON f.id_unidade = u.id_unidade
            WHERE f.id_cliente = {customer} AND u.nome_unidade = $unit""", params={"unit": unit}).fetchall()
    values = frame_values()
    assert abs(pt_number(values[0]) - round(cost, 2)) < 0.006, (values, cost, unit)
    driver.switch_to.frame(driver.find_element(By.CSS_SELECTOR, "#dashboard iframe"))
    try:
        bars = driver.find_elements(By.CSS_SELECTOR, "[data-tile='4'] rect.mark")
        chip = driver.find_element(By.CSS_SELECTOR, ".crossfilters .chip").text
        # Cost in columns on the left axis, consumption a line on the right.
        points = driver.find_elements(By.CSS_SELECTOR, "[data-tile='4'] circle.mark")
        right = driver.find_elements(By.CSS_SELECTOR, "[data-tile='4'] .y-axis-right text")
        assert len(points) == months and right and right[-1].text.strip(), (len(points), [r.text for r in right])
    finally:
        driver.switch_to.default_content()
    assert len(bars) == months, (len(bars), months)
    assert unit in chip, chip
    print(f"ok    a cross-filter click narrows the other tiles; customer {customer}, {unit}", flush=True)


def looks_and_explores_connect_and_follow_the_host(customer=1):
    """Embed SDK 2.x on a look and an explore page: connect, their events,
    and `updateFilters` + `run` (looks and explores share the actions)."""
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    driver.get(f"{PORTAL}/host.html?sdk=2&customer={customer}&kind=look")
    wait_for(lambda: driver.execute_script("return window.connected"), "look: connect() resolved")
    wait_for(lambda: seen("look:run:complete"), "look:run:complete")
    assert seen("look:ready")[0]["look"]["url"] == "/embed/looks/1", seen("look:ready")
    assert seen("page:changed")[0]["page"]["type"] == "looks"
    before = len(seen("look:run:complete"))
    driver.execute_script("var l = window.connection.asLookConnection();"
                          "l.updateFilters({'faturas.mes_referencia_month': '2024'}); l.run();")
    wait_for(lambda: len(seen("look:run:complete")) > before, "the look ran again with the host's filter")
    url = urllib.parse.unquote(seen("look:run:complete")[-1]["look"]["url"])
    assert "f[faturas.mes_referencia_month]=2024" in url, url
    driver.switch_to.frame(driver.find_element(By.CSS_SELECTOR, "#dashboard iframe"))
    try:
        months = {td.text[-4:] for td in driver.find_elements(By.CSS_SELECTOR, "table tbody tr td:first-child")}
    finally:
        driver.switch_to.default_content()
    assert months and all(m == "2024" for m in months), months
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    driver.get(f"{PORTAL}/host.html?sdk=2&customer={customer}&kind=explore")
    wait_for(lambda: driver.execute_script("return window.connected"), "explore: connect() resolved")
    wait_for(lambda: seen("explore:ready"), "explore:ready")
    assert seen("page:changed")[0]["page"]["url"].startswith("/embed/explore/comerc/faturas")
    print("ok    Embed SDK 2.x on a look and an explore", flush=True)


def a_host_that_is_not_allowlisted_gets_no_handshake():
    driver.get(f"{FOREIGN}/host.html?sdk=2&customer=1")
    time.sleep(6)
    assert not driver.execute_script("return window.connected"), "connected from an origin not in embed_domains"
    assert seen() == [], seen()
    print("ok    a host that is not allowlisted gets no handshake", flush=True)


failed = 0
try:
    checks = [(check_sdk, (1, 1)), (check_sdk, (2, 2)), (check_sdk, (1, 2, "cookieless")),
              (check_sdk, (2, 1, "cookieless")), (a_drill_tells_the_host_which_may_cancel_it, ()),
              (a_theme_restyles_the_tiles, ()), (a_cross_filter_click_narrows_the_other_tiles, ()),
              (looks_and_explores_connect_and_follow_the_host, ()),
              (a_host_that_is_not_allowlisted_gets_no_handshake, ())]
    for check, args in checks:
        try:
            check(*args)
        except Exception:
            failed += 1
            print(f"FAIL  {check.__name__}{args}", flush=True)
            traceback.print_exc()
            try:
                print("browser log:", driver.get_log("browser")[-20:])
            except Exception:
                pass
finally:
    driver.quit()
    server.shutdown()
if failed:
    sys.exit(f"{failed} check(s) failed")
# Embed SDK 1.x asks the portal for new tokens at every page load after the
# first (each filter change here); 2.x reuses them until they near expiry.
assert COUNTS["acquire"] >= 2 and COUNTS["generate"] >= 1, COUNTS
print("all checks passed")
