//! Document references: `NNNNNNNN-II-XXXX` — an 8-digit number, a 2-digit issue number and four
//! symbols, the last of which is a check symbol.
//!
//! - Unguessable: the number (10⁸ values) and the first three symbols (31³) are drawn at random,
//!   41.4 bits in all, so knowing one reference tells nothing of another.
//! - Mistakes are caught: the check symbol makes the weighted sum of all fourteen characters' values
//!   zero modulo 31 (a prime larger than every value, with distinct weights), so any single wrong
//!   character and any swap of two neighbours is refused instead of finding another document.
//! - Easy to read aloud and type: the symbols leave out I, L, O, S and U; when reading a
//!   reference back, `O` is taken as 0, `I` and `L` as 1 and `S` as 5, in any case.
//!
//! A reissue keeps the number and takes the next issue number, with a new random suffix.

use std::fmt;

use crate::ports::Random;

/// The 31 symbols of the suffix (and the values of digits, which are their own first ten).
const SYMBOLS: &[u8; 31] = b"0123456789ABCDEFGHJKMNPQRTVWXYZ";
const MODULUS: u32 = 31;
/// The characters a reference is made of, without its dashes: 8 + 2 + 4.
const LENGTH: usize = 14;

#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Reference(String);

impl Reference {
    /// A new reference with issue number 1.
    pub fn new(random: &dyn Random) -> Self {
        let number = uniform(random, 100_000_000);
        Self::build(&format!("{number:08}"), 1, random)
    }

    /// The reference of the next issue of the same document (a reissue), or `None` after 99.
    pub fn next_issue(&self, random: &dyn Random) -> Option<Self> {
        let issue = self.issue().checked_add(1).filter(|i| *i <= 99)?;
        Some(Self::build(self.number(), issue, random))
    }

    fn build(number: &str, issue: u8, random: &dyn Random) -> Self {
        let mut payload = format!("{number}{issue:02}");
        for _ in 0..3 {
            payload.push(char::from(SYMBOLS[uniform(random, MODULUS) as usize]));
        }
        payload.push(check_symbol(&payload));
        Self(format!(
            "{}-{}-{}",
            &payload[..8],
            &payload[8..10],
            &payload[10..]
        ))
    }

    /// Reads a reference as a person may type it: any case, spaces or dashes between the parts
    /// (or none), and the look-alike letters O, I, L and S for 0, 1, 1 and 5.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let mut chars = String::with_capacity(LENGTH);
        for c in raw.trim().chars() {
            match c.to_ascii_uppercase() {
                '-' | ' ' => {}
                'O' => chars.push('0'),
                'I' | 'L' => chars.push('1'),
                'S' => chars.push('5'),
                c if c.is_ascii() && SYMBOLS.contains(&(c as u8)) => chars.push(c),
                _ => return Err("must look like 12345678-01-AB3C"),
            }
        }
        if chars.len() != LENGTH || !chars[..10].bytes().all(|b| b.is_ascii_digit()) {
            return Err("must look like 12345678-01-AB3C");
        }
        if &chars[8..10] == "00" {
            return Err("must have an issue number from 01 to 99");
        }
        if !weighted_sum(&chars).is_multiple_of(MODULUS) {
            return Err("is not a valid reference: check it for a mistyped character");
        }
        Ok(Self(format!(
            "{}-{}-{}",
            &chars[..8],
            &chars[8..10],
            &chars[10..]
        )))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 8-digit number every issue of the document shares.
    pub fn number(&self) -> &str {
        &self.0[..8]
    }

    pub fn issue(&self) -> u8 {
        self.0[9..11].parse().unwrap_or(1)
    }
}

fn value(c: u8) -> u32 {
    SYMBOLS.iter().position(|s| *s == c).map_or(0, |p| p as u32)
}

/// Σ (position + 1) × value over the characters given (dashes already removed).
fn weighted_sum(chars: &str) -> u32 {
    chars
        .bytes()
        .enumerate()
        .map(|(i, c)| (i as u32 + 1) * value(c))
        .sum()
}

/// The symbol that makes the weighted sum of the payload and itself (at weight 14) ≡ 0 mod 31.
fn check_symbol(payload: &str) -> char {
    let partial = weighted_sum(payload) % MODULUS;
    // 14 × 20 = 280 = 9 × 31 + 1: 20 is 14's inverse modulo 31.
    let check = ((MODULUS - partial) % MODULUS) * 20 % MODULUS;
    char::from(SYMBOLS[check as usize])
}

