package textsearch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// detectCases are realistic customer questions, written for this test, 15+ per language.
var detectCases = map[Lang][]string{
	English: {
		"I forgot my password",
		"how do I get my money back?",
		"charged twice this month",
		"can't log in to my account",
		"where can I download my invoices",
		"the app is really slow today",
		"how do I invite my team",
		"cancel my subscription please",
		"my calendar does not sync with Outlook",
		"two factor codes not working",
		"export all my data to a spreadsheet",
		"is there a discount for nonprofits?",
		"webhook keeps failing with a 500 error",
		"change the email address on my account",
		"delete my workspace and everything in it",
		"password reset",
		"refund",
	},
	Spanish: {
		"contraseña olvidada",
		"¿cómo cambio mi correo electrónico?",
		"me cobraron dos veces este mes",
		"no puedo iniciar sesión",
		"quiero cancelar mi suscripción",
		"dónde descargo mis facturas",
		"la aplicación va muy lenta",
		"cómo invito a mi equipo",
		"quiero que me devuelvan el dinero",
		"el calendario no se sincroniza",
		"necesito una factura con el IVA",
		"cómo borro mi cuenta",
		"no me llega el código de verificación",
		"puedo exportar mis datos a Excel?",
		"error al importar el archivo CSV",
		"olvidé mi contraseña",
	},
	French: {
		"mot de passe oublié",
		"je n'arrive pas à me connecter",
		"comment obtenir un remboursement ?",
		"j'ai été débité deux fois",
		"où trouver mes factures",
		"comment supprimer mon compte",
		"l'application est très lente",
		"je veux résilier mon abonnement",
		"comment inviter mon équipe",
		"le calendrier ne se synchronise pas",
		"je ne reçois pas le code",
		"exporter mes données en CSV",
		"changer mon adresse e-mail",
		"facture avec TVA s'il vous plaît",
		"parler à un humain",
		"problème de paiement avec ma carte",
	},
	German: {
		"wie ändere ich meine E-Mail?",
		"Passwort vergessen",
		"ich kann mich nicht anmelden",
		"Geld zurück bitte",
		"mir wurde doppelt abgebucht",
		"wo finde ich meine Rechnungen",
		"wie kündige ich mein Abo",
		"die App ist sehr langsam",
		"wie lade ich mein Team ein",
		"Kalender synchronisiert nicht",
		"Rechnung mit Mehrwertsteuer",
		"Konto löschen",
		"Daten exportieren als CSV",
		"Zwei-Faktor-Code kommt nicht an",
		"Zahlung fehlgeschlagen, Karte abgelehnt",
		"mit einem Menschen sprechen",
	},
	Portuguese: {
		"não consigo entrar",
		"esqueci minha senha",
		"quero meu dinheiro de volta",
		"fui cobrado duas vezes",
		"onde encontro minhas faturas",
		"como cancelo minha assinatura",
		"o aplicativo está muito lento",
		"como convido minha equipe",
		"o calendário não sincroniza",
		"como excluir minha conta",
		"não recebo o código de verificação",
		"exportar meus dados",
		"como mudo meu e-mail",
		"cartão recusado no pagamento",
		"falar com uma pessoa",
		"nota fiscal com imposto",
	},
	Italian: {
		"fattura sbagliata",
		"ho dimenticato la password",
		"non riesco ad accedere",
		"voglio un rimborso",
		"mi avete addebitato due volte",
		"dove trovo le mie fatture",
		"come annullo l'abbonamento",
		"l'applicazione è molto lenta",
		"come invito il mio team",
		"il calendario non si sincronizza",
		"come elimino il mio account",
		"non ricevo il codice di verifica",
		"esportare i miei dati",
		"come cambio la mia email",
		"carta rifiutata durante il pagamento",
		"parlare con una persona",
	},
	Dutch: {
		"wachtwoord vergeten",
		"ik kan niet inloggen",
		"ik wil mijn geld terug",
		"twee keer afgeschreven",
		"waar vind ik mijn facturen",
		"hoe zeg ik mijn abonnement op",
		"de app is erg traag",
		"hoe nodig ik mijn team uit",
		"agenda synchroniseert niet",
		"hoe verwijder ik mijn account",
		"ik ontvang de code niet",
		"mijn gegevens exporteren",
		"hoe wijzig ik mijn e-mailadres",
		"betaling mislukt, kaart geweigerd",
		"met een medewerker praten",
		"factuur met btw",
	},
}

