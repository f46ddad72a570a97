package textsearch

import (
	"embed"
	"strings"
	"sync"
)

//go:embed detect/*.txt
var detectFiles embed.FS

// Detection weights. Word evidence is split evenly among the languages that share the word, so "de" (five
// languages) counts little and "wachtwoord" (one) counts fully.
const (
	stopWordWeight     = 1.0
	shortStopWeight    = 0.3 // one-letter stop words ("a", "e", "y") are shared and weak
	commonWordWeight   = 1.5
	commonStemWeight   = 1.0 // an inflection of a common word: "olvidada" for "olvidé"
	maxCharScorePerWrd = 2.5 // letters and sequences cannot outweigh a word
	maxDetectWords     = 200 // the first words decide; long texts need no more
	minStemMatchBytes  = 5   // shorter words match other languages' stems by accident ("send", "senden")
	confidentScore     = 3.0 // this much evidence for the winner makes a clear margin fully confident
)

// charFeature is a letter or letter sequence typical of some languages, with its weight per language
// index (en, es, fr, de, pt, it, nl). Suffix features only count at the end of a word.
type charFeature struct {
	seq    string
	suffix bool
	weight [numLangs]float64
}

var charFeatures = []charFeature{
	{seq: "ñ", weight: [numLangs]float64{1: 3}},
	{seq: "ción", suffix: true, weight: [numLangs]float64{1: 2}},
	{seq: "ciones", suffix: true, weight: [numLangs]float64{1: 2}},
	{seq: "ã", weight: [numLangs]float64{4: 3}},
	{seq: "õ", weight: [numLangs]float64{4: 3}},
	{seq: "ção", suffix: true, weight: [numLangs]float64{4: 2}},
	{seq: "ções", suffix: true, weight: [numLangs]float64{4: 2}},
	{seq: "ç", weight: [numLangs]float64{2: 1.5, 4: 1.5}},
	{seq: "nh", weight: [numLangs]float64{4: 0.7}},
	{seq: "lh", weight: [numLangs]float64{4: 0.7}},
	{seq: "ß", weight: [numLangs]float64{3: 3}},
	{seq: "ä", weight: [numLangs]float64{3: 2}},
	{seq: "ö", weight: [numLangs]float64{3: 2}},
	{seq: "ü", weight: [numLangs]float64{3: 2}},
	{seq: "sch", weight: [numLangs]float64{3: 0.7, 6: 0.7}},
	{seq: "tz", weight: [numLangs]float64{3: 0.7}},
	{seq: "ung", suffix: true, weight: [numLangs]float64{3: 1}},
	{seq: "ungen", suffix: true, weight: [numLangs]float64{3: 1}},
	{seq: "ungs", weight: [numLangs]float64{3: 1}},
	{seq: "keit", suffix: true, weight: [numLangs]float64{3: 1.5}},
	{seq: "heit", suffix: true, weight: [numLangs]float64{3: 1.5}},
	{seq: "ij", weight: [numLangs]float64{6: 2}},
	{seq: "oe", weight: [numLangs]float64{6: 0.7}},
	{seq: "aa", weight: [numLangs]float64{6: 0.7}},
	{seq: "uu", weight: [numLangs]float64{6: 0.7}},
	{seq: "ee", weight: [numLangs]float64{0: 0.2, 6: 0.4}},
	{seq: "œ", weight: [numLangs]float64{2: 3}},
	{seq: "eau", weight: [numLangs]float64{2: 1}},
	{seq: "eux", suffix: true, weight: [numLangs]float64{2: 1}},
	{seq: "è", weight: [numLangs]float64{2: 1, 5: 1}},
	{seq: "à", weight: [numLangs]float64{2: 0.7, 4: 0.5, 5: 0.7}},
	{seq: "ù", weight: [numLangs]float64{2: 1, 5: 1}},
	{seq: "â", weight: [numLangs]float64{2: 1, 4: 1}},
	{seq: "ê", weight: [numLangs]float64{2: 1, 4: 1}},
	{seq: "ô", weight: [numLangs]float64{2: 1, 4: 1}},
	{seq: "î", weight: [numLangs]float64{2: 1.5}},
	{seq: "û", weight: [numLangs]float64{2: 1.5}},
	{seq: "ë", weight: [numLangs]float64{2: 1, 6: 1}},
	{seq: "ï", weight: [numLangs]float64{2: 1, 6: 0.5}},
	{seq: "é", weight: [numLangs]float64{1: 0.5, 2: 0.8, 4: 0.5, 5: 0.3}},
	{seq: "á", weight: [numLangs]float64{1: 0.8, 4: 0.8}},
	{seq: "í", weight: [numLangs]float64{1: 0.8, 4: 0.8}},
	{seq: "ó", weight: [numLangs]float64{1: 0.8, 4: 0.6}},
	{seq: "ú", weight: [numLangs]float64{1: 0.8, 4: 0.6}},
	{seq: "ì", weight: [numLangs]float64{5: 2}},
	{seq: "ò", weight: [numLangs]float64{5: 2}},
	{seq: "zione", suffix: true, weight: [numLangs]float64{5: 2}},
	{seq: "zioni", suffix: true, weight: [numLangs]float64{5: 2}},
	{seq: "gli", weight: [numLangs]float64{5: 0.7}},
	{seq: "zz", weight: [numLangs]float64{5: 1}},
	{seq: "cch", weight: [numLangs]float64{5: 1}},
	{seq: "th", weight: [numLangs]float64{0: 0.7}},
	{seq: "ght", weight: [numLangs]float64{0: 1}},
	{seq: "ing", suffix: true, weight: [numLangs]float64{0: 0.8, 6: 0.3}},
	{seq: "ed", suffix: true, weight: [numLangs]float64{0: 0.4}},
	{seq: "w", weight: [numLangs]float64{0: 0.3, 3: 0.2, 6: 0.2}},
	{seq: "sh", weight: [numLangs]float64{0: 0.4}},
	{seq: "ly", suffix: true, weight: [numLangs]float64{0: 0.8}},
	{seq: "ness", suffix: true, weight: [numLangs]float64{0: 1}},
	{seq: "tion", suffix: true, weight: [numLangs]float64{0: 0.5, 2: 0.5}},
	// Verb endings and derivational suffixes of the Romance languages.
	{seq: "ar", suffix: true, weight: [numLangs]float64{1: 0.5, 4: 0.5}},
	{seq: "er", suffix: true, weight: [numLangs]float64{0: 0.1, 1: 0.2, 2: 0.4, 3: 0.1, 6: 0.1}},
	{seq: "ir", suffix: true, weight: [numLangs]float64{1: 0.3, 2: 0.3, 4: 0.3}},
	{seq: "are", suffix: true, weight: [numLangs]float64{5: 0.8}},
	{seq: "ere", suffix: true, weight: [numLangs]float64{5: 0.6}},
	{seq: "ire", suffix: true, weight: [numLangs]float64{5: 0.4, 2: 0.3}},
	{seq: "ez", suffix: true, weight: [numLangs]float64{2: 0.8}},
	{seq: "ando", suffix: true, weight: [numLangs]float64{1: 0.6, 4: 0.6, 5: 0.4}},
	{seq: "iendo", suffix: true, weight: [numLangs]float64{1: 1.5}},
	{seq: "ado", suffix: true, weight: [numLangs]float64{1: 0.5, 4: 0.5}},
	{seq: "ada", suffix: true, weight: [numLangs]float64{1: 0.5, 4: 0.5}},
	{seq: "ato", suffix: true, weight: [numLangs]float64{5: 0.7}},
	{seq: "ata", suffix: true, weight: [numLangs]float64{5: 0.6}},
	{seq: "dad", suffix: true, weight: [numLangs]float64{1: 1.5}},
	{seq: "dade", suffix: true, weight: [numLangs]float64{4: 1.5}},
	{seq: "agem", suffix: true, weight: [numLangs]float64{4: 1.5}},
	{seq: "agens", suffix: true, weight: [numLangs]float64{4: 1.5}},
	{seq: "eur", suffix: true, weight: [numLangs]float64{2: 0.8}},
	{seq: "ique", suffix: true, weight: [numLangs]float64{2: 0.8}},
	{seq: "aux", suffix: true, weight: [numLangs]float64{2: 1}},
	{seq: "uis", suffix: true, weight: [numLangs]float64{2: 0.5}},
	{seq: "ura", suffix: true, weight: [numLangs]float64{5: 0.4, 1: 0.2, 4: 0.2}},
	{seq: "ieren", suffix: true, weight: [numLangs]float64{3: 1.5}},
	{seq: "lich", suffix: true, weight: [numLangs]float64{3: 1}},
	{seq: "chen", suffix: true, weight: [numLangs]float64{3: 0.8}},
	{seq: "heid", suffix: true, weight: [numLangs]float64{6: 1.5}},
	{seq: "en", suffix: true, weight: [numLangs]float64{3: 0.3, 6: 0.3}},
}

