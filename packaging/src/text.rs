//! Decoding a bound's bytes as pip's `auto_decode` does: UTF-8 (BOM
//! stripped) or UTF-16 with a BOM (PowerShell's `pip freeze > req.txt`
//! writes UTF-16).

/// Why a bound's bytes are not text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A UTF-16 BOM, then units that are not UTF-16.
    #[error("invalid UTF-16 text")]
    Utf16,
    /// Not UTF-8, at this byte offset.
    #[error("not UTF-8 text (invalid byte at offset {0}); save the file as UTF-8")]
    Utf8(usize),
}

/// Decode a bound: UTF-8 (BOM stripped) or UTF-16 with a BOM.
pub fn decode(bytes: &[u8]) -> Result<String, DecodeError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8(rest);
    }
    let utf16 = |rest: &[u8], le: bool| -> Result<String, DecodeError> {
        let units = rest.chunks_exact(2).map(|c| {
            if le {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map_err(|_| DecodeError::Utf16)
    };
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, true);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, false);
    }
    utf8(bytes)
}

fn utf8(bytes: &[u8]) -> Result<String, DecodeError> {
    String::from_utf8(bytes.to_vec()).map_err(|e| DecodeError::Utf8(e.utf8_error().valid_up_to()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_boms() {
        assert_eq!(decode(b"\xEF\xBB\xBFa==1\n").unwrap(), "a==1\n");
        assert_eq!(decode(b"\xFF\xFEa\0=\0").unwrap(), "a=");
        assert!(decode(b"a\xFF")
            .unwrap_err()
            .to_string()
            .contains("not UTF-8"));
    }
}