// Foreign names in English questions must not flip the language.
var englishWithForeignNames = []string{
	"Can I pay in euros from München?",
	"our office in São Paulo cannot log in",
	"invoice address should be Málaga, Spain",
	"I work for Société Générale and need a receipt",
	"the team in Zürich gets sync errors",
	"do you support Nuñez Consultores as a company name?",
	"my colleague Jürgen can't see the project",
	"we moved to Groningen, how do I change the VAT number",
	"Ciudad de México time zone is wrong in the calendar",
	"please add François to our workspace",
}

func TestDetectAccuracy(t *testing.T) {
	total, correct := 0, 0
	for want, questions := range detectCases {
		if len(questions) < 15 {
			t.Errorf("%s: only %d questions, want at least 15", want, len(questions))
		}
		langCorrect := 0
		for _, q := range questions {
			got, conf := Detect(q)
			total++
			if got == want {
				correct++
				langCorrect++
				continue
			}
			t.Logf("miss %s: %q -> %s (%.2f)", want, q, got, conf)
		}
		t.Logf("%s: %d/%d", want, langCorrect, len(questions))
	}
	for _, q := range englishWithForeignNames {
		got, conf := Detect(q)
		total++
		if got == English {
			correct++
			continue
		}
		t.Logf("miss en+names: %q -> %s (%.2f)", q, got, conf)
	}
	accuracy := float64(correct) / float64(total)
	t.Logf("detection accuracy: %d/%d = %.1f%%", correct, total, 100*accuracy)
	if accuracy < 0.95 {
		t.Errorf("detection accuracy %.1f%% below 95%%", 100*accuracy)
	}
}

func TestDetectNothingToGoOn(t *testing.T) {
	// "de" is a stop word of four languages: a tie.
	for _, text := range []string{"", "   ", "12345", "!!!", "🙂🙂", "xqzt", "de"} {
		l, conf := Detect(text)
		if l != English || conf != 0 {
			t.Errorf("Detect(%q) = %s, %.2f; want en, 0", text, l, conf)
		}
	}
}

func TestDetectConfidence(t *testing.T) {
	_, short := Detect("wachtwoord")
	_, long := Detect("ik ben mijn wachtwoord vergeten en ik kan niet meer inloggen op mijn account")
	if !(short > 0 && long > short && long <= 1) {
		t.Errorf("confidence short %.2f long %.2f: want 0 < short < long <= 1", short, long)
	}
}

// The sample help center is English; the kb package detects each article's language from its text.
func TestDetectSampleArticles(t *testing.T) {
	files, err := filepath.Glob("../kb/sample/*.md")
	if err != nil || len(files) == 0 {
		t.Skipf("no sample articles: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		parts := strings.SplitN(string(data), "\n---\n", 2) // drop the front matter and its aliases
		body := parts[len(parts)-1]
		if l, conf := Detect(body); l != English || conf < 0.5 {
			t.Errorf("%s: Detect = %s, %.2f; want en with confidence >= 0.5", filepath.Base(f), l, conf)
		}
	}
}

func TestDetectReadsOnlyTheFirstWords(t *testing.T) {
	english := strings.Repeat("where is the invoice for my account ", maxDetectWords/7+1)
	german := strings.Repeat("wo ist die Rechnung für mein Konto ", 3*maxDetectWords)
	if l, _ := Detect(english + german); l != English {
		t.Errorf("Detect = %s, want en: only the first %d words count", l, maxDetectWords)
	}
	if l, _ := Detect(german + english); l != German {
		t.Errorf("Detect = %s, want de", l)
	}
}
