//! How words are quoted for POSIX shells and for systemd's `ExecStart=`, and split back: one
//! module, so the renderers that write scripts and units and the checks that read them agree. A
//! leaf of the crate.

use std::borrow::Cow;

/// Quotes one word for POSIX shells: safe words stay bare, anything else is single-quoted.
pub fn quote(word: &str) -> Cow<'_, str> {
    let safe = !word.is_empty()
        && word.chars().all(|c| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c))
        && !word.starts_with('~');
    if safe {
        Cow::Borrowed(word)
    } else {
        Cow::Owned(format!("'{}'", word.replace('\'', r"'\''")))
    }
}

/// Splits a command line into words as a POSIX shell would, without expanding anything: single
/// quotes are literal, double quotes keep `\"`, `\\`, `\$` and `` \` `` escapes, a backslash outside
/// quotes escapes the next character. The inverse of [`quote`] (see the tests).
pub fn split_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                word.extend(chars.by_ref().take_while(|q| *q != '\''));
            }
            '"' => {
                in_word = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' if chars.peek().is_some_and(|n| "\"\\$`".contains(*n)) => word.extend(chars.next()),
                        q => word.push(q),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.extend(chars.next());
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// Quotes one command-line word for systemd: `%` specifiers and `$` expansion are escaped, and
/// anything beyond plain characters is double-quoted with C-style escapes.
pub fn quote_word(word: &str) -> String {
    let plain = !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "_@+=:,./-".contains(c));
    if plain {
        return word.to_owned();
    }
    let mut out = String::from("\"");
    for c in word.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '%' => out.push_str("%%"),
            '$' => out.push_str("$$"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Splits systemd `ExecStart=` words: double quotes, backslash escapes, `$$` and `%%`.
pub fn systemd_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted = !quoted;
                in_word = true;
            }
            '\\' if quoted => match chars.next() {
                Some('n') => word.push('\n'),
                Some('t') => word.push('\t'),
                Some(other) => word.push(other),
                None => {}
            },
            '$' if chars.peek() == Some(&'$') => {
                chars.next();
                word.push('$');
                in_word = true;
            }
            '%' if chars.peek() == Some(&'%') => {
                chars.next();
                word.push('%');
                in_word = true;
            }
            c if c.is_whitespace() && !quoted => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_leaves_plain_words_and_wraps_the_rest() {
        assert_eq!(quote("--cluster-dns=10.3.0.2"), "--cluster-dns=10.3.0.2");
        assert_eq!(quote("/CN=worker01"), "/CN=worker01");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote("$(reboot)"), "'$(reboot)'");
        assert_eq!(quote("~/x"), "'~/x'");
    }

    #[test]
    fn split_words_undoes_quote() {
        let hostile = ["plain", "a b", "it's", "$(reboot)", "`id`", "\"q\"", "back\\slash", "", "~x", "tab\tin"];
        let line = hostile.iter().map(|w| quote(w).into_owned()).collect::<Vec<_>>().join(" ");
        assert_eq!(split_words(&line), hostile);
        assert_eq!(split_words(r#"-subj "/CN=$(hostname -s)" x\ y"#), ["-subj", "/CN=$(hostname -s)", "x y"]);
    }

    #[test]
    fn words_are_quoted_for_systemd() {
        assert_eq!(quote_word("--cluster-domain=cluster.local"), "--cluster-domain=cluster.local");
        assert_eq!(quote_word("a b"), "\"a b\"");
        assert_eq!(quote_word("100%"), "\"100%%\"");
        assert_eq!(quote_word("$HOME"), "\"$$HOME\"");
        assert_eq!(quote_word("x\"\ny"), "\"x\\\"\\ny\"");
    }
}
