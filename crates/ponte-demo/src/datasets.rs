//! The seven datasets of the reference deployment: their Arrow schemas and
//! how a range of their rows is built.

use std::ops::Range;
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Decimal128Builder, Float64Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef, TimeUnit};
use chrono::{Days, Months, NaiveDate, NaiveTime};

use crate::entities::{customer, person, unit};
use crate::entropy::{Entropy, stream};
use crate::scale::{Scale, last_day};
use crate::vocab;

/// What a dataset's rows are built from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub e: Entropy,
    pub scale: &'a Scale,
}

/// One dataset: a name (its S3 prefix and table), a schema, a row count and a
/// row builder.
pub struct Dataset {
    /// The prefix in the source bucket and the table it loads into.
    pub name: &'static str,
    schema: fn() -> Schema,
    rows: fn(&Scale) -> u64,
    build: BuildColumns,
}

/// Builds the columns of a range of rows of one day's file.
type BuildColumns = fn(Ctx<'_>, Range<u64>, NaiveDate) -> Result<Vec<ArrayRef>, ArrowError>;

impl Dataset {
    /// The Arrow schema of every file of this dataset.
    pub fn schema(&self) -> SchemaRef {
        Arc::new((self.schema)())
    }

    /// Total rows at this scale.
    pub fn rows(&self, scale: &Scale) -> u64 {
        (self.rows)(scale)
    }

    pub(crate) fn batch(&self, ctx: Ctx<'_>, rows: Range<u64>, day: NaiveDate) -> Result<RecordBatch, ArrowError> {
        RecordBatch::try_new(self.schema(), (self.build)(ctx, rows, day)?)
    }
}

/// Every dataset, in the order of DESIGN.md's list.
pub static DATASETS: [Dataset; 7] = [
    Dataset { name: "dados_infomerc", schema: infomerc_schema, rows: |s| u64::from(s.days) * 96, build: infomerc },
    Dataset {
        name: "objeto_dados_energia_gestao_faturas_v2",
        schema: invoices_schema,
        rows: |s| s.invoices,
        build: invoices,
    },
    Dataset { name: "objeto_estrutura_atendimento", schema: structure_schema, rows: |s| s.customers, build: structure },
    Dataset { name: "objeto_mailing_powerview", schema: mailing_schema, rows: |s| s.customers * 3, build: mailing },
    Dataset { name: "objeto_unidades_atributos", schema: units_schema, rows: |s| s.units, build: units },
    Dataset {
        name: "objeto_vis_orcamento_multiunidades",
        schema: budgets_schema,
        rows: |s| s.units * 12,
        build: budgets,
    },
    Dataset {
        name: "permissionamento_usuarios",
        schema: permissions_schema,
        rows: |s| s.customers * 2 + consultants(s) * 3,
        build: permissions,
    },
];

fn col(name: &str, data_type: DataType, nullable: bool) -> Field {
    Field::new(name, data_type, nullable)
}

fn ts() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

fn money() -> DataType {
    DataType::Decimal128(18, 2)
}

fn ts_builder() -> TimestampMicrosecondBuilder {
    TimestampMicrosecondBuilder::new().with_timezone("UTC")
}

fn money_builder() -> Decimal128Builder {
    Decimal128Builder::new().with_data_type(money())
}

fn date32(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32
}

fn micros(d: NaiveDate, seconds_into_day: u64) -> i64 {
    let t = NaiveTime::from_num_seconds_from_midnight_opt((seconds_into_day % 86_400) as u32, 0).expect("in range");
    d.and_time(t).and_utc().timestamp_micros()
}

fn cents(reais: f64) -> i128 {
    (reais * 100.0).round() as i128
}

macro_rules! arrays {
    ($($b:ident),* $(,)?) => {
        Ok(vec![$(Arc::new($b.finish()) as ArrayRef),*])
    };
}

// dados_infomerc: CCEE market data, 24 hours × 4 submarkets per day.

fn infomerc_schema() -> Schema {
    Schema::new(vec![
        col("data", DataType::Date32, false),
        col("hora", DataType::Int64, false),
        col("submercado", DataType::Utf8, false),
        col("pld_rs_mwh", DataType::Decimal128(12, 2), true),
        col("carga_mwmed", DataType::Float64, true),
        col("geracao_hidraulica_mwmed", DataType::Float64, true),
        col("geracao_termica_mwmed", DataType::Float64, true),
        col("geracao_eolica_mwmed", DataType::Float64, true),
        col("geracao_solar_mwmed", DataType::Float64, true),
        col("bandeira_tarifaria", DataType::Utf8, true),
        col("publicado_em", ts(), false),
    ])
}

fn infomerc(c: Ctx<'_>, rows: Range<u64>, day: NaiveDate) -> Result<Vec<ArrayRef>, ArrowError> {
    let e = c.e;
    let mut data = Date32Builder::new();
    let mut hora = Int64Builder::new();
    let mut sub = StringBuilder::new();
    let mut pld = Decimal128Builder::new().with_data_type(DataType::Decimal128(12, 2));
    let (mut carga, mut hidro, mut termo, mut eolica, mut solar) = (
        Float64Builder::new(),
        Float64Builder::new(),
        Float64Builder::new(),
        Float64Builder::new(),
        Float64Builder::new(),
    );
    let mut bandeira = StringBuilder::new();
    let mut publicado = ts_builder();
    let day_index = u64::from(date32(day).unsigned_abs());
    let flag =
        *e.pick(stream!("infomerc.flag"), day_index / 30, &["Verde", "Verde", "Amarela", "Vermelha P1", "Vermelha P2"]);
    for r in rows {
        let hour = (r % 96) / 4;
        let s = (r % 4) as usize;
        let size = [42_000.0, 12_500.0, 11_000.0, 6_500.0][s];
        let daily = 0.8 + 0.35 * (std::f64::consts::PI * (hour as f64 - 4.0) / 20.0).sin().max(0.0);
        let load = size * daily * e.between(stream!("infomerc.load"), r, 0.95, 1.05);
        let sun = (std::f64::consts::PI * (hour as f64 - 6.0) / 12.0).sin().max(0.0);
        data.append_value(date32(day));
        hora.append_value(hour as i64);
        sub.append_value(vocab::SUBMARKETS[s]);
        let price =
            e.between(stream!("infomerc.pld"), r / 4 + day_index * 24, 61.07, 716.8) * [1.0, 0.97, 0.92, 0.95][s];
        pld.append_option((!e.chance(stream!("infomerc.pld.null"), r, 0.005)).then(|| cents(price)));
        carga.append_value((load * 100.0).round() / 100.0);
        hidro.append_value((load * e.between(stream!("infomerc.hidro"), r, 0.45, 0.7) * 100.0).round() / 100.0);
        termo.append_value((load * e.between(stream!("infomerc.termo"), r, 0.05, 0.2) * 100.0).round() / 100.0);
        eolica.append_option(
            (!e.chance(stream!("infomerc.eolica.null"), r, 0.02))
                .then(|| (load * e.between(stream!("infomerc.eolica"), r, 0.02, 0.25) * 100.0).round() / 100.0),
        );
        solar.append_option(
            (!e.chance(stream!("infomerc.solar.null"), r, 0.02)).then(|| (load * 0.12 * sun * 100.0).round() / 100.0),
        );
        bandeira.append_value(flag);
        publicado.append_value(micros(day + Days::new(1), 10 * 3600 + r % 600));
    }
    arrays![data, hora, sub, pld, carga, hidro, termo, eolica, solar, bandeira, publicado]
}

// objeto_dados_energia_gestao_faturas_v2: one invoice per unit per month.

fn invoices_schema() -> Schema {
    Schema::new(vec![
        col("id_fatura", DataType::Int64, false),
        col("id_unidade", DataType::Int64, false),
        col("id_cliente", DataType::Int64, false),
        col("mes_referencia", DataType::Date32, false),
        col("consumo_ponta_kwh", DataType::Float64, true),
        col("consumo_fora_ponta_kwh", DataType::Float64, true),
        col("demanda_medida_kw", DataType::Float64, true),
        col("demanda_contratada_kw", DataType::Float64, true),
        col("valor_energia", money(), true),
        col("valor_demanda", money(), true),
        col("valor_impostos", money(), true),
        col("valor_total", money(), false),
        col("data_emissao", DataType::Date32, false),
        col("data_vencimento", DataType::Date32, false),
        col("status_pagamento", DataType::Utf8, false),
        col("data_pagamento", DataType::Date32, true),
        col("carregado_em", ts(), false),
    ])
}

fn invoices(c: Ctx<'_>, rows: Range<u64>, day: NaiveDate) -> Result<Vec<ArrayRef>, ArrowError> {
    let (e, s) = (c.e, c.scale);
    let (mut id, mut id_unidade, mut id_cliente, mut mes) =
        (Int64Builder::new(), Int64Builder::new(), Int64Builder::new(), Date32Builder::new());
    let (mut ponta, mut fora, mut medida, mut contratada) =
        (Float64Builder::new(), Float64Builder::new(), Float64Builder::new(), Float64Builder::new());
    let (mut v_energia, mut v_demanda, mut v_impostos, mut v_total) =
        (money_builder(), money_builder(), money_builder(), money_builder());
    let (mut emissao, mut vencimento, mut pagamento) =
        (Date32Builder::new(), Date32Builder::new(), Date32Builder::new());
    let mut status = StringBuilder::new();
    let mut carregado = ts_builder();
    for k in rows {
        let (unit_id, month) = s.invoice(k);
        let u = unit(e, s, unit_id);
        let month = s.month(month);
        // Summer months (Dec-Mar) run hotter: more air conditioning.
        let season = match month.format("%m").to_string().as_str() {
            "12" | "01" | "02" | "03" => 1.15,
            "06" | "07" | "08" => 0.9,
            _ => 1.0,
        };
        let load_factor = e.between(stream!("invoice.lf"), k, 0.35, 0.7) * season;
        let total_kwh = u.contracted_kw * 730.0 * load_factor;
        let peak_share = e.between(stream!("invoice.peak"), k, 0.08, 0.14);
        let peak_kwh = (total_kwh * peak_share).round();
        let off_kwh = (total_kwh - peak_kwh).round();
        let measured = (u.contracted_kw * e.between(stream!("invoice.kw"), k, 0.6, 1.08)).round();
        let energy = peak_kwh * 2.08 + off_kwh * 0.43;
        let demand = u.contracted_kw * 38.5 + (measured - u.contracted_kw * 1.05).max(0.0) * 77.0;
        let taxes = (energy + demand) * 0.27;
        let issued = month.checked_add_months(Months::new(1)).expect("in range") + Days::new(2 + unit_id % 10);
        let due = issued + Days::new(15 + unit_id % 11);
        let (state, paid_on) = if due < last_day() {
            if e.chance(stream!("invoice.late"), k, 0.06) {
                ("vencida", None)
            } else {
                ("paga", Some(due - Days::new(e.range(stream!("invoice.paid"), k, 0, 6))))
            }
        } else if e.chance(stream!("invoice.early"), k, 0.3) {
            ("paga", Some(issued + Days::new(e.range(stream!("invoice.paid"), k, 1, 5))))
        } else {
            ("em_aberto", None)
        };
        id.append_value(k as i64 + 1);
        id_unidade.append_value(unit_id as i64);
        id_cliente.append_value(u.customer_id as i64);
        mes.append_value(date32(month));
        ponta.append_value(peak_kwh);
        fora.append_value(off_kwh);
        medida.append_option((!e.chance(stream!("invoice.kw.null"), k, 0.01)).then_some(measured));
        contratada.append_value(u.contracted_kw);
        v_energia.append_value(cents(energy));
        v_demanda.append_value(cents(demand));
        v_impostos.append_value(cents(taxes));
        v_total.append_value(cents(energy) + cents(demand) + cents(taxes));
        emissao.append_value(date32(issued));
        vencimento.append_value(date32(due));
        status.append_value(state);
        pagamento.append_option(paid_on.map(date32));
        carregado.append_value(micros(day, 9 * 3600 + k % 3600));
    }
    arrays![
        id, id_unidade, id_cliente, mes, ponta, fora, medida, contratada, v_energia, v_demanda, v_impostos, v_total,
        emissao, vencimento, status, pagamento, carregado
    ]
}

// objeto_estrutura_atendimento: who serves each customer.

fn structure_schema() -> Schema {
    Schema::new(vec![
        col("id_cliente", DataType::Int64, false),
        col("nome_cliente", DataType::Utf8, false),
        col("cnpj", DataType::Utf8, false),
        col("segmento", DataType::Utf8, true),
        col("regional", DataType::Utf8, true),
        col("gestor_conta", DataType::Utf8, true),
        col("email_gestor", DataType::Utf8, true),
        col("analista_faturas", DataType::Utf8, true),
        col("inicio_contrato", DataType::Date32, true),
        col("fim_contrato", DataType::Date32, true),
        col("atualizado_em", ts(), false),
    ])
}

fn structure(c: Ctx<'_>, rows: Range<u64>, day: NaiveDate) -> Result<Vec<ArrayRef>, ArrowError> {
    let e = c.e;
    let (mut id, mut nome, mut cnpj, mut segmento, mut regional) =
        (Int64Builder::new(), StringBuilder::new(), StringBuilder::new(), StringBuilder::new(), StringBuilder::new());
    let (mut gestor, mut email, mut analista) = (StringBuilder::new(), StringBuilder::new(), StringBuilder::new());
    let (mut inicio, mut fim) = (Date32Builder::new(), Date32Builder::new());
    let mut atualizado = ts_builder();
    for r in rows {
        let cid = r + 1;
        let cust = customer(e, cid);
        // The customer's head office is where its first unit is.
        let (_, uf, _) = *e.pick(stream!("unit.city"), cid, vocab::CITIES);
        let manager = *e.pick(stream!("customer.manager"), cid, vocab::ACCOUNT_MANAGERS);
        let start = NaiveDate::from_ymd_opt(2016, 1, 1).expect("valid")
            + Days::new(e.range(stream!("customer.start"), cid, 0, 365 * 8));
        id.append_value(cid as i64);
        nome.append_value(&cust.name);
        cnpj.append_value(&cust.cnpj);
        segmento.append_value(cust.segment);
        regional.append_value(vocab::regional(uf));
        gestor.append_value(manager);
        email.append_value(format!("{}@comerc.com.br", vocab::slug(manager)));
        analista.append_option(
            (!e.chance(stream!("customer.analyst.null"), cid, 0.15))
                .then(|| *e.pick(stream!("customer.analyst"), cid, vocab::INVOICE_ANALYSTS)),
        );
        inicio.append_value(date32(start));
        fim.append_option(e.chance(stream!("customer.end"), cid, 0.3).then(|| date32(start + Months::new(12 * 5))));
        atualizado.append_value(micros(day, 7 * 3600 + r % 3600));
    }
    arrays![id, nome, cnpj, segmento, regional, gestor, email, analista, inicio, fim, atualizado]
}

// objeto_mailing_powerview: three contacts per customer get the reports.

fn mailing_schema() -> Schema {
    Schema::new(vec![
        col("id_contato", DataType::Int64, false),
        col("id_cliente", DataType::Int64, false),
        col("nome_contato", DataType::Utf8, true),
        col("email", DataType::Utf8, false),
        col("telefone", DataType::Utf8, true),
        col("cargo", DataType::Utf8, true),
        col("recebe_relatorio_mensal", DataType::Boolean, true),
        col("recebe_alertas", DataType::Boolean, true),
        col("criado_em", ts(), false),
    ])
}

fn mailing(c: Ctx<'_>, rows: Range<u64>, day: NaiveDate) -> Result<Vec<ArrayRef>, ArrowError> {
    let e = c.e;
    let (mut id, mut cliente) = (Int64Builder::new(), Int64Builder::new());
    let (mut nome, mut email, mut telefone, mut cargo) =
        (StringBuilder::new(), StringBuilder::new(), StringBuilder::new(), StringBuilder::new());
    let (mut relatorio, mut alertas) = (BooleanBuilder::new(), BooleanBuilder::new());
    let mut criado = ts_builder();
    for r in rows {
        let cid = r / 3 + 1;
        let cust = customer(e, cid);
        let (first, last) = person(e, stream!("contact"), r);
        id.append_value(r as i64 + 1);
        cliente.append_value(cid as i64);
        nome.append_value(format!("{first} {last}"));
        email.append_value(format!("{}.{}{}@{}.com.br", vocab::slug(first), vocab::slug(last), r % 3 + 1, cust.slug));
        telefone.append_option((!e.chance(stream!("contact.phone.null"), r, 0.2)).then(|| {
            format!(
                "+55 11 9{:04}-{:04}",
                e.range(stream!("phone.a"), r, 0, 9999),
                e.range(stream!("phone.b"), r, 0, 9999)
            )
        }));
        cargo.append_value(*e.pick(stream!("contact.title"), r, vocab::JOB_TITLES));
        relatorio.append_value(!e.chance(stream!("contact.report"), r, 0.1));
        alertas.append_option(
            (!e.chance(stream!("contact.alerts.null"), r, 0.05)).then(|| e.chance(stream!("contact.alerts"), r, 0.6)),
        );
        criado.append_value(micros(day, 8 * 3600 + r % 3600));
    }
    arrays![id, cliente, nome, email, telefone, cargo, relatorio, alertas, criado]
}

// objeto_unidades_atributos: the consumer units.

fn units_schema() -> Schema {
    Schema::new(vec![
        col("id_unidade", DataType::Int64, false),
        col("codigo_instalacao", DataType::Utf8, false),
        col("nome_unidade", DataType::Utf8, false),
        col("id_cliente", DataType::Int64, false),
        col("cidade", DataType::Utf8, true),
        col("uf", DataType::Utf8, true),
        col("distribuidora", DataType::Utf8, true),
        col("submercado", DataType::Utf8, true),
        col("subgrupo_tarifario", DataType::Utf8, true),
        col("modalidade_tarifaria", DataType::Utf8, true),
        col("mercado", DataType::Utf8, true),
        col("demanda_contratada_kw", DataType::Float64, true),
        col("ativa", DataType::Boolean, false),
        col("data_migracao_mercado_livre", DataType::Date32, true),
        col("atualizado_em", ts(), false),
    ])
}

fn units(c: Ctx<'_>, rows: Range<u64>, day: NaiveDate) -> Result<Vec<ArrayRef>, ArrowError> {
    let (e, s) = (c.e, c.scale);
    let (mut id, mut codigo, mut nome, mut cliente) =
        (Int64Builder::new(), StringBuilder::new(), StringBuilder::new(), Int64Builder::new());
    let (mut cidade, mut uf, mut distribuidora, mut submercado) =
        (StringBuilder::new(), StringBuilder::new(), StringBuilder::new(), StringBuilder::new());
    let (mut subgrupo, mut modalidade, mut mercado) =
        (StringBuilder::new(), StringBuilder::new(), StringBuilder::new());
    let mut kw = Float64Builder::new();
    let mut ativa = BooleanBuilder::new();
    let mut migracao = Date32Builder::new();
    let mut atualizado = ts_builder();
    for r in rows {
        let uid = r + 1;
        let u = unit(e, s, uid);
        let cust = customer(e, u.customer_id);
        id.append_value(uid as i64);
        codigo.append_value(format!("{:010}", e.u64(stream!("unit.code"), uid) % 10_000_000_000));
        let short = cust.name.trim_end_matches(" S.A.").trim_end_matches(" Ltda.");
        // Numbered by unit, so two sites of a customer in one city differ.
        nome.append_value(format!("{short} – {} {uid:03}", u.city));
        cliente.append_value(u.customer_id as i64);
        cidade.append_value(u.city);
        uf.append_value(u.uf);
        distribuidora.append_value(u.utility);
        submercado.append_value(vocab::submarket(u.uf));
        subgrupo.append_value(u.subgroup);
        modalidade.append_value(u.modality);
        mercado.append_value(if u.free_market { "Livre" } else { "Cativo" });
        kw.append_value(u.contracted_kw);
        ativa.append_value(u.active);
        migracao.append_option(u.migrated_on.map(date32));
        atualizado.append_value(micros(day, 6 * 3600 + r % 3600));
    }
    arrays![
        id,
        codigo,
        nome,
        cliente,
        cidade,
        uf,
        distribuidora,
        submercado,
        subgrupo,
        modalidade,
        mercado,
        kw,
        ativa,
        migracao,
        atualizado
    ]
}

// objeto_vis_orcamento_multiunidades: a budget per unit for the last 12 months.

fn budgets_schema() -> Schema {
    Schema::new(vec![
        col("id_orcamento", DataType::Int64, false),
        col("id_unidade", DataType::Int64, false),
        col("id_cliente", DataType::Int64, false),
        col("mes_referencia", DataType::Date32, false),
        col("consumo_orcado_kwh", DataType::Float64, true),
        col("demanda_orcada_kw", DataType::Float64, true),
        col("valor_orcado", money(), true),
        col("cenario", DataType::Utf8, true),
        col("versao", DataType::Int64, true),
        col("aprovado", DataType::Boolean, true),
        col("atualizado_em", ts(), false),
    ])
}

fn budgets(c: Ctx<'_>, rows: Range<u64>, day: NaiveDate) -> Result<Vec<ArrayRef>, ArrowError> {
    let (e, s) = (c.e, c.scale);
    let (mut id, mut unidade, mut cliente, mut mes) =
        (Int64Builder::new(), Int64Builder::new(), Int64Builder::new(), Date32Builder::new());
    let (mut kwh, mut kw) = (Float64Builder::new(), Float64Builder::new());
    let mut valor = money_builder();
    let mut cenario = StringBuilder::new();
    let mut versao = Int64Builder::new();
    let mut aprovado = BooleanBuilder::new();
    let mut atualizado = ts_builder();
    for r in rows {
        let uid = r % s.units + 1;
        let u = unit(e, s, uid);
        let month =
            crate::scale::last_month().checked_sub_months(Months::new(11 - (r / s.units) as u32)).expect("in range");
        let planned_kwh = (u.contracted_kw * 730.0 * e.between(stream!("budget.lf"), r, 0.45, 0.6)).round();
        let planned_cost = planned_kwh * 0.52 + u.contracted_kw * 38.5;
        id.append_value(r as i64 + 1);
        unidade.append_value(uid as i64);
        cliente.append_value(u.customer_id as i64);
        mes.append_value(date32(month));
        kwh.append_value(planned_kwh);
        kw.append_value(u.contracted_kw);
        valor.append_value(cents(planned_cost * 1.27));
        cenario.append_value("base");
        versao.append_value(1 + (e.range(stream!("budget.version"), r, 0, 9) / 8) as i64);
        aprovado.append_option(
            (!e.chance(stream!("budget.approved.null"), r, 0.03)).then(|| e.chance(stream!("budget.approved"), r, 0.9)),
        );
        atualizado.append_value(micros(day, 11 * 3600 + r % 3600));
    }
    arrays![id, unidade, cliente, mes, kwh, kw, valor, cenario, versao, aprovado, atualizado]
}

// permissionamento_usuarios: portal users and the customers they may see.
// Two users per customer, plus consultants who see three customers each.

fn consultants(s: &Scale) -> u64 {
    (s.customers / 5).max(1)
}

fn permissions_schema() -> Schema {
    Schema::new(vec![
        col("id_usuario", DataType::Int64, false),
        col("email_usuario", DataType::Utf8, false),
        col("nome_usuario", DataType::Utf8, true),
        col("id_cliente", DataType::Int64, false),
        col("perfil", DataType::Utf8, true),
        col("ativo", DataType::Boolean, false),
        col("concedido_em", ts(), false),
        col("expira_em", ts(), true),
    ])
}

fn permissions(c: Ctx<'_>, rows: Range<u64>, day: NaiveDate) -> Result<Vec<ArrayRef>, ArrowError> {
    let (e, s) = (c.e, c.scale);
    let (mut id, mut email, mut nome, mut cliente) =
        (Int64Builder::new(), StringBuilder::new(), StringBuilder::new(), Int64Builder::new());
    let mut perfil = StringBuilder::new();
    let mut ativo = BooleanBuilder::new();
    let (mut concedido, mut expira) = (ts_builder(), ts_builder());
    let direct = s.customers * 2;
    for r in rows {
        let (user, cid, role, address) = if r < direct {
            let cid = r / 2 + 1;
            let (first, last) = person(e, stream!("user"), r);
            let mail = format!("{}.{}@{}.com.br", vocab::slug(first), vocab::slug(last), customer(e, cid).slug);
            (r + 1, cid, if r % 2 == 0 { "gestor" } else { "leitor" }, (mail, format!("{first} {last}")))
        } else {
            let j = (r - direct) / 3;
            let cid = (j * 3 + (r - direct) % 3) % s.customers + 1;
            let (first, last) = person(e, stream!("consultant"), j);
            let mail = format!("consultor{}@comerc.com.br", j + 1);
            (direct + j + 1, cid, "administrador", (mail, format!("{first} {last}")))
        };
        id.append_value(user as i64);
        email.append_value(&address.0);
        nome.append_value(&address.1);
        cliente.append_value(cid as i64);
        perfil.append_value(role);
        ativo.append_value(!e.chance(stream!("user.inactive"), r, 0.03));
        concedido.append_value(micros(day, 12 * 3600 + r % 3600));
        expira.append_option(e.chance(stream!("user.expires"), r, 0.1).then(|| micros(day + Days::new(365), 0)));
    }
    arrays![id, email, nome, cliente, perfil, ativo, concedido, expira]
}
