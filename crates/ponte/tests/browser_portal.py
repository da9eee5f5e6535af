"""The example customer portal in a real browser (Debian's Chromium,
headless, driven through chromedriver by Selenium).

Run by browser_portal.rs against `ponte demo`, which serves ponte and the
portal on two ports. For one customer picked in the portal, checks that
the embedded dashboard renders all its tiles, that its numbers match
DuckDB over the landing bucket's parquet files, that the portal page (the
iframe's parent) connected with Looker's Embed SDK and heard
`dashboard:loaded` through it, and that the portal's own year filter
drives the dashboard (the numbers follow DuckDB's for that year).
Saves a screenshot of the portal page.

Usage: browser_portal.py PORTAL_URL LANDING_DIR SCREENSHOT_PATH
"""

import re
import sys
import tempfile
import time
import urllib.parse

import duckdb
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

PORTAL, LANDING, SCREENSHOT = sys.argv[1:4]
CUSTOMER = 2
FATURAS = f"read_parquet('{LANDING}/objeto_dados_energia_gestao_faturas_v2/*.parquet')"


def pt_number(text):
    """`R$ 1.234,56` → 1234.56"""
    return float(re.sub(r"[^0-9,\-]", "", text).replace(",", "."))


options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-dev-shm-usage", "--window-size=1280,1800", f"--user-data-dir={tempfile.mkdtemp()}"]:
    options.add_argument(flag)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
