//! `.tgz` chart archives: gzip (inflated with `miniz_oxide`) and ustar/pax/GNU tar,
//! bounded in size and entry count.

/// Largest uncompressed archive accepted.
pub const MAX_UNPACKED: usize = 64 << 20;
const MAX_ENTRIES: usize = 20_000;

fn gunzip(data: &[u8]) -> Result<Vec<u8>, String> {
    if data.len() < 18 || data[0] != 0x1f || data[1] != 0x8b || data[2] != 8 {
        return Err("not a gzip file".into());
    }
    let flags = data[3];
    let mut i = 10;
    if flags & 4 != 0 {
        let xlen = *data.get(i).ok_or("truncated gzip header")? as usize
            | (*data.get(i + 1).ok_or("truncated gzip header")? as usize) << 8;
        i += 2 + xlen;
    }
    for bit in [8u8, 16u8] {
        if flags & bit != 0 {
            while i < data.len() && data[i] != 0 {
                i += 1;
            }
            i += 1;
        }
    }
    if flags & 2 != 0 {
        i += 2;
    }
    if i >= data.len() {
        return Err("truncated gzip header".into());
    }
    miniz_oxide::inflate::decompress_to_vec_with_limit(&data[i..], MAX_UNPACKED)
        .map_err(|e| format!("gzip: {e:?}"))
}

fn octal(field: &[u8]) -> usize {
    let s: String = field
        .iter()
        .take_while(|b| **b != 0)
        .map(|b| *b as char)
        .collect();
    usize::from_str_radix(s.trim(), 8).unwrap_or(0)
}

