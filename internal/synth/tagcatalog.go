package synth

import "strings"

// NumTags is the size of the tag catalogue (Meta Kaggle's Tags.csv has 830 rows).
const NumTags = 830

// tagTree is the hand-written part of the catalogue: two spaces of indentation per level,
// "name|ascii-slug" where the name is not ASCII, a trailing "*" for the most used tags.
const tagTree = `
subject
  science and technology
    computer science*
      programming*
      software
      artificial intelligence*
        machine learning*
        deep learning*
        nlp*
        computer vision*
        reinforcement learning
        generative ai*
        llm*
      internet
      cybersecurity
      databases
    physics
    chemistry
    biology
      genetics
      ecology
      bioinformatics
    earth and nature*
      weather and climate
      earthquakes
      environment
      animals
      plants
    mathematics
    astronomy
    engineering
    energy
      renewable energy
  health and fitness
    health*
      covid19*
      cancer
      diabetes
      heart conditions
      mental health
      public health
      healthcare
      medicine
    nutrition
    exercise
  business*
    finance*
      banking
      investing
      cryptocurrency
      stocks
      insurance
      economics*
    marketing
    retail and shopping
      e-commerce services
    real estate
    employment
    transportation
      automobiles and vehicles
      aviation
  people and society
    education*
    government
    politics
    crime
    demographics
    social networks
    religion and belief systems
    law
    news
  arts and entertainment
    movies and tv shows*
    music
    video games
    anime and manga
    books
    art
    comics and animation
  sports*
    football
    basketball
    cricket
    tennis
    baseball
    olympics
    motorsport
  food and drink
    coffee and tea
    wine
    restaurants
  travel
    hotels and accommodations
  hobbies and leisure
technique
  data visualization*
  data cleaning*
  exploratory data analysis*
  feature engineering
  classification*
  regression*
  clustering
  time series analysis*
  neural networks
  transformers
  gradient boosting
  xgboost
  lightgbm
  random forest
  logistic regression
  linear regression
  ensembling
  dimensionality reduction
  anomaly detection
  recommender systems
  sentiment analysis
  text mining
  image classification
  object detection
  image segmentation
  optimization
  statistical analysis
  survival analysis
  transfer learning
  web scraping
  data analytics*
  model explainability
data type
  tabular*
  text
  image*
  video
  audio
  geospatial analysis
  time series
  graph
  categorical
  numerical
geography and places
  asia
    india
    china
    vietnam
    japan
    south korea
    indonesia
  europe
    united kingdom
    germany
    france
    russia
  north america
    united states*
    canada
    mexico
  south america
    brazil
  africa
    nigeria
    kenya
  oceania
    australia
  cities and urban areas
  world
task
  binary classification*
  multiclass classification
  text classification
  text generation
  question answering
  speech recognition
  translation
  forecasting
  ranking
audience
  beginner*
  intermediate
  advanced
  tutorial
language
  python*
  r
  sql
  english
  tiếng việt|tieng-viet
  中文|chinese
  русский язык|russian-language
`

// qualifiers make the generated tags ("historical crime", "open finance", …) that fill the
// catalogue up to NumTags, as the long tail of Kaggle's tags does.
var qualifiers = []string{"historical", "global", "open", "regional", "daily", "synthetic",
	"annual", "public", "applied", "urban"}

type tag struct {
	id, parent   int64 // parent 0: none
	name, slug   string
	path         string // FullPath "subject > science and technology > …"
	description  string
	popular      bool
	generated    bool
	referencable bool // DatasetTags may point at it
}

// tagCatalog is the fixed, immutable list of tags, and the weighted choice of a tag for a
// dataset.
type tagCatalog struct {
	tags []tag
	// refs are the indexes of tags that DatasetTags rows may reference, with cumulative
	// popularity weights. The others are never referenced, so injecting defects into their
	// Tags.csv rows cannot turn a DatasetTags row into a reject: each defect stays exactly one
	// reject.
	refs []int
	cum  []uint64
}

const tagIDBase = 11100

func newTagCatalog() *tagCatalog {
	c := &tagCatalog{}
	type frame struct {
		idx  int
		path string
		slug string
	}
	var stack []frame
	for _, line := range strings.Split(strings.TrimSpace(tagTree), "\n") {
		depth := (len(line) - len(strings.TrimLeft(line, " "))) / 2
		name := strings.TrimSpace(line)
		popular := strings.HasSuffix(name, "*")
		name = strings.TrimSuffix(name, "*")
		slug := ""
		if i := strings.IndexByte(name, '|'); i >= 0 {
			name, slug = name[:i], name[i+1:]
		} else {
			slug = slugify(name)
		}
		stack = stack[:depth]
		t := tag{id: int64(tagIDBase + len(c.tags) + 1), name: name, popular: popular, referencable: true}
		t.path, t.slug = name, slug
		if depth > 0 {
			p := stack[depth-1]
			t.parent = c.tags[p.idx].id
			t.path = p.path + " > " + name
			t.slug = p.slug + "/" + slug
		}
		if r := len(c.tags) % 3; r == 0 {
			t.description = "Datasets, notebooks and competitions about " + name + "."
		} else if r == 1 {
			t.description = "Anything related to " + name + ", from beginner tutorials to research."
		}
		stack = append(stack, frame{idx: len(c.tags), path: t.path, slug: t.slug})
		c.tags = append(c.tags, t)
	}
	curated := len(c.tags)
	seen := make(map[string]bool, NumTags)
	for _, t := range c.tags {
		seen[t.name] = true
	}
	for q := 0; len(c.tags) < NumTags; q++ {
		for i := 1; i < curated && len(c.tags) < NumTags; i++ {
			base := c.tags[i]
			if base.parent == 0 || !isASCII(base.name) {
				continue
			}
			name := qualifiers[q%len(qualifiers)] + " " + base.name
			if seen[name] {
				continue
			}
			seen[name] = true
			n := len(c.tags)
			c.tags = append(c.tags, tag{
				id: int64(tagIDBase + n + 1), parent: base.id, name: name,
				slug: base.slug + "/" + slugify(name), path: base.path + " > " + name,
				generated: true,
				// Every fourth generated tag, and the last row of the file, are never
				// referenced (see refs).
				referencable: n%4 != 3 && n != NumTags-1,
			})
		}
	}
	for i, t := range c.tags {
		if !t.referencable {
			continue
		}
		w := uint64(10)
		switch {
		case t.popular:
			w = 2000
		case !t.generated:
			w = 150
		}
		var prev uint64
		if len(c.cum) > 0 {
			prev = c.cum[len(c.cum)-1]
		}
		c.refs = append(c.refs, i)
		c.cum = append(c.cum, prev+w)
	}
	return c
}

// pick returns the index (into tags) of a referencable tag, weighted by popularity.
func (c *tagCatalog) pick(r *rng) int {
	u := uint64(r.int63n(int64(c.cum[len(c.cum)-1])))
	lo, hi := 0, len(c.cum)-1
	for lo < hi {
		m := (lo + hi) / 2
		if u < c.cum[m] {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return c.refs[lo]
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// slugify lower-cases ASCII letters and digits and joins the words with "-".
func slugify(s string) string { return string(appendSlug(nil, s)) }

func appendSlug(b []byte, s string) []byte {
	dash := false
	start := len(b)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		default:
			dash = len(b) > start
			continue
		}
		if dash {
			b = append(b, '-')
			dash = false
		}
		b = append(b, c)
	}
	return b
}
