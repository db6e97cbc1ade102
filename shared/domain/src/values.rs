//! Values that can only hold what is valid: parse, don't validate.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::Date;
use unicode_normalization::UnicodeNormalization;

macro_rules! string_newtype {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

/// An e-mail address, trimmed and lower-cased (addresses are compared case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);
string_newtype!(EmailAddress);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let email = raw.trim().to_lowercase();
        let (local, domain) = email
            .rsplit_once('@')
            .ok_or("must be an e-mail address like name@example.org")?;
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let domain_ok = domain.contains('.') && domain.split('.').all(label_ok);
        if email.len() <= 254 && local_ok && domain_ok {
            Ok(Self(email))
        } else {
            Err("must be an e-mail address like name@example.org")
        }
    }

    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(local, _)| local)
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, domain)| domain)
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = &'static str;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<EmailAddress> for String {
    fn from(email: EmailAddress) -> Self {
        email.0
    }
}

/// A person's name as they write it: 1 to 100 characters, no control characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonName(String);
string_newtype!(PersonName);

impl PersonName {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        Ok(Self(short_text(raw, 100)?))
    }

    /// The form registration matches on: accents and case folded, punctuation and spacing
    /// ignored ("Zoë O'Brien-Smith" and "zoe obrien smith" match).
    pub fn normalised(&self) -> String {
        normalise_name(&self.0)
    }
}

impl TryFrom<String> for PersonName {
    type Error = &'static str;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<PersonName> for String {
    fn from(name: PersonName) -> Self {
        name.0
    }
}

/// Folds a name for matching: NFKD, combining marks dropped, lower case, letters and digits only.
pub fn normalise_name(raw: &str) -> String {
    raw.nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Free text of one line: trimmed, 1 to `max` characters, no control characters.
pub fn short_text(raw: &str, max: usize) -> Result<String, &'static str> {
    let text = raw.trim();
    if text.is_empty() {
        Err("must not be blank")
    } else if text.chars().count() > max {
        Err(match max {
            50 => "is too long (50 characters at most)",
            100 => "is too long (100 characters at most)",
            500 => "is too long (500 characters at most)",
            _ => "is too long",
        })
    } else if text.chars().any(char::is_control) {
        Err("must not contain control characters")
    } else {
        Ok(text.to_owned())
    }
}

/// A learner's enrolment (candidate) number as the records system writes it: 4 to 20 letters,
/// digits, `-` or `/`, upper-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EnrolmentNumber(String);
string_newtype!(EnrolmentNumber);

impl EnrolmentNumber {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        record_number(raw)
            .map(Self)
            .ok_or("must be 4 to 20 letters, digits, '-' or '/'")
    }
}

fn record_number(raw: &str) -> Option<String> {
    let number = raw.trim().to_uppercase();
    let ok = (4..=20).contains(&number.len())
        && number
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '/');
    ok.then_some(number)
}

impl TryFrom<String> for EnrolmentNumber {
    type Error = &'static str;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<EnrolmentNumber> for String {
    fn from(n: EnrolmentNumber) -> Self {
        n.0
    }
}

/// A centre's number: 4 to 20 letters, digits, `-` or `/`, upper-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CentreNumber(String);
string_newtype!(CentreNumber);

impl CentreNumber {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        record_number(raw)
            .map(Self)
            .ok_or("must be 4 to 20 letters, digits, '-' or '/'")
    }
}

impl TryFrom<String> for CentreNumber {
    type Error = &'static str;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<CentreNumber> for String {
    fn from(n: CentreNumber) -> Self {
        n.0
    }
}

/// A telephone number: digits with optional `+`, spaces, dashes and brackets; 6 to 20 digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);
string_newtype!(Phone);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let phone = raw.trim();
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let ok = (6..=20).contains(&digits)
            && phone.len() <= 30
            && phone
                .chars()
                .all(|c| c.is_ascii_digit() || " +-()".contains(c))
            && !phone[1..].contains('+');
        if ok {
            Ok(Self(phone.to_owned()))
        } else {
            Err("must be a telephone number like +44 20 7946 0000")
        }
    }
}

impl TryFrom<String> for Phone {
    type Error = &'static str;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<Phone> for String {
    fn from(p: Phone) -> Self {
        p.0
    }
}

