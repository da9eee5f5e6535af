//! The people and things the datasets describe — customers, their consumer
//! units, users — each derived from its id alone, so every dataset that
//! mentions unit 42 agrees on its customer, city and contracted demand.

use chrono::NaiveDate;

use crate::entropy::{Entropy, stream};
use crate::scale::Scale;
use crate::vocab;

/// A customer (a company with one or more consumer units).
pub(crate) struct Customer {
    pub name: String,
    pub segment: &'static str,
    pub slug: String,
    pub cnpj: String,
}

pub(crate) fn customer(e: Entropy, id: u64) -> Customer {
    let kinds = vocab::COMPANY_KINDS.len() as u64;
    let names = vocab::COMPANY_NAMES.len() as u64;
    let combo = e.u64(stream!("customer.name"), 0).wrapping_add(id.wrapping_mul(7)) % (kinds * names);
    let (kind, segment) = vocab::COMPANY_KINDS[(combo % kinds) as usize];
    let base = vocab::COMPANY_NAMES[(combo / kinds) as usize];
    let round = (id - 1) / (kinds * names);
    let legal = if e.chance(stream!("customer.legal"), id, 0.4) { "S.A." } else { "Ltda." };
    let name =
        if round == 0 { format!("{kind} {base} {legal}") } else { format!("{kind} {base} {} {legal}", round + 1) };
    let slug = format!("{}{}", vocab::slug(base), if round == 0 { String::new() } else { (round + 1).to_string() });
    Customer { name, segment, slug, cnpj: cnpj(e.u64(stream!("customer.cnpj"), id)) }
}

/// A CNPJ with valid check digits: `12.345.678/0001-95`.
fn cnpj(random: u64) -> String {
    let mut d: Vec<u32> = (0..8).map(|i| (((random >> (i * 4)) & 0xf) % 10) as u32).collect();
    d.extend([0, 0, 0, 1]);
    for weights in [&[5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2][..], &[6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2][..]] {
        let sum: u32 = d.iter().zip(weights).map(|(a, b)| a * b).sum();
        let r = sum % 11;
        d.push(if r < 2 { 0 } else { 11 - r });
    }
    let s: String = d.iter().map(|x| char::from_digit(*x, 10).unwrap()).collect();
    format!("{}.{}.{}/{}-{}", &s[0..2], &s[2..5], &s[5..8], &s[8..12], &s[12..14])
}

/// A consumer unit (a metered site: a plant, a store, a hospital wing).
pub(crate) struct Unit {
    pub customer_id: u64,
    pub city: &'static str,
    pub uf: &'static str,
    pub utility: &'static str,
    pub subgroup: &'static str,
    pub modality: &'static str,
    pub free_market: bool,
    pub contracted_kw: f64,
    pub active: bool,
    pub migrated_on: Option<NaiveDate>,
}

pub(crate) fn unit(e: Entropy, scale: &Scale, id: u64) -> Unit {
    let (city, uf, utility) = *e.pick(stream!("unit.city"), id, vocab::CITIES);
    let contracted_kw = (e.between(stream!("unit.kw"), id, 150.0, 3000.0) / 10.0).round() * 10.0;
    let subgroup = match contracted_kw as u64 {
        0..=499 => "A4",
        500..=999 => *e.pick(stream!("unit.subgroup"), id, &["A4", "A3a"]),
        1000..=2499 => "A3",
        _ => "A2",
    };
    let free_market = e.chance(stream!("unit.free"), id, 0.7);
    let migrated_on = free_market.then(|| {
        let days = e.range(stream!("unit.migrated"), id, 0, 365 * 8) as i64;
        NaiveDate::from_ymd_opt(2017, 1, 1).unwrap() + chrono::Duration::days(days)
    });
    Unit {
        customer_id: scale.customer_of_unit(id, e.unit(stream!("unit.customer"), id)),
        city,
        uf,
        utility,
        subgroup,
        modality: if e.chance(stream!("unit.modality"), id, 0.65) { "Verde" } else { "Azul" },
        free_market,
        contracted_kw,
        active: e.chance(stream!("unit.active"), id, 0.96),
        migrated_on,
    }
}

/// A person's name.
pub(crate) fn person(e: Entropy, s: u64, id: u64) -> (&'static str, &'static str) {
    (*e.pick(s ^ stream!("first"), id, vocab::FIRST_NAMES), *e.pick(s ^ stream!("last"), id, vocab::LAST_NAMES))
}

#[cfg(test)]
mod tests {
    #[test]
    fn cnpj_check_digits_are_valid() {
        // A published example CNPJ: 11.222.333/0001-81.
        let digits = [1, 1, 2, 2, 2, 3, 3, 3];
        let random = digits.iter().enumerate().fold(0u64, |acc, (i, d)| acc | ((*d as u64) << (i * 4)));
        assert_eq!(super::cnpj(random), "11.222.333/0001-81");
    }
}
