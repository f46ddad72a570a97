// Package textsearch turns text into search terms that PostgreSQL ('simple' tsvector) and SQLite (FTS5
// unicode61) can match the same way: words are split and lower-cased in Go, stop words dropped, synonym
// phrases replaced by a canonical English term, and every remaining word reduced to its Snowball stem with
// diacritics folded. Seven languages are supported: en, es, fr, de, pt, it, nl.
//
// Language detection (Detect) needs no model: it scores each language by the stop words and common support
// words found in the text, weighted by how few languages share them, plus distinctive letters and letter
// sequences.
//
// # Synonym file format
//
// One group per line:
//
//	# comment
//	canonical: variant, variant, multi word variant, ...
//
// The canonical is an English word or phrase; each variant is a word or a phrase of at most MaxPhraseWords
// words in any supported language. Blank lines and lines starting with '#' are ignored. Matching is case- and
// diacritics-insensitive and works on word sequences, longest phrase first; a text word matches a variant
// word when their folded forms are equal or when their stems in the language being analysed are equal, so
// "contraseñas" matches "contraseña". A matched phrase is replaced by the canonical's English stems
// ("mot de passe" -> "password"). The canonical itself is always a variant of its group. A variant may
// belong to one group only (ParseSynonyms reports the line of the duplicate). Stop words are dropped only
// after phrases are matched, so "mot de passe" matches although "de" is a stop word; but a variant made only
// of stop words of the analysed language is ignored for that language, so it cannot swallow ordinary text.
//
// Negations ("not", "nicht", "pas", "não", "geen") are stop words as Snowball publishes them: for retrieval
// they are noise, and every language treats them alike.
package textsearch