/// A uniformly random number below `n`, by rejection (no modulo bias).
fn uniform(random: &dyn Random, n: u32) -> u32 {
    let zone = u32::MAX - (u32::MAX % n);
    loop {
        let mut bytes = [0u8; 4];
        random.fill(&mut bytes);
        let x = u32::from_le_bytes(bytes);
        if x < zone {
            return x % n;
        }
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Reference {
    type Error = &'static str;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<Reference> for String {
    fn from(reference: Reference) -> Self {
        reference.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::SystemRandom;
    use proptest::prelude::*;

    /// A Random that repeats the given bytes, for reproducible references in properties.
    struct Seeded(std::sync::Mutex<rand::rngs::StdRng>);
    impl Random for Seeded {
        fn fill(&self, buf: &mut [u8]) {
            use rand::RngCore;
            self.0.lock().unwrap().fill_bytes(buf);
        }
    }
    fn seeded(seed: u64) -> Seeded {
        use rand::SeedableRng;
        Seeded(std::sync::Mutex::new(rand::rngs::StdRng::seed_from_u64(
            seed,
        )))
    }

    #[test]
    fn a_new_reference_has_the_shape_and_reads_back() {
        for _ in 0..1000 {
            let r = Reference::new(&SystemRandom);
            let s = r.as_str();
            assert_eq!(s.len(), 16, "{s}");
            assert_eq!(&s[8..9], "-");
            assert_eq!(&s[11..12], "-");
            assert!(s[..8].bytes().all(|b| b.is_ascii_digit()), "{s}");
            assert_eq!(&s[9..11], "01");
            assert_eq!(Reference::parse(s), Ok(r.clone()));
        }
    }

    #[test]
    fn people_may_type_it_loosely() {
        let r = Reference::new(&seeded(7));
        let loose = r.as_str().to_lowercase().replace('-', " ");
        assert_eq!(Reference::parse(&loose), Ok(r.clone()));
        assert_eq!(
            Reference::parse(&r.as_str().replace('-', "")),
            Ok(r.clone())
        );
        // O for 0 in the number part.
        let with_o = r.as_str().replacen('0', "O", 1);
        if with_o != r.as_str() {
            assert_eq!(Reference::parse(&with_o), Ok(r));
        }
    }

    #[test]
    fn malformed_references_are_refused() {
        for bad in [
            "",
            "12345678-01",
            "1234567-01-ABCD",
            "ABCDEFGH-01-ABCD",
            "12345678-00-ABCD",
            "12345678-01-AB€D",
            "12345678-01-ABCDE",
        ] {
            assert!(Reference::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_reissue_keeps_the_number_and_counts_the_issue() {
        let first = Reference::new(&seeded(3));
        let second = first.next_issue(&seeded(4)).unwrap();
        assert_eq!(second.number(), first.number());
        assert_eq!(second.issue(), 2);
        assert_eq!(Reference::parse(second.as_str()), Ok(second.clone()));
        let mut r = second;
        while r.issue() < 99 {
            r = r.next_issue(&SystemRandom).unwrap();
        }
        assert!(r.next_issue(&SystemRandom).is_none());
    }

    fn positions() -> impl Strategy<Value = usize> {
        // The 14 characters' positions in the dashed form.
        prop::sample::select(vec![0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 12, 13, 14, 15])
    }

    proptest! {
        #[test]
        fn any_single_wrong_character_is_caught(seed: u64, at in positions(), with in 0usize..31) {
            let r = Reference::new(&seeded(seed));
            let mut bytes = r.as_str().as_bytes().to_vec();
            let replacement = SYMBOLS[with];
            prop_assume!(bytes[at] != replacement);
            prop_assume!(at >= 12 || replacement.is_ascii_digit());
            bytes[at] = replacement;
            let typo = String::from_utf8(bytes).unwrap();
            prop_assert!(Reference::parse(&typo).is_err(), "{} accepted for {}", typo, r);
        }

        #[test]
        fn any_swap_of_neighbours_is_caught(seed: u64, at in 0usize..13) {
            let r = Reference::new(&seeded(seed));
            let mut chars: Vec<u8> = r.as_str().bytes().filter(|b| *b != b'-').collect();
            prop_assume!(chars[at] != chars[at + 1]);
            chars.swap(at, at + 1);
            let swapped = String::from_utf8(chars).unwrap();
            prop_assert!(Reference::parse(&swapped).is_err(), "{} accepted for {}", swapped, r);
        }
    }
}
