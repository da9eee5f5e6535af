// Looker's official Node SDK (@looker/sdk-node, from npm, unmodified) as an
// app uses it, against ponte: one client (LOOKERSDK_* environment
// variables, as Looker documents), every call of the API that apps make.
// Prints one JSON report; node_sdk_suite.py checks it against DuckDB.
// Each call's outcome is recorded, a refusal included: a client without
// the access filter's attribute must be refused, never shown rows.
"use strict";

const { LookerNodeSDK } = require("@looker/sdk-node");

const sdk = LookerNodeSDK.init40();
const report = {};
const browser = { headers: { "User-Agent": "node-sdk-test-browser" } };

async function record(name, call) {
  try {
    report[name] = { ok: true, value: await call() };
  } catch (e) {
    report[name] = { ok: false, error: String((e && e.message) || e) };
  }
}

// The SDK parses JSON answers itself (by their content type); text stays text.
const rows = (answer) => (typeof answer === "string" ? JSON.parse(answer) : answer);

const byMonth = {
  model: "comerc",
  view: "faturas",
  fields: ["faturas.mes_referencia_month", "faturas.custo_total", "faturas.quantidade_faturas"],
  sorts: ["faturas.mes_referencia_month"],
  limit: "-1",
};

async function main() {
  await record("me", async () => (await sdk.ok(sdk.me())).id);
  await record("me_fields", async () => Object.keys(await sdk.ok(sdk.me("id,display_name"))).sort());
  await record("inline", async () => rows(await sdk.ok(sdk.run_inline_query({ result_format: "json", body: byMonth }))));
  await record("url_encoded", async () => {
    const params = "fields=faturas.mes_referencia_month,faturas.custo_total,faturas.quantidade_faturas&sorts=faturas.mes_referencia_month&limit=500";
    return rows(await sdk.ok(sdk.run_url_encoded_query("comerc", `faturas?${params}`, "json")));
  });
  let saved = null;
  await record("saved", async () => {
    saved = await sdk.ok(sdk.create_query(byMonth));
    return rows(await sdk.ok(sdk.run_query({ query_id: saved.id, result_format: "json" })));
  });
  await record("task", async () => {
    const query = saved || (await sdk.ok(sdk.create_query(byMonth)));
    const task = await sdk.ok(sdk.create_query_task({ body: { query_id: query.id, result_format: "json" } }));
    for (let i = 0; i < 200; i++) {
      if ((await sdk.ok(sdk.query_task(task.id))).status !== "running") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const results = rows(await sdk.ok(sdk.query_task_results(task.id)));
    const multi = await sdk.ok(sdk.query_task_multi_results([task.id]));
    return { results, multi: multi[task.id] };
  });
  await record("dashboards", async () => (await sdk.ok(sdk.all_dashboards())).map((d) => d.id));
  await record("search_dashboards", async () => (await sdk.ok(sdk.search_dashboards({ title: "vis%" }))).map((d) => d.id));
  await record("looks", async () => (await sdk.ok(sdk.all_looks())).map((l) => l.id));
  await record("search_looks", async () => (await sdk.ok(sdk.search_looks({ title: "%consumo%" }))).map((l) => l.id));
  await record("look_query_id", async () => {
    const look = await sdk.ok(sdk.look("1"));
    const byId = await sdk.ok(sdk.run_query({ query_id: look.query_id, result_format: "json" }));
    const byLook = await sdk.ok(sdk.run_look({ look_id: "1", result_format: "json" }));
    return { query_id: look.query_id, same: JSON.stringify(byId) === JSON.stringify(byLook), rows: rows(byId).length };
  });
  await record("tile_query_ids", async () => {
    const dashboard = await sdk.ok(sdk.dashboard("visao_geral"));
    const out = [];
    for (const e of dashboard.dashboard_elements) {
      const answer = rows(await sdk.ok(sdk.run_query({ query_id: e.query_id, result_format: "json" })));
      out.push({ title: e.title, query_id: e.query_id, rows: answer });
    }
    return out;
  });
  await record("models", async () => (await sdk.ok(sdk.all_lookml_models({ limit: 1 }))).map((m) => m.name));
  await record("sso_url", async () => (await sdk.ok(sdk.create_sso_embed_url({
    target_url: `${process.env.LOOKERSDK_BASE_URL}/embed/dashboards/visao_geral`,
    external_user_id: `node-${process.env.CUSTOMER}`,
    models: ["comerc"],
    permissions: ["access_data", "see_user_dashboards"],
    user_attributes: { id_cliente: process.env.CUSTOMER },
  }))).url);
  await record("validate_embed_url", async () => {
    const url = (await sdk.ok(sdk.create_sso_embed_url({
      target_url: `${process.env.LOOKERSDK_BASE_URL}/embed/dashboards/visao_geral`,
      external_user_id: `node-validate-${process.env.CUSTOMER}`,
      models: ["comerc"],
      user_attributes: { id_cliente: process.env.CUSTOMER },
    }))).url;
    return (await sdk.ok(sdk.validate_embed_url(url))).url === url;
  });
  await record("cookieless", async () => {
    const acquired = await sdk.ok(sdk.acquire_embed_cookieless_session({
      external_user_id: `node-cookieless-${process.env.CUSTOMER}`,
      models: ["comerc"],
      permissions: ["access_data", "see_user_dashboards"],
      user_attributes: { id_cliente: process.env.CUSTOMER },
    }, browser));
    const fresh = await sdk.ok(sdk.generate_tokens_for_cookieless_session({
      session_reference_token: acquired.session_reference_token,
      navigation_token: acquired.navigation_token,
      api_token: acquired.api_token,
    }, browser));
    return { acquired, fresh };
  });
  await sdk.authSession.logout();
  // The SDK prints notes of its own on stdout: the report is the line so marked.
  process.stdout.write(`\nREPORT ${JSON.stringify(report)}\n`);
}

main().catch((e) => {
  process.stderr.write(String((e && e.stack) || e));
  process.exit(1);
});
