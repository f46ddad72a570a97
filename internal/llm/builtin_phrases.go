package llm

import "strings"

// builtinPhrases is every sentence the built-in responder writes itself, in
// one language. The articles it quotes stay as written.
type builtinPhrases struct {
	Decline  string // the whole reply when nothing answers the question
	Opening  string // first line of an answer
	From     string // names the article quoted next; %s is its title
	Closing  string // last line of an answer
	Attached string // acknowledges the customer's files; %s lists their names
	And      string // joins the last two names of a list
	// How are the question words and phrases, in lower case, that ask for
	// a procedure ("how do I …", "what should I do"); NotHow are the words
	// that, right after a one-word cue, ask for an amount ("how many").
	How    []string
	NotHow []string
}

// builtinPhrasesFor returns the phrases of lang, a language code such as
// "fr" or "pt-BR", falling back to English. This switch is the one place to
// add or correct a translation.
func builtinPhrasesFor(lang string) builtinPhrases {
	switch builtinLanguage(lang) {
	case "es":
		return builtinPhrases{
			Decline:  "No sé responder a esto; una persona del equipo te contestará.",
			Opening:  "Esto es lo que dice nuestro centro de ayuda:",
			From:     "Según \"%s\":",
			Closing:  "Si esto no lo resuelve, responde aquí y una persona del equipo te ayudará.",
			Attached: "Veo que adjuntaste %s; una persona del equipo lo revisará.",
			And:      "y",
			How:      []string{"cómo", "como", "qué hago", "qué debo hacer", "qué puedo hacer"},
		}
	case "fr":
		return builtinPhrases{
			Decline:  "Je ne connais pas la réponse ; une personne de l'équipe va vous répondre.",
			Opening:  "Voici ce qu'indique notre centre d'aide :",
			From:     "D'après \"%s\" :",
			Closing:  "Si cela ne résout pas le problème, répondez ici et une personne de l'équipe vous aidera.",
			Attached: "Je vois que vous avez joint %s ; une personne de l'équipe va le regarder.",
			And:      "et",
			How:      []string{"comment", "que faire", "que dois je faire", "que puis je faire"},
		}
	case "de":
		return builtinPhrases{
			Decline:  "Das weiß ich leider nicht; eine Person aus dem Team wird Ihnen antworten.",
			Opening:  "Das sagt unser Hilfe-Center dazu:",
			From:     "Aus \"%s\":",
			Closing:  "Falls das Ihr Problem nicht löst, antworten Sie hier, und eine Person aus dem Team hilft Ihnen weiter.",
			Attached: "Ich sehe, dass Sie %s angehängt haben; eine Person aus dem Team wird es sich ansehen.",
			And:      "und",
			How:      []string{"wie", "was tun", "was soll ich tun", "was kann ich tun"},
			NotHow:   []string{"viel", "viele", "lange", "oft", "alt", "groß"},
		}
	case "pt":
		return builtinPhrases{
			Decline:  "Não sei responder a isto; uma pessoa da equipe vai responder.",
			Opening:  "Veja o que diz a nossa central de ajuda:",
			From:     "De \"%s\":",
			Closing:  "Se isto não resolver, responda aqui e uma pessoa da equipe vai ajudar.",
			Attached: "Vejo que você anexou %s; uma pessoa da equipe vai analisar.",
			And:      "e",
			How:      []string{"como", "o que faço", "o que devo fazer", "o que posso fazer"},
		}
	case "it":
		return builtinPhrases{
			Decline:  "Non conosco la risposta; una persona del team ti risponderà.",
			Opening:  "Ecco cosa dice il nostro centro assistenza:",
			From:     "Da \"%s\":",
			Closing:  "Se questo non risolve il problema, rispondi qui e una persona del team ti aiuterà.",
			Attached: "Vedo che hai allegato %s; una persona del team lo esaminerà.",
			And:      "e",
			How:      []string{"come", "cosa faccio", "cosa devo fare", "cosa posso fare"},
		}
	case "nl":
		return builtinPhrases{
			Decline:  "Dit weet ik niet; iemand van het team zal je antwoorden.",
			Opening:  "Dit zegt ons helpcentrum erover:",
			From:     "Uit \"%s\":",
			Closing:  "Als dit het niet oplost, antwoord dan hier en iemand van het team helpt je verder.",
			Attached: "Ik zie dat je %s hebt bijgevoegd; iemand van het team bekijkt het.",
			And:      "en",
			How:      []string{"hoe", "wat moet ik doen", "wat kan ik doen"},
			NotHow:   []string{"lang", "vaak", "laat", "oud", "groot"},
		}
	}
	return builtinPhrases{
		Decline:  "I don't know this one, a person from the team will answer.",
		Opening:  "Here is what our help center says:",
		From:     "From \"%s\":",
		Closing:  "If this does not solve it, reply here and a person from the team will help.",
		Attached: "I see you attached %s; a person from the team will look at it.",
		And:      "and",
		How:      []string{"how", "what do i do", "what should i do", "what can i do"},
		NotHow:   []string{"much", "many", "long", "often", "old", "far", "soon", "big"},
	}
}

// builtinLanguage reduces a language tag to its primary subtag ("pt-BR" ->
// "pt") when builtinPhrasesFor knows it, else returns "en".
func builtinLanguage(lang string) string {
	primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(lang)), "-")
	primary, _, _ = strings.Cut(primary, "_")
	switch primary {
	case "es", "fr", "de", "pt", "it", "nl":
		return primary
	}
	return "en"
}
