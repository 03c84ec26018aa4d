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
