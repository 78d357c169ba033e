"""Hostile input shared by the hostile-input tests and the fuzz."""

#: Ids as sent in a path (percent-encoded): dot-segments, encoded slashes, NUL, CR/LF that would split a header.
TRICKY_IDS = ["..", ".", "%2E%2E", "a%2F..%2Fb", "..%2F..%2Fhealth", "a%00b", "%00", "a%0D%0AX-Injected: 1"]
