//! Sprig's float arithmetic. `addf`, `add1f`, `subf`, `mulf` and `divf` do not add floats:
//! Sprig turns each operand into a decimal (the shortest digits that read back as the same
//! float, as `shopspring/decimal`'s `NewFromFloat`), computes exactly in decimal (division
//! rounded half away from zero at 16 decimal places), and reads the result back as the nearest
//! float. So `addf 0.1 0.2` is `0.3`, not `0.30000000000000004`, and `mulf 0.29 100 | floor`
//! is 29, not 28. A zero result has no sign; a division by zero and an infinite or NaN
//! operand are errors, as in Helm.

use std::cmp::Ordering;

/// Digits past the decimal point a quotient keeps (`decimal.DivisionPrecision`).
const DIVISION_PRECISION: i64 = 16;
/// Longest coefficient a result may reach (Helm's big integers have no bound; this keeps an
/// adversarial template from making one that fills memory).
const MAX_DIGITS: usize = 4096;

/// `±coef × 10^exp`, `coef` as decimal digits, least significant first, without leading
/// zeros (zero is empty).
#[derive(Clone, Debug, PartialEq)]
struct Dec {
    neg: bool,
    coef: Vec<u8>,
    exp: i64,
}

fn trim(mut d: Vec<u8>) -> Vec<u8> {
    while d.last() == Some(&0) {
        d.pop();
    }
    d
}

fn cmp_mag(a: &[u8], b: &[u8]) -> Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.iter().rev().cmp(b.iter().rev()))
}

fn add_mag(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len().max(b.len()) + 1);
    let mut carry = 0;
    for i in 0..a.len().max(b.len()) {
        let s = a.get(i).copied().unwrap_or(0) + b.get(i).copied().unwrap_or(0) + carry;
        out.push(s % 10);
        carry = s / 10;
    }
    if carry > 0 {
        out.push(carry);
    }
    out
}

/// `a - b` for `a >= b`.
fn sub_mag(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len());
    let mut borrow = 0;
    for (i, &x) in a.iter().enumerate() {
        let y = b.get(i).copied().unwrap_or(0) + borrow;
        if x >= y {
            out.push(x - y);
            borrow = 0;
        } else {
            out.push(x + 10 - y);
            borrow = 1;
        }
    }
    trim(out)
}

fn mul_mag(a: &[u8], b: &[u8]) -> Vec<u8> {
    if a.is_empty() || b.is_empty() {
        return Vec::new();
    }
    let mut acc = vec![0u32; a.len() + b.len()];
    for (i, &x) in a.iter().enumerate() {
        for (j, &y) in b.iter().enumerate() {
            acc[i + j] += u32::from(x) * u32::from(y);
        }
    }
    let mut out = Vec::with_capacity(acc.len());
    let mut carry = 0;
    for v in acc {
        let s = v + carry;
        out.push((s % 10) as u8);
        carry = s / 10;
    }
    // a product of n and m digits has at most n + m: no carry is left over
    trim(out)
}

/// `a × 10^n`.
fn shift(a: &[u8], n: usize) -> Vec<u8> {
    if a.is_empty() {
        return Vec::new();
    }
    let mut out = vec![0; n];
    out.extend_from_slice(a);
    out
}

/// Quotient and remainder of `a / b` (`b` not zero), by long division.
fn divmod_mag(a: &[u8], b: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut q = vec![0u8; a.len()];
    let mut r: Vec<u8> = Vec::new();
    for i in (0..a.len()).rev() {
        r = trim(shift(&r, 1));
        if r.is_empty() {
            if a[i] != 0 {
                r.push(a[i]);
            }
        } else {
            r[0] = a[i];
        }
        let mut digit = 0;
        while cmp_mag(&r, b) != Ordering::Less {
            r = sub_mag(&r, b);
            digit += 1;
        }
        q[i] = digit;
    }
    (trim(q), r)
}

impl Dec {
    fn zero() -> Dec {
        Dec {
            neg: false,
            coef: Vec::new(),
            exp: 0,
        }
    }

