//! The rules a typosquat finding can carry, with their stable ids.

/// How a candidate name imitates a protected one. The order is the order of
/// preference when several rules match: the most specific explanation of
/// the name is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// Same characters, separators added, removed or moved (`setup-tools`).
    Separator,
    /// The import name of a popular project that publishes under another
    /// distribution name (`sklearn` for `scikit-learn`, `cv2` for
    /// `opencv-python`).
    ImportName,
    /// A popular project's former distribution name (`scikits.learn`).
    FormerName,
    /// Glyphs that read alike (`jeIlyfish`, `rnatplotlib`, `c0lorama`).
    LookAlike,
    /// Two adjacent characters swapped (`reqeusts`).
    SwappedChars,
    /// A character typed twice (`reequests`).
    RepeatedChar,
    /// A character left out (`urlib3`).
    OmittedChar,
    /// A character replaced by another (`djanga`, `mumpy`).
    SubstitutedChar,
    /// The same words in another order (`dateutil-python`).
    ReorderedWords,
    /// A `py`/`python` prefix or suffix added, removed or swapped
    /// (`python3-dateutil`, `pythonkafka`).
    PyAffix,
    /// An extra character inserted (`colourama`).
    AddedChar,
    /// Two typing mistakes in a long name (`matplootib`).
    TwoTypos,
    /// Version digits added, removed or changed (`urllib`, `httplib3`).
    VersionDigit,
    /// The popular name plus a plausible-looking affix (`requests-dev`).
    Combosquat,
}

impl Rule {
    /// Every rule, in order of preference.
    pub const ALL: [Rule; 14] = [
        Rule::Separator,
        Rule::ImportName,
        Rule::FormerName,
        Rule::LookAlike,
        Rule::SwappedChars,
        Rule::RepeatedChar,
        Rule::OmittedChar,
        Rule::SubstitutedChar,
        Rule::ReorderedWords,
        Rule::PyAffix,
        Rule::AddedChar,
        Rule::TwoTypos,
        Rule::VersionDigit,
        Rule::Combosquat,
    ];

    /// True for the rules that name a slip of the keyboard or the eye (one
    /// or two characters wrong), as opposed to a changed affix, alias or
    /// word order.
    pub fn is_typo(self) -> bool {
        matches!(
            self,
            Rule::LookAlike
                | Rule::SwappedChars
                | Rule::RepeatedChar
                | Rule::OmittedChar
                | Rule::SubstitutedChar
                | Rule::AddedChar
                | Rule::TwoTypos
        )
    }

    /// The stable rule id users grep for and suppress.
    pub fn id(self) -> &'static str {
        match self {
            Rule::Separator => "typosquat/separator",
            Rule::ImportName => "typosquat/import-name",
            Rule::FormerName => "typosquat/former-name",
            Rule::LookAlike => "typosquat/look-alike",
            Rule::SwappedChars => "typosquat/swapped-chars",
            Rule::RepeatedChar => "typosquat/repeated-char",
            Rule::OmittedChar => "typosquat/omitted-char",
            Rule::SubstitutedChar => "typosquat/substituted-char",
            Rule::AddedChar => "typosquat/added-char",
            Rule::TwoTypos => "typosquat/two-typos",
            Rule::PyAffix => "typosquat/py-affix",
            Rule::ReorderedWords => "typosquat/reordered-words",
            Rule::VersionDigit => "typosquat/version-digit",
            Rule::Combosquat => "typosquat/combosquat",
        }
    }

    /// What the candidate did to the protected name, for messages.
    pub fn explanation(self) -> &'static str {
        match self {
            Rule::Separator => "the same letters with separators changed",
            Rule::ImportName => "the name it is imported by, not the one it is published as",
            Rule::FormerName => "the name it was formerly published as",
            Rule::LookAlike => "look-alike characters substituted",
            Rule::SwappedChars => "two adjacent characters swapped",
            Rule::RepeatedChar => "a character repeated",
            Rule::OmittedChar => "a character omitted",
            Rule::SubstitutedChar => "a character substituted",
            Rule::AddedChar => "a character added",
            Rule::TwoTypos => "two characters mistyped",
            Rule::PyAffix => "a `py`/`python` prefix or suffix changed",
            Rule::ReorderedWords => "the same words reordered",
            Rule::VersionDigit => "version digits changed",
            Rule::Combosquat => "the name combined with an affix",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_namespaced() {
        let mut ids: Vec<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
        assert!(ids.iter().all(|id| id.starts_with("typosquat/")));
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), Rule::ALL.len());
    }

    #[test]
    fn all_is_in_preference_order() {
        assert!(Rule::ALL.windows(2).all(|w| w[0] < w[1]));
    }
}
