package support

// Passage is a ranked excerpt of a knowledge-base article.
type Passage struct {
	ArticleID, Slug, Title, Heading, Text string
	Score                                 float64
}