fn cstr(field: &[u8]) -> String {
    let end = field.iter().position(|b| *b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

/// The regular files of a `.tgz`, as (path, bytes), paths normalized (no `./`, no `..`).
pub fn untar_gz(data: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let tar = gunzip(data)?;
    let mut out = Vec::new();
    let mut i = 0;
    let mut long_name: Option<String> = None;
    while i + 512 <= tar.len() {
        let h = &tar[i..i + 512];
        if h.iter().all(|b| *b == 0) {
            break;
        }
        let size = octal(&h[124..136]);
        let typ = h[156];
        let mut name = cstr(&h[0..100]);
        let prefix = cstr(&h[345..500]);
        if &h[257..262] == b"ustar" && !prefix.is_empty() {
            name = format!("{prefix}/{name}");
        }
        let body_start = i + 512;
        let body_end = body_start
            .checked_add(size)
            .filter(|e| *e <= tar.len())
            .ok_or("truncated tar entry")?;
        let body = &tar[body_start..body_end];
        match typ {
            b'L' => long_name = Some(cstr(body)),
            b'x' => {
                // pax: "len path=value\n" records
                let text = String::from_utf8_lossy(body);
                for rec in text.split('\n') {
                    if let Some((_, kv)) = rec.split_once(' ')
                        && let Some(p) = kv.strip_prefix("path=")
                    {
                        long_name = Some(p.to_string());
                    }
                }
            }
            b'0' | 0 => {
                let n = long_name.take().unwrap_or(name);
                let n = n.trim_start_matches("./").to_string();
                if !n.split('/').any(|s| s == "..") && !n.starts_with('/') {
                    out.push((n, body.to_vec()));
                }
                if out.len() > MAX_ENTRIES {
                    return Err("too many entries".into());
                }
            }
            _ => long_name = None,
        }
        i = body_start + size.div_ceil(512) * 512;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One tar header block: name, size, type, and a ustar prefix.
    fn header(name: &str, size: usize, typ: u8, prefix: &str) -> Vec<u8> {
        let mut h = vec![0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        let sz = format!("{size:011o}\0");
        h[124..136].copy_from_slice(sz.as_bytes());
        h[156] = typ;
        h[257..263].copy_from_slice(b"ustar\0");
        h[345..345 + prefix.len()].copy_from_slice(prefix.as_bytes());
        h
    }

    fn entry(tar: &mut Vec<u8>, name: &str, typ: u8, prefix: &str, body: &[u8]) {
        tar.extend(header(name, body.len(), typ, prefix));
        tar.extend_from_slice(body);
        tar.resize(tar.len().div_ceil(512) * 512, 0);
    }

    /// gzip with the optional header fields selected by `flags` (FHCRC 2, FEXTRA 4,
    /// FNAME 8, FCOMMENT 16).
    fn gzip(data: &[u8], flags: u8) -> Vec<u8> {
        let mut out = vec![0x1f, 0x8b, 8, flags, 0, 0, 0, 0, 0, 3];
        if flags & 4 != 0 {
            // XLEN = 3 (little-endian), then three bytes of extra field
            out.extend([3, 0, b'a', b'b', b'c']);
        }
        if flags & 8 != 0 {
            out.extend(b"chart.tar\0");
        }
        if flags & 16 != 0 {
            out.extend(b"a comment\0");
        }
        if flags & 2 != 0 {
            out.extend([0x12, 0x34]);
        }
        out.extend(miniz_oxide::deflate::compress_to_vec(data, 6));
        out.extend([0; 8]); // CRC32 and ISIZE: not checked
        out
    }

    fn sample_tar() -> Vec<u8> {
        let mut tar = Vec::new();
        entry(&mut tar, "web/Chart.yaml", b'0', "", b"name: web\n");
        entry(&mut tar, "templates/", b'5', "web", b"");
        entry(
            &mut tar,
            "deploy.yaml",
            b'0',
            "web/templates",
            b"kind: Deployment\n",
        );
        entry(
            &mut tar,
            "././@LongLink",
            b'L',
            "",
            b"web/a-very-long-name.yaml\0",
        );
        entry(&mut tar, "web/a-very-lo", b'0', "", b"long: 1\n");
        entry(
            &mut tar,
            "PaxHeader",
            b'x',
            "",
            b"30 path=web/from-pax.yaml\n",
        );
        entry(&mut tar, "web/ignored-name", b'0', "", b"pax: 1\n");
        entry(&mut tar, "./web/dot.yaml", 0, "", b"old: 1\n");
        entry(&mut tar, "../evil.yaml", b'0', "", b"no\n");
        entry(&mut tar, "/etc/evil.yaml", b'0', "", b"no\n");
        entry(&mut tar, "web/sym", b'2', "", b"");
        entry(&mut tar, "web/after-link.yaml", b'0', "", b"x: 1\n");
        tar.extend([0u8; 1024]);
        tar
    }

    #[test]
    fn regular_files_with_their_real_names_and_nothing_outside() {
        for flags in [0, 2, 4, 8, 16, 2 | 4 | 8 | 16] {
            let got = untar_gz(&gzip(&sample_tar(), flags)).expect("unpacks");
            let names: Vec<(&str, &[u8])> = got
                .iter()
                .map(|(n, b)| (n.as_str(), b.as_slice()))
                .collect();
            assert_eq!(
                names,
                vec![
                    ("web/Chart.yaml", &b"name: web\n"[..]),
                    ("web/templates/deploy.yaml", b"kind: Deployment\n"),
                    ("web/a-very-long-name.yaml", b"long: 1\n"),
                    ("web/from-pax.yaml", b"pax: 1\n"),
                    ("web/dot.yaml", b"old: 1\n"),
                    ("web/after-link.yaml", b"x: 1\n"),
                ],
                "flags {flags}"
            );
        }
    }

    #[test]
    fn bad_archives_are_errors() {
        assert_eq!(
            untar_gz(b"PK\x03\x04 not a gzip"),
            Err("not a gzip file".into())
        );
        let good = gzip(&sample_tar(), 0);
        assert_eq!(untar_gz(&good[..17]), Err("not a gzip file".into()));
        // a name field that never ends runs past the data
        let mut open_name = vec![0x1f, 0x8b, 8, 8, 0, 0, 0, 0, 0, 3];
        open_name.extend([b'n'; 20]);
        assert_eq!(untar_gz(&open_name), Err("truncated gzip header".into()));
        // an extra field longer than the data
        let mut long_extra = vec![0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 3, 0xff, 0xff];
        long_extra.extend([0u8; 10]);
        assert_eq!(untar_gz(&long_extra), Err("truncated gzip header".into()));
        // garbage after a good header
        let mut garbage = good[..10].to_vec();
        garbage.extend([0xffu8; 40]);
        assert!(untar_gz(&garbage).unwrap_err().starts_with("gzip: "));
        // an entry whose size runs past the end
        let mut tar = header("web/x.yaml", 4096, b'0', "");
        tar.extend([b'a'; 100]);
        assert_eq!(untar_gz(&gzip(&tar, 0)), Err("truncated tar entry".into()));
    }

    #[test]
    fn gzip_headers_are_read_to_the_byte() {
        // an extra field longer than 255 bytes (XLEN's high byte counts)
        let tar = sample_tar();
        let mut long = vec![0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 3, 0x2c, 0x01];
        long.extend([b'x'; 300]);
        long.extend(miniz_oxide::deflate::compress_to_vec(&tar, 6));
        long.extend([0; 8]);
        assert_eq!(untar_gz(&long).map(|v| v.len()), Ok(6));
        // each of the three magic bytes is checked on its own
        let good = gzip(&tar, 0);
        for (at, byte) in [(0, 0x1e), (1, 0x8c), (2, 7)] {
            let mut bad = good.clone();
            bad[at] = byte;
            assert_eq!(untar_gz(&bad), Err("not a gzip file".into()), "byte {at}");
        }
        // 18 bytes (header and trailer) is long enough to be read: an empty final block
        let mut smallest = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0x03, 0x00];
        smallest.extend([0; 6]);
        assert_eq!(smallest.len(), 18);
        assert_eq!(untar_gz(&smallest), Ok(Vec::new()));
        assert_eq!(untar_gz(&smallest[..17]), Err("not a gzip file".into()));
    }

    #[test]
    fn entries_and_size_are_bounded() {
        let mut tar = Vec::new();
        for i in 0..=MAX_ENTRIES {
            entry(&mut tar, &format!("f{i}"), b'0', "", b"");
        }
        assert_eq!(untar_gz(&gzip(&tar, 0)), Err("too many entries".into()));
        tar.truncate(MAX_ENTRIES * 512);
        assert_eq!(untar_gz(&gzip(&tar, 0)).map(|v| v.len()), Ok(MAX_ENTRIES));
        // inflating past the limit stops
        let big = vec![0u8; MAX_UNPACKED + 1];
        assert!(untar_gz(&gzip(&big, 0)).unwrap_err().starts_with("gzip: "));
    }

    #[test]
    fn octal_fields_and_c_strings() {
        assert_eq!(octal(b"00000000017\0"), 15);
        assert_eq!(octal(b" 17 \0"), 15);
        assert_eq!(octal(b"\0\0\0"), 0);
        assert_eq!(octal(b"9\0"), 0);
        assert_eq!(cstr(b"abc\0def"), "abc");
        assert_eq!(cstr(b"abc"), "abc");
    }
}