/// Free text of several lines (a report's description, an answer): trimmed, not blank, at most
/// `max` characters, no control characters but line breaks and tabs.
pub fn long_text(raw: &str, max: usize) -> Result<String, &'static str> {
    let text = raw.trim();
    if text.is_empty() {
        Err("must not be blank")
    } else if text.chars().count() > max {
        Err(match max {
            500 => "is too long (500 characters at most)",
            2000 => "is too long (2,000 characters at most)",
            _ => "is too long",
        })
    } else if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        Err("must not contain control characters")
    } else {
        Ok(text.replace("\r\n", "\n"))
    }
}

/// A calendar date written `YYYY-MM-DD`.
pub fn parse_date(raw: &str) -> Result<Date, &'static str> {
    Date::parse(
        raw.trim(),
        &time::format_description::well_known::Iso8601::DATE,
    )
    .ok()
    .filter(|_| raw.trim().len() == 10)
    .ok_or("must be a date written YYYY-MM-DD")
}

/// A date of birth: a real date, in the past, and not more than 130 years ago.
pub fn parse_date_of_birth(raw: &str, today: Date) -> Result<Date, &'static str> {
    let date = parse_date(raw)?;
    if date >= today {
        Err("must be in the past")
    } else if today.year() - date.year() > 130 {
        Err("is too far in the past")
    } else {
        Ok(date)
    }
}

/// An ISO 3166-1 alpha-2 country code, upper case (`gb` → `GB`).
pub fn country_code(raw: &str) -> Result<String, &'static str> {
    let code = raw.trim().to_uppercase();
    if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err("must be a two-letter country code such as GB")
    }
}

pub fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// A date as people write it in British English: `1 November 2026`.
pub fn long_date(date: Date) -> String {
    format!("{} {} {}", date.day(), date.month(), date.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_dates_read_as_people_write_them() {
        assert_eq!(
            long_date(time::macros::date!(2026 - 11 - 01)),
            "1 November 2026"
        );
    }
    use proptest::prelude::*;

    #[test]
    fn emails_are_trimmed_lowercased_and_checked() {
        assert_eq!(
            EmailAddress::parse("  Ada@Example.ORG ").unwrap().as_str(),
            "ada@example.org"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.org",
            "ada@example",
            "a b@example.org",
            "ada@ex..org",
            ".a@example.org",
            "a..b@example.org",
            "ada@-x.org",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
        let email = EmailAddress::parse("first.last+tag@mail.example.org").unwrap();
        assert_eq!(email.local_part(), "first.last+tag");
        assert_eq!(email.domain(), "mail.example.org");
    }

    #[test]
    fn names_normalise_for_matching() {
        let a = PersonName::parse("Zoë O'Brien-Smith").unwrap();
        let b = PersonName::parse("  ZOE OBRIEN SMITH ").unwrap();
        assert_eq!(a.normalised(), b.normalised());
        assert!(PersonName::parse("   ").is_err());
        assert!(PersonName::parse("a\u{7}b").is_err());
        assert!(PersonName::parse(&"x".repeat(101)).is_err());
    }

    #[test]
    fn record_numbers_and_dates() {
        assert_eq!(
            EnrolmentNumber::parse(" a123-45 ").unwrap().as_str(),
            "A123-45"
        );
        assert!(EnrolmentNumber::parse("12").is_err());
        assert!(EnrolmentNumber::parse("A1 234").is_err());
        assert!(parse_date("2024-02-30").is_err());
        assert!(parse_date("2024-2-3").is_err());
        let today = time::macros::date!(2026 - 11 - 23);
        assert!(parse_date_of_birth("2030-01-01", today).is_err());
        assert_eq!(
            format_date(parse_date_of_birth("1990-12-10", today).unwrap()),
            "1990-12-10"
        );
        assert!(Phone::parse("+44 (20) 7946-0000").is_ok());
        assert!(Phone::parse("44+12345678").is_err());
        assert!(Phone::parse("call me").is_err());
    }

    proptest! {
        #[test]
        fn parsed_emails_parse_again_to_themselves(raw in "[a-zA-Z0-9._%+-]{1,20}@[a-z0-9-]{1,10}\\.[a-z]{2,6}") {
            if let Ok(email) = EmailAddress::parse(&raw) {
                prop_assert_eq!(EmailAddress::parse(email.as_str()).unwrap(), email);
            }
        }

        #[test]
        fn normalising_is_idempotent(raw in "\\PC{0,40}") {
            let once = normalise_name(&raw);
            prop_assert_eq!(normalise_name(&once), once);
        }
    }
}
