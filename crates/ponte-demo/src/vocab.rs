//! Words the sample data is made of: Brazilian places, utilities, company and
//! person names.

/// (city, state, distribution utility)
pub(crate) const CITIES: &[(&str, &str, &str)] = &[
    ("São Paulo", "SP", "Enel SP"),
    ("Campinas", "SP", "CPFL Paulista"),
    ("Ribeirão Preto", "SP", "CPFL Paulista"),
    ("Sorocaba", "SP", "CPFL Piratininga"),
    ("São José dos Campos", "SP", "EDP SP"),
    ("Rio de Janeiro", "RJ", "Light"),
    ("Niterói", "RJ", "Enel RJ"),
    ("Belo Horizonte", "MG", "Cemig D"),
    ("Uberlândia", "MG", "Cemig D"),
    ("Juiz de Fora", "MG", "Cemig D"),
    ("Vitória", "ES", "EDP ES"),
    ("Curitiba", "PR", "Copel DIS"),
    ("Londrina", "PR", "Copel DIS"),
    ("Joinville", "SC", "Celesc DIS"),
    ("Florianópolis", "SC", "Celesc DIS"),
    ("Porto Alegre", "RS", "CEEE Equatorial"),
    ("Caxias do Sul", "RS", "RGE Sul"),
    ("Goiânia", "GO", "Equatorial GO"),
    ("Brasília", "DF", "Neoenergia Brasília"),
    ("Campo Grande", "MS", "Energisa MS"),
    ("Cuiabá", "MT", "Energisa MT"),
    ("Salvador", "BA", "Coelba"),
    ("Recife", "PE", "Neoenergia Pernambuco"),
    ("Fortaleza", "CE", "Enel CE"),
    ("Natal", "RN", "Cosern"),
    ("São Luís", "MA", "Equatorial MA"),
    ("Belém", "PA", "Equatorial PA"),
    ("Manaus", "AM", "Amazonas Energia"),
    ("Palmas", "TO", "Energisa TO"),
];

/// The CCEE submarket a state belongs to.
pub(crate) fn submarket(uf: &str) -> &'static str {
    match uf {
        "PR" | "SC" | "RS" => "S",
        "BA" | "PE" | "CE" | "RN" | "PB" | "AL" | "SE" | "PI" => "NE",
        "PA" | "AM" | "TO" | "MA" | "AP" | "RR" | "AC" | "RO" => "N",
        _ => "SE/CO",
    }
}

pub(crate) const SUBMARKETS: &[&str] = &["SE/CO", "S", "NE", "N"];

pub(crate) fn regional(uf: &str) -> &'static str {
    match uf {
        "SP" | "RJ" | "MG" | "ES" => "Sudeste",
        "PR" | "SC" | "RS" => "Sul",
        "GO" | "DF" | "MS" | "MT" => "Centro-Oeste",
        "PA" | "AM" | "TO" => "Norte",
        _ => "Nordeste",
    }
}

pub(crate) const COMPANY_KINDS: &[(&str, &str)] = &[
    ("Metalúrgica", "Indústria"),
    ("Supermercados", "Varejo"),
    ("Hospital", "Saúde"),
    ("Frigorífico", "Agronegócio"),
    ("Indústrias Têxteis", "Indústria"),
    ("Shopping", "Varejo"),
    ("Colégio", "Educação"),
    ("Laticínios", "Agronegócio"),
    ("Plásticos", "Indústria"),
    ("Farmácias", "Varejo"),
    ("Universidade", "Educação"),
    ("Hotéis", "Serviços"),
    ("Cerâmica", "Indústria"),
    ("Logística", "Serviços"),
    ("Papel e Celulose", "Indústria"),
    ("Data Center", "Serviços"),
];

pub(crate) const COMPANY_NAMES: &[&str] = &[
    "Aurora",
    "Paulista",
    "Horizonte",
    "Serra Azul",
    "Boa Vista",
    "Santa Clara",
    "Primavera",
    "Atlântico",
    "Vale Verde",
    "Bandeirantes",
    "Ipiranga",
    "Cruzeiro",
    "Estrela",
    "Guanabara",
    "Tropical",
    "Pioneira",
    "São Bento",
    "Rio Claro",
    "Itaú",
    "Jequitibá",
    "Araucária",
    "Ouro Preto",
    "Mantiqueira",
    "Tietê",
];

pub(crate) const FIRST_NAMES: &[&str] = &[
    "Ana",
    "Bruno",
    "Camila",
    "Diego",
    "Eduarda",
    "Felipe",
    "Gabriela",
    "Henrique",
    "Isabela",
    "João",
    "Larissa",
    "Marcelo",
    "Natália",
    "Otávio",
    "Patrícia",
    "Rafael",
    "Sofia",
    "Thiago",
    "Vanessa",
    "Wagner",
    "Beatriz",
    "Carlos",
    "Fernanda",
    "Lucas",
    "Mariana",
    "Pedro",
    "Renata",
    "Gustavo",
    "Juliana",
    "André",
];

pub(crate) const LAST_NAMES: &[&str] = &[
    "Silva",
    "Santos",
    "Oliveira",
    "Souza",
    "Rodrigues",
    "Ferreira",
    "Alves",
    "Pereira",
    "Lima",
    "Gomes",
    "Costa",
    "Ribeiro",
    "Martins",
    "Carvalho",
    "Almeida",
    "Lopes",
    "Soares",
    "Fernandes",
    "Vieira",
    "Barbosa",
    "Rocha",
    "Dias",
    "Nascimento",
    "Andrade",
    "Moreira",
    "Nunes",
    "Marques",
    "Machado",
    "Mendes",
    "Freitas",
];

pub(crate) const JOB_TITLES: &[&str] = &[
    "Gerente de Facilities",
    "Coordenador de Utilidades",
    "Diretor Financeiro",
    "Analista de Energia",
    "Engenheiro de Manutenção",
    "Gerente de Compras",
    "Controller",
    "Gerente de Sustentabilidade",
];

pub(crate) const ACCOUNT_MANAGERS: &[&str] = &[
    "Carolina Mendes",
    "Ricardo Tavares",
    "Paula Azevedo",
    "Sérgio Lacerda",
    "Helena Prado",
    "Fábio Monteiro",
    "Luciana Brandão",
    "Roberto Fontes",
];

pub(crate) const INVOICE_ANALYSTS: &[&str] = &["Jéssica Moura", "Daniel Pacheco", "Aline Cardoso", "Vítor Sampaio"];

/// Lowercase ASCII for e-mail addresses: "São Bento" → "saobento".
pub(crate) fn slug(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            let c = match c {
                'á' | 'à' | 'â' | 'ã' | 'Á' | 'Â' | 'Ã' => 'a',
                'é' | 'ê' | 'É' | 'Ê' => 'e',
                'í' | 'Í' => 'i',
                'ó' | 'ô' | 'õ' | 'Ó' | 'Ô' => 'o',
                'ú' | 'Ú' => 'u',
                'ç' | 'Ç' => 'c',
                c => c,
            };
            c.is_ascii_alphanumeric().then(|| c.to_ascii_lowercase())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugs_are_ascii() {
        assert_eq!(super::slug("São Bento Laticínios"), "saobentolaticinios");
    }
}