    /// `NewFromFloat`: the shortest digits that read back as `f`.
    fn from_f64(f: f64) -> Result<Dec, String> {
        if !f.is_finite() {
            return Err(format!(
                "Cannot create a Decimal from {}",
                super::template::gofmt::format_float_g(f)
            ));
        }
        if f == 0.0 {
            return Ok(Dec::zero());
        }
        // Rust prints the shortest round-trip digits, as Go's strconv does
        let s = format!("{:e}", f.abs());
        let (mant, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i64 = e.parse().unwrap_or(0);
        let digits: Vec<u8> = mant
            .bytes()
            .filter(u8::is_ascii_digit)
            .map(|b| b - b'0')
            .collect();
        let frac = digits.len() as i64 - 1;
        Ok(Dec {
            neg: f < 0.0,
            coef: trim(digits.into_iter().rev().collect()),
            exp: e - frac,
        })
    }

    /// The nearest float (`Float64`); zero is `+0`.
    fn to_f64(&self) -> f64 {
        if self.coef.is_empty() {
            return 0.0;
        }
        let digits: String = self
            .coef
            .iter()
            .rev()
            .map(|d| char::from(b'0' + d))
            .collect();
        let v: f64 = format!("{digits}e{}", self.exp).parse().unwrap_or(0.0);
        if self.neg { -v } else { v }
    }

    fn checked(self) -> Result<Dec, String> {
        if self.coef.len() > MAX_DIGITS {
            return Err("decimal result too large".into());
        }
        Ok(if self.coef.is_empty() {
            Dec::zero()
        } else {
            self
        })
    }

    /// Both coefficients at the smaller exponent.
    fn aligned(&self, o: &Dec) -> Result<(Vec<u8>, Vec<u8>, i64), String> {
        let exp = self.exp.min(o.exp);
        let widen = |d: &Dec| -> Result<Vec<u8>, String> {
            let n = (d.exp - exp) as usize;
            if d.coef.len() + n > MAX_DIGITS && !d.coef.is_empty() {
                return Err("decimal result too large".into());
            }
            Ok(shift(&d.coef, n))
        };
        Ok((widen(self)?, widen(o)?, exp))
    }

    fn add(&self, o: &Dec) -> Result<Dec, String> {
        let (a, b, exp) = self.aligned(o)?;
        let d = if self.neg == o.neg {
            Dec {
                neg: self.neg,
                coef: add_mag(&a, &b),
                exp,
            }
        } else {
            match cmp_mag(&a, &b) {
                Ordering::Less => Dec {
                    neg: o.neg,
                    coef: sub_mag(&b, &a),
                    exp,
                },
                _ => Dec {
                    neg: self.neg,
                    coef: sub_mag(&a, &b),
                    exp,
                },
            }
        };
        d.checked()
    }

    fn neg(&self) -> Dec {
        Dec {
            neg: !self.neg,
            ..self.clone()
        }
    }

    fn mul(&self, o: &Dec) -> Result<Dec, String> {
        Dec {
            neg: self.neg != o.neg,
            coef: mul_mag(&self.coef, &o.coef),
            exp: self.exp + o.exp,
        }
        .checked()
    }

    /// `Div`: the quotient rounded half away from zero to 16 decimal places.
    fn div(&self, o: &Dec) -> Result<Dec, String> {
        if o.coef.is_empty() {
            return Err("decimal division by 0".into());
        }
        // self / o × 10^16 = (a / b) × 10^k with k = e1 - e2 + 16
        let k = self.exp - o.exp + DIVISION_PRECISION;
        let too_large = || "decimal result too large".to_string();
        let (num, den) = if k >= 0 {
            let k = usize::try_from(k).map_err(|_| too_large())?;
            if self.coef.len() + k > MAX_DIGITS && !self.coef.is_empty() {
                return Err(too_large());
            }
            (shift(&self.coef, k), o.coef.clone())
        } else {
            let k = usize::try_from(-k).map_err(|_| too_large())?;
            if o.coef.len() + k > MAX_DIGITS {
                // the quotient rounds to zero at 16 places
                return Ok(Dec::zero());
            }
            (self.coef.clone(), shift(&o.coef, k))
        };
        let (mut q, r) = divmod_mag(&num, &den);
        if cmp_mag(&add_mag(&r, &r), &den) != Ordering::Less {
            q = add_mag(&q, &[1]);
        }
        Dec {
            neg: self.neg != o.neg,
            coef: trim(q),
            exp: -DIVISION_PRECISION,
        }
        .checked()
    }
}

/// Which of Sprig's decimal operations.
#[derive(Clone, Copy, Debug)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

/// Sprig's `execDecimalOp`: `first op rest[0] op rest[1] …`, each operand a float, the result
/// the nearest float to the exact decimal result.
pub fn fold(op: Op, first: f64, rest: &[f64]) -> Result<f64, String> {
    let mut acc = Dec::from_f64(first)?;
    for &x in rest {
        let d = Dec::from_f64(x)?;
        acc = match op {
            Op::Add => acc.add(&d)?,
            Op::Sub => acc.add(&d.neg())?,
            Op::Mul => acc.mul(&d)?,
            Op::Div => acc.div(&d)?,
        };
    }
    Ok(acc.to_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each row as Helm's Go library printed it (`printf "%v"` of the result, checked with
    /// the oracle), where plain floats give something else.
    #[test]
    fn results_are_decimal_as_in_sprig() {
        let g = super::super::template::gofmt::format_float_g;
        let rows: &[(Op, f64, &[f64], &str)] = &[
            (Op::Add, 0.0, &[0.1, 0.2], "0.3"),
            (Op::Mul, 1.1, &[1.1], "1.21"),
            (Op::Mul, 3.0, &[0.1], "0.3"),
            (Op::Mul, 0.29, &[100.0], "29"),
            (Op::Sub, 0.3, &[0.1], "0.2"),
            (Op::Div, 1.0, &[3.0], "0.3333333333333333"),
            (Op::Div, 2.0, &[3.0, 4.0], "0.1666666666666667"),
            (Op::Div, -2.0, &[3.0], "-0.6666666666666667"),
            (Op::Div, 10.0, &[4.0], "2.5"),
            (Op::Add, 1e20, &[1.0], "1e+20"),
            (Op::Mul, 1e300, &[1e300], "+Inf"),
            (Op::Mul, -1e300, &[1e300], "-Inf"),
            (Op::Div, 1e-300, &[1e300], "0"),
            (Op::Mul, 0.0, &[-1.0], "0"),
            (Op::Sub, 1.5, &[1.5], "0"),
            (Op::Add, -0.1, &[0.3], "0.2"),
            (Op::Add, 0.1, &[-0.3], "-0.2"),
            (Op::Sub, 0.1, &[0.3, -0.5], "0.3"),
            (Op::Add, 1e-10, &[1e10], "1e+10"),
            (Op::Add, 1e300, &[1e-300], "1e+300"),
            (Op::Div, 1.0, &[0.0001], "10000"),
            (Op::Div, 5e-17, &[1.0], "1e-16"),
            (Op::Div, 4e-17, &[1.0], "0"),
            (Op::Div, -5e-17, &[1.0], "-1e-16"),
            (Op::Mul, 123456789.123, &[1000.0], "1.23456789123e+11"),
        ];
        for (op, a, rest, want) in rows {
            let got = fold(*op, *a, rest).map(g);
            assert_eq!(got.as_deref(), Ok(*want), "{op:?} {a} {rest:?}");
        }
    }

    #[test]
    fn bad_operands_are_helms_errors() {
        assert_eq!(
            fold(Op::Div, 1.0, &[0.0]),
            Err("decimal division by 0".into())
        );
        assert_eq!(
            fold(Op::Add, f64::INFINITY, &[]),
            Err("Cannot create a Decimal from +Inf".into())
        );
        assert_eq!(
            fold(Op::Mul, 1.0, &[f64::NAN]),
            Err("Cannot create a Decimal from NaN".into())
        );
        // a product of hundreds of 17-digit operands is refused, not built
        let many = [1.2345678901234567; 300];
        assert_eq!(
            fold(Op::Mul, 1.0, &many),
            Err("decimal result too large".into())
        );
    }

    #[test]
    fn long_division_by_table() {
        let d = |s: &str| -> Vec<u8> { trim(s.bytes().rev().map(|b| b - b'0').collect()) };
        assert_eq!(divmod_mag(&d("100"), &d("7")), (d("14"), d("2")));
        assert_eq!(divmod_mag(&d("6"), &d("7")), (d(""), d("6")));
        assert_eq!(
            divmod_mag(&d("123456789"), &d("12345")),
            (d("10000"), d("6789"))
        );
        assert_eq!(divmod_mag(&d("1000"), &d("10")), (d("100"), d("")));
        assert_eq!(mul_mag(&d("999"), &d("999")), d("998001"));
        assert_eq!(sub_mag(&d("1000"), &d("1")), d("999"));
        assert_eq!(add_mag(&d("999"), &d("1")), d("1000"));
    }
}
