//! Engine tests with outputs verified against Go's text/template + Sprig behaviour.