// detectData is the read-only evidence used by Detect.
type detectData struct {
	common      [numLangs]wordSet // common words, as written and folded
	commonStems [numLangs]wordSet // their stems in their own language
}

var detectTables = sync.OnceValue(func() *detectData {
	d := &detectData{}
	for _, l := range Langs() {
		i := l.index()
		d.common[i] = mustLoadWordList(detectFiles, "detect/"+string(l)+".txt")
		d.commonStems[i] = wordSet{}
		for w := range d.common[i] {
			if s := Stem(l, w); len(s) >= 3 {
				d.commonStems[i][s] = struct{}{}
			}
		}
	}
	return d
})

// Detect guesses which supported language text is written in and how sure it is, in [0,1]. It returns
// English with confidence 0 when there is nothing to go on (empty text, numbers, unknown words) or when the
// best languages tie.
func Detect(text string) (Lang, float64) {
	scores := detectScores(text)
	langs := Langs()
	best, second := 0, -1
	for i := 1; i < numLangs; i++ {
		if scores[i] > scores[best] {
			best = i
		}
	}
	for i := 0; i < numLangs; i++ {
		if i != best && (second < 0 || scores[i] > scores[second]) {
			second = i
		}
	}
	top, runnerUp := scores[best], scores[second]
	if top <= 0 || top == runnerUp {
		return English, 0
	}
	margin := (top - runnerUp) / top
	evidence := min(1, top/confidentScore)
	return langs[best], margin * evidence
}

