//! The packed form of the top-PyPI corpus (names, skeletons, forms) that
//! `build.rs` writes and the plugin borrows from: fixed-size records of
//! little-endian `u32`s pointing into one string.
//!
//! Records rather than text lines because the plugin reads the corpus on
//! every run: splitting ~55,000 tab-separated lines inside the sandbox
//! took about half of `configure`; slicing records costs a few hundred µs.
//!
//! Layout of the records: `names`, `forms`, then per name `rank`, and the
//! `start, end` byte ranges of its name, normalized form and skeleton in
//! the string; then per form `id`, `derived` (0 or 1) and `start, end`.

use std::borrow::Cow;

use crate::corpus::Protected;
use crate::index::Form;

/// The protected names, their skeletons (by name) and their forms.
pub type Corpus = (Vec<Protected>, Vec<Cow<'static, str>>, Vec<Form>);

/// `u32`s per name record.
const NAME_FIELDS: usize = 7;
/// `u32`s per form record.
const FORM_FIELDS: usize = 4;

/// The records and the string of `protected` (ranked names), their
/// `skeletons` and `forms`. Equal strings share one copy: most names are
/// their own normalized form and skeleton.
pub fn encode(
    protected: &[Protected],
    skeletons: &[Cow<str>],
    forms: &[Form],
) -> (Vec<u8>, String) {
    let mut text = String::new();
    let mut last: (usize, usize) = (0, 0);
    let mut place = |s: &str, text: &mut String| -> [u32; 2] {
        if text[last.0..last.1] != *s {
            last = (text.len(), text.len() + s.len());
            text.push_str(s);
        }
        [last.0 as u32, last.1 as u32]
    };
    let mut words: Vec<u32> = vec![protected.len() as u32, forms.len() as u32];
    let mut skeleton_at = Vec::with_capacity(protected.len());
    for (p, skel) in protected.iter().zip(skeletons) {
        words.push(p.rank.expect("the packed corpus holds ranked names"));
        words.extend(place(&p.name, &mut text));
        words.extend(place(&p.normalized, &mut text));
        let at = place(skel, &mut text);
        skeleton_at.push(at);
        words.extend(at);
    }
    for f in forms {
        words.extend([f.id, u32::from(f.derived)]);
        // A name's first form is its skeleton, already in the string.
        match skeleton_at.get(f.id as usize) {
            Some(&at) if skeletons[f.id as usize] == f.text => words.extend(at),
            _ => words.extend(place(&f.text, &mut text)),
        }
    }
    let bytes = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    (bytes, text)
}

/// The names, skeletons and forms packed in `records` over `text`, all
/// borrowed from `text`. `None` if the records are truncated, have bytes
/// left over, point outside `text` or between the bytes of a character,
/// or name a form's owner that does not exist.
pub fn decode(records: &[u8], text: &'static str) -> Option<Corpus> {
    let mut words = records
        .chunks_exact(4)
        .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]));
    if !records.len().is_multiple_of(4) {
        return None;
    }
    let (names, form_count) = (words.next()? as usize, words.next()? as usize);
    let expected = names
        .checked_mul(NAME_FIELDS)?
        .checked_add(form_count.checked_mul(FORM_FIELDS)?)?;
    if records.len() / 4 - 2 != expected {
        return None;
    }
    let (mut protected, mut skeletons) = (Vec::with_capacity(names), Vec::with_capacity(names));
    for _ in 0..names {
        let rank = words.next()?;
        protected.push(Protected {
            name: Cow::Borrowed(slice(&mut words, text)?),
            normalized: Cow::Borrowed(slice(&mut words, text)?),
            rank: Some(rank),
        });
        skeletons.push(Cow::Borrowed(slice(&mut words, text)?));
    }
    let mut forms = Vec::with_capacity(form_count);
    for _ in 0..form_count {
        let id = words.next()?;
        let derived = match words.next()? {
            0 => false,
            1 => true,
            _ => return None,
        };
        if id as usize >= names {
            return None;
        }
        forms.push(Form {
            id,
            text: Cow::Borrowed(slice(&mut words, text)?),
            derived,
        });
    }
    Some((protected, skeletons, forms))
}

/// The non-empty string at the next `start, end` pair of `words`.
fn slice(words: &mut impl Iterator<Item = u32>, text: &'static str) -> Option<&'static str> {
    let (start, end) = (words.next()? as usize, words.next()? as usize);
    text.get(start..end).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::top_pypi;
    use crate::index::derive;

    fn leak(s: String) -> &'static str {
        Box::leak(s.into_boxed_str())
    }

    #[test]
    fn round_trips_the_top_pypi_corpus_sharing_equal_strings() {
        let top = top_pypi();
        let (skeletons, forms) = derive(&top, true);
        let (records, text) = encode(&top, &skeletons, &forms);
        let all: usize = top.iter().map(|p| p.name.len()).sum();
        assert!(text.len() < all * 2, "equal strings are stored once");
        let (p, s, f) = decode(&records, leak(text)).expect("decodes");
        assert_eq!((p, s, f), (top, skeletons, forms));
    }

    #[test]
    fn damaged_records_are_refused() {
        let top = top_pypi()[..3].to_vec();
        let (skeletons, forms) = derive(&top, true);
        let (records, text) = encode(&top, &skeletons, &forms);
        let text = leak(text);
        assert!(decode(&records, text).is_some());
        let word = |i: usize, v: u32| {
            let mut r = records.clone();
            r[i * 4..i * 4 + 4].copy_from_slice(&v.to_le_bytes());
            r
        };
        let forms_at = 2 + 3 * NAME_FIELDS;
        for (what, bad) in [
            ("truncated", records[..records.len() - 4].to_vec()),
            ("odd length", records[..records.len() - 1].to_vec()),
            ("extra record", [&records[..], &[0; 4]].concat()),
            ("end past the text", word(3, u32::MAX)),
            ("empty string", word(4, 0)),
            ("form of no name", word(forms_at, 3)),
            ("derived not 0 or 1", word(forms_at + 1, 2)),
            ("name count too big", word(0, u32::MAX)),
        ] {
            assert!(decode(&bad, text).is_none(), "{what}");
        }
        // One name, no forms, its strings at bytes 0..n of "é" (2 bytes).
        let one = |end: u32| -> Vec<u8> {
            [1, 0, 1, 0, end, 0, end, 0, end]
                .iter()
                .flat_map(|w: &u32| w.to_le_bytes())
                .collect()
        };
        assert!(decode(&one(2), "é").is_some());
        assert!(decode(&one(1), "é").is_none(), "inside a character");
    }
}
