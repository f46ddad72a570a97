package support

import (
	"context"
	"fmt"
	"github.com/supportd/supportd/internal/textsearch"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Feedback is one user's rating of one AI message. A user has at most one
// rating per message: rating again replaces it (CreatedAt stays the first
// rating's time, UpdatedAt moves).
type Feedback struct {
	MessageID string
	UserID    string
	Helpful   bool
	Comment   string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// FeedbackTarget is what rating a message needs to know about it: who wrote
// it and on whose ticket.
type FeedbackTarget struct {
	MessageID  string
	Sender     Sender
	TicketID   string
	CustomerID string
}

// Reasons an AI answer is listed as unanswered.
const (
	ReasonDeclined   = "declined"   // nothing in the knowledge base covered the question
	ReasonUngrounded = "ungrounded" // passages were given but the reply cites none
	ReasonUnhelpful  = "unhelpful"  // someone rated the AI message "not helpful"
)

// UnansweredItem is one occurrence of a question the assistant did not answer
// well: a declined or ungrounded reply, or a "not helpful" rating (with its
// comment). CreatedAt is the reply's time, or the rating's last change.
type UnansweredItem struct {
	TicketID  string
	MessageID string
	Question  string
	Language  string
	Reason    string
	Comment   string
	CreatedAt time.Time
}

// FeedbackStore persists ratings and reads what the assistant could not answer.
type FeedbackStore interface {
	// FeedbackTarget returns a message's sender and ticket, or ErrNotFound.
	FeedbackTarget(ctx context.Context, messageID string) (*FeedbackTarget, error)
	// SaveFeedback inserts f or replaces the user's rating of the message,
	// and sets f.CreatedAt to the first rating's time.
	SaveFeedback(ctx context.Context, f *Feedback) error
	// DeleteFeedback removes a user's rating of a message, or gives ErrNotFound.
	DeleteFeedback(ctx context.Context, messageID, userID string) error
	// UnansweredQuestions returns up to limit occurrences at or after since,
	// newest first.
	UnansweredQuestions(ctx context.Context, since time.Time, limit int) ([]UnansweredItem, error)
}

// TermAnalyzer turns a question in language lang ("" when unknown) into the
// terms it is grouped by: lower-cased, without stop words.
type TermAnalyzer func(text, lang string) []string

// Feedback limits.
const (
	// MaxFeedbackComment bounds a rating's comment, in characters.
	MaxFeedbackComment = 2000
	// UnansweredWindow is how far back GET /ai/unanswered looks by default.
	UnansweredWindow = 30 * 24 * time.Hour
	// MaxUnansweredRows caps the occurrences one listing reads and groups, so
	// the listing's cost stays bounded whatever the traffic: past it, only the
	// newest are grouped.
	MaxUnansweredRows = 1000
	// DefaultUnansweredGroups and MaxUnansweredGroups bound the groups listed.
	DefaultUnansweredGroups = 20
	MaxUnansweredGroups     = 100
	// unansweredExamples is how many occurrences a group shows.
	unansweredExamples = 5
)

var (
	errMessageNotFound = Errorf(CodeNotFound, "Message not found")
	errFeedbackMissing = Errorf(CodeNotFound, "You have not rated this message")
	errUnansweredStaff = Errorf(CodeForbidden, "Only agents and admins can list the questions the assistant could not answer")
)

// canReadUnanswered lets only staff list the customers' unanswered questions:
// they come from every ticket.
func canReadUnanswered(a Actor) error {
	if !a.Role.IsStaff() {
		return errUnansweredStaff
	}
	return nil
}

// FeedbackService holds the rules of rating AI messages and of listing what
// the assistant could not answer.
type FeedbackService struct {
	store   FeedbackStore
	terms   TermAnalyzer
	log     *slog.Logger
	now     func() time.Time
	counted func(helpful bool) // counts ratings; nil: not counted
}

// NewFeedbackService wires a FeedbackService; terms groups the questions.
func NewFeedbackService(store FeedbackStore, terms TermAnalyzer, log *slog.Logger, now func() time.Time) *FeedbackService {
	return &FeedbackService{store: store, terms: terms, log: log, now: now}
}

// CountRatingsWith has count called for every rating saved, e.g. by a metric.
func (s *FeedbackService) CountRatingsWith(count func(helpful bool)) *FeedbackService {
	s.counted = count
	return s
}

// FeedbackInput is what a caller sets on a rating.
type FeedbackInput struct {
	Helpful bool
	Comment string
}

// Rate stores the actor's rating of an AI message on a ticket they may see,
// replacing their earlier one.
func (s *FeedbackService) Rate(ctx context.Context, actor Actor, messageID string, in FeedbackInput) (*Feedback, error) {
	if _, err := s.ratable(ctx, actor, messageID); err != nil {
		return nil, err
	}
	comment, err := feedbackComment(in.Comment)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	f := &Feedback{MessageID: messageID, UserID: actor.UserID, Helpful: in.Helpful, Comment: comment,
		CreatedAt: now, UpdatedAt: now}
	if err := s.store.SaveFeedback(ctx, f); err != nil {
		return nil, notFoundAs(err, errMessageNotFound, "save feedback") // the message went meanwhile
	}
	if s.counted != nil {
		s.counted(f.Helpful)
	}
	s.log.InfoContext(ctx, "ai message rated", "message_id", messageID, "user_id", actor.UserID, "helpful", f.Helpful)
	return f, nil
}

// Unrate removes the actor's rating of a message they may see.
func (s *FeedbackService) Unrate(ctx context.Context, actor Actor, messageID string) error {
	if _, err := s.visibleMessage(ctx, actor, messageID); err != nil {
		return err
	}
	if err := s.store.DeleteFeedback(ctx, messageID, actor.UserID); err != nil {
		return notFoundAs(err, errFeedbackMissing, "delete feedback")
	}
	return nil
}

// ratable loads a message the actor may rate: an AI message they may see.
func (s *FeedbackService) ratable(ctx context.Context, actor Actor, messageID string) (*FeedbackTarget, error) {
	t, err := s.visibleMessage(ctx, actor, messageID)
	if err != nil {
		return nil, err
	}
	if t.Sender != SenderAI {
		return nil, Errorf(CodeInvalid, "Only the assistant's messages can be rated; this one was written by %s", senderName(t.Sender))
	}
	return t, nil
}

// visibleMessage loads a message on a ticket the actor may see; any other is
// reported as not found, so nobody learns that a message exists.
func (s *FeedbackService) visibleMessage(ctx context.Context, actor Actor, messageID string) (*FeedbackTarget, error) {
	if actor.UserID == "" || !actor.Role.Valid() {
		return nil, ErrUnauthenticated // the API authenticates first; this guards other callers
	}
	if _, err := uuid.Parse(messageID); err != nil {
		return nil, errMessageNotFound
	}
	t, err := s.store.FeedbackTarget(ctx, messageID)
	if err != nil {
		return nil, notFoundAs(err, errMessageNotFound, "load message")
	}
	if !actor.canViewTicket(&Ticket{ID: t.TicketID, CustomerID: t.CustomerID}) {
		return nil, errMessageNotFound
	}
	return t, nil
}

func senderName(s Sender) string {
	if s == SenderAgent {
		return "an agent"
	}
	return "the customer"
}

// feedbackComment trims a comment and checks its length and characters.
func feedbackComment(c string) (string, error) {
	c = strings.TrimSpace(c)
	switch {
	case !utf8.ValidString(c):
		return "", Invalid(FieldError{Field: "comment", Message: "must be valid UTF-8"})
	case strings.ContainsRune(c, 0):
		return "", Invalid(FieldError{Field: "comment", Message: "must not contain NUL characters"})
	case utf8.RuneCountInString(c) > MaxFeedbackComment:
		return "", Invalid(FieldError{Field: "comment",
			Message: fmt.Sprintf("must be at most %d characters", MaxFeedbackComment), Value: utf8.RuneCountInString(c)})
	}
	return c, nil
}

// UnansweredQuery selects the unanswered questions to group.
type UnansweredQuery struct {
	Since time.Time // zero: UnansweredWindow ago
	Limit int       // groups; 0: DefaultUnansweredGroups, above MaxUnansweredGroups: that many
}

// UnansweredGroup is a topic the assistant could not answer: the key terms its
// questions share, how many there were (each AI message once), why, and the
// newest few.
type UnansweredGroup struct {
	Terms    []string
	Count    int
	Reasons  map[string]int // ReasonDeclined, ReasonUngrounded, ReasonUnhelpful: occurrences of each
	Examples []UnansweredItem
}

// Unanswered groups, by topic, the questions the assistant declined, answered
// without grounding, or whose answer someone rated "not helpful", so staff
// know which articles to write. It reads at most MaxUnansweredRows occurrences,
// the newest. Staff only.
func (s *FeedbackService) Unanswered(ctx context.Context, actor Actor, q UnansweredQuery) ([]UnansweredGroup, error) {
	if err := canReadUnanswered(actor); err != nil {
		return nil, err
	}
	limit, err := unansweredLimit(q.Limit)
	if err != nil {
		return nil, err
	}
	since := q.Since
	if since.IsZero() {
		since = s.now().Add(-UnansweredWindow)
	}
	items, err := s.store.UnansweredQuestions(ctx, since, MaxUnansweredRows)
	if err != nil {
		return nil, fmt.Errorf("unanswered questions: %w", err)
	}
	groups := groupQuestions(items, s.terms)
	if len(groups) > limit {
		groups = groups[:limit]
	}
	return groups, nil
}

func unansweredLimit(limit int) (int, error) {
	switch {
	case limit == 0:
		return DefaultUnansweredGroups, nil
	case limit < 0:
		return 0, Invalid(FieldError{Field: "limit", Message: "must be at least 1", Value: limit})
	case limit > MaxUnansweredGroups:
		return MaxUnansweredGroups, nil
	}
	return limit, nil
}

// questionTopic is one AI message among the occurrences: its newest
// occurrence first, and the terms of its question.
type questionTopic struct {
	items []UnansweredItem
	terms []string
}

// groupQuestions groups occurrences (newest first) by topic. Each AI message
// counts once, whatever its reasons. Greedily, the term shared by the most
// still-ungrouped questions (ties: the rarer overall, then alphabetical) makes
// a group of every ungrouped question holding it; questions that share no term
// with another stay alone, and those without terms go together.
func groupQuestions(items []UnansweredItem, analyze TermAnalyzer) []UnansweredGroup {
	topics := topicsOf(items, analyze)
	docFreq := map[string]int{}
	for _, t := range topics {
		for _, term := range t.terms {
			docFreq[term]++
		}
	}
	var groups []UnansweredGroup
	left := topics
	for {
		key := sharedKey(left, docFreq)
		if key == "" {
			break
		}
		var members, rest []*questionTopic
		for _, t := range left {
			if slices.Contains(t.terms, key) {
				members = append(members, t)
			} else {
				rest = append(rest, t)
			}
		}
		groups = append(groups, newGroup(groupTerms(key, members), members))
		left = rest
	}
	var termless []*questionTopic
	for _, t := range left {
		if len(t.terms) == 0 {
			termless = append(termless, t)
			continue
		}
		groups = append(groups, newGroup(t.terms[:min(len(t.terms), maxGroupTerms)], []*questionTopic{t}))
	}
	if len(termless) > 0 {
		groups = append(groups, newGroup([]string{}, termless))
	}
	slices.SortStableFunc(groups, compareGroups)
	words := surfaceWords(items, analyze)
	for i := range groups {
		for j, term := range groups[i].Terms {
			if w, ok := words[term]; ok {
				groups[i].Terms[j] = w
			}
		}
	}
	return groups
}

// surfaceWords maps each term to the first word of the questions (newest
// first) that analyses to it: staff read "invoices", not the stem "invoic".
func surfaceWords(items []UnansweredItem, analyze TermAnalyzer) map[string]string {
	words := map[string]string{}
	for _, it := range items {
		for _, w := range textsearch.Words(it.Question) {
			if terms := analyze(w, it.Language); len(terms) == 1 {
				if _, ok := words[terms[0]]; !ok {
					words[terms[0]] = w
				}
			}
		}
	}
	return words
}

// maxGroupTerms bounds the terms that name a group.
const maxGroupTerms = 5

// topicsOf merges the occurrences by AI message, keeping the newest first.
func topicsOf(items []UnansweredItem, analyze TermAnalyzer) []*questionTopic {
	byMessage := map[string]*questionTopic{}
	var topics []*questionTopic
	for _, it := range items {
		if t, ok := byMessage[it.MessageID]; ok {
			t.items = append(t.items, it)
			continue
		}
		t := &questionTopic{items: []UnansweredItem{it}}
		for _, term := range analyze(it.Question, it.Language) {
			if !slices.Contains(t.terms, term) {
				t.terms = append(t.terms, term)
			}
		}
		byMessage[it.MessageID] = t
		topics = append(topics, t)
	}
	return topics
}

// sharedKey is the term held by the most topics (at least two), ties going to
// the rarer term overall (more distinctive), then to alphabetical order; ""
// when no two topics share a term.
func sharedKey(topics []*questionTopic, docFreq map[string]int) string {
	cover := map[string]int{}
	for _, t := range topics {
		for _, term := range t.terms {
			cover[term]++
		}
	}
	best := ""
	for term, n := range cover {
		if n < 2 {
			continue
		}
		if best == "" || n > cover[best] ||
			n == cover[best] && (docFreq[term] < docFreq[best] || docFreq[term] == docFreq[best] && term < best) {
			best = term
		}
	}
	return best
}

// groupTerms names a group: its key, then the other terms at least half of
// its members hold, most held first.
func groupTerms(key string, members []*questionTopic) []string {
	held := map[string]int{}
	for _, m := range members {
		for _, term := range m.terms {
			if term != key {
				held[term]++
			}
		}
	}
	var others []string
	for term, n := range held {
		if 2*n >= len(members) && n >= 2 {
			others = append(others, term)
		}
	}
	slices.SortFunc(others, func(a, b string) int {
		if held[a] != held[b] {
			return held[b] - held[a]
		}
		return strings.Compare(a, b)
	})
	return append([]string{key}, others[:min(len(others), maxGroupTerms-1)]...)
}

// newGroup counts the members' reasons and keeps the newest occurrence of
// each of the newest members as examples.
func newGroup(terms []string, members []*questionTopic) UnansweredGroup {
	g := UnansweredGroup{Terms: terms, Count: len(members),
		Reasons: map[string]int{ReasonDeclined: 0, ReasonUngrounded: 0, ReasonUnhelpful: 0}}
	for _, m := range members {
		for _, it := range m.items {
			g.Reasons[it.Reason]++
		}
	}
	slices.SortStableFunc(members, func(a, b *questionTopic) int { return b.items[0].CreatedAt.Compare(a.items[0].CreatedAt) })
	for _, m := range members[:min(len(members), unansweredExamples)] {
		g.Examples = append(g.Examples, m.items[0])
	}
	return g
}

// compareGroups orders groups by count, largest first, then by their newest
// occurrence, then by their terms, so the listing is stable.
func compareGroups(a, b UnansweredGroup) int {
	if a.Count != b.Count {
		return b.Count - a.Count
	}
	if c := b.Examples[0].CreatedAt.Compare(a.Examples[0].CreatedAt); c != 0 {
		return c
	}
	return strings.Compare(strings.Join(a.Terms, " "), strings.Join(b.Terms, " "))
}

// englishStopWords are the common English words of four letters or more,
// which say nothing about a question's topic.
const englishStopWords = `about above after again against also among anyone anything around because been
before being below between both cannot could does doing done down during each either else even ever every
from further getting have having hello hers herself himself into itself just know like make many more most
much must myself need neither never once only other ought ours ourselves over please same should since some
something still such than thank thanks that their theirs them themselves then there these they thing this
those though through thus under until upon very want were what whatever when where whether which while whom
whose will with within without would your yours yourself yourselves`

// SimpleQuestionTerms is a stand-in TermAnalyzer for any language: the
// lower-cased words of four letters or more, without English stop words. The
// multilingual analyzer of the knowledge base (stems, synonyms) groups better.
func SimpleQuestionTerms() TermAnalyzer {
	stop := map[string]bool{}
	for _, w := range strings.Fields(englishStopWords) {
		stop[w] = true
	}
	return func(text, _ string) []string {
		var terms []string
		for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
			if utf8.RuneCountInString(w) >= 4 && !stop[w] {
				terms = append(terms, w)
			}
		}
		return terms
	}
}
