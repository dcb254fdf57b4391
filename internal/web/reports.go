package web

// Translate renders the catalogue text key in lang (zh or en; another falls back
// to Chinese), with args: the documents made outside the pages — the progress
// reports' workbooks — speak the pages' words.
func Translate(lang, key string, args ...any) string { return translate(lang, key, args...) }