try:
    driver.set_page_load_timeout(120)
    driver.get(f"{PORTAL}/?cliente={CUSTOMER}")
    wait = WebDriverWait(driver, 120)
    # The parent hears the dashboard: the portal's listener, which accepts
    # messages from ponte's origin only, marks the body.
    wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-seen-dashboard-loaded") == "1")
    wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-seen-dashboard-run-complete") == "1")
    events = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#events li")]
    assert events[:2] == ["page:changed", "dashboard:loaded"], events
    assert "dashboard:run:complete (complete)" in events, events

    assert driver.find_element(By.TAG_NAME, "body").get_attribute("data-connected") == "1"
    frame = driver.find_element(By.CSS_SELECTOR, "#dashboard iframe")
    # The SDK's signed login URL, for the dashboard with the SDK's parameters.
    src = urllib.parse.unquote(frame.get_attribute("src"))
    assert "/login/embed//embed/dashboards/visao_geral?embed_domain=" in src and "sdk=2" in src, src
    driver.switch_to.frame(frame)
    tiles = driver.find_elements(By.CSS_SELECTOR, "section.tile")
    titles = [t.find_element(By.CSS_SELECTOR, ".tile-title").text for t in tiles]
    assert titles == ["Custo total", "Consumo total (kWh)", "Faturas", "Custo por mês", "Consumo por mês (kWh)",
                      "Unidades"], titles
    charts = driver.find_elements(By.CSS_SELECTOR, "section.tile svg.chart")
    assert len(charts) == 2 and all(c.size["width"] > 200 and c.size["height"] > 100 for c in charts), \
        [c.size for c in charts]
    # A shortened figure (`R$ 1,2 mi`) keeps the whole one as its title.
    values = [v.get_attribute("title") or v.text for v in driver.find_elements(By.CSS_SELECTOR, ".sv-value")]
    cost, kwh, count = duckdb.sql(
        f"SELECT SUM(valor_total)::DOUBLE, SUM(consumo_ponta_kwh + consumo_fora_ponta_kwh)::DOUBLE, COUNT(*) "
        f"FROM {FATURAS} WHERE id_cliente = {CUSTOMER}").fetchall()[0]
    assert abs(pt_number(values[0]) - round(cost, 2)) < 0.006, (values, cost)
    assert pt_number(values[1]) == round(kwh), (values, kwh)
    assert pt_number(values[2]) == count, (values, count)
    bars = driver.find_elements(By.CSS_SELECTOR, "section.tile-column svg .mark")
    (months,), = duckdb.sql(f"SELECT COUNT(DISTINCT date_trunc('month', mes_referencia)) FROM {FATURAS} "
                            f"WHERE id_cliente = {CUSTOMER}").fetchall()
    assert len(bars) == months, (len(bars), months)
    # Every tile is inside the viewport's width: the grid lays them out.
    width = driver.execute_script("return document.documentElement.clientWidth")
    assert all(t.rect["x"] + t.rect["width"] <= width + 1 for t in tiles), [t.rect for t in tiles]
    driver.switch_to.default_content()
    driver.save_screenshot(SCREENSHOT)
    # The portal's own filter drives the dashboard through the SDK.
    driver.find_element(By.CSS_SELECTOR, "#ano option[value='2024']").click()
    wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-seen-dashboard-filters-changed") == "1")
    (cost_2024,), = duckdb.sql(f"SELECT SUM(valor_total)::DOUBLE FROM {FATURAS} WHERE id_cliente = {CUSTOMER} "
                               "AND year(mes_referencia) = 2024").fetchall()

    def shown_cost():
        driver.switch_to.frame(driver.find_element(By.CSS_SELECTOR, "#dashboard iframe"))
        try:
            shown = driver.find_elements(By.CSS_SELECTOR, ".sv-value")
            return pt_number(shown[0].get_attribute("title") or shown[0].text) if shown else None
        finally:
            driver.switch_to.default_content()

    wait.until(lambda d: shown_cost() is not None and abs(shown_cost() - round(cost_2024, 2)) < 0.006)
    # The portal in its dark theme, a bar's drill open: the rows behind the
    # last month, for this customer only (the second screenshot).
    driver.get(f"{PORTAL}/?cliente={CUSTOMER}&tema=escuro")
    wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-seen-dashboard-run-complete") == "1")
    driver.switch_to.frame(driver.find_element(By.CSS_SELECTOR, "#dashboard iframe"))
    try:
        tile = driver.find_element(By.CSS_SELECTOR, "section.tile")
        assert tile.value_of_css_property("background-color") == "rgba(30, 41, 59, 1)", "the dark theme"
        bars = driver.find_elements(By.CSS_SELECTOR, "section.tile-column a.drill")
        href = urllib.parse.unquote(bars[-1].get_dom_attribute("href"))
        month = re.search(r"drill\[faturas\.mes_referencia_month\]=([0-9-]+)", href).group(1)
        bars[-1].find_element(By.CSS_SELECTOR, "rect").click()
        # The drill menu opens where the bar was clicked: the rows, or the
        # month by each drill field.
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".drill-popup a.drill-entry"))
        entries = [a.text for a in driver.find_elements(By.CSS_SELECTOR, ".drill-popup a.drill-entry")]
        assert entries[0] == "Ver linhas" and "Por Unidade" in entries, entries
    finally:
        driver.switch_to.default_content()
    time.sleep(0.3)
    driver.save_screenshot(SCREENSHOT.replace(".png", "-drill-menu-escuro.png"))
    driver.switch_to.frame(driver.find_element(By.CSS_SELECTOR, "#dashboard iframe"))
    try:
        driver.find_elements(By.CSS_SELECTOR, ".drill-popup a.drill-entry")[0].click()
        wait.until(lambda d: d.execute_script("return window.location.pathname").endswith("/drill"))
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "table.data tbody tr"))
        ids = {int(tr.find_elements(By.CSS_SELECTOR, "td")[0].text)
               for tr in driver.find_elements(By.CSS_SELECTOR, "table.data tbody tr")}
    finally:
        driver.switch_to.default_content()
    truth = {r[0] for r in duckdb.sql(f"SELECT id_fatura FROM {FATURAS} WHERE id_cliente = {CUSTOMER} "
                                      f"AND strftime(mes_referencia, '%Y-%m') = '{month}'").fetchall()}
    assert ids <= truth and len(ids) == min(len(truth), 500), (month, len(ids), len(truth))
    time.sleep(0.5)
    driver.save_screenshot(SCREENSHOT.replace(".png", "-drill-escuro.png"))

    # Typing in a text filter searches the customer's values on the server.
    driver.get(f"{PORTAL}/?cliente={CUSTOMER}&painel=analise_unidades")
    wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-seen-dashboard-run-complete") == "1")
    UNIDADES = f"read_parquet('{LANDING}/objeto_unidades_atributos/*.parquet')"
    billed = [r[0] for r in duckdb.sql(
        f"SELECT DISTINCT u.nome_unidade FROM {FATURAS} f JOIN {UNIDADES} u ON f.id_unidade = u.id_unidade "
        f"WHERE f.id_cliente = {CUSTOMER} ORDER BY 1").fetchall()]
    term = billed[-1].split(" ")[-1]
    expected = sorted(u for u in billed if term.lower() in u.lower())
    driver.switch_to.frame(driver.find_element(By.CSS_SELECTOR, "#dashboard iframe"))
    try:
        box = driver.find_element(By.CSS_SELECTOR, "input[name='Unidade'][data-suggest]")
        box.send_keys(term)
        options = lambda: driver.execute_script(
            "return Array.from(document.getElementById(arguments[0].getAttribute('list')).options).map(o => o.value)", box)
        wait.until(lambda d: options() == expected)
    finally:
        driver.switch_to.default_content()

    # The portal's third dashboard: stacked columns from a pivot, a scatter,
    # a funnel, conditional formatting and Looker's filter controls.
    driver.get(f"{PORTAL}/?cliente={CUSTOMER}&painel=faturas_detalhe")
    wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-seen-dashboard-run-complete") == "1")
    statuses = [r[0] for r in duckdb.sql(f"SELECT status_pagamento FROM {FATURAS} WHERE id_cliente = {CUSTOMER} "
                                         "GROUP BY 1 ORDER BY count(*) DESC").fetchall()]
    driver.switch_to.frame(driver.find_element(By.CSS_SELECTOR, "#dashboard iframe"))
    try:
        titles = [t.text for t in driver.find_elements(By.CSS_SELECTOR, "section.tile .tile-title")]
        assert titles == ["Custo por mês e status", "Faturas por status", "Status por distribuidora (%)",
                          "Consumo x custo por unidade", "Faturas por unidade"], titles
        legend = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "[data-tile='1'] .legend li")]
        assert sorted(legend) == sorted(statuses), (legend, statuses)
        assert driver.find_elements(By.CSS_SELECTOR, "section.tile-scatter circle.mark")
        steps = driver.find_elements(By.CSS_SELECTOR, "section.tile-funnel .mark")
        assert len(steps) == len(statuses), (len(steps), statuses)
        marked = [td for td in driver.find_elements(By.CSS_SELECTOR, "section.tile-table td")
                  if td.value_of_css_property("background-color") == "rgba(253, 226, 225, 1)"]
        assert marked, "units with unpaid invoices are marked"
    finally:
        driver.switch_to.default_content()
    time.sleep(0.3)
    driver.save_screenshot(SCREENSHOT.replace(".png", "-faturas-detalhe.png"))
    # A checkbox ticked and applied: the tiles narrow to that status.
    driver.switch_to.frame(driver.find_element(By.CSS_SELECTOR, "#dashboard iframe"))
    try:
        box = driver.find_element(By.CSS_SELECTOR, f"input[type=checkbox][name='Status[]'][value='{statuses[-1]}']")
        box.click()
        driver.find_element(By.CSS_SELECTOR, "form.controls button[type=submit]").click()
        wait.until(lambda d: "Status%5B%5D=" in d.execute_script("return window.location.search"))
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "section.tile-table tr.totals"))
        total_cells = [th.text for th in driver.find_elements(By.CSS_SELECTOR, "section.tile-table tr.totals th")]
        assert driver.find_element(
            By.CSS_SELECTOR, f"input[type=checkbox][name='Status[]'][value='{statuses[-1]}']").is_selected()
    finally:
        driver.switch_to.default_content()
    (only,), = duckdb.sql(f"SELECT count(*) FROM {FATURAS} WHERE id_cliente = {CUSTOMER} "
                          f"AND status_pagamento = '{statuses[-1]}'").fetchall()
    assert pt_number(total_cells[1]) == only, (total_cells, only, statuses[-1])
    print(f"values {values}, {len(bars)} bars, events {events}, drill {month}: {len(ids)} rows")
finally:
    driver.quit()
print("all checks passed")
