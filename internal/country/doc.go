// Package country owns metalake's embedded ISO-3166-1 country table: every officially
// assigned alpha-2 code with one canonical English short name, plus the other spellings that
// show up in Meta Kaggle profiles and elsewhere ("Viet Nam", "Czech Republic", "Turkey",
// "Korea, Republic of", "Ivory Coast", …) as aliases of the same code.
//
// The table is a plain CSV file (countries.csv, columns name,code,canonical) embedded in the
// binary, so the Go code (Code, All) and the SQL engine (which loads CSV() as a lookup table)
// share one source of truth and can never disagree about a mapping.
//
// Matching is case-insensitive after trimming surrounding white space. It does not fold
// accents: "Cote d'Ivoire" resolves because it is listed as an alias, not because é and e are
// treated alike, which keeps the Go lookup and a SQL lower(trim(name)) join equivalent.
package country