// detectScores returns the evidence for each language index.
func detectScores(text string) [numLangs]float64 {
	var scores [numLangs]float64
	if strings.ContainsAny(text, "¿¡") {
		scores[Spanish.index()] += 3
	}
	words := Words(text)
	if len(words) > maxDetectWords {
		words = words[:maxDetectWords]
	}
	stops := stopWordSets()
	tables := detectTables()
	langs := Langs()
	for _, w := range words {
		folded := Fold(w)
		var hits [numLangs]float64
		shared := 0
		for i, l := range langs {
			weight := wordEvidence(w, folded, l, stops[i], tables.common[i], tables.commonStems[i])
			if weight > 0 {
				hits[i] = weight
				shared++
			}
		}
		for i := range hits {
			if hits[i] > 0 {
				scores[i] += hits[i] / float64(shared)
			}
		}
		addCharEvidence(&scores, w)
	}
	return scores
}

// wordEvidence weighs one word as evidence for language l.
func wordEvidence(w, folded string, l Lang, stops, common, commonStems wordSet) float64 {
	switch {
	case common.has(w) || common.has(folded):
		return commonWordWeight
	case stops.has(w):
		if len(folded) == 1 {
			return shortStopWeight
		}
		return stopWordWeight
	case len(w) >= minStemMatchBytes && commonStems.has(Stem(l, w)):
		return commonStemWeight
	}
	return 0
}

func addCharEvidence(scores *[numLangs]float64, w string) {
	var word [numLangs]float64
	for _, f := range charFeatures {
		var found bool
		if f.suffix {
			found = len(w) > len(f.seq) && strings.HasSuffix(w, f.seq)
		} else {
			found = strings.Contains(w, f.seq)
		}
		if !found {
			continue
		}
		for i, weight := range f.weight {
			word[i] += weight
		}
	}
	for i := range word {
		scores[i] += min(word[i], maxCharScorePerWrd)
	}
}
